"""The YAML rule engine: validation errors name file and field; matching features."""

from __future__ import annotations

import textwrap
import time
from pathlib import Path

import pytest

from ecq_scan.artifacts import parse_html
from ecq_scan.checks.base import PageSummary, SiteContext
from ecq_scan.checks.registry import packaged_rules_dir
from ecq_scan.checks.yaml_rules import YamlRule, load_rule, load_rules
from ecq_scan.errors import RuleError
from ecq_scan.models import EnterpriseType, Outcome, PageRole

HEAD = """\
id: {id}
title_pass: {{zh: 通过, en: Passed}}
title_fail: {{zh: 未通过, en: Failed}}
description: {{zh: 说明, en: Description}}
severity: minor
clauses: ["4.2"]
"""


def write_rule(tmp_path: Path, body: str, rule_id: str = "demo-rule") -> Path:
    path = tmp_path / f"{rule_id}.yaml"
    path.write_text(HEAD.format(id=rule_id) + textwrap.dedent(body), "utf-8")
    return path


def site(*pages: PageSummary, home_ok: bool = True) -> SiteContext:
    return SiteContext("http://shop.example.cn/", EnterpriseType.TRANSACTIONAL, pages, home_ok)


def test_minimal_rule_loads(tmp_path: Path) -> None:
    rule = load_rule(
        write_rule(
            tmp_path,
            """
            signals:
              policy-link: {link_text: '退换货'}
            pass_when: {any: [policy-link]}
            """,
        )
    )
    assert isinstance(rule, YamlRule)
    assert rule.meta.id == "demo-rule"
    assert rule.meta.source == "yaml:demo-rule.yaml"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            """
            signals:
              bad: {text: '(unclosed'}
            pass_when: {any: [bad]}
            """,
            "signals.bad",
        ),
        (
            """
            signals:
              t: {text: 'a', follow: true}
            pass_when: {any: [t]}
            """,
            "signals.t",
        ),
        (
            """
            signals:
              good: {text: 'ok'}
            pass_when: {any: [good, missing-signal]}
            """,
            "pass_when",
        ),
        (
            """
            signals:
              a: {text: 'a'}
              b: {text: 'b'}
              c: {text: 'c'}
            pass_when: {any: [a, {all: [b, {none: [c]}]}]}
            """,
            "pass_when",
        ),
        (
            """
            signals:
              two: {text: 'a', title: 'b'}
            pass_when: {any: [two]}
            """,
            "signals.two",
        ),
        (
            """
            signals:
              Bad_Name: {text: 'a'}
            pass_when: {any: [Bad_Name]}
            """,
            "signals",
        ),
        (
            """
            signals:
              a: {text: 'a', value_from: somewhere}
            pass_when: {any: [a]}
            """,
            "signals.a.value_from",
        ),
        (
            """
            signals:
              a: {text: 'a'}
            pass_when: {any: [a]}
            candidate_roles: [nowhere]
            """,
            "candidate_roles",
        ),
        (
            """
            signals:
              a: {text: 'a'}
            pass_when: {any: [a]}
            unknown_field: 1
            """,
            "unknown_field",
        ),
    ],
    ids=[
        "bad-regex",
        "follow-on-text",
        "unknown-signal",
        "too-deep",
        "two-kinds",
        "signal-name",
        "value-from",
        "candidate-roles",
        "extra-field",
    ],
)
def test_invalid_rule_names_file_and_field(tmp_path: Path, body: str, field: str) -> None:
    path = write_rule(tmp_path, body)
    with pytest.raises(RuleError) as err:
        load_rule(path)
    message = str(err.value)
    assert str(path) in message
    assert f"field {field}" in message


def test_unknown_signal_is_named(tmp_path: Path) -> None:
    path = write_rule(
        tmp_path,
        """
        signals:
          good: {text: 'ok'}
        pass_when: {any: [good, missing-signal]}
        """,
    )
    with pytest.raises(RuleError, match="missing-signal"):
        load_rule(path)


def test_depth_two_is_allowed(tmp_path: Path) -> None:
    load_rule(
        write_rule(
            tmp_path,
            """
            signals:
              a: {text: 'a'}
              b: {text: 'b'}
            pass_when: {any: [a, {all: [a, b]}]}
            """,
        )
    )


def test_id_must_equal_file_name(tmp_path: Path) -> None:
    path = write_rule(
        tmp_path,
        """
        signals:
          a: {text: 'a'}
        pass_when: {any: [a]}
        """,
        rule_id="demo-rule",
    )
    renamed = path.rename(tmp_path / "other-name.yaml")
    with pytest.raises(RuleError, match="field id"):
        load_rule(renamed)


def test_not_a_mapping(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text("- just\n- a list\n", "utf-8")
    with pytest.raises(RuleError, match=str(path)):
        load_rule(path)


def test_unreadable_yaml(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text("id: [unclosed\n", "utf-8")
    with pytest.raises(RuleError, match="cannot be read as YAML"):
        load_rule(path)


# --- matching features -----------------------------------------------------------------------

HOME = """<html><body><main><p>我们提供七天无理由退货服务</p></main>
<footer><a href="https://www.12377.cn/">违法和不良信息举报中心</a>
<a href="/complaint">我要投诉</a></footer>
</body></html>"""


def test_link_exclude_drops_matching_links(tmp_path: Path) -> None:
    rule = load_rule(
        write_rule(
            tmp_path,
            """
            signals:
              complaint: {link_text: '投诉|举报', exclude: '不良信息|12377'}
            pass_when: {any: [complaint]}
            """,
        )
    )
    page = parse_html(HOME, url="http://shop.example.cn/")
    hits = rule.observe(page)
    assert [h.value for h in hits] == ["http://shop.example.cn/complaint"]


def test_text_exclude_drops_hits_inside(tmp_path: Path) -> None:
    rule = load_rule(
        write_rule(
            tmp_path,
            """
            signals:
              t: {text: '举报', exclude: '不良信息举报'}
            pass_when: {any: [t]}
            """,
        )
    )
    page = parse_html(HOME, url="http://shop.example.cn/")
    assert rule.observe(page) == []


def test_value_from_page(tmp_path: Path) -> None:
    rule = load_rule(
        write_rule(
            tmp_path,
            """
            signals:
              t: {text: '七天无理由退货', value_from: page}
              m: {text: '七天无理由退货'}
            pass_when: {any: [t]}
            disclosure: return_policy
            """,
        )
    )
    page = parse_html(HOME, url="http://shop.example.cn/")
    values = {h.signal: h.value for h in rule.observe(page)}
    assert values == {"t": "http://shop.example.cn/", "m": "七天无理由退货"}


def test_candidate_roles_decide_error_or_fail(tmp_path: Path) -> None:
    body = """
        absence_is_failure: true
        signals:
          t: {text: 'never-there'}
        pass_when: {any: [t]}
        """
    old_style = load_rule(write_rule(tmp_path, body, "old-style"))
    new_style = load_rule(write_rule(tmp_path, body + "candidate_roles: [returns]\n", "new-style"))
    failed = PageSummary("http://shop.example.cn/returns.html", PageRole.RETURNS, ok=False)
    home = PageSummary("http://shop.example.cn/", PageRole.HOME, ok=True, chinese=True)
    # no roles on any matcher: every failed page makes absence undecidable (old behaviour)
    assert old_style.conclude([], site(home, failed)).findings[0].outcome is Outcome.ERROR
    # a failed page outside the candidate roles does not block a failure
    other = PageSummary("http://shop.example.cn/p/1.html", PageRole.PRODUCT, ok=False)
    assert new_style.conclude([], site(home, other)).findings[0].outcome is Outcome.FAIL
    assert new_style.conclude([], site(home, failed)).findings[0].outcome is Outcome.ERROR


def test_absence_without_law_is_review(tmp_path: Path) -> None:
    rule = load_rule(
        write_rule(
            tmp_path,
            """
            signals:
              t: {text: 'never-there'}
            pass_when: {any: [t]}
            """,
        )
    )
    home = PageSummary("http://shop.example.cn/", PageRole.HOME, ok=True)
    finding = rule.conclude([], site(home)).findings[0]
    assert finding.outcome is Outcome.NEEDS_REVIEW
    assert finding.pages_searched == ["http://shop.example.cn/"]


def test_packaged_rules_load() -> None:
    rules = load_rules(packaged_rules_dir())
    ids = {r.meta.id for r in rules}
    assert {
        "return-policy",
        "delivery-commitment",
        "after-sales-commitment",
        "complaint-channel",
        "terms-of-service",
        "privacy-policy",
        "shipping-fee",
    } <= ids
    for rule in rules:
        assert rule.meta.source.startswith("yaml:")
        assert rule.meta.legal_basis, rule.meta.id


def test_follow_link_to_failed_page_is_error(tmp_path: Path) -> None:
    body = """
        absence_is_failure: true
        signals:
          link: {link_text: '我要投诉', follow: true}
          plain: {link_text: '我要投诉'}
        pass_when: {any: [link]}
        """
    rule = load_rule(write_rule(tmp_path, body))
    page = parse_html(HOME, url="http://shop.example.cn/")
    hits = rule.observe(page)
    home = PageSummary("http://shop.example.cn/", PageRole.HOME, ok=True, chinese=True)
    dead = PageSummary("http://shop.example.cn/complaint", PageRole.COMPLAINTS, ok=False)
    assert rule.conclude(hits, site(home)).findings[0].outcome is Outcome.PASS
    finding = rule.conclude(hits, site(home, dead)).findings[0]
    assert finding.outcome is Outcome.ERROR
    assert "http://shop.example.cn/complaint" in finding.message.en
    assert finding.evidence


def test_text_exclude_is_linear_on_hostile_pages(tmp_path: Path) -> None:
    """hostile-sites H23: 20,000 excluded phrases must not make the exclude test quadratic."""
    rule = load_rule(
        write_rule(
            tmp_path,
            """
            signals:
              t: {text: '举报', exclude: '不良信息举报'}
            pass_when: {any: [t]}
            """,
        )
    )
    page = parse_html("<p>" + "不良信息举报" * 20_000 + "</p>", url="http://shop.example.cn/")
    started = time.perf_counter()
    assert rule.observe(page) == []
    assert time.perf_counter() - started < 2.0


def test_anchored_link_pattern_matches_any_link_not_only_the_first() -> None:
    """Links are searched as one string, a label per line: `^…$` must apply per link."""
    from ecq_scan.artifacts import parse_html
    from ecq_scan.checks.yaml_rules import RuleSpec, YamlRule

    spec = RuleSpec.model_validate(
        {
            "id": "anchored-link",
            "title_pass": {"zh": "有", "en": "yes"},
            "title_fail": {"zh": "无", "en": "no"},
            "description": {"zh": "测试", "en": "test"},
            "severity": "minor",
            "clauses": ["7.2.1"],
            "signals": {"terms": {"link_text": r"^\s*terms\s*$"}},
            "pass_when": {"any": ["terms"]},
        }
    )
    page = parse_html(
        '<a href="/a">Home</a><a href="/b">Shop</a><a href="/terms">Terms</a>',
        url="http://shop.example.com/",
    )
    hits = YamlRule(spec).observe(page)
    assert [h.value for h in hits] == ["http://shop.example.com/terms"]
