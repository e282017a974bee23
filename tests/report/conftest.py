"""A realistic synthetic ScanResult for the report tests (models only; no scan, no network).

It is shaped like a small Chinese transactional shop: a licence page, a returns page, one page that
failed to load, a USCC that fails its check digit, findings of every outcome, and a scorecard with
website, partly and documents-only indicators so every report section has something to show.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ecq_scan.models import (
    CheckMeta,
    Disclosure,
    EnterpriseType,
    Evidence,
    Finding,
    I18nText,
    IndicatorScore,
    ItemKind,
    ItemScore,
    ItemState,
    Observability,
    Outcome,
    PageRecord,
    PageRole,
    Provenance,
    ScanResult,
    ScanStatus,
    Scorecard,
    Severity,
    SkippedUrl,
)

BASE = "https://shop.example.cn"
STARTED = datetime(2025, 5, 6, 9, 30, 0, tzinfo=UTC)


def _text(zh: str, en: str) -> I18nText:
    return I18nText(zh=zh, en=en)


def _check(
    id: str,
    pass_: tuple[str, str],
    fail: tuple[str, str],
    clauses: list[str],
    *,
    indicators: tuple[int, ...] = (),
    severity: Severity = Severity.SERIOUS,
    enterprise_types: tuple[EnterpriseType, ...] = tuple(EnterpriseType),
    absence_is_failure: bool = False,
) -> CheckMeta:
    return CheckMeta(
        id=id,
        title_pass=_text(*pass_),
        title_fail=_text(*fail),
        description=_text(f"{pass_[0]}。", f"{pass_[1]}."),
        severity=severity,
        clauses=clauses,
        indicators=list(indicators),
        enterprise_types=list(enterprise_types),
        absence_is_failure=absence_is_failure,
    )


def _page(
    path: str,
    role: PageRole | None,
    status: int | None = 200,
    *,
    depth: int = 1,
    final_url: str | None = None,
    redirects: tuple[str, ...] = (),
    error: str | None = None,
) -> PageRecord:
    return PageRecord(
        url=BASE + path,
        final_url=final_url or BASE + path,
        status=status,
        content_type="text/html; charset=utf-8" if status == 200 else None,
        role=role,
        depth=depth,
        fetched_at=STARTED + timedelta(seconds=3),
        elapsed_ms=120.0,
        size=42_000,
        redirects=list(redirects),
        error=error,
    )


def _indicator(
    number: int,
    title: tuple[str, str],
    group: tuple[str, str],
    obs: Observability,
    weight: float,
    items: list[ItemScore],
    applicable: bool = True,
) -> IndicatorScore:
    earned = sum(i.earned for i in items)
    lost = sum(i.points - i.earned for i in items if i.state == ItemState.LOST)
    pending = sum(i.points for i in items if i.state == ItemState.PENDING)
    return IndicatorScore(
        number=number,
        title=_text(*title),
        group=_text(*group),
        observability=obs,
        weight=weight,
        applicable=applicable,
        earned=earned,
        lost=lost,
        pending=pending,
        items=items,
    )


BASIC = ("基本指标", "Basic")
SUPPORT = ("配套建设", "Supporting infrastructure")
CONSUMER = ("消费者权益保护", "Consumer protection")


def make_result() -> ScanResult:
    checks = [
        _check(
            "icp-filing",
            ("网站展示 ICP 备案号", "ICP filing number displayed"),
            ("网站未展示 ICP 备案号", "No ICP filing number displayed"),
            ["4.1"],
            indicators=(1,),
            severity=Severity.CRITICAL,
            absence_is_failure=True,
        ),
        _check(
            "business-licence",
            ("网站公示营业执照信息", "Business licence information published"),
            ("网站未公示营业执照信息", "Business licence information not published"),
            ["4.1"],
            indicators=(1,),
            severity=Severity.CRITICAL,
            absence_is_failure=True,
        ),
        _check(
            "uscc-check-digit",
            ("统一社会信用代码校验通过", "Unified social credit code is valid"),
            ("统一社会信用代码校验位错误", "Unified social credit code fails its check digit"),
            ["4.1"],
            indicators=(1,),
        ),
        _check(
            "return-policy",
            ("公开退换货政策", "Return policy published"),
            ("未找到退换货政策", "No return policy found"),
            ["4.2", "7.2.3"],
            indicators=(16, 17),
        ),
        _check(
            "complaint-channel",
            ("公开投诉渠道", "Complaint channel published"),
            ("未找到投诉渠道", "No complaint channel found"),
            ["4.5"],
            indicators=(17, 20),
            severity=Severity.MODERATE,
        ),
        _check(
            "price-fee-disclosure",
            ("价格与附加费用说明清晰", "Prices and extra fees are stated clearly"),
            ("价格未说明附加费用", "Prices do not state extra fees"),
            ["7.2.2"],
            indicators=(16,),
        ),
        _check(
            "platform-rules",
            ("公示平台规则", "Platform rules published"),
            ("未公示平台规则", "Platform rules not published"),
            ["7.3.1"],
            enterprise_types=(EnterpriseType.PLATFORM,),
        ),
        _check(
            "tls-security",
            ("全站启用 HTTPS", "Site served over HTTPS"),
            ("未全站启用 HTTPS", "Site not served over HTTPS"),
            ["7.8.1"],
            indicators=(15,),
        ),
        _check(
            "accessibility-axe",
            ("无严重无障碍问题", "No serious accessibility violations"),
            ("存在严重无障碍问题", "Serious accessibility violations"),
            ["7.4.1"],
            severity=Severity.MINOR,
        ),
    ]

    searched = [BASE + "/", BASE + "/help", BASE + "/about", BASE + "/contact"]
    findings = [
        Finding(
            check_id="icp-filing",
            outcome=Outcome.PASS,
            message=_text("页脚展示 ICP 备案号。", "The footer shows an ICP filing number."),
            evidence=[
                Evidence(
                    url=BASE + "/",
                    locator="footer .beian a",
                    snippet="沪ICP备12345678号-1",
                    screenshot="screenshots/home-footer.png",
                    screenshot_sha256="ab" * 32,
                )
            ],
        ),
        Finding(
            check_id="business-licence",
            outcome=Outcome.NEEDS_REVIEW,
            message=_text(
                "营业执照仅以图片形式展示，需人工核对。",
                "The business licence is shown only as an image; a person must read it.",
            ),
            evidence=[Evidence(url=BASE + "/licence", locator="img.licence", snippet=None)],
        ),
        Finding(
            check_id="uscc-check-digit",
            outcome=Outcome.FAIL,
            message=_text(
                "统一社会信用代码 91310000MA1FL0000X 校验位错误。",
                "USCC 91310000MA1FL0000X fails its check digit.",
            ),
            evidence=[
                Evidence(
                    url=BASE + "/licence",
                    locator="#company-info td.uscc",
                    snippet="统一社会信用代码：91310000MA1FL0000X",
                )
            ],
        ),
        Finding(
            check_id="return-policy",
            outcome=Outcome.FAIL,
            message=_text(
                "在已检索的页面中未找到退换货政策。",
                "No return policy was found on the pages searched.",
            ),
            pages_searched=searched,
        ),
        Finding(
            check_id="complaint-channel",
            outcome=Outcome.PASS,
            message=_text("联系我们页面提供投诉电话。", "The contact page gives a complaint line."),
            evidence=[
                Evidence(
                    url=BASE + "/contact", locator="#complaint", snippet="投诉电话 400-800-1234"
                )
            ],
        ),
        Finding(
            check_id="price-fee-disclosure",
            outcome=Outcome.ERROR,
            message=_text("商品页加载失败（超时）。", "The product page failed to load (timeout)."),
            url=BASE + "/p/1001",
        ),
        Finding(
            check_id="platform-rules",
            outcome=Outcome.NOT_APPLICABLE,
            message=_text("交易型企业不适用。", "Does not apply to transactional enterprises."),
        ),
        Finding(
            check_id="tls-security",
            outcome=Outcome.PASS,
            message=_text("所有页面均通过 HTTPS 提供。", "Every page is served over HTTPS."),
            evidence=[Evidence(url=BASE + "/", locator="header:strict-transport-security")],
        ),
        Finding(
            check_id="legacy-plugin-check",
            outcome=Outcome.NEEDS_REVIEW,
            message=_text("第三方插件的结果。", "A result from an undeclared plugin."),
        ),
    ]

    disclosures = [
        Disclosure(
            key="uscc",
            value="91310000MA1FL0000X",
            url=BASE + "/licence",
            locator="#company-info td.uscc",
            snippet="统一社会信用代码：91310000MA1FL0000X",
            valid=False,
            note="check digit mismatch",
        ),
        Disclosure(
            key="icp_filing",
            value="沪ICP备12345678号-1",
            url=BASE + "/",
            locator="footer .beian a",
            snippet="© 2025 示例商城 沪ICP备12345678号-1",
            valid=True,
        ),
        Disclosure(
            key="customer_service",
            value="400-800-1234",
            url=BASE + "/contact",
            locator="#complaint",
            snippet="客服及投诉电话 400-800-1234（9:00–21:00）",
        ),
    ]

    indicators = [
        _indicator(
            1,
            ("企业网站建设情况", "Enterprise website"),
            BASIC,
            Observability.WEBSITE,
            6,
            [
                ItemScore(
                    id="icp",
                    kind=ItemKind.AUTO,
                    points=3,
                    state=ItemState.EARNED,
                    earned=3,
                    checks=["icp-filing"],
                ),
                ItemScore(
                    id="licence",
                    kind=ItemKind.REVIEW,
                    points=3,
                    state=ItemState.PENDING,
                    checks=["business-licence"],
                    reason="licence image needs reading",
                ),
            ],
        ),
        _indicator(
            2,
            ("企业资产总额", "Total assets"),
            BASIC,
            Observability.DOCUMENTS,
            4,
            [
                ItemScore(
                    id="assets",
                    kind=ItemKind.DOC,
                    points=4,
                    state=ItemState.PENDING,
                    reason="经审计的年度财务报表（资产总额）",
                )
            ],
        ),
        _indicator(
            3,
            ("资产负债率", "Debt-to-asset ratio"),
            BASIC,
            Observability.DOCUMENTS,
            3,
            [
                ItemScore(
                    id="debt-ratio",
                    kind=ItemKind.DOC,
                    points=3,
                    state=ItemState.PENDING,
                    reason="Audited balance sheet (liabilities and assets at year end)",
                )
            ],
        ),
        _indicator(
            15,
            ("企业平台安全保障状况", "Platform security"),
            SUPPORT,
            Observability.PARTLY,
            4,
            [
                ItemScore(
                    id="https",
                    kind=ItemKind.AUTO,
                    points=2,
                    state=ItemState.EARNED,
                    earned=2,
                    checks=["tls-security"],
                ),
                ItemScore(
                    id="security-measures",
                    kind=ItemKind.DOC,
                    points=2,
                    state=ItemState.PENDING,
                    reason="Firewall / intrusion detection / disaster recovery records",
                ),
            ],
        ),
        _indicator(
            16,
            ("在线服务规范情况", "Online service rules"),
            SUPPORT,
            Observability.WEBSITE,
            4,
            [
                ItemScore(
                    id="returns",
                    kind=ItemKind.AUTO,
                    points=4,
                    state=ItemState.LOST,
                    checks=["return-policy"],
                    reason="return-policy failed",
                )
            ],
        ),
        _indicator(
            18,
            ("信用体系建设", "Credit rating system"),
            SUPPORT,
            Observability.PARTLY,
            0,
            [
                ItemScore(
                    id="credit",
                    kind=ItemKind.REVIEW,
                    points=0,
                    state=ItemState.NOT_APPLICABLE,
                )
            ],
            applicable=False,
        ),
        _indicator(
            20,
            ("企业客服建设", "Customer service"),
            CONSUMER,
            Observability.PARTLY,
            3,
            [
                ItemScore(
                    id="cs-channel",
                    kind=ItemKind.AUTO,
                    points=3,
                    state=ItemState.EARNED,
                    earned=3,
                    checks=["complaint-channel"],
                )
            ],
        ),
    ]

    scorecard = Scorecard(
        profile_id="default-transactional",
        profile_version="2025.1",
        enterprise_type=EnterpriseType.TRANSACTIONAL,
        applicable_weight=24,
        earned=8,
        lost=4,
        pending=12,
        min_score=33.3,
        max_score=83.3,
        coverage=0.5,
        grade_min=None,
        grade_max="AAAA",
        provisional=True,
        caps_applied=["business licence not yet confirmed: grade at most AAAA"],
        web_subscore=66.7,
        indicators=indicators,
    )

    return ScanResult(
        target=BASE + "/",
        host="shop.example.cn",
        enterprise_type=EnterpriseType.TRANSACTIONAL,
        status=ScanStatus.PARTIAL,
        status_reason="time budget exhausted after 6 pages",
        provenance=Provenance(
            tool_version="0.1.0",
            rule_pack_hash="sha256:" + "c0ffee" * 10 + "abcd",
            profile_id="default-transactional",
            settings={"max_pages": 60, "obey_robots": True, "lang": "zh", "per_host_delay": 0.5},
            browser_version=None,
            user_agent="ecq-scan/0.1.0 (+https://github.com/ecq-scan/ecq-scan)",
            started_at=STARTED,
            finished_at=STARTED + timedelta(minutes=1, seconds=23),
        ),
        pages=[
            _page("/", PageRole.HOME, depth=0),
            _page("/licence", PageRole.LICENCE),
            _page("/contact", PageRole.CONTACT),
            _page(
                "/help",
                PageRole.HELP,
                final_url=BASE + "/help/index.html",
                redirects=(BASE + "/help",),
            ),
            _page("/about", PageRole.ABOUT),
            _page("/p/1001", PageRole.PRODUCT, status=None, depth=2, error="timeout after 20 s"),
        ],
        skipped=[
            SkippedUrl(url=BASE + "/cart", reason="disallowed by robots.txt"),
            SkippedUrl(url="https://weibo.com/examplemall", reason="off-site"),
        ],
        checks=checks,
        findings=findings,
        disclosures=disclosures,
        scorecard=scorecard,
    )


@pytest.fixture
def result() -> ScanResult:
    return make_result()
