"""Check metadata: declared once, used by the report, the docs, the scorer and `checks list`."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ecq_scan.models.types import EnterpriseType

CHECK_ID_RE = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
CLAUSE_RE = re.compile(r"^[4-8](?:\.\d+){1,3}$")

Scope = Literal["page", "site"]


class Severity(StrEnum):
    CRITICAL = "critical"
    SERIOUS = "serious"
    MODERATE = "moderate"
    MINOR = "minor"
    INFO = "info"


class PageRole(StrEnum):
    """A guess at what a page is for; checks say which roles they look at."""

    HOME = "home"
    LICENCE = "licence"
    ABOUT = "about"
    CONTACT = "contact"
    HELP = "help"
    RETURNS = "returns"
    SHIPPING = "shipping"
    PRIVACY = "privacy"
    TERMS = "terms"
    RULES = "rules"
    COMPLAINTS = "complaints"
    PRODUCT = "product"
    CATEGORY = "category"
    OTHER = "other"


class I18nText(BaseModel):
    """The same text in Chinese and English; reports pick one by `--lang`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def get(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


class CheckMeta(BaseModel):
    """What a check is, shared by YAML rules and Python checks."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    title_pass: I18nText
    title_fail: I18nText
    description: I18nText
    severity: Severity
    clauses: list[str] = Field(min_length=1)
    indicators: list[int] = Field(default_factory=list)
    enterprise_types: list[EnterpriseType] = Field(default_factory=lambda: list(EnterpriseType))
    page_roles: list[PageRole] = Field(default_factory=list)
    scope: Scope = "site"
    absence_is_failure: bool = Field(
        default=False,
        description="True only where a law requires the item on the website; otherwise a "
        "missing signal is needs_review, not fail.",
    )
    requires_browser: bool = Field(
        default=False,
        description="True when the check reads RenderInfo; without a browser it reports error",
    )
    legal_basis: list[str] = Field(default_factory=list)
    source: str = Field(default="builtin", description="builtin, yaml:<path> or plugin:<name>")

    @field_validator("id")
    @classmethod
    def _kebab(cls, v: str) -> str:
        if not CHECK_ID_RE.match(v):
            raise ValueError(f"check id {v!r} must be a kebab-case noun such as 'icp-filing'")
        return v

    @field_validator("clauses")
    @classmethod
    def _clauses(cls, v: list[str]) -> list[str]:
        for c in v:
            if not CLAUSE_RE.match(c):
                raise ValueError(f"clause {c!r} is not a clause number like '4.1' or '7.2.2'")
        return v

    @field_validator("indicators")
    @classmethod
    def _indicators(cls, v: list[int]) -> list[int]:
        for n in v:
            if not 1 <= n <= 33:
                raise ValueError(f"Annex A indicator {n} is outside 1–33")
        return v
