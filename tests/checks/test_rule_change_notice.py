"""rule-change-notice beyond its fixtures: the statutory period comes from data, and page layouts
that put another notice's date next to this one never fail (false fails are worse than misses)."""

from __future__ import annotations

import pytest

from ecq_scan.artifacts import parse_html
from ecq_scan.checks.base import PageSummary, SiteContext
from ecq_scan.checks.builtin.rule_change_notice import (
    MIN_NOTICE_DAYS,
    RuleChangeNotice,
    statutory_days,
)
from ecq_scan.errors import RuleError
from ecq_scan.models import EnterpriseType

URL = "https://www.yunjishi.example.cn/rules/notice/1.html"
TITLE = "<h1>关于修改《交易规则》的公告</h1>"


def _outcome(body: str) -> str:
    check = RuleChangeNotice()
    page = parse_html(f"<html><body><main>{body}</main></body></html>", url=URL)
    site = SiteContext(
        "https://www.yunjishi.example.cn/",
        EnterpriseType.PLATFORM,
        (PageSummary(page.url, page.role, ok=True, chinese=True),),
    )
    return check.conclude(check.observe(page), site).findings[0].outcome.value


def test_the_period_is_data() -> None:
    assert statutory_days("rule-change-notice") == MIN_NOTICE_DAYS == 7
    with pytest.raises(RuleError, match=r"periods\.no-such-period\.days"):
        statutory_days("no-such-period")


@pytest.mark.parametrize(
    ("body", "outcome"),
    [
        # dates in a <dl> or a table of the notice's own metadata pair (3 days)
        (
            TITLE
            + "<dl><dt>发布日期</dt><dd>2026-02-20</dd><dt>生效日期</dt><dd>2026-02-23</dd></dl>",
            "fail",
        ),
        # sub-headings inside the notice do not end it (5 days)
        (
            TITLE + "<p>发布时间：2026年2月20日</p><h3>一、修改内容</h3><p>略</p>"
            "<h3>二、生效时间</h3><p>本次修改将于2026年2月25日起正式生效。</p>",
            "fail",
        ),
        # a numbered list of changes sits between the dates (10 days)
        (
            TITLE
            + "<p>发布日期：2026-02-20</p><ol><li>第一条修改为…</li><li>第二条删除。</li></ol>"
            "<p>以上修改自2026年3月2日起生效。</p>",
            "pass",
        ),
        # a related-notices box, a sidebar and the footer hold other notices' dates
        (
            TITLE + "<p>发布时间：2026-02-27</p><div><p>相关公告</p>"
            "<div>客服升级 生效日期 2026-03-01</div></div>",
            "needs_review",
        ),
        (TITLE + "<p>发布日期：2026-02-20</p><aside>生效日期 2026-02-21</aside>", "needs_review"),
        # two notices under their own headings: never paired across
        (
            "<h2>关于修改《交易规则》的公告</h2><p>发布日期：2026-02-20。</p>"
            "<h2>关于修改《评价规则》的公告</h2><p>生效日期：2026-02-22。</p>",
            "needs_review",
        ),
        # the old rule's effective date next to the new one: several dates, no sure pair
        (
            TITLE + "<p>发布日期：2026-02-20</p><p>对2025年3月1日起施行的《交易规则》作如下修改，"
            "修改后的规则自2026年3月1日起施行。</p>",
            "needs_review",
        ),
        # a privacy-policy update is not a rule change (no notice at all)
        (
            "<h1>关于更新《隐私政策》的公告</h1><p>发布日期：2026-02-27</p><p>自2026年3月1日起生效。</p>",
            "needs_review",
        ),
        # English, a title that names the notice (3 days)
        (
            "<h1>Notice of changes to our User Agreement</h1><p>Published: 20 February 2026</p>"
            "<p>The changes will take effect on February 23, 2026.</p>",
            "fail",
        ),
    ],
)
def test_layouts(body: str, outcome: str) -> None:
    assert _outcome(body) == outcome
