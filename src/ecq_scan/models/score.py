"""The Annex A scorecard: three numbers (earned, lowest and highest still possible), never hidden.

A website-only scan cannot show most of Annex A (assets, staff, honours …). The scorecard keeps
what was earned from evidence apart from what is still pending, and the grade is a range.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ecq_scan.models.check import I18nText
from ecq_scan.models.types import EnterpriseType

Grade = Literal["A", "AA", "AAA", "AAAA", "AAAAA"]


class Observability(StrEnum):
    """Whether an indicator can be judged from a website (clause-signals §1.1 classes)."""

    WEBSITE = "website"  # A: observable
    PARTLY = "partly"  # B: a public signal exists; a person must confirm
    DOCUMENTS = "documents"  # C: only documents can show it


class ItemKind(StrEnum):
    AUTO = "auto"  # decided from website evidence by checks
    REVIEW = "review"  # a candidate a person confirms
    DOC = "doc"  # documents supplied by the assessor


class ItemState(StrEnum):
    EARNED = "earned"
    LOST = "lost"
    PENDING = "pending"
    NOT_APPLICABLE = "not_applicable"


class ItemScore(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    kind: ItemKind
    points: float
    state: ItemState
    earned: float = 0.0
    checks: list[str] = Field(default_factory=list)
    reason: str = ""


class IndicatorScore(BaseModel):
    model_config = ConfigDict(extra="forbid")

    number: int
    title: I18nText
    group: I18nText
    observability: Observability
    weight: float
    applicable: bool
    earned: float
    lost: float
    pending: float
    items: list[ItemScore]


class AppliedCap(BaseModel):
    """A grade cap that held for this scan, with the reason the report shows."""

    model_config = ConfigDict(extra="forbid")

    id: str
    max_grade: Grade
    reason: I18nText


class Scorecard(BaseModel):
    """Scores on a 0–100 scale after renormalising not-applicable indicators away."""

    model_config = ConfigDict(extra="forbid")

    profile_id: str
    profile_version: str
    enterprise_type: EnterpriseType
    applicable_weight: float
    earned: float
    lost: float
    pending: float
    min_score: float = Field(description="guaranteed: nothing pending assumed")
    max_score: float = Field(description="achievable: everything pending succeeds")
    coverage: float = Field(description="share of the score already decided, 0–1")
    grade_min: Grade | None = Field(description="null = below 50, no grade")
    grade_max: Grade | None
    provisional: bool
    caps_applied: list[str] = Field(default_factory=list, description="ids of the caps that held")
    caps: list[AppliedCap] = Field(
        default_factory=list, description="the caps that held, with reasons"
    )
    web_subscore: float = Field(
        description="earned website points / applicable website points × 100; NOT a grade"
    )
    evidence_file: str | None = None
    indicators: list[IndicatorScore]
