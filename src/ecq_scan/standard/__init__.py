"""The standard as data: clauses 4–8, Table 1 thresholds and the Annex A indicators."""

from ecq_scan.standard.catalogue import (
    GRADES,
    Clause,
    Indicator,
    IndicatorGroup,
    Level,
    StandardCatalogue,
    load_catalogue,
)

__all__ = [
    "GRADES",
    "Clause",
    "Indicator",
    "IndicatorGroup",
    "Level",
    "StandardCatalogue",
    "load_catalogue",
]
