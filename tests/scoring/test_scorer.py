"""The pure Annex A scorer: item states, bounds, renormalisation, caps, evidence, grade helpers."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from ecq_scan.errors import RuleError
from ecq_scan.models import EnterpriseType, ItemKind, ItemState, Outcome, Scorecard
from ecq_scan.scoring import (
    EvidenceFile,
    Profile,
    combine_check,
    grade_at_least,
    grade_for,
    parse_profile,
    score,
)
from ecq_scan.standard import StandardCatalogue

P, T, S = EnterpriseType.PLATFORM, EnterpriseType.TRANSACTIONAL, EnterpriseType.SUPPORT


def _item(card: Scorecard, item_id: str) -> Any:
    n = int(item_id.split(".", 1)[0])
    ind = next(i for i in card.indicators if i.number == n)
    return next(it for it in ind.items if it.id == item_id)


def _evidence(items: dict[str, Any]) -> EvidenceFile:
    return EvidenceFile.model_validate(
        {"items": {k: {"score": v, "source": "test"} for k, v in items.items()}}
    )


# ── grade helpers ────────────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    ("value", "grade"),
    [
        (0, None),
        (49.99, None),
        (50, "A"),
        (59.99, "A"),
        (60, "AA"),
        (70, "AAA"),
        (80, "AAAA"),
        (89.99, "AAAA"),
        (90, "AAAAA"),
        (100, "AAAAA"),
    ],
)
def test_grade_for(catalogue: StandardCatalogue, value: float, grade: str | None) -> None:
    assert grade_for(value, catalogue.grade_thresholds) == grade


def test_grade_at_least() -> None:
    assert grade_at_least("AA", "A")
    assert grade_at_least("AA", "AA")
    assert not grade_at_least("A", "AA")
    assert not grade_at_least(None, "A")
    assert grade_at_least("AAAAA", "AAAAA")
    with pytest.raises(ValueError, match="AAAAAA"):
        grade_at_least("A", "AAAAAA")


def test_combine_check_over_page_findings(make: Any) -> None:
    f = make.finding
    pages = [f("price-display", "pass", "u1"), f("price-display", "fail", "u2")]
    assert combine_check(pages, "price-display", P) is Outcome.FAIL
    pages = [f("price-display", "pass", "u1"), f("price-display", "not_applicable", "u2")]
    assert combine_check(pages, "price-display", P) is Outcome.PASS
    pages = [f("price-display", "pass", "u1"), f("price-display", "needs_review", "u2")]
    assert combine_check(pages, "price-display", P) is Outcome.NEEDS_REVIEW
    pages = [f("price-display", "error", "u1"), f("price-display", "needs_review", "u2")]
    assert combine_check(pages, "price-display", P) is Outcome.ERROR
    assert combine_check(pages, "privacy-policy", P) == "missing"
    assert (
        combine_check([], "price-display", S, {"price-display": [P, T]}) is Outcome.NOT_APPLICABLE
    )
    assert combine_check([], "price-display", P, {"price-display": [P, T]}) == "missing"


# ── the default profile ──────────────────────────────────────────────────────────────────────────


def test_all_checks_pass(make: Any, profile: Profile, catalogue: StandardCatalogue) -> None:
    card = score(make.findings("pass"), profile, catalogue, P)
    assert card.earned == pytest.approx(15.75)  # every auto point
    assert card.lost == 0
    assert card.pending == pytest.approx(84.25)
    assert (card.min_score, card.max_score) == (15.75, 100.0)
    assert (card.grade_min, card.grade_max) == (None, "AAAAA")
    assert card.provisional is True
    assert card.web_subscore == 100.0
    assert card.coverage == pytest.approx(0.1575)
    assert card.caps_applied == []
    assert card.profile_id == "ecq-default" and card.enterprise_type is P
    assert len(card.indicators) == 33
    auto = [it for ind in card.indicators for it in ind.items if it.kind is ItemKind.AUTO]
    assert auto and all(it.state is ItemState.EARNED for it in auto)


def test_a_fail_loses_points(make: Any, profile: Profile, catalogue: StandardCatalogue) -> None:
    card = score(make.findings("pass", overrides={"privacy-policy": "fail"}), profile, catalogue, P)
    item = _item(card, "22.privacy-policy")
    assert (item.state, item.earned) == (ItemState.LOST, 0)
    assert "privacy-policy: fail" in item.reason
    assert card.lost == 1
    assert card.earned == pytest.approx(14.75)
    assert card.max_score == 99.0
    assert card.web_subscore == pytest.approx(round(100 * 14.75 / 15.75, 2))
    ind = next(i for i in card.indicators if i.number == 22)
    # policy content 1 + transport 0.5 + personalisation 0.25 earned; consent, rights, docs pending
    assert (ind.earned, ind.lost, ind.pending) == (1.75, 1, 3.25)


def test_combine_all_loses_on_any_fail(
    make: Any, profile: Profile, catalogue: StandardCatalogue
) -> None:
    card = score(
        make.findings("pass", overrides={"after-sales-commitment": "fail"}), profile, catalogue, P
    )
    assert _item(card, "16.service-standards").state is ItemState.LOST
    assert _item(card, "20.response-commitment").state is ItemState.LOST
    assert card.lost == 1.0


@pytest.mark.parametrize(
    ("icp", "telecom", "state"),
    [
        ("fail", "pass", ItemState.EARNED),
        ("pass", "fail", ItemState.EARNED),
        ("fail", "fail", ItemState.LOST),
        ("fail", "needs_review", ItemState.PENDING),
        ("fail", "not_applicable", ItemState.LOST),
        ("not_applicable", "not_applicable", ItemState.NOT_APPLICABLE),
    ],
)
def test_combine_any(
    make: Any,
    profile: Profile,
    catalogue: StandardCatalogue,
    icp: str,
    telecom: str,
    state: ItemState,
) -> None:
    fs = make.findings("pass", overrides={"icp-filing": icp, "telecom-licence": telecom})
    assert _item(score(fs, profile, catalogue, P), "1.icp-or-licence").state is state


@pytest.mark.parametrize("outcome", ["needs_review", "error"])
def test_needs_review_and_error_stay_pending(
    make: Any, profile: Profile, catalogue: StandardCatalogue, outcome: str
) -> None:
    card = score(
        make.findings("pass", overrides={"complaint-channel": outcome}), profile, catalogue, P
    )
    item = _item(card, "17.complaint-channel")
    assert item.state is ItemState.PENDING
    assert f"complaint-channel: {outcome}" in item.reason
    assert card.earned == pytest.approx(15.25)
    assert card.lost == 0
    assert card.web_subscore == pytest.approx(round(100 * 15.25 / 15.75, 2))


def test_missing_findings_stay_pending(
    make: Any, profile: Profile, catalogue: StandardCatalogue, known_checks: frozenset[str]
) -> None:
    card = score(
        make.findings("pass", checks=known_checks - {"privacy-policy"}), profile, catalogue, P
    )
    item = _item(card, "22.privacy-policy")
    assert item.state is ItemState.PENDING
    assert "no finding" in item.reason
    nothing = score([], profile, catalogue, P)
    assert (nothing.earned, nothing.lost, nothing.pending) == (0, 0, 100)
    assert (nothing.min_score, nothing.max_score, nothing.coverage) == (0, 100, 0)


def test_review_and_doc_items_are_pending_with_reasons(
    make: Any, profile: Profile, catalogue: StandardCatalogue
) -> None:
    card = score(make.findings("pass"), profile, catalogue, P)
    assert _item(card, "1.own-domain").state is ItemState.PENDING
    assert _item(card, "1.own-domain").reason == "not yet checked automatically — confirm by hand"
    assert _item(card, "2.total-assets").state is ItemState.PENDING
    assert "evidence" in _item(card, "2.total-assets").reason


def test_not_applicable_is_renormalised_away(
    make: Any, profile: Profile, catalogue: StandardCatalogue
) -> None:
    card = score(
        make.findings("pass", overrides={"privacy-policy": "not_applicable"}), profile, catalogue, P
    )
    assert _item(card, "22.privacy-policy").state is ItemState.NOT_APPLICABLE
    assert card.applicable_weight == 99
    assert card.min_score == round(100 * 14.75 / 99, 2)
    assert card.max_score == 100
    assert card.web_subscore == 100


def test_check_types_make_skipped_checks_not_applicable(
    make: Any, profile: Profile, catalogue: StandardCatalogue, known_checks: frozenset[str]
) -> None:
    types = {c: list(EnterpriseType) for c in known_checks}
    types["price-display"] = [P, T]
    fs = make.findings("pass", checks=known_checks - {"price-display"})
    card = score(fs, profile, catalogue, S, check_types=types)
    item = _item(card, "16.price-display")
    assert item.state is ItemState.EARNED  # shipping-fee passed; price-display n/a is neutral
    without = score(fs, profile, catalogue, S)
    assert _item(without, "16.price-display").state is ItemState.PENDING


def test_support_type_drops_five_indicators(
    make: Any, profile: Profile, catalogue: StandardCatalogue
) -> None:
    card = score(make.findings("pass"), profile, catalogue, S)
    dropped = sorted(i.number for i in card.indicators if not i.applicable)
    assert dropped == [9, 10, 14, 18, 19]
    assert card.applicable_weight == 85
    for ind in card.indicators:
        if ind.number in dropped:
            assert all(it.state is ItemState.NOT_APPLICABLE for it in ind.items)
            assert "support" in ind.items[0].reason
            assert (ind.earned, ind.lost, ind.pending) == (0, 0, 0)
    assert card.earned == pytest.approx(13.5)  # #14's 0.75 and #18's, #19's auto points are gone
    assert card.min_score == round(100 * 13.5 / 85, 2)


def test_transactional_type_drops_credit_system(
    make: Any, profile: Profile, catalogue: StandardCatalogue
) -> None:
    card = score(make.findings("pass"), profile, catalogue, T)
    assert [i.number for i in card.indicators if not i.applicable] == [18]
    assert card.applicable_weight == 98


def _all_evidence(profile: Profile, etype: EnterpriseType, value: Any = 1) -> EvidenceFile:
    return _evidence(
        {
            i.id: value
            for n in profile.indicators
            for i in profile.items_for(etype, n)
            if i.kind is not ItemKind.AUTO
        }
    )


def test_cap_when_business_licence_fails(
    make: Any, profile: Profile, catalogue: StandardCatalogue
) -> None:
    fs = make.findings("pass", overrides={"business-licence": "fail"})
    card = score(fs, profile, catalogue, P)
    assert card.caps_applied == ["no-business-licence"]
    assert (card.grade_min, card.grade_max) == (None, "A")
    full = score(fs, profile, catalogue, P, evidence=_all_evidence(profile, P))
    assert full.min_score == 99.75
    assert (full.grade_min, full.grade_max) == ("A", "A")  # lowered from AAAAA
    assert full.provisional is False
    ok = score(make.findings("pass"), profile, catalogue, P, evidence=_all_evidence(profile, P))
    assert ok.caps_applied == []
    assert (ok.min_score, ok.grade_min, ok.grade_max, ok.provisional) == (
        100,
        "AAAAA",
        "AAAAA",
        False,
    )
    assert ok.coverage == 1


def test_cap_does_not_fire_on_needs_review(
    make: Any, profile: Profile, catalogue: StandardCatalogue
) -> None:
    card = score(
        make.findings("pass", overrides={"business-licence": "needs_review"}), profile, catalogue, P
    )
    assert card.caps_applied == []
    assert card.grade_max == "AAAAA"


def test_evidence_raises_min_score_into_a_grade(
    make: Any, profile: Profile, catalogue: StandardCatalogue
) -> None:
    docs = [
        i for n in profile.indicators for i in profile.items_for(P, n) if i.kind is ItemKind.DOC
    ]
    evidence = _evidence({i.id: True for i in docs})  # 62.25 doc points
    card = score(make.findings("pass"), profile, catalogue, P, evidence=evidence)
    assert card.earned == pytest.approx(78.0)
    assert (card.min_score, card.grade_min) == (78.0, "AAA")
    assert (card.max_score, card.grade_max) == (100.0, "AAAAA")
    assert card.provisional is True
    assert card.web_subscore == 100  # evidence never moves the web sub-score
    item = _item(card, "2.total-assets")
    assert (item.state, item.earned) == (ItemState.EARNED, 2)
    assert "test" in item.reason


def test_partial_evidence_and_rejection(
    make: Any, profile: Profile, catalogue: StandardCatalogue
) -> None:
    ev = _evidence({"22.rights-self-service": 0.6, "1.licence-type": False})
    card = score(make.findings("pass"), profile, catalogue, P, evidence=ev)
    partial = _item(card, "22.rights-self-service")
    assert (partial.state, partial.earned) == (ItemState.EARNED, 0.75)
    rejected = _item(card, "1.licence-type")
    assert (rejected.state, rejected.earned) == (ItemState.LOST, 0)
    assert card.lost == pytest.approx(1.5)
    assert card.earned == pytest.approx(16.5)


def test_evidence_cannot_resurrect_a_not_applicable_indicator(
    make: Any, profile: Profile, catalogue: StandardCatalogue
) -> None:
    card = score(
        make.findings("pass"), profile, catalogue, S, evidence=_evidence({"10.online-sales": 1})
    )
    assert _item(card, "10.online-sales").state is ItemState.NOT_APPLICABLE
    assert card.earned == pytest.approx(13.5)


def test_evidence_with_unknown_item_is_an_error(
    make: Any, profile: Profile, catalogue: StandardCatalogue
) -> None:
    with pytest.raises(RuleError, match=r"items\.2\.total-asets: unknown item '2\.total-asets'"):
        score([], profile, catalogue, P, evidence=_evidence({"2.total-asets": 1}))


def test_evidence_cannot_set_auto_items(profile: Profile, catalogue: StandardCatalogue) -> None:
    with pytest.raises(RuleError, match=r"'22\.privacy-policy' is an auto item"):
        score([], profile, catalogue, P, evidence=_evidence({"22.privacy-policy": 1}))


def test_scorecard_round_trips_as_json(
    make: Any, profile: Profile, catalogue: StandardCatalogue
) -> None:
    card = score(
        make.findings("pass"), profile, catalogue, S, evidence=_evidence({"2.total-assets": 0.5})
    )
    assert Scorecard.model_validate_json(card.model_dump_json()) == card


def test_finding_order_does_not_matter(
    make: Any, profile: Profile, catalogue: StandardCatalogue
) -> None:
    fs = make.findings("pass", overrides={"privacy-policy": "fail", "icp-filing": "needs_review"})
    assert score(fs, profile, catalogue, T) == score(list(reversed(fs)), profile, catalogue, T)


# ── the worked example of clause-signals §10.3, with a synthetic profile ─────────────────────────


def _synthetic_profile(catalogue: StandardCatalogue) -> Profile:
    """#1 auto 17.5 · #2 review 15 · #3 review 5.25 · #4 doc 40 · #5 doc 22.25; others weigh 0."""

    def item(n: int, kind: str, points: float, **extra: Any) -> dict[str, Any]:
        return {
            "weight": points,
            "items": [
                {
                    "id": f"{n}.x",
                    "kind": kind,
                    "points": points,
                    "description": {"zh": "示例", "en": "example"},
                    **extra,
                }
            ],
        }

    indicators: dict[int, Any] = {n: {"weight": 0} for n in range(1, 34)}
    indicators.update(
        {
            1: item(1, "auto", 17.5, checks=["x-check"]),
            2: item(2, "review", 15),
            3: item(3, "review", 5.25),
            4: item(4, "doc", 40),
            5: item(5, "doc", 22.25),
        }
    )
    groups = dict.fromkeys(catalogue.groups, 0.0)
    groups["basic"] = 100.0
    raw = {
        "profile_id": "worked-example",
        "profile_version": "1",
        "groups": groups,
        "indicators": indicators,
    }
    return parse_profile(yaml.safe_dump(raw), "profile <worked example>", {"x-check"}, catalogue)


def test_worked_example_of_section_10_3(make: Any, catalogue: StandardCatalogue) -> None:
    profile = _synthetic_profile(catalogue)
    passed = [make.finding("x-check", "pass")]

    before = score(passed, profile, catalogue, P)
    assert (before.earned, before.lost, before.pending) == (17.5, 0, 82.5)
    assert (before.min_score, before.grade_min) == (17.5, None)
    assert (before.max_score, before.grade_max) == (100, "AAAAA")
    assert before.coverage == 0.175

    # the assessor confirms 15 review points, rejects 5.25, and supplies 40 of 62.25 doc points
    after = score(passed, profile, catalogue, P, evidence=_evidence({"2.x": 1, "3.x": 0, "4.x": 1}))
    assert (after.earned, after.lost, after.pending) == (72.5, 5.25, 22.25)
    assert (after.min_score, after.grade_min) == (72.5, "AAA")
    assert (after.max_score, after.grade_max) == (94.75, "AAAAA")
    assert after.coverage == 0.7775
    assert after.provisional is True
    zero = [i for i in after.indicators if i.weight == 0]
    assert len(zero) == 28 and not any(i.applicable for i in zero)


def test_pending_reason_names_every_undecided_check(
    make: Any, profile: Profile, catalogue: StandardCatalogue
) -> None:
    fs = make.findings("pass", overrides={"icp-filing": "fail", "telecom-licence": "error"})
    item = _item(score(fs, profile, catalogue, P), "1.icp-or-licence")
    assert item.state is ItemState.PENDING
    assert "icp-filing: fail" in item.reason and "telecom-licence: error" in item.reason
