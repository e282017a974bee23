"""Focused unit tests of the Python checks, beyond the fixture pages."""

from __future__ import annotations

from ecq_scan.artifacts import parse_html
from ecq_scan.checks.base import Check, PageSummary, SiteContext, Verdict
from ecq_scan.checks.builtin import (
    AbsoluteAdTerms,
    BusinessLicence,
    IcpFiling,
    PriceDisplay,
    PublicSecurityFiling,
    TelecomLicence,
)
from ecq_scan.models import EnterpriseType, Outcome, PageRole

HOME = "http://shop.example.cn/"


def run(
    check: Check, *pages: tuple[str, str], kind: str = "transactional", **site: bool
) -> Verdict:
    parsed = [parse_html(f"<html><body>{body}</body></html>", url=url) for url, body in pages]
    hits = [h for p in parsed if check.applies_to_page(p) for h in check.observe(p)]
    ctx = SiteContext(
        HOME,
        EnterpriseType(kind),
        tuple(PageSummary(p.url, p.role, ok=True, chinese=True) for p in parsed),
        home_ok=site.get("home_ok", True),
    )
    return check.conclude(hits, ctx)


def outcome(v: Verdict) -> Outcome:
    assert len(v.findings) == 1, v.findings
    return v.findings[0].outcome


def test_icp_value_is_normalised_from_full_width_and_spaces() -> None:
    v = run(IcpFiling(), (HOME, "<footer>京ＩＣＰ备　２０２４０７７２９６号 － １</footer>"))
    assert outcome(v) is Outcome.PASS
    assert [d.value for d in v.disclosures] == ["京ICP备2024077296号-1"]


def test_icp_licence_number_with_site_suffix_counts_as_filing() -> None:
    v = run(IcpFiling(), (HOME, "<footer>浙B2-20110446-1</footer>"))
    assert outcome(v) is Outcome.PASS


def test_icp_licence_number_alone_is_review() -> None:
    v = run(IcpFiling(), (HOME, "<footer>增值电信业务经营许可证：浙B2-20080101</footer>"))
    assert outcome(v) is Outcome.NEEDS_REVIEW


def test_icp_home_recognised_by_start_url_not_only_role() -> None:
    # a start URL such as /zh/ has no "home" path, but it is the scan's home page
    check = IcpFiling()
    page = parse_html("<footer>京ICP备2024077296号-1</footer>", url="http://shop.example.cn/zh/")
    assert page.role is not PageRole.HOME
    ctx = SiteContext(
        "http://shop.example.cn/zh/",
        EnterpriseType.TRANSACTIONAL,
        (PageSummary(page.url, page.role, ok=True, chinese=True),),
    )
    assert outcome(check.conclude(check.observe(page), ctx)) is Outcome.PASS


def test_telecom_old_icp_licence_counts() -> None:
    v = run(TelecomLicence(), (HOME, "<footer>京ICP证070359号</footer>"), kind="platform")
    assert outcome(v) is Outcome.PASS
    assert [d.value for d in v.disclosures] == ["京ICP证070359号"]


def test_psb_sichuan_alias_province() -> None:
    v = run(PublicSecurityFiling(), (HOME, "<footer>蜀公网安备 51010402000123号</footer>"))
    assert outcome(v) is Outcome.PASS
    assert v.disclosures[0].valid is True


def test_psb_legacy_form_is_review() -> None:
    v = run(
        PublicSecurityFiling(), (HOME, "<footer>北京市公安局朝阳分局备案编号110105014669</footer>")
    )
    assert outcome(v) is Outcome.NEEDS_REVIEW


def test_business_licence_legacy_registration_number_is_review() -> None:
    v = run(BusinessLicence(), (HOME, "<footer>营业执照注册号：110105012345678</footer>"))
    assert outcome(v) is Outcome.NEEDS_REVIEW


def test_business_licence_follows_redirected_link() -> None:
    check = BusinessLicence()
    home = parse_html('<footer><a href="/licence">营业执照</a></footer>', url=HOME)
    licence = parse_html(
        "<main><p>名称：上海示例商贸有限公司</p><p>统一社会信用代码：91330106673959654P</p></main>",
        url="http://shop.example.cn/about/licence.html",
        requested_url="http://shop.example.cn/licence",
    )
    hits = check.observe(home) + check.observe(licence)
    ctx = SiteContext(
        HOME,
        EnterpriseType.TRANSACTIONAL,
        tuple(PageSummary(p.url, p.role, ok=True, chinese=True) for p in (home, licence)),
    )
    v = check.conclude(hits, ctx)
    assert outcome(v) is Outcome.PASS
    licence_disclosure = next(d for d in v.disclosures if d.key == "business_licence")
    assert "上海示例商贸有限公司" in (licence_disclosure.snippet or "")


def test_price_skips_threshold_before_title() -> None:
    body = (
        "<div>Free UK shipping on orders over £50</div>"
        "<main><h1>Enamel Kettle</h1><p>£42.00</p><button>Add to basket</button></main>"
    )
    v = run(PriceDisplay(), ("https://shop.example.com/products/kettle", body))
    assert [d.value for d in v.disclosures] == ["£42.00"]


def test_price_free_shipping_label_does_not_hide_price() -> None:
    body = "<main><h1>毛巾</h1><p>免运费 ¥29.00</p><button>加入购物车</button></main>"
    v = run(PriceDisplay(), ("http://shop.example.cn/product/1.html", body))
    assert [d.value for d in v.disclosures] == ["¥29.00"]


def test_price_home_failed_without_products_is_error() -> None:
    check = PriceDisplay()
    ctx = SiteContext(
        HOME,
        EnterpriseType.TRANSACTIONAL,
        (PageSummary("http://shop.example.cn/product/1.html", PageRole.PRODUCT, ok=False),),
        home_ok=False,
    )
    assert outcome(check.conclude([], ctx)) is Outcome.ERROR


def test_absolute_terms_one_finding_per_page_and_disclosure_per_hit() -> None:
    v = run(
        AbsoluteAdTerms(),
        (HOME, "<main><p>全网最低价</p><p>销量第一</p></main>"),
        ("http://shop.example.cn/product/9.html", "<main><h1>顶级工艺茶具</h1></main>"),
    )
    assert [f.outcome for f in v.findings] == [Outcome.NEEDS_REVIEW] * 2
    assert {f.url for f in v.findings} == {HOME, "http://shop.example.cn/product/9.html"}
    assert sorted(d.value for d in v.disclosures) == sorted(["全网最低", "第一", "顶级"])
    assert all(len(e.snippet or "") <= 2 * 20 + 10 for f in v.findings for e in f.evidence)


def test_absolute_terms_never_fail() -> None:
    body = "<main>" + "<p>国家级 最高级 最佳 第一品牌 顶级 NO.1</p>" * 30 + "</main>"
    v = run(AbsoluteAdTerms(), (HOME, body))
    assert {f.outcome for f in v.findings} == {Outcome.NEEDS_REVIEW}


def test_class_rules_in_the_page_style_hide_text() -> None:
    from ecq_scan.artifacts.html import hidden_selectors

    css = (
        ".old-beian, #legacy { display: none } div.c { display: none }"
        "@media (max-width: 600px) { .pc-only { display: none } }"
        ".tab { display: none } .tab.active { display: block }"
    )
    # simple top-level selectors only; media queries and re-shown classes are not hiding
    assert hidden_selectors(css) == (frozenset({"old-beian"}), frozenset({"legacy"}))
    page = parse_html(
        "<html><head><style>.old{display:none}</style></head><body><main>"
        '<p class="old">粤ICP备12034567号</p><p class="tab active">粤ICP备2021158888号-1</p>'
        "</main></body></html>",
        url="https://www.heben.example.cn/",
    )
    assert "12034567" not in page.text
    assert "2021158888" in page.text
