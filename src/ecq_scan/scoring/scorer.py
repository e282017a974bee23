"""The Annex A scorer: findings + profile + catalogue (+ evidence) → Scorecard. Pure, no I/O.

Only `pass` and `fail` move a score. Anything the scan could not decide — a check that needs
review, crashed, was blocked or did not run, a review item, a missing document — stays *pending*,
and the scorecard reports two bounds instead of hiding it (clause-signals §10.3):

    A         = points of applicable items (not-applicable indicators and items renormalised away)
    min_score = 100 · earned / A             guaranteed: nothing pending succeeds
    max_score = 100 · (earned + pending) / A achievable: everything pending succeeds
    coverage  = (earned + lost) / A          share already decided

and grades both bounds with Table 1, then applies the profile's caps.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from ecq_scan.models import (
    AppliedCap,
    EnterpriseType,
    Finding,
    Grade,
    IndicatorScore,
    ItemKind,
    ItemScore,
    ItemState,
    Outcome,
    Scorecard,
)
from ecq_scan.scoring.evidence import EvidenceFile, validate_evidence
from ecq_scan.scoring.profile import Item, Profile
from ecq_scan.standard import GRADES, StandardCatalogue

SCORE_DECIMALS = 2
POINT_DECIMALS = 4

#: A check with no finding at all: it did not run, or ran and said nothing. Never scored.
MISSING = "missing"
CheckOutcome = Outcome | str

REASON_NOT_AUTOMATED = "not yet checked automatically — confirm by hand"
REASON_DOC = "awaiting documents from the assessor (evidence file)"


def grade_for(score: float, thresholds: Mapping[Grade, float]) -> Grade | None:
    """The highest grade whose Table 1 threshold `score` reaches; None below the lowest (未达级)."""
    best: Grade | None = None
    for grade in GRADES:
        if score >= thresholds[grade]:
            best = grade
    return best


def _rank(grade: Grade | None) -> int:
    return -1 if grade is None else GRADES.index(grade)


def grade_at_least(grade: Grade | None, threshold: str) -> bool:
    """True if `grade` is `threshold` or better; None (no grade) is below A.

    For `--fail-under`, pass the scorecard's `grade_min`: only the guaranteed grade counts.
    `threshold` is a plain string because it comes from a flag; anything but A … AAAAA is a
    `ValueError`.
    """
    if threshold not in GRADES:
        raise ValueError(f"{threshold!r} is not a grade; use one of {', '.join(GRADES)}")
    return _rank(grade) >= GRADES.index(threshold)


def _min_grade(a: Grade | None, b: Grade) -> Grade | None:
    return a if _rank(a) <= _rank(b) else b


def combine_check(
    findings: Sequence[Finding],
    check_id: str,
    enterprise_type: EnterpriseType,
    check_types: Mapping[str, Sequence[EnterpriseType]] | None = None,
) -> CheckOutcome:
    """One check's outcome over all its findings (a page-scope check has one per page).

    A check that does not apply to the enterprise type (per `check_types`) is not_applicable
    whatever it found. Otherwise: any fail → fail; else any error → error; else any needs_review
    → needs_review; else any pass → pass (not_applicable pages are neutral); else
    not_applicable; no finding at all → "missing".
    """
    if (
        check_types is not None
        and check_id in check_types
        and enterprise_type not in check_types[check_id]
    ):
        return Outcome.NOT_APPLICABLE
    outcomes = {f.outcome for f in findings if f.check_id == check_id}
    if not outcomes:
        return MISSING
    for o in (Outcome.FAIL, Outcome.ERROR, Outcome.NEEDS_REVIEW, Outcome.PASS):
        if o in outcomes:
            return o
    return Outcome.NOT_APPLICABLE


@dataclass(frozen=True)
class _Decision:
    state: ItemState
    earned: float
    reason: str


def _describe(outcomes: Mapping[str, CheckOutcome], wanted: Iterable[CheckOutcome]) -> str:
    wanted = set(wanted)
    parts = []
    for check, o in outcomes.items():
        if o in wanted:
            label = "no finding (check did not run)" if o == MISSING else str(o)
            parts.append(f"{check}: {label}")
    return "; ".join(parts)


def _decide_auto(item: Item, outcomes: Mapping[str, CheckOutcome]) -> _Decision:
    values = list(outcomes.values())
    na = Outcome.NOT_APPLICABLE
    not_passed = (Outcome.NEEDS_REVIEW, Outcome.ERROR, MISSING, Outcome.FAIL)
    if all(o == na for o in values):
        return _Decision(ItemState.NOT_APPLICABLE, 0.0, "not applicable: " + ", ".join(outcomes))
    if item.combine == "all":
        if Outcome.FAIL in values:
            return _Decision(ItemState.LOST, 0.0, "fail — " + _describe(outcomes, [Outcome.FAIL]))
        if all(o in (Outcome.PASS, na) for o in values):
            return _Decision(
                ItemState.EARNED, item.points, "pass — " + _describe(outcomes, [Outcome.PASS])
            )
    else:
        if Outcome.PASS in values:
            return _Decision(
                ItemState.EARNED, item.points, "pass — " + _describe(outcomes, [Outcome.PASS])
            )
        if all(o in (Outcome.FAIL, na) for o in values):
            return _Decision(ItemState.LOST, 0.0, "fail — " + _describe(outcomes, [Outcome.FAIL]))
    return _Decision(ItemState.PENDING, 0.0, "pending — " + _describe(outcomes, not_passed))


def _decide(
    item: Item,
    by_check: Mapping[str, Sequence[Finding]],
    enterprise_type: EnterpriseType,
    evidence: EvidenceFile | None,
    check_types: Mapping[str, Sequence[EnterpriseType]] | None,
) -> _Decision:
    outcomes = {
        c: combine_check(by_check.get(c, ()), c, enterprise_type, check_types) for c in item.checks
    }
    if item.kind is ItemKind.AUTO:
        return _decide_auto(item, outcomes)
    entry = evidence.items.get(item.id) if evidence is not None else None
    if entry is not None:
        earned = item.points * entry.fraction
        state = ItemState.LOST if earned == 0 else ItemState.EARNED
        note = f" — {entry.note}" if entry.note else ""
        return _Decision(state, earned, f"assessor: {entry.fraction:.0%} — {entry.source}{note}")
    if item.kind is ItemKind.DOC:
        return _Decision(ItemState.PENDING, 0.0, REASON_DOC)
    if outcomes:
        seen = "; ".join(f"{c}: {'no finding' if o == MISSING else o}" for c, o in outcomes.items())
        return _Decision(ItemState.PENDING, 0.0, f"awaiting review — candidate signals {seen}")
    return _Decision(ItemState.PENDING, 0.0, REASON_NOT_AUTOMATED)


def _r(x: float, digits: int = POINT_DECIMALS) -> float:
    return round(x, digits) + 0.0  # + 0.0 turns -0.0 into 0.0


def score(
    findings: Sequence[Finding],
    profile: Profile,
    catalogue: StandardCatalogue,
    enterprise_type: EnterpriseType,
    evidence: EvidenceFile | None = None,
    check_types: Mapping[str, Sequence[EnterpriseType]] | None = None,
) -> Scorecard:
    """Score findings against a profile for one enterprise type (clause 8.2 grades each type apart).

    `check_types` maps check id → the types it applies to (`CheckMeta.enterprise_types`); with
    it, a check that was skipped for this type counts as not applicable rather than missing.
    Evidence may decide review and doc items; an item id the profile lacks is a `RuleError`. An
    item partly earned from evidence is `earned` with `earned < points`; the rest counts as lost.
    """
    if evidence is not None:
        validate_evidence(evidence, profile)
    by_check: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        by_check[f.check_id].append(f)

    indicators: list[IndicatorScore] = []
    totals: dict[str, float] = defaultdict(float)
    for number in sorted(profile.indicators):
        rule = profile.indicators[number]
        meta = catalogue.indicator(number)
        applicable = profile.applicable(enterprise_type, number)
        item_scores: list[ItemScore] = []
        sums: dict[str, float] = defaultdict(float)
        for item in profile.items_for(enterprise_type, number):
            if applicable:
                d = _decide(item, by_check, enterprise_type, evidence, check_types)
            else:
                d = _Decision(
                    ItemState.NOT_APPLICABLE,
                    0.0,
                    f"indicator {number} does not apply to {enterprise_type.value} enterprises",
                )
            if d.state is ItemState.PENDING:
                sums["pending"] += item.points
            elif d.state is not ItemState.NOT_APPLICABLE:
                sums["earned"] += d.earned
                sums["lost"] += item.points - d.earned
            if d.state is not ItemState.NOT_APPLICABLE:
                sums["applicable"] += item.points
                if item.kind is ItemKind.AUTO:
                    sums["auto_applicable"] += item.points
                    sums["auto_earned"] += d.earned
            item_scores.append(
                ItemScore(
                    id=item.id,
                    kind=item.kind,
                    points=item.points,
                    state=d.state,
                    earned=_r(d.earned),
                    checks=list(item.checks),
                    reason=d.reason,
                )
            )
        for key, value in sums.items():
            totals[key] += value
        indicators.append(
            IndicatorScore(
                number=number,
                title=meta.title,
                group=catalogue.groups[meta.group].title,
                observability=meta.observability,
                weight=rule.weight,
                applicable=applicable and sums["applicable"] > 0,
                earned=_r(sums["earned"]),
                lost=_r(sums["lost"]),
                pending=_r(sums["pending"]),
                items=item_scores,
            )
        )

    a = totals["applicable"]
    earned, lost, pending = totals["earned"], totals["lost"], totals["pending"]
    min_score = _r(100 * earned / a, SCORE_DECIMALS) if a else 0.0
    max_score = _r(100 * (earned + pending) / a, SCORE_DECIMALS) if a else 0.0
    coverage = _r((earned + lost) / a) if a else 0.0
    auto_a = totals["auto_applicable"]
    web = _r(100 * totals["auto_earned"] / auto_a, SCORE_DECIMALS) if auto_a else 0.0

    thresholds = catalogue.grade_thresholds
    grade_min, grade_max = grade_for(min_score, thresholds), grade_for(max_score, thresholds)
    caps_applied: list[str] = []
    caps: list[AppliedCap] = []
    for cap in profile.caps:
        found = by_check.get(cap.when.check, ())
        if combine_check(found, cap.when.check, enterprise_type, check_types) == cap.when.outcome:
            caps_applied.append(cap.id)
            caps.append(AppliedCap(id=cap.id, max_grade=cap.max_grade, reason=cap.reason))
            grade_max = _min_grade(grade_max, cap.max_grade)
            grade_min = _min_grade(grade_min, cap.max_grade)

    return Scorecard(
        profile_id=profile.profile_id,
        profile_version=profile.profile_version,
        enterprise_type=enterprise_type,
        applicable_weight=_r(a),
        earned=_r(earned),
        lost=_r(lost),
        pending=_r(pending),
        min_score=min_score,
        max_score=max_score,
        coverage=coverage,
        grade_min=grade_min,
        grade_max=grade_max,
        provisional=grade_min != grade_max or pending > 0,
        caps_applied=caps_applied,
        caps=caps,
        web_subscore=web,
        evidence_file=evidence.path if evidence is not None else None,
        indicators=indicators,
    )
