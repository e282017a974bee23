"""ecq-scan: compliance scanner for e-commerce websites (T/EJCCSE service-quality rules)."""

__version__ = "0.1.0"
