"""The check catalogue: built-in Python checks (an explicit list), YAML rules, and plugins.

No registration by import side effect: `BUILTIN_CHECKS` names every built-in check class, YAML
rules are loaded from the package's `rules/` folder (and any `--rules DIR`), and third-party checks
come from the `ecq_scan.checks` entry-point group.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from importlib import metadata, resources
from pathlib import Path

from ecq_scan.checks.base import Check
from ecq_scan.checks.builtin import (
    AbsoluteAdTerms,
    AccessibilityAxe,
    BusinessLicence,
    ContactAndAddress,
    CookieSecurity,
    CustomerServiceChannels,
    ElderlyFriendlyMode,
    ExpiredPromotions,
    Hsts,
    HttpsTransport,
    IcpFiling,
    IndustryPermits,
    InnovationSignals,
    LanguageVersions,
    LowBarrierServices,
    MandatoryAdNotices,
    MixedContent,
    OperatingAge,
    PageLanguage,
    PersonalisationOptOut,
    PlatformRules,
    PriceDisplay,
    PrivacyPolicyContent,
    PrivacyPolicyReach,
    PublicSecurityFiling,
    ReferencePrice,
    RuleChangeNotice,
    SecurityHeaders,
    SelfBuiltPlatformRules,
    ServiceAvailability,
    TelecomLicence,
    TermsVersionDate,
    TlsConfiguration,
    TrackingBeforeConsent,
    TransactionLoop,
    TrustClaims,
    UnfairTerms,
)
from ecq_scan.checks.yaml_rules import load_rules
from ecq_scan.errors import RuleError

#: Built-in Python checks, in catalogue order (clause 4.1 licences first, then 7.2.2, 7.7.1).
BUILTIN_CHECKS: tuple[type[Check], ...] = (
    IcpFiling,
    TelecomLicence,
    PublicSecurityFiling,
    BusinessLicence,
    IndustryPermits,
    PriceDisplay,
    ReferencePrice,
    AbsoluteAdTerms,
    AccessibilityAxe,
    ElderlyFriendlyMode,
    PageLanguage,
    LanguageVersions,
    PrivacyPolicyReach,
    TrackingBeforeConsent,
    HttpsTransport,
    TlsConfiguration,
    Hsts,
    SecurityHeaders,
    ServiceAvailability,
    CookieSecurity,
    MixedContent,
    CustomerServiceChannels,
    ContactAndAddress,
    PlatformRules,
    RuleChangeNotice,
    SelfBuiltPlatformRules,
    UnfairTerms,
    PrivacyPolicyContent,
    PersonalisationOptOut,
    TermsVersionDate,
    ExpiredPromotions,
    MandatoryAdNotices,
    TrustClaims,
    InnovationSignals,
    TransactionLoop,
    OperatingAge,
    LowBarrierServices,
)

ENTRY_POINT_GROUP = "ecq_scan.checks"


def packaged_rules_dir() -> Path:
    return Path(str(resources.files("ecq_scan").joinpath("rules")))


def load_catalogue(extra_rule_dirs: Sequence[Path] = ()) -> list[Check]:
    """Every check, built-in first; duplicate ids are an error naming both sources."""
    checks: list[Check] = [cls() for cls in BUILTIN_CHECKS]
    for d in (packaged_rules_dir(), *extra_rule_dirs):
        if d.is_dir():
            checks.extend(load_rules(d))
    for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
        obj = ep.load()
        checks.append(obj() if isinstance(obj, type) else obj)
    seen: dict[str, str] = {}
    for c in checks:
        if c.meta.id in seen:
            raise RuleError(
                f"check id {c.meta.id!r} is defined twice ({seen[c.meta.id]} and {c.meta.source})"
            )
        seen[c.meta.id] = c.meta.source
    return checks


def rule_pack_hash(checks: Sequence[Check]) -> str:
    """A stable hash of the catalogue's metadata and rule files, recorded in provenance."""
    h = hashlib.sha256()
    for c in sorted(checks, key=lambda c: c.meta.id):
        h.update(c.meta.model_dump_json().encode())
        spec = getattr(c, "spec", None)
        if spec is not None:
            h.update(spec.model_dump_json().encode())
    return h.hexdigest()[:16]
