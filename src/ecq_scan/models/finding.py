"""Outcomes, evidence, findings and disclosures.

The vocabulary follows axe-core and Lighthouse: only `pass` and `fail` move a score; the others
are shown and never scored silently. A site that blocked us is `error`, never `fail`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ecq_scan.models.check import I18nText

SNIPPET_MAX = 300


class Outcome(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    NEEDS_REVIEW = "needs_review"
    NOT_APPLICABLE = "not_applicable"
    ERROR = "error"


def bound_snippet(text: str, limit: int = SNIPPET_MAX) -> str:
    """Collapse whitespace and cut to `limit` characters, so evidence stays readable and small."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


class Evidence(BaseModel):
    """Something a person can find again: a page, where on it, and what it said."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    url: str
    locator: str | None = Field(
        default=None,
        description="CSS selector, or a fact: 'header:<name>', 'cookie:<name>', 'tls:<fact>', "
        "'history:<what>' (recorded scans)",
    )
    snippet: str | None = None
    screenshot: str | None = Field(default=None, description="path relative to the run directory")
    screenshot_sha256: str | None = None

    @field_validator("snippet")
    @classmethod
    def _bound(cls, v: str | None) -> str | None:
        return None if v is None else bound_snippet(v)


class Finding(BaseModel):
    """One verdict of one check, on the site or on one page, with its evidence."""

    model_config = ConfigDict(extra="forbid")

    check_id: str
    outcome: Outcome
    message: I18nText
    url: str | None = Field(default=None, description="set for page-scope findings")
    evidence: list[Evidence] = Field(default_factory=list)
    pages_searched: list[str] = Field(
        default_factory=list, description="for 'not found': every page that was searched"
    )


DisclosureKey = Literal[
    "icp_filing",
    "telecom_licence",
    "public_security_filing",
    "uscc",
    "business_licence",
    "other_licence",
    "return_policy",
    "privacy_policy",
    "terms",
    "platform_rules",
    "complaint_channel",
    "customer_service",
    "delivery_commitment",
    "after_sales_commitment",
    "shipping_fee",
    "price",
    "ad_superlative",
    "accessibility_feature",
    "language_version",
]
DISCLOSURE_KEYS: tuple[str, ...] = get_args(DisclosureKey)


class Disclosure(BaseModel):
    """A fact the site publishes about itself, as extracted: what assessors read first."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: DisclosureKey
    value: str
    url: str
    locator: str | None = None
    snippet: str | None = None
    valid: bool | None = Field(
        default=None, description="format/check-digit verdict where one exists, else null"
    )
    note: str | None = None

    @field_validator("snippet")
    @classmethod
    def _bound(cls, v: str | None) -> str | None:
        return None if v is None else bound_snippet(v)
