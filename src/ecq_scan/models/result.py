"""ScanResult: the single source of truth every report renders (versioned JSON)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ecq_scan.models.check import CheckMeta, PageRole
from ecq_scan.models.finding import Disclosure, Finding
from ecq_scan.models.render import RenderInfo
from ecq_scan.models.score import Scorecard
from ecq_scan.models.tls import TlsInfo
from ecq_scan.models.types import EnterpriseType

SCHEMA_VERSION = "1.0"


class ScanStatus(StrEnum):
    COMPLETE = "complete"  # the crawl ended normally (budgets may have stopped it)
    PARTIAL = "partial"  # interrupted or time budget exhausted; what was fetched is reported
    UNSCANNABLE = "unscannable"  # nothing usable could be fetched (blocked, refused, not HTML)


class PageRecord(BaseModel):
    """One fetched URL: what came back and where its snapshot is stored."""

    model_config = ConfigDict(extra="forbid")

    url: str
    final_url: str
    status: int | None
    content_type: str | None = None
    encoding: str | None = None
    role: PageRole | None = None
    depth: int = 0
    fetched_at: datetime
    elapsed_ms: float = 0.0
    size: int = 0
    sha256: str | None = None
    snapshot: str | None = Field(default=None, description="body file, relative to the run dir")
    redirects: list[str] = Field(default_factory=list)
    headers: dict[str, str] = Field(default_factory=dict)
    error: str | None = None
    error_kind: str | None = Field(
        default=None,
        description="reason code of a failed fetch: timeout_total, blocked_ssrf, protocol_error …",
    )
    truncated: bool = Field(
        default=False,
        description="body cut at the byte cap or deadline, or HTML cut at the nesting bound",
    )
    render: RenderInfo | None = Field(default=None, description="set when a browser rendered it")
    tls: TlsInfo | None = Field(
        default=None, description="the TLS connection of the start page, when it was https"
    )


class SkippedUrl(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str
    reason: str


class Provenance(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tool_version: str
    rule_pack_hash: str
    profile_id: str
    settings: dict[str, Any]
    browser_version: str | None = None
    user_agent: str
    started_at: datetime
    finished_at: datetime
    offline_audit: bool = False


class ScanResult(BaseModel):
    model_config = ConfigDict(extra="forbid")

    schema_version: str = SCHEMA_VERSION
    scan_id: str | None = Field(
        default=None, description="names the scan in the history database; kept by resume/audit"
    )
    target: str
    host: str
    enterprise_type: EnterpriseType
    status: ScanStatus
    status_reason: str | None = None
    provenance: Provenance
    pages: list[PageRecord]
    skipped: list[SkippedUrl] = Field(default_factory=list)
    checks: list[CheckMeta]
    findings: list[Finding]
    disclosures: list[Disclosure]
    scorecard: Scorecard
