"""Expired promotions still on show (standard 7.7.3 及时下架过期或失效的广告内容, 7.1.1;
明码标价和禁止价格欺诈规定 第20条(二); clause-signals SIG-AD-EXPIRED).

On advertising surfaces (home, category, product and other pages; main and header regions), a
block that talks about a promotion (活动/促销/优惠/券/秒杀/限时/满减; sale, offer, promo, coupon,
deal) and gives its end date — a range `2024年11月1日-11月11日`, `2024.06.01 至 2024.06.18`, or
`截止/截至/至/ends/valid until 2024-06-18`, English month names included — is compared with the
scan date, the `Date` response header of that page (never the clock).

- ended more than `GRACE_DAYS` before the scan, on the home page, in a block that is not an
  archive or news list (往期/回顾/已结束/公告/news/past) → fail: the home page still advertises
  it (clause-signals SIG-AD-EXPIRED: "still linked from the homepage → fail");
- ended, anywhere else (or in such a block) → needs review;
- no dated promotion ended → pass; a page without a `Date` header is not judged.

Traps: shelf-life and production dates on food pages (保质期/生产日期/批号 in the block are never
read as promotions); a year-less end takes the start's year, rolled forward when it would end
before it starts.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from typing import Final

from ecq_scan.artifacts import PageArtifacts
from ecq_scan.checks.base import Check, Hit, SiteContext, Verdict
from ecq_scan.checks.builtin._common import context, t
from ecq_scan.checks.builtin._dates import (
    DMY_EN,
    MDY_EN,
    YMD,
    date_of,
    header_date,
    make_date,
)
from ecq_scan.models import CheckMeta, EnterpriseType, Outcome, PageRole, Severity

ROLES: Final = [PageRole.HOME, PageRole.CATEGORY, PageRole.PRODUCT, PageRole.OTHER]
#: days after its end date a promotion may still be shown (time zones, a weekend to take it down)
GRACE_DAYS: Final = 1
PROMO: Final = re.compile(
    r"活动|促销|优惠|券|秒杀|特惠|折扣|满减|大促|限时|抢购|狂欢|周年庆|双十一|双11|618"
    r"|\bsale\b|\boffer\b|\bpromo(?:tion)?\b|\bdiscount\b|\bcoupon\b|\bdeals?\b|\bvoucher\b",
    re.I,
)
FOOD_TRAP: Final = re.compile(
    r"保质期|生产日期|批号|生产批次|\bbest\s+before\b|\bexpiry\s+date\b", re.I
)
ARCHIVE: Final = re.compile(
    r"往期|回顾|历史活动|已结束|活动结束|公告|新闻|资讯|\bnews\b|\barchive\b|\bpast\b|\bended\b",
    re.I,
)
#: a range: start date, a dash or 至, then an end with or without its year
RANGE: Final = re.compile(
    rf"{YMD}\s*(?:\d{{1,2}}:\d{{2}}(?::\d{{2}})?)?\s*(?:-|—|–|~|～|至|到)\s*"
    r"(?:(?P<ey>(?:19|20)\d{2})\s*[年./-]\s*)?(?P<em>\d{1,2})\s*[月./-]\s*(?P<ed>\d{1,2})\s*[日号]?",
)
#: an end date after 截止/截至/至/until/ends …
UNTIL: Final = re.compile(
    r"(?:截止(?:日期|时间)?|截至|止于|结束(?:时间|日期)?|有效期(?:至|到)|\buntil\b|\bends?\b(?:\s+on)?"
    r"|\bvalid\s+(?:until|through|till)\b|\boffer\s+expires\b|\bexpires\b)\s*:?\s*"
    rf"(?:{YMD}|{DMY_EN}|{MDY_EN})",
    re.I,
)
MAX_HITS_PER_PAGE: Final = 10


def _end_of_range(m: re.Match[str]) -> date | None:
    start = make_date(m.group("y"), m.group("m"), m.group("d"))
    year = m.group("ey") or m.group("y")
    end = make_date(year, m.group("em"), m.group("ed"))
    if start is not None and end is not None and not m.group("ey") and end < start:
        end = make_date(int(year) + 1, m.group("em"), m.group("ed"))
    return end


class ExpiredPromotions(Check):
    """Promotions whose stated end date has passed, still on advertising pages."""

    meta = CheckMeta(
        id="expired-promotions",
        title_pass=t("未发现过期的促销活动", "No expired promotions on show"),
        title_fail=t("首页仍展示已过期的促销活动", "Expired promotions still on show"),
        description=t(
            "应及时下架过期或失效的广告和促销内容；首页仍展示结束日期已过的促销活动为不合格，其他"
            "页面列出供人工确认。",
            "Expired or void adverts and promotions must be taken down promptly; a promotion "
            "whose end date has passed still shown on the home page fails, elsewhere it is "
            "listed for review.",
        ),
        severity=Severity.MODERATE,
        clauses=["7.7.3", "7.1.1"],
        indicators=[16],
        enterprise_types=list(EnterpriseType),
        page_roles=ROLES,
        scope="site",
        absence_is_failure=False,
        legal_basis=["明码标价和禁止价格欺诈规定 第20条", "电子商务企业服务质量规程 7.7.3"],
    )

    def observe(self, page: PageArtifacts) -> list[Hit]:
        if page.role not in ROLES:
            return []
        scan = header_date(page.headers)
        if scan is None:
            return [Hit(self.meta.id, "undated-page", page.url, page.role, None, page.url)]
        hits = [Hit(self.meta.id, "page", page.url, page.role, None, page.url, value=page.url)]
        for block in page.blocks:
            if len(hits) > MAX_HITS_PER_PAGE:
                break
            if block.region not in ("main", "header"):
                continue
            text = block.norm
            if not PROMO.search(text) or FOOD_TRAP.search(text):
                continue
            ends: list[tuple[int, int, date]] = []
            for m in RANGE.finditer(text):
                end = _end_of_range(m)
                if end is not None:
                    ends.append((m.start(), m.end(), end))
            for m in UNTIL.finditer(text):
                end = date_of(m)
                if end is not None:
                    ends.append((m.start(), m.end(), end))
            for start, stop, end in ends:
                if (scan - end).days <= GRACE_DAYS:
                    continue
                home = page.role is PageRole.HOME and not ARCHIVE.search(text)
                hits.append(
                    Hit(
                        self.meta.id,
                        "expired-home" if home else "expired",
                        page.url,
                        page.role,
                        block.locator,
                        context(text, start, stop, 30),
                        value=end.isoformat(),
                        region=block.region,
                        note=f"ended {end}, scan date {scan}",
                    )
                )
        return hits

    def conclude(self, hits: Sequence[Hit], site: SiteContext) -> Verdict:
        home = [h for h in hits if h.signal == "expired-home"]
        other = [h for h in hits if h.signal == "expired"]
        if home:
            first = home[0]
            msg = t(
                f"首页仍展示已结束的促销活动（{first.note}）",
                f"The home page still shows a promotion that has ended ({first.note})",
            )
            return Verdict([self.finding(Outcome.FAIL, msg, hits=[*home, *other])])
        if other:
            pages = len({h.url for h in other})
            msg = t(
                f"{pages} 个页面展示结束日期已过的促销活动（如 {other[0].note}），请确认是否已下架",
                f"{pages} page(s) show promotions whose end date has passed (e.g. "
                f"{other[0].note}); confirm they were taken down",
            )
            return Verdict([self.finding(Outcome.NEEDS_REVIEW, msg, hits=other)])
        judged = list(dict.fromkeys(h.url for h in hits if h.signal == "page"))
        if not judged:
            return self.not_applicable(
                t(
                    "不适用：页面响应无 Date 头或无广告页面，无法判断促销是否过期",
                    "Not applicable: no advertising page with a Date response header to judge "
                    "promotion dates against",
                )
            )
        return Verdict([self.finding(Outcome.PASS, pages_searched=judged)])
