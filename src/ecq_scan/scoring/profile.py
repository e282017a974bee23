"""Scoring profiles: how the 100 points split over the Annex A indicators, and how to earn them.

The draft standard fixes only the grade thresholds (Table 1) and the indicator list (Table A.1); it
assigns no points. Every number a score depends on is therefore an ecq-scan convention, and lives
in a versioned YAML profile (`profiles/<name>.yaml`), never in code, so it can be published with
each report and changed without a release.

An indicator's points are split into items of three kinds (`ItemKind`): `auto` items are decided
by website checks, `review` items wait for a person, `doc` items wait for documents. A profile must
add up: indicator weights to 100 (and to the group weights), items to their indicator's weight,
for every enterprise type; every check it names must exist. A profile that does not is a
`RuleError` naming the file and the field, at load time rather than halfway through a scan.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

from ecq_scan.errors import RuleError
from ecq_scan.models import EnterpriseType, Grade, I18nText, ItemKind, Outcome
from ecq_scan.standard import StandardCatalogue, load_catalogue
from ecq_scan.standard._io import read_yaml_mapping, validation_error

#: Rounding slack when adding up points written as decimals in YAML.
TOLERANCE = 1e-6
#: The sum every enterprise type's indicator weights must reach (Table 1 grades a 0–100 total).
TOTAL_WEIGHT = 100.0
PROFILES_PACKAGE = "ecq_scan.scoring"
PROFILES_DIR = "profiles"

ITEM_ID_RE = re.compile(r"^(?P<n>[1-9][0-9]?)\.[a-z0-9]+(?:-[a-z0-9]+)*$")
CAP_ID_RE = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")

Combine = Literal["all", "any"]


class Item(BaseModel):
    """A share of one indicator's points and what decides it.

    `id` is `<indicator>.<slug>` (e.g. `2.total-assets`) so evidence files stay readable and an id
    says where its points go.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=ITEM_ID_RE.pattern)
    kind: ItemKind
    points: float = Field(gt=0)
    checks: tuple[str, ...] = Field(
        default=(),
        description="auto: the checks that decide it; review: optional candidate signals shown to "
        "the reviewer; doc: none",
    )
    combine: Combine = Field(
        default="all", description="auto only: all checks must pass, or any one passing is enough"
    )
    description: I18nText

    @model_validator(mode="after")
    def _kind_rules(self) -> Item:
        if self.kind is ItemKind.AUTO and not self.checks:
            raise ValueError(
                "an auto item needs at least one check; make it a review item until a check exists"
            )
        if self.kind is ItemKind.DOC and self.checks:
            raise ValueError("a doc item is decided by documents only and names no checks")
        if len(set(self.checks)) != len(self.checks):
            raise ValueError("a check is listed twice")
        return self

    @property
    def indicator(self) -> int:
        m = ITEM_ID_RE.match(self.id)
        assert m is not None  # guaranteed by the field pattern
        return int(m["n"])


class IndicatorRule(BaseModel):
    """An indicator's weight and the items its points are split into."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    weight: float = Field(ge=0)
    items: tuple[Item, ...] = Field(default=(), description="empty only when the weight is 0")


class TypeOverride(BaseModel):
    """Replacement item lists for one enterprise type; indicator weights never change per type."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    indicators: dict[int, tuple[Item, ...]] = Field(default_factory=dict)


class CapCondition(BaseModel):
    """True when the combined outcome of `check` (all its findings, see the scorer) is `outcome`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    check: str
    outcome: Outcome


class Cap(BaseModel):
    """An upper bound on the grade while a condition holds (no licence disclosure → at most A)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=CAP_ID_RE.pattern)
    when: CapCondition
    max_grade: Grade
    reason: I18nText


class Profile(BaseModel):
    """A validated scoring profile. Build it with `load_profile`, which also checks the sums."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    profile_id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$")
    profile_version: str = Field(min_length=1)
    title: I18nText | None = None
    groups: dict[str, float] = Field(description="Table A.1 group id → weight")
    indicators: dict[int, IndicatorRule]
    not_applicable: dict[EnterpriseType, tuple[int, ...]] = Field(
        default_factory=dict,
        description="indicators that do not apply to a type; their weight is renormalised away",
    )
    overrides: dict[EnterpriseType, TypeOverride] = Field(default_factory=dict)
    caps: tuple[Cap, ...] = ()

    _source: str = PrivateAttr(default="<memory>")

    @property
    def source(self) -> str:
        """Where the profile was read from, for messages."""
        return self._source

    def items_for(self, enterprise_type: EnterpriseType, number: int) -> tuple[Item, ...]:
        """The items of indicator `number` for a type, after that type's overrides."""
        override = self.overrides.get(enterprise_type)
        if override is not None and number in override.indicators:
            return override.indicators[number]
        return self.indicators[number].items

    def applicable(self, enterprise_type: EnterpriseType, number: int) -> bool:
        return number not in self.not_applicable.get(enterprise_type, ())

    def all_items(self) -> Iterator[Item]:
        """Every item, base and overrides (an overriding item may repeat a base id)."""
        for rule in self.indicators.values():
            yield from rule.items
        for override in self.overrides.values():
            for items in override.indicators.values():
                yield from items

    def item_kinds(self) -> dict[str, set[ItemKind]]:
        """Item id → the kinds it has across types (evidence may only set review and doc items)."""
        kinds: dict[str, set[ItemKind]] = {}
        for item in self.all_items():
            kinds.setdefault(item.id, set()).add(item.kind)
        return kinds

    def referenced_checks(self) -> set[str]:
        """Every check id the profile names, in items and caps."""
        ids = {c for item in self.all_items() for c in item.checks}
        ids.update(cap.when.check for cap in self.caps)
        return ids

    def kind_totals(self, enterprise_type: EnterpriseType) -> dict[ItemKind, float]:
        """Points per item kind over the indicators applicable to a type (for docs and tests)."""
        totals = dict.fromkeys(ItemKind, 0.0)
        for n in self.indicators:
            if self.applicable(enterprise_type, n):
                for item in self.items_for(enterprise_type, n):
                    totals[item.kind] += item.points
        return totals


def _problems(
    profile: Profile, known_checks: Collection[str], catalogue: StandardCatalogue
) -> Iterator[str]:
    """Every way the profile fails to add up or to refer to real things, as `field …: message`."""
    expected = set(catalogue.indicators)
    present = set(profile.indicators)
    for n in sorted(expected - present):
        yield f"field indicators.{n}: indicator {n} of Table A.1 is missing"
    for n in sorted(present - expected):
        yield f"field indicators.{n}: there is no indicator {n} in Table A.1"
    for g in sorted(set(catalogue.groups) - set(profile.groups)):
        yield f"field groups.{g}: group {g!r} is missing"
    for g in sorted(set(profile.groups) - set(catalogue.groups)):
        yield f"field groups.{g}: unknown group (known: {', '.join(catalogue.groups)})"

    total = sum(r.weight for r in profile.indicators.values())
    if abs(total - TOTAL_WEIGHT) > TOLERANCE:
        yield f"field indicators: weights sum to {total:g}, not {TOTAL_WEIGHT:g}"
    for g, gw in profile.groups.items():
        in_group = sum(
            r.weight
            for n, r in profile.indicators.items()
            if n in expected and catalogue.indicators[n].group == g
        )
        if g in catalogue.groups and abs(in_group - gw) > TOLERANCE:
            yield f"field groups.{g}: group weight {gw:g} but its indicators sum to {in_group:g}"

    for t, numbers in profile.not_applicable.items():
        for n in numbers:
            if n not in expected:
                yield f"field not_applicable.{t.value}: there is no indicator {n}"

    def item_problems(where: str, n: int, items: tuple[Item, ...]) -> Iterator[str]:
        weight = profile.indicators[n].weight if n in profile.indicators else 0.0
        if not items and weight > 0:
            yield f"field {where}: indicator {n} has weight {weight:g} but no items"
        points = sum(i.points for i in items)
        if items and abs(points - weight) > TOLERANCE:
            yield f"field {where}: items sum to {points:g}, not the indicator weight {weight:g}"
        seen: set[str] = set()
        for k, item in enumerate(items):
            if item.indicator != n:
                yield f"field {where}.{k}.id: item {item.id!r} must start with '{n}.'"
            if item.id in seen:
                yield f"field {where}.{k}.id: item {item.id!r} appears twice"
            seen.add(item.id)
            for c in item.checks:
                if c not in known_checks:
                    yield f"field {where}.{k}.checks: item {item.id!r} names unknown check {c!r}"
            if item.kind is not ItemKind.AUTO and item.combine != "all":
                yield f"field {where}.{k}.combine: only auto items combine check outcomes"

    for n, rule in sorted(profile.indicators.items()):
        yield from item_problems(f"indicators.{n}.items", n, rule.items)
    for t, override in profile.overrides.items():
        for n, items in sorted(override.indicators.items()):
            if n not in expected:
                yield f"field overrides.{t.value}.indicators.{n}: there is no indicator {n}"
                continue
            yield from item_problems(f"overrides.{t.value}.indicators.{n}", n, items)

    ids_by_type = {
        t: [i.id for n in profile.indicators for i in profile.items_for(t, n)]
        for t in EnterpriseType
    }
    for t, ids in ids_by_type.items():
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            yield f"field indicators: item ids {dupes} are used twice for {t.value} enterprises"

    cap_ids: set[str] = set()
    for k, cap in enumerate(profile.caps):
        if cap.id in cap_ids:
            yield f"field caps.{k}.id: cap {cap.id!r} appears twice"
        cap_ids.add(cap.id)
        if cap.when.check not in known_checks:
            yield (
                f"field caps.{k}.when.check: cap {cap.id!r} names unknown check {cap.when.check!r}"
            )


def validate_profile(
    profile: Profile,
    known_checks: Collection[str],
    catalogue: StandardCatalogue | None = None,
    where: str | None = None,
) -> Profile:
    """Check the sums and references of an already-parsed profile; the first problem is raised."""
    problems = list(_problems(profile, known_checks, catalogue or load_catalogue()))
    if problems:
        more = (
            f" (and {len(problems) - 1} more problem{'s' if len(problems) > 2 else ''})"
            if len(problems) > 1
            else ""
        )
        raise RuleError(
            f"{where or f'profile {profile.source}'}: {problems[0]}{more}", "fix the profile"
        )
    return profile


def parse_profile(
    text: str,
    where: str,
    known_checks: Collection[str],
    catalogue: StandardCatalogue | None = None,
) -> Profile:
    """Parse and validate profile YAML; `where` ("profile /path/x.yaml") prefixes every error."""
    raw = read_yaml_mapping(text, where, "profile_id, profile_version, groups, indicators …")
    try:
        profile = Profile.model_validate(raw)
    except ValidationError as exc:
        raise validation_error(where, exc, "fix the profile") from exc
    profile._source = where.removeprefix("profile ")
    return validate_profile(profile, known_checks, catalogue, where)


def packaged_profiles() -> list[str]:
    """Names of the profiles shipped with ecq-scan (`default`, …)."""
    folder = resources.files(PROFILES_PACKAGE).joinpath(PROFILES_DIR)
    return sorted(
        p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml")
    )


def load_profile(
    source: str | Path,
    known_checks: Collection[str],
    catalogue: StandardCatalogue | None = None,
) -> Profile:
    """Load a profile by packaged name (`"default"`) or from a YAML file path, and validate it.

    `known_checks` is the set of check ids in the catalogue of this run: an auto item or cap naming
    any other id is an error, so a typo cannot silently turn points into "pending" forever.
    """
    is_path = (
        isinstance(source, Path)
        or source.endswith((".yaml", ".yml"))
        or "/" in source
        or "\\" in source
    )
    if is_path:
        path = Path(source)
        try:
            text = path.read_text("utf-8")
        except OSError as exc:
            raise RuleError(f"profile {path}: cannot be read: {exc}") from exc
        return parse_profile(text, f"profile {path}", known_checks, catalogue)
    name = str(source)
    res = resources.files(PROFILES_PACKAGE).joinpath(PROFILES_DIR, f"{name}.yaml")
    if not res.is_file():
        raise RuleError(
            f"profile {name!r}: no such packaged profile",
            f"use one of {', '.join(packaged_profiles())} or a path to a .yaml file",
        )
    return parse_profile(res.read_text("utf-8"), f"profile {res}", known_checks, catalogue)
