"""Checks that read what a browser saw (RenderInfo), plus the static accessibility, language and
privacy-reach checks, with hand-built pages."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from ecq_scan.analysis import Analysis
from ecq_scan.artifacts import PageArtifacts, parse_html
from ecq_scan.checks.base import Check, PageSummary, SiteContext, Verdict
from ecq_scan.checks.builtin import (
    AccessibilityAxe,
    ElderlyFriendlyMode,
    LanguageVersions,
    PageLanguage,
    PrivacyPolicyReach,
    TrackingBeforeConsent,
)
from ecq_scan.checks.builtin._dom import hreflang_alternates, script_srcs
from ecq_scan.checks.builtin.accessibility_axe import (
    MAX_HITS_PER_PAGE,
    MAX_NODES_PER_RULE,
    wcag_criteria,
    wcag_level,
)
from ecq_scan.checks.builtin.language_versions import language_key
from ecq_scan.checks.builtin.page_language import lang_problem
from ecq_scan.checks.builtin.tracking_before_consent import is_tracking
from ecq_scan.checks.registry import load_catalogue
from ecq_scan.models import (
    AxeResults,
    AxeRule,
    CookieRecord,
    EnterpriseType,
    Outcome,
    PageRole,
    RenderInfo,
)

HOME = "https://shop.example.cn/"
PRODUCT = "https://shop.example.cn/goods/1.html"


def page(
    url: str, body: str = "<p>商品</p>", *, head: str = "", html: str = "<html>"
) -> PageArtifacts:
    return parse_html(f"{html}<head>{head}</head><body>{body}</body></html>", url=url)


def run(check: Check, *pages: PageArtifacts, home_ok: bool = True) -> Verdict:
    hits = [h for p in pages if check.applies_to_page(p) for h in check.observe(p)]
    site = SiteContext(
        HOME,
        EnterpriseType.TRANSACTIONAL,
        tuple(PageSummary(p.url, p.role, ok=True, chinese=True) for p in pages),
        home_ok=home_ok,
    )
    return check.conclude(hits, site)


def rendered(url: str, render: RenderInfo, body: str = "<p>商品</p>") -> PageArtifacts:
    p = page(url, body)
    p.render = render
    return p


def rule(
    rule_id: str,
    impact: str | None,
    tags: list[str],
    *targets: str,
) -> AxeRule:
    return AxeRule.model_validate(
        {
            "id": rule_id,
            "impact": impact,
            "help": f"help for {rule_id}",
            "tags": tags,
            "nodes": [{"target": t, "html": f"<{t}>"} for t in targets],
        }
    )


def axe(
    violations: Sequence[AxeRule] = (), incomplete: Sequence[AxeRule] = (), **kw: Any
) -> RenderInfo:
    return RenderInfo(
        axe=AxeResults(
            engine_version="4.10.2", violations=list(violations), incomplete=list(incomplete), **kw
        )
    )


IMAGE_ALT = ["cat.text-alternatives", "wcag2a", "wcag111", "section508"]
CONTRAST = ["cat.color", "wcag2aa", "wcag143"]


# accessibility-axe --------------------------------------------------------------------------


def test_serious_violation_fails_the_page_with_selector_evidence() -> None:
    render = axe([rule("color-contrast", "serious", CONTRAST, "p.price", "span.old-price")])
    v = run(AccessibilityAxe(), rendered(PRODUCT, render))
    [f] = v.findings
    assert f.outcome is Outcome.FAIL
    assert f.url == PRODUCT
    assert [e.locator for e in f.evidence] == ["p.price", "span.old-price"]
    assert all(e.url == PRODUCT for e in f.evidence)
    assert "color-contrast" in (f.evidence[0].snippet or "")
    assert "<p.price>" in (f.evidence[0].snippet or "")
    assert "serious · WCAG 1.4.3 AA" in f.message.en
    assert "AA: 1 rule(s), 2 element(s)" in f.message.en
    assert "AA 级 1 条规则 2 处" in f.message.zh


def test_critical_level_a_violation_fails_and_levels_are_summarised() -> None:
    render = axe(
        [
            rule("image-alt", "critical", IMAGE_ALT, "img.banner"),
            rule("color-contrast", "serious", CONTRAST, "p.a", "p.b", "p.c"),
            rule("region", "moderate", ["cat.keyboard", "best-practice"], "div.ad"),
        ]
    )
    [f] = run(AccessibilityAxe(), rendered(HOME, render)).findings
    assert f.outcome is Outcome.FAIL
    assert "2 serious/critical" in f.message.en
    assert "A: 1 rule(s), 1 element(s); AA: 1 rule(s), 3 element(s); best practice" in f.message.en
    # the blocking rules' elements come first in the evidence
    assert [e.locator for e in f.evidence][:4] == ["img.banner", "p.a", "p.b", "p.c"]


def test_incomplete_only_is_review() -> None:
    render = axe(incomplete=[rule("color-contrast", "serious", CONTRAST, ".hero-text")])
    [f] = run(AccessibilityAxe(), rendered(HOME, render)).findings
    assert f.outcome is Outcome.NEEDS_REVIEW
    assert f.evidence[0].locator == ".hero-text"


def test_moderate_wcag_violation_is_review_not_fail() -> None:
    render = axe([rule("list", "moderate", ["wcag2a", "wcag131"], "ul")])
    [f] = run(AccessibilityAxe(), rendered(HOME, render)).findings
    assert f.outcome is Outcome.NEEDS_REVIEW


def test_serious_best_practice_violation_is_review_not_fail() -> None:
    render = axe([rule("frame-tested", "critical", ["best-practice"], "iframe")])
    [f] = run(AccessibilityAxe(), rendered(HOME, render)).findings
    assert f.outcome is Outcome.NEEDS_REVIEW


def test_no_violations_passes_and_says_automated_testing_is_partial() -> None:
    [f] = run(AccessibilityAxe(), rendered(HOME, axe(passes=40))).findings
    assert f.outcome is Outcome.PASS
    assert "40 rules passed" in f.message.en
    assert "only part of WCAG" in f.message.en


def test_no_rendered_page_is_error() -> None:
    [f] = run(AccessibilityAxe(), page(HOME), page(PRODUCT)).findings
    assert f.outcome is Outcome.ERROR
    assert "No rendered page to test" in f.message.en


def test_unrendered_pages_are_ignored() -> None:
    v = run(AccessibilityAxe(), rendered(HOME, axe()), page(PRODUCT))
    assert [(f.url, f.outcome) for f in v.findings] == [(HOME, Outcome.PASS)]


def test_axe_error_and_render_error_are_page_errors() -> None:
    broken = RenderInfo(axe=AxeResults(error="Execution context was destroyed"))
    failed = RenderInfo(error="net::ERR_CONNECTION_RESET")
    v = run(AccessibilityAxe(), rendered(HOME, broken), rendered(PRODUCT, failed))
    assert [(f.url, f.outcome) for f in v.findings] == [
        (HOME, Outcome.ERROR),
        (PRODUCT, Outcome.ERROR),
    ]
    assert "Execution context was destroyed" in v.findings[0].message.en
    assert "ERR_CONNECTION_RESET" in v.findings[1].message.en


def test_rendered_without_axe_is_not_tested() -> None:
    v = run(AccessibilityAxe(), rendered(HOME, RenderInfo()))
    assert v.findings[0].outcome is Outcome.ERROR  # nothing was tested


def test_screenshot_is_attached_to_evidence() -> None:
    render = axe([rule("image-alt", "critical", IMAGE_ALT, "img")])
    render.screenshot = "screenshots/home.png"
    render.screenshot_sha256 = "ab" * 32
    [f] = run(AccessibilityAxe(), rendered(HOME, render)).findings
    assert f.evidence[0].screenshot == "screenshots/home.png"
    assert f.evidence[0].screenshot_sha256 == "ab" * 32


def test_evidence_is_bounded_but_counts_stay_exact() -> None:
    many = [f"li:nth-child({i})" for i in range(500)]
    rules = [rule(f"rule-{i}", "serious", CONTRAST, *many) for i in range(20)]
    check = AccessibilityAxe()
    hits = check.observe(rendered(HOME, axe(rules)))
    assert len(hits) <= MAX_HITS_PER_PAGE + 1
    [f] = run(check, rendered(HOME, axe(rules))).findings
    assert f.outcome is Outcome.FAIL
    assert f"×{len(many)}" in f.message.en
    assert len([e for e in f.evidence if "rule-0 " in (e.snippet or "")]) == MAX_NODES_PER_RULE


def test_wcag_tags() -> None:
    assert wcag_level(["wcag2aa", "wcag143"]) == "AA"
    assert wcag_level(["wcag2a", "wcag21aa"]) == "A"
    assert wcag_level(["best-practice"]) is None
    assert wcag_criteria(["wcag2a", "wcag111", "wcag1410", "wcag412"]) == [
        "1.1.1",
        "1.4.10",
        "4.1.2",
    ]


# tracking-before-consent --------------------------------------------------------------------


def cookies(*records: dict[str, Any], notice: bool | None, hosts: Sequence[str] = ()) -> RenderInfo:
    return RenderInfo(
        cookies_before_consent=[CookieRecord.model_validate(r) for r in records],
        consent_notice=notice,
        third_party_hosts=list(hosts),
    )


GA = {"name": "_ga", "domain": ".shop.example.cn", "expires": 1798761600}
IDE = {"name": "IDE", "domain": ".doubleclick.net", "third_party": True}


def test_tracker_cookie_without_notice_is_review_with_cookie_evidence() -> None:
    render = cookies(GA, IDE, notice=False, hosts=["stats.g.doubleclick.net"])
    [f] = run(TrackingBeforeConsent(), rendered(HOME, render)).findings
    assert f.outcome is Outcome.NEEDS_REVIEW
    assert [e.locator for e in f.evidence[:2]] == ["cookie:_ga", "cookie:IDE"]
    assert ".doubleclick.net" in (f.evidence[1].snippet or "")
    assert "stats.g.doubleclick.net" in (f.evidence[-1].snippet or "")
    assert "no privacy or cookie notice" in f.message.en


def test_tracker_cookie_with_notice_passes_with_a_note() -> None:
    [f] = run(TrackingBeforeConsent(), rendered(HOME, cookies(GA, notice=True))).findings
    assert f.outcome is Outcome.PASS
    assert "_ga" in f.message.en
    assert f.evidence  # the note keeps the cookies as evidence


def test_no_tracker_cookies_pass() -> None:
    session = {"name": "JSESSIONID", "domain": "shop.example.cn", "http_only": True}
    cf = {"name": "__cf_bm", "domain": ".cdn.example.net", "third_party": True}
    [f] = run(TrackingBeforeConsent(), rendered(HOME, cookies(session, cf, notice=None))).findings
    assert f.outcome is Outcome.PASS


def test_tracking_never_fails() -> None:
    for notice in (True, False, None):
        v = run(TrackingBeforeConsent(), rendered(HOME, cookies(GA, IDE, notice=notice)))
        assert all(f.outcome is not Outcome.FAIL for f in v.findings)


def test_tracking_without_rendered_pages_is_error() -> None:
    [f] = run(TrackingBeforeConsent(), page(HOME)).findings
    assert f.outcome is Outcome.ERROR
    assert "No rendered page" in f.message.en


def test_tracking_needs_the_home_page_rendered() -> None:
    v = run(TrackingBeforeConsent(), page(HOME), rendered(PRODUCT, cookies(GA, notice=False)))
    [f] = v.findings
    assert f.outcome is Outcome.ERROR
    assert "home page was not rendered" in f.message.en


def test_is_tracking() -> None:
    def c(name: str, third: bool = False) -> CookieRecord:
        return CookieRecord(name=name, domain="x", third_party=third)

    assert is_tracking(c("Hm_lvt_0123abcd"))
    assert is_tracking(c("CNZZDATA1000001"))
    assert is_tracking(c("_ga_ABC123"))
    assert is_tracking(c("MUID", third=True))
    assert is_tracking(c("anything", third=True))
    assert not is_tracking(c("acw_tc", third=True))
    assert not is_tracking(c("PHPSESSID"))
    assert not is_tracking(c("cart_id"))


# through the analysis layer: RenderInfo given to add_page reaches the checks -------------------


def test_render_info_flows_through_analysis() -> None:
    checks = [c for c in load_catalogue() if c.meta.requires_browser]
    assert {c.meta.id for c in checks} >= {"accessibility-axe", "tracking-before-consent"}
    analysis = Analysis(checks, EnterpriseType.TRANSACTIONAL)
    render = axe([rule("image-alt", "critical", IMAGE_ALT, "img.banner")])
    render.cookies_before_consent = [CookieRecord.model_validate(GA)]
    render.consent_notice = False
    analysis.add_page(
        "<html lang='zh-CN'><body><img class='banner' src='/b.jpg'></body></html>",
        url=HOME,
        requested_url=HOME,
        status=200,
        headers={},
        content_type="text/html",
        is_home=True,
        render=render,
    )
    outcomes = {f.check_id: f.outcome for f in analysis.conclude().findings}
    assert outcomes["accessibility-axe"] is Outcome.FAIL
    assert outcomes["tracking-before-consent"] is Outcome.NEEDS_REVIEW


# elderly-friendly-mode ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        '<div class="topbar"><a href="/care">关怀版</a></div>',
        '<header><button id="old">长辈模式</button></header>',
        '<footer><a href="/wza/">无障碍浏览</a></footer>',
        '<main><a href="/accessibility">Accessibility statement</a></main>',
        '<header><a href="#">A+</a><a href="#">A-</a></header>',
        '<footer><img src="/img/wza.png" alt="信息无障碍标识"></footer>',
    ],
)
def test_elderly_features_pass(body: str) -> None:
    v = run(ElderlyFriendlyMode(), page(HOME, body))
    assert v.findings[0].outcome is Outcome.PASS
    assert v.disclosures and v.disclosures[0].key == "accessibility_feature"


def test_elderly_toolbar_script_and_button() -> None:
    head = '<script src="/js/AmblyopiaTool.js"></script>'
    assert script_srcs(page(HOME, head=head)) == ["/js/AmblyopiaTool.js"]
    v = run(ElderlyFriendlyMode(), page(HOME, head=head))
    assert v.findings[0].outcome is Outcome.PASS
    v = run(ElderlyFriendlyMode(), page(HOME, '<span id="assist-open">无障碍</span>'))
    assert v.findings[0].outcome is Outcome.PASS


@pytest.mark.parametrize(
    "body",
    [
        '<main><a href="/g/1">老年版手机 大字大声 超长待机 双卡双待 老人机</a></main>',
        '<main><a href="/g/2">无障碍扶手</a></main>',
        "<main><p>本店设有无障碍通道。</p></main>",
        '<header><a href="/g/3">老年版手机</a></header>',
        '<main><a href="#">A+</a></main>',
    ],
)
def test_elderly_traps_are_review_never_fail(body: str) -> None:
    v = run(ElderlyFriendlyMode(), page(HOME, body))
    assert v.findings[0].outcome is Outcome.NEEDS_REVIEW
    assert v.disclosures == []


# page-language / language-versions ----------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "ok"),
    [
        ("zh-CN", True),
        ("zh-Hans-CN", True),
        ("en", True),
        ("EN-us", True),
        ("yue", True),
        ("", False),
        ("  ", False),
        ("zh_CN", False),
        ("cn", False),
        ("jp", False),
        ("english", False),
        ("zh-", False),
    ],
)
def test_lang_problem(lang: str, ok: bool) -> None:
    assert (lang_problem(lang) is None) is ok


def test_page_language_reads_the_home_page_only() -> None:
    home = page(HOME, html='<html lang="zh-CN">')
    inner = page(PRODUCT, html="<html>")
    v = run(PageLanguage(), inner, home)
    assert v.findings[0].outcome is Outcome.PASS
    v = run(PageLanguage(), page(HOME), page(PRODUCT, html='<html lang="zh">'))
    assert v.findings[0].outcome is Outcome.NEEDS_REVIEW
    assert v.findings[0].evidence[0].locator == "html"


def test_page_language_home_failed_is_error() -> None:
    check = PageLanguage()
    inner = page(PRODUCT, html='<html lang="zh">')
    site = SiteContext(
        HOME,
        EnterpriseType.TRANSACTIONAL,
        (
            PageSummary(HOME, PageRole.HOME, ok=False, error="HTTP 503"),
            PageSummary(PRODUCT, PageRole.PRODUCT, ok=True),
        ),
        home_ok=False,
    )
    v = check.conclude(check.observe(inner), site)
    assert v.findings[0].outcome is Outcome.ERROR


@pytest.mark.parametrize(
    ("tag", "key"),
    [
        ("zh-CN", "zh"),
        ("zh-Hans", "zh"),
        ("zh-TW", "zh-Hant"),
        ("zh-Hant-HK", "zh-Hant"),
        ("zh_HK", "zh-Hant"),
        ("en-GB", "en"),
        ("x-default", None),
        ("", None),
    ],
)
def test_language_key(tag: str, key: str | None) -> None:
    assert language_key(tag) == key


def test_hreflang_needs_rel_alternate() -> None:
    head = (
        '<link rel="alternate" hreflang="en" href="/en/">'
        '<link rel="stylesheet" hreflang="fr" href="/fr.css">'
    )
    assert hreflang_alternates(page(HOME, head=head)) == [("en", "/en/")]


def test_language_switcher_short_code_only_in_chrome() -> None:
    body_main = '<main><p>精选好茶，产地直发，品质保证，欢迎选购。</p><a href="/en/">EN</a></main>'
    v = run(LanguageVersions(), page(HOME, body_main, html='<html lang="zh-CN">'))
    assert v.findings[0].outcome is Outcome.NEEDS_REVIEW
    body_nav = '<nav><a href="/en/">EN</a></nav>'
    v = run(LanguageVersions(), page(HOME, body_nav, html='<html lang="zh-CN">'))
    assert v.findings[0].outcome is Outcome.PASS
    assert {d.value for d in v.disclosures} == {"zh", "en"}


def test_language_versions_never_fail() -> None:
    v = run(LanguageVersions(), page(HOME, "<p>hello</p>"))
    assert v.findings[0].outcome is Outcome.NEEDS_REVIEW
    assert v.findings[0].pages_searched == [HOME]


# privacy-policy-reach -----------------------------------------------------------------------


def test_privacy_two_clicks_through_a_redirected_page() -> None:
    """The home page links to /help, which redirected to /help/index.html: still two clicks."""
    home = page(HOME, '<nav><a href="/help">帮助</a></nav>')
    helped = parse_html(
        '<body><a href="/privacy.html">隐私政策</a></body>',
        url="https://shop.example.cn/help/index.html",
        requested_url="https://shop.example.cn/help",
    )
    [f] = run(PrivacyPolicyReach(), home, helped).findings
    assert f.outcome is Outcome.PASS
    assert "2 clicks" in f.message.en


def test_privacy_reach_home_failed_is_error() -> None:
    inner = page(PRODUCT, '<footer><a href="/privacy.html">隐私政策</a></footer>')
    [f] = run(PrivacyPolicyReach(), inner, home_ok=False).findings
    assert f.outcome is Outcome.ERROR


def test_privacy_reach_never_fails() -> None:
    for body in ("<p>无</p>", '<a href="/privacy" hidden>隐私政策</a>'):
        v = run(PrivacyPolicyReach(), page(HOME, body))
        assert [f.outcome for f in v.findings] == [Outcome.NEEDS_REVIEW]


def test_privacy_reach_home_links_are_bounded_footer_first() -> None:
    links = "".join(f'<a href="/g/{i}.html">商品{i}</a>' for i in range(1000))
    body = f'<main>{links}</main><footer><a href="/help/">帮助中心</a></footer>'
    home = page(HOME, body)
    hits = PrivacyPolicyReach().observe(home)
    [home_links] = [h for h in hits if h.signal == "home-links"]
    assert home_links.value is not None
    kept = home_links.value.split("\n")
    assert kept[0] == "shop.example.cn/help/"
    assert len(kept) == 400
    helped = page("https://shop.example.cn/help/", '<a href="/privacy.html">隐私政策</a>')
    [f] = run(PrivacyPolicyReach(), home, helped).findings
    assert f.outcome is Outcome.PASS
