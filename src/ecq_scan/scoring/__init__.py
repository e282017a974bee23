"""Annex A scoring: versioned profiles (YAML), assessor evidence files and the pure scorer."""

from ecq_scan.scoring.evidence import EvidenceEntry, EvidenceFile, load_evidence, validate_evidence
from ecq_scan.scoring.profile import (
    Cap,
    CapCondition,
    IndicatorRule,
    Item,
    Profile,
    TypeOverride,
    load_profile,
    packaged_profiles,
    parse_profile,
    validate_profile,
)
from ecq_scan.scoring.scorer import combine_check, grade_at_least, grade_for, score

__all__ = [
    "Cap",
    "CapCondition",
    "EvidenceEntry",
    "EvidenceFile",
    "IndicatorRule",
    "Item",
    "Profile",
    "TypeOverride",
    "combine_check",
    "grade_at_least",
    "grade_for",
    "load_evidence",
    "load_profile",
    "packaged_profiles",
    "parse_profile",
    "score",
    "validate_evidence",
    "validate_profile",
]
