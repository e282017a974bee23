"""Built-in Python checks: the ones that need logic a YAML rule cannot express (check digits,
cross-checks between a number, its link and its province, page-by-page verdicts, trap filters).

`ecq_scan.checks.registry.BUILTIN_CHECKS` lists them explicitly; importing this package registers
nothing by side effect.
"""

from ecq_scan.checks.builtin.absolute_ad_terms import AbsoluteAdTerms
from ecq_scan.checks.builtin.business_licence import BusinessLicence
from ecq_scan.checks.builtin.icp_filing import IcpFiling
from ecq_scan.checks.builtin.price_display import PriceDisplay
from ecq_scan.checks.builtin.public_security_filing import PublicSecurityFiling
from ecq_scan.checks.builtin.telecom_licence import TelecomLicence

__all__ = [
    "AbsoluteAdTerms",
    "BusinessLicence",
    "IcpFiling",
    "PriceDisplay",
    "PublicSecurityFiling",
    "TelecomLicence",
]
