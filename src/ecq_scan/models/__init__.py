"""The serialised contract shared by every stage: outcomes, evidence, findings, disclosures, scores.

Everything here is plain pydantic data. It imports nothing else from the package, so every other
module may depend on it.
"""

from ecq_scan.models.check import CheckMeta, I18nText, PageRole, Scope, Severity
from ecq_scan.models.finding import (
    DISCLOSURE_KEYS,
    Disclosure,
    DisclosureKey,
    Evidence,
    Finding,
    Outcome,
)
from ecq_scan.models.render import (
    AxeNode,
    AxeResults,
    AxeRule,
    CookieRecord,
    RenderInfo,
)
from ecq_scan.models.result import (
    SCHEMA_VERSION,
    PageRecord,
    Provenance,
    ScanResult,
    ScanStatus,
    SkippedUrl,
)
from ecq_scan.models.score import (
    AppliedCap,
    Grade,
    IndicatorScore,
    ItemKind,
    ItemScore,
    ItemState,
    Observability,
    Scorecard,
)
from ecq_scan.models.tls import CertificateInfo, LegacyProbe, ProbeResult, TlsInfo
from ecq_scan.models.types import EnterpriseType

__all__ = [
    "DISCLOSURE_KEYS",
    "SCHEMA_VERSION",
    "AppliedCap",
    "AxeNode",
    "AxeResults",
    "AxeRule",
    "CertificateInfo",
    "CheckMeta",
    "CookieRecord",
    "Disclosure",
    "DisclosureKey",
    "EnterpriseType",
    "Evidence",
    "Finding",
    "Grade",
    "I18nText",
    "IndicatorScore",
    "ItemKind",
    "ItemScore",
    "ItemState",
    "LegacyProbe",
    "Observability",
    "Outcome",
    "PageRecord",
    "PageRole",
    "ProbeResult",
    "Provenance",
    "RenderInfo",
    "ScanResult",
    "ScanStatus",
    "Scope",
    "Scorecard",
    "Severity",
    "SkippedUrl",
    "TlsInfo",
]
