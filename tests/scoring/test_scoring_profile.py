"""The default profile adds up for every type; broken profiles are errors naming file and field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from ecq_scan.errors import RuleError
from ecq_scan.models import EnterpriseType, ItemKind
from ecq_scan.scoring import Profile, load_profile, packaged_profiles
from ecq_scan.scoring.profile import TOLERANCE
from ecq_scan.standard import StandardCatalogue
from tests.scoring.conftest import KNOWN_CHECKS


def test_default_profile_identity(profile: Profile) -> None:
    assert profile.profile_id == "ecq-default"
    assert profile.profile_version == "2026.2"
    assert "default" in packaged_profiles()
    assert profile.source.endswith("default.yaml")


def test_weights_sum_to_100_and_match_groups(
    profile: Profile, catalogue: StandardCatalogue
) -> None:
    assert sorted(profile.indicators) == list(range(1, 34))
    assert sum(r.weight for r in profile.indicators.values()) == pytest.approx(100)
    assert sum(profile.groups.values()) == pytest.approx(100)
    assert profile.groups == {
        "basic": 15,
        "management": 10,
        "operation": 15,
        "infrastructure": 20,
        "consumer": 20,
        "hr": 8,
        "innovation": 6,
        "contribution": 6,
    }
    for g, w in profile.groups.items():
        members = [n for n, i in catalogue.indicators.items() if i.group == g]
        assert sum(profile.indicators[n].weight for n in members) == pytest.approx(w)


@pytest.mark.parametrize("etype", list(EnterpriseType))
def test_items_sum_to_weights_for_each_type(profile: Profile, etype: EnterpriseType) -> None:
    total = 0.0
    for n, rule in profile.indicators.items():
        items = profile.items_for(etype, n)
        assert abs(sum(i.points for i in items) - rule.weight) <= TOLERANCE, n
        total += sum(i.points for i in items)
    assert total == pytest.approx(100)


@pytest.mark.parametrize(
    ("etype", "auto", "review", "doc"),
    [
        (EnterpriseType.PLATFORM, 15.75, 22.0, 62.25),
        (EnterpriseType.TRANSACTIONAL, 15.25, 21.0, 61.75),
        (EnterpriseType.SUPPORT, 13.5, 16.25, 55.25),
    ],
)
def test_kind_totals_per_type(
    profile: Profile, etype: EnterpriseType, auto: float, review: float, doc: float
) -> None:
    totals = profile.kind_totals(etype)
    assert totals[ItemKind.AUTO] == pytest.approx(auto)
    assert totals[ItemKind.REVIEW] == pytest.approx(review)
    assert totals[ItemKind.DOC] == pytest.approx(doc)


def test_applicability_per_type(profile: Profile) -> None:
    na = {t: [n for n in range(1, 34) if not profile.applicable(t, n)] for t in EnterpriseType}
    assert na == {
        EnterpriseType.TRANSACTIONAL: [18],
        EnterpriseType.PLATFORM: [],
        EnterpriseType.SUPPORT: [9, 10, 14, 18, 19],
    }


def test_auto_items_reference_only_existing_checks_and_use_them_all(
    profile: Profile, known_checks: frozenset[str]
) -> None:
    assert known_checks == KNOWN_CHECKS
    assert profile.referenced_checks() == KNOWN_CHECKS
    for item in profile.all_items():
        if item.kind is ItemKind.AUTO:
            assert item.checks and set(item.checks) <= KNOWN_CHECKS
        if item.kind is ItemKind.DOC:
            assert not item.checks


def test_unimplemented_website_signals_are_review_items(profile: Profile) -> None:
    ids = {i.id: i for i in profile.all_items()}
    for item_id in (
        "1.own-domain",
        "16.freshness-site",
        "23.product-information",
    ):
        assert ids[item_id].kind is ItemKind.REVIEW
        assert not ids[item_id].checks


@pytest.mark.parametrize(
    ("item_id", "checks"),
    [("9.live-catalogue", ("transaction-loop",)), ("9.operating-age", ("operating-age",))],
)
def test_operating_history_items_stay_review_with_candidate_checks(
    profile: Profile, item_id: str, checks: tuple[str, ...]
) -> None:
    """#9 is B/C: the checks show the reviewer the cart, checkout and dating evidence, but a lower
    bound on a site's age or a cart button is not proof of a year of normal operation."""
    item = {i.id: i for i in profile.all_items()}[item_id]
    assert item.kind is ItemKind.REVIEW
    assert item.checks == checks


@pytest.mark.parametrize(
    ("item_id", "checks"),
    [
        ("15.https", ("https-transport",)),
        ("15.tls", ("tls-configuration", "https-transport")),
        ("15.hsts", ("hsts", "https-transport")),
        ("15.security-headers", ("security-headers",)),
        ("15.mixed-content-cookies", ("mixed-content", "cookie-security")),
        ("16.contact-about", ("contact-and-address",)),
        ("18.credit-rules-page", ("platform-rules",)),
        ("20.channels", ("customer-service-channels",)),
        ("22.policy-content", ("privacy-policy-content",)),
        ("22.transport", ("https-transport", "mixed-content")),
        ("17.dispute-process-page", ("complaint-process",)),
        ("23.mandatory-notices", ("mandatory-ad-notices",)),
    ],
)
def test_website_signals_now_checked_are_auto_items(
    profile: Profile, item_id: str, checks: tuple[str, ...]
) -> None:
    item = {i.id: i for i in profile.all_items()}[item_id]
    assert item.kind is ItemKind.AUTO
    assert item.checks == checks


def test_first_cap_is_the_business_licence(profile: Profile) -> None:
    cap = profile.caps[0]
    assert (cap.when.check, cap.when.outcome, cap.max_grade) == ("business-licence", "fail", "A")
    assert cap.reason.zh and cap.reason.en


# ── broken profiles ──────────────────────────────────────────────────────────────────────────────


def _default_raw() -> dict[str, Any]:
    from importlib import resources

    text = (
        resources.files("ecq_scan.scoring").joinpath("profiles", "default.yaml").read_text("utf-8")
    )
    raw = yaml.safe_load(text)
    assert isinstance(raw, dict)
    return raw


def _load(tmp_path: Path, raw: dict[str, Any], known: frozenset[str] = KNOWN_CHECKS) -> Profile:
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), "utf-8")
    return load_profile(path, known_checks=known)


def test_a_copy_of_the_default_loads_from_a_path(tmp_path: Path) -> None:
    assert _load(tmp_path, _default_raw()).profile_id == "ecq-default"


def test_weights_not_summing_to_100(tmp_path: Path) -> None:
    raw = _default_raw()
    raw["indicators"][2]["weight"] = 3
    raw["indicators"][2]["items"][0]["points"] = 3
    raw["groups"]["basic"] = 16
    with pytest.raises(
        RuleError, match=r"bad\.yaml: field indicators: weights sum to 101, not 100"
    ):
        _load(tmp_path, raw)


def test_group_weight_mismatch(tmp_path: Path) -> None:
    raw = _default_raw()
    raw["groups"]["hr"] = 9
    with pytest.raises(
        RuleError, match=r"bad\.yaml: field groups\.hr: group weight 9 but its indicators sum to 8"
    ):
        _load(tmp_path, raw)


def test_items_not_summing_to_the_weight(tmp_path: Path) -> None:
    raw = _default_raw()
    raw["indicators"][22]["items"][0]["points"] = 2
    with pytest.raises(
        RuleError,
        match=r"bad\.yaml: field indicators\.22\.items: items sum to 7, not the indicator weight 6",
    ):
        _load(tmp_path, raw)


def test_unknown_check_names_file_and_item(tmp_path: Path) -> None:
    raw = _default_raw()
    raw["indicators"][22]["items"][0]["checks"] = ["privacy-poilcy"]
    with pytest.raises(RuleError) as exc:
        _load(tmp_path, raw)
    msg = str(exc.value)
    assert "bad.yaml" in msg and "indicators.22.items.0.checks" in msg
    assert "'22.privacy-policy'" in msg and "'privacy-poilcy'" in msg


def test_a_check_missing_from_this_run_is_an_error() -> None:
    with pytest.raises(RuleError, match=r"default\.yaml: .*unknown check 'absolute-ad-terms'"):
        load_profile("default", known_checks=KNOWN_CHECKS - {"absolute-ad-terms"})


def test_missing_indicator(tmp_path: Path) -> None:
    raw = _default_raw()
    del raw["indicators"][33]
    with pytest.raises(
        RuleError, match=r"bad\.yaml: field indicators\.33: indicator 33 of Table A\.1 is missing"
    ):
        _load(tmp_path, raw)


def test_unknown_indicator(tmp_path: Path) -> None:
    raw = _default_raw()
    raw["indicators"][34] = {"weight": 0}
    with pytest.raises(RuleError, match=r"field indicators\.34: there is no indicator 34"):
        _load(tmp_path, raw)


def test_auto_item_without_checks(tmp_path: Path) -> None:
    raw = _default_raw()
    raw["indicators"][22]["items"][0]["checks"] = []
    with pytest.raises(
        RuleError,
        match=r"bad\.yaml: field indicators\.22\.items\.0: .*auto item needs at least one check",
    ):
        _load(tmp_path, raw)


def test_item_id_must_name_its_indicator(tmp_path: Path) -> None:
    raw = _default_raw()
    raw["indicators"][22]["items"][0]["id"] = "21.privacy-policy"
    with pytest.raises(
        RuleError,
        match=r"field indicators\.22\.items\.0\.id: "
        r"item '21\.privacy-policy' must start with '22\.'",
    ):
        _load(tmp_path, raw)


def test_cap_with_unknown_check(tmp_path: Path) -> None:
    raw = _default_raw()
    raw["caps"][0]["when"]["check"] = "licence"
    with pytest.raises(RuleError, match=r"field caps\.0\.when\.check: .*unknown check 'licence'"):
        _load(tmp_path, raw)


def test_bad_field_value_names_the_field(tmp_path: Path) -> None:
    raw = _default_raw()
    raw["indicators"][5]["items"][0]["kind"] = "manual"
    with pytest.raises(RuleError, match=r"bad\.yaml: field indicators\.5\.items\.0\.kind: "):
        _load(tmp_path, raw)


def test_not_yaml(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("indicators: [unclosed", "utf-8")
    with pytest.raises(RuleError, match=r"broken\.yaml: cannot be read as YAML"):
        load_profile(path, known_checks=KNOWN_CHECKS)


def test_unknown_packaged_name() -> None:
    with pytest.raises(RuleError, match=r"'nope': no such packaged profile.*default"):
        load_profile("nope", known_checks=KNOWN_CHECKS)


def test_override_replaces_items_for_one_type(tmp_path: Path) -> None:
    raw = _default_raw()
    raw["overrides"] = {
        "support": {
            "indicators": {
                23: [
                    {
                        "id": "23.service-sla",
                        "kind": "doc",
                        "points": 5,
                        "description": {
                            "zh": "服务质量保证（SLA 证明）",
                            "en": "Service quality guarantee (SLA evidence)",
                        },
                    }
                ]
            }
        }
    }
    p = _load(tmp_path, raw)
    assert [i.id for i in p.items_for(EnterpriseType.SUPPORT, 23)] == ["23.service-sla"]
    assert "23.ad-wording" in [i.id for i in p.items_for(EnterpriseType.PLATFORM, 23)]


def test_override_must_sum_to_the_weight(tmp_path: Path) -> None:
    raw = _default_raw()
    raw["overrides"] = {
        "support": {
            "indicators": {
                23: [
                    {
                        "id": "23.service-sla",
                        "kind": "doc",
                        "points": 4,
                        "description": {"zh": "x", "en": "x"},
                    }
                ]
            }
        }
    }
    with pytest.raises(
        RuleError,
        match=r"field overrides\.support\.indicators\.23: "
        r"items sum to 4, not the indicator weight 5",
    ):
        _load(tmp_path, raw)
