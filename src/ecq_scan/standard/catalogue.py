"""The standard as data: clauses 4–8, Table 1 grade thresholds and the 33 indicators of Table A.1.

The text lives in `catalogue.yaml` next to this module, so that wording, translations and the
observability judgement can be corrected without touching code, and so that reports, the scorer
and `checks list` all quote the same clause titles. The file is packaged data: it is validated on
first use and cached, and any inconsistency is a `RuleError` naming the file and the field.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Mapping
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ecq_scan.errors import RuleError
from ecq_scan.models import Grade, I18nText, Observability
from ecq_scan.models.check import CLAUSE_RE
from ecq_scan.standard._io import read_yaml_mapping, validation_error

CATALOGUE_FILE = "catalogue.yaml"
INDICATOR_COUNT = 33
#: Grades from lowest to highest (clause 8.2: AAAAA is the highest).
GRADES: tuple[Grade, ...] = get_args(Grade)

#: Leading observability class (clause-signals §1.1) → Observability. Derivation, not policy.
_CLASS_TO_OBSERVABILITY = {
    "A": Observability.WEBSITE,
    "B": Observability.PARTLY,
    "C": Observability.DOCUMENTS,
}


class Level(StrEnum):
    """The modal verb a clause states (GB/T 1.1): 应 shall, 宜 should, 可 may."""

    SHALL = "shall"
    SHOULD = "should"
    MAY = "may"


_LEVEL_STRENGTH = {Level.SHALL: 3, Level.SHOULD: 2, Level.MAY: 1}


def observability_of(signal_class: str) -> Observability:
    """The leading class of a class string: "A / B" → website, "C (weak B)" → documents."""
    lead = signal_class.strip()[:1]
    if lead not in _CLASS_TO_OBSERVABILITY:
        raise ValueError(f"signal class {signal_class!r} must start with A, B or C")
    return _CLASS_TO_OBSERVABILITY[lead]


class StandardInfo(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str
    title: I18nText
    status: str


class Clause(BaseModel):
    """One numbered clause or sub-clause (4.1 … 8.4), with its text and how observable it is."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    title: I18nText
    text: I18nText = Field(
        description="zh verbatim (first sentence or whole clause); en translation"
    )
    levels: tuple[Level, ...] = Field(description="modal verbs stated, in order of appearance")
    signal_class: str | None = Field(default=None, description="class in clause-signals §9")
    observability: Observability | None = Field(
        default=None,
        description="derived from signal_class unless given; None for headings and 8.x",
    )
    indicators: tuple[int, ...] = Field(default=(), description="Annex A indicators it feeds")
    note: str | None = None

    @model_validator(mode="after")
    def _derive_observability(self) -> Clause:
        if self.observability is None and self.signal_class is not None:
            object.__setattr__(self, "observability", observability_of(self.signal_class))
        return self

    @property
    def level(self) -> Level | None:
        """The strongest obligation the clause states (4.1 says 应 and 宜 → shall)."""
        return max(self.levels, key=_LEVEL_STRENGTH.__getitem__, default=None)

    @property
    def section(self) -> str:
        return self.id.split(".", 1)[0]

    @property
    def parent(self) -> str | None:
        """The enclosing numbered clause ("7.5.1.1" → "7.5.1"); None for "4.1"-level clauses."""
        head, _, _ = self.id.rpartition(".")
        return head if "." in head else None


class IndicatorGroup(BaseModel):
    """A 一级指标 of Table A.1."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    order: int
    title: I18nText


class Indicator(BaseModel):
    """A 二级指标 of Table A.1 with its 指标内容."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    number: int = Field(ge=1, le=INDICATOR_COUNT)
    group: str
    title: I18nText
    content: I18nText
    signal_class: str = Field(description="class in clause-signals §8")
    observability: Observability
    note: str | None = None
    clauses: tuple[str, ...] = Field(
        default=(), description="clauses that feed this indicator (filled from the clauses' lists)"
    )


class StandardCatalogue(BaseModel):
    """Clauses, grade thresholds and indicators, cross-checked on load."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    standard: StandardInfo
    sections: dict[str, I18nText]
    clauses: dict[str, Clause]
    grade_thresholds: dict[Grade, float]
    groups: dict[str, IndicatorGroup]
    indicators: dict[int, Indicator]

    @field_validator("clauses", mode="before")
    @classmethod
    def _clause_ids(cls, v: object) -> object:
        if isinstance(v, Mapping):
            return {
                str(k): {"id": str(k), **c} if isinstance(c, Mapping) else c for k, c in v.items()
            }
        return v

    @field_validator("groups", mode="before")
    @classmethod
    def _group_ids(cls, v: object) -> object:
        if isinstance(v, Mapping):
            return {
                str(k): {"id": str(k), **g} if isinstance(g, Mapping) else g for k, g in v.items()
            }
        return v

    @field_validator("indicators", mode="before")
    @classmethod
    def _indicator_numbers(cls, v: object) -> object:
        if isinstance(v, Mapping):
            return {k: {"number": k, **i} if isinstance(i, Mapping) else i for k, i in v.items()}
        return v

    @field_validator("clauses")
    @classmethod
    def _clause_numbers(cls, v: dict[str, Clause]) -> dict[str, Clause]:
        for cid, clause in v.items():
            if not CLAUSE_RE.match(cid):
                raise ValueError(f"{cid!r} is not a clause number like '4.1' or '7.5.1.1'")
            if clause.parent is not None and clause.parent not in v:
                raise ValueError(f"clause {cid} has no parent clause {clause.parent}")
            for n in clause.indicators:
                if not 1 <= n <= INDICATOR_COUNT:
                    raise ValueError(
                        f"clause {cid} feeds indicator {n}, outside 1–{INDICATOR_COUNT}"
                    )
        return v

    @field_validator("grade_thresholds")
    @classmethod
    def _thresholds(cls, v: dict[Grade, float]) -> dict[Grade, float]:
        if set(v) != set(GRADES):
            raise ValueError(f"needs exactly the grades {', '.join(GRADES)}")
        values = [v[g] for g in GRADES]
        if any(b <= a for a, b in itertools.pairwise(values)):
            raise ValueError(f"thresholds must ascend from A to AAAAA, got {values}")
        return {g: v[g] for g in GRADES}

    @model_validator(mode="after")
    def _cross_check(self) -> StandardCatalogue:
        if sorted(self.indicators) != list(range(1, INDICATOR_COUNT + 1)):
            missing = sorted(set(range(1, INDICATOR_COUNT + 1)) - set(self.indicators))
            extra = sorted(set(self.indicators) - set(range(1, INDICATOR_COUNT + 1)))
            raise ValueError(
                f"Table A.1 has exactly {INDICATOR_COUNT} indicators numbered 1–{INDICATOR_COUNT}"
                f" (missing {missing}, unexpected {extra})"
            )
        for n, ind in self.indicators.items():
            if ind.group not in self.groups:
                raise ValueError(f"indicator {n}: unknown group {ind.group!r}")
        for cid in self.clauses:
            if cid.split(".", 1)[0] not in self.sections:
                raise ValueError(f"clause {cid}: no section {cid.split('.', 1)[0]}")
        feeds: dict[int, list[str]] = {n: [] for n in self.indicators}
        for cid, clause in self.clauses.items():
            for n in clause.indicators:
                feeds[n].append(cid)
        filled = {
            n: ind.model_copy(update={"clauses": tuple(feeds[n])})
            for n, ind in self.indicators.items()
        }
        object.__setattr__(self, "indicators", dict(sorted(filled.items())))
        return self

    def clause(self, clause_id: str) -> Clause:
        """The clause `clause_id`; a `KeyError` naming it otherwise."""
        try:
            return self.clauses[clause_id]
        except KeyError:
            raise KeyError(f"no clause {clause_id!r} in clauses 4–8 of the standard") from None

    def indicator(self, number: int) -> Indicator:
        try:
            return self.indicators[number]
        except KeyError:
            raise KeyError(f"no indicator {number} in Table A.1 (1–{INDICATOR_COUNT})") from None

    def group_of(self, number: int) -> IndicatorGroup:
        return self.groups[self.indicator(number).group]


def _parse(text: str, where: str) -> StandardCatalogue:
    raw = read_yaml_mapping(
        text, where, "standard, sections, clauses, grade_thresholds, groups, indicators"
    )
    try:
        return StandardCatalogue.model_validate(raw)
    except ValidationError as exc:
        raise validation_error(where, exc, "the packaged standard catalogue is broken") from exc


@functools.cache
def load_catalogue(path: Path | None = None) -> StandardCatalogue:
    """The standard catalogue: the packaged `catalogue.yaml` (read once), or `path` for tests."""
    if path is not None:
        try:
            text = path.read_text("utf-8")
        except OSError as exc:
            raise RuleError(f"standard catalogue {path}: cannot be read: {exc}") from exc
        return _parse(text, f"standard catalogue {path}")
    res = resources.files("ecq_scan.standard").joinpath(CATALOGUE_FILE)
    return _parse(res.read_text("utf-8"), f"standard catalogue {res}")
