"""A lower bound on how long the site has existed (Annex A #9 自建销售平台正常运营1年以上; standard
5.1.1 固定网络经营场所 and 经营持续性; clause-signals SIG-SITE "Age estimate", #9).

Dating evidence the pages themselves carry, each giving a year in which the site (or its operator's
filing) already existed:

- the © line — the start of a range (`© 2016-2025`, `Copyright © 2019–present`, `©2018至今`) or
  a single year (`© 2024`);
- the ICP 备案 主体号 — 8 digits: the first two are the year of first approval (yy ≥ 90 → 19yy),
  10 digits: the first four ([ICPNUM]; clause-signals SIG-ICP-FILING);
- a 增值电信业务经营许可证 number — `浙B2-20180456` carries its year of issue (read with the
  telecom-licence check's patterns, `iter_vats`).

Only credible places are read: a © line in the footer of any page, or a copyright line
(版权所有 / all rights reserved) elsewhere except on product and category pages (`© 2010
Disney` in a product description dates the product, not the shop); filing and licence numbers in
the footer or on home, licence and about pages. A block that credits a technology provider or a
partner (技术支持/提供技术服务/合作伙伴/powered by) is skipped for filing and licence numbers:
its licence is someone else's.
Placeholder numbers are ignored, hidden nodes and scripts never reach the text.

The scan date is the `Date` response header of the fetched pages (never the clock, so `audit`
replays the same verdict). Years before 1994 (no commercial web in China) or after the scan
year are ignored, and so is a © range whose end lies in the future. A year counts from its last
day: `© 2024` proves existence by 31 December 2024 at the latest.

- the earliest credible year ends at least `MIN_AGE_DAYS` before the scan date → pass, with the
  snippet that dates it; the message says it is a lower bound on the site's age, not proof of
  normal operation (the assessor confirms that, and "经营良好" needs documents);
- younger, no dating evidence, or no `Date` header → needs review. Never fail.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from typing import Final

from ecq_scan.artifacts import PageArtifacts, TextBlock
from ecq_scan.checks.base import Check, Hit, SiteContext, Verdict
from ecq_scan.checks.builtin._common import t
from ecq_scan.checks.builtin._dates import latest, scan_date_hits
from ecq_scan.checks.patterns import ICP_FILING, is_placeholder_number, iter_vats
from ecq_scan.checks.prefilter import finditer
from ecq_scan.models import CheckMeta, EnterpriseType, Outcome, PageRole, Severity

#: the site must have existed this long before the scan (Annex A #9: 1 年以上)
MIN_AGE_DAYS: Final = 365
#: the first commercial internet services in mainland China; an earlier year is a typo or a claim
#: about something else (a brand founded in 1862)
FIRST_YEAR: Final = 1994
COPYRIGHT: Final = re.compile(
    r"(?:©|\bcopyright\b\s*(?:\(c\))?)\s*(?:©\s*)?(?P<y1>(?:19|20)\d{2})(?!\d)"
    r"(?:\s*(?:[-–—~至到]|\bto\b)\s*(?P<y2>(?:19|20)\d{2}(?!\d)|现在|今|present\b|now\b|today\b))?",
    re.I,
)
#: a copyright line outside the footer: a block saying 版权所有 / all rights reserved, or a short
#: block that starts with the notice (`<div class="ft"><p>© 2025 店名</p>`); a photo credit in an
#: article ("Photo © 2010 Reuters") is neither
COPYRIGHT_LINE: Final = re.compile(
    r"版权所有|\ball\s+rights\s+reserved\b|^\s*(?:©|copyright\b)[^\n]{0,100}$", re.I
)
#: a block that names someone else's filing or licence (not applied to the © line: a footer
#: crediting its web developer still dates the site's own content)
FOREIGN: Final = re.compile(
    r"技术支持|提供技术(?:服务|支持)|服务提供商|合作伙伴|友情链接|\bpowered\s+by\b|\bpartners?\b",
    re.I,
)
LICENCE_ROLES: Final = (PageRole.HOME, PageRole.LICENCE, PageRole.ABOUT)
SKIP_COPYRIGHT_ROLES: Final = (PageRole.PRODUCT, PageRole.CATEGORY)
MAX_PER_SOURCE_PER_PAGE: Final = 3
SOURCES: Final = {
    "copyright": ("版权声明起始年份", "the © start year"),
    "icp": ("ICP 备案主体号年份", "the year in the ICP filing number"),
    "licence": ("增值电信业务经营许可证年份", "the year in the telecom licence number"),
}


def icp_year(num: str) -> int | None:
    """The year of first approval in an ICP 备案 主体号, or None when the length says nothing.

    8 digits: `05000593` → 2005 (yy ≥ 90 → 19yy); 10 digits: `2024077296` → 2024 ([ICPNUM]).
    """
    if len(num) == 8:
        yy = int(num[:2])
        return 1900 + yy if yy >= 90 else 2000 + yy
    if len(num) == 10 and num[:2] in ("19", "20"):
        return int(num[:4])
    return None


def _footer_or(page: PageArtifacts, block: TextBlock | None, roles: Sequence[PageRole]) -> bool:
    return (block is not None and block.region == "footer") or page.role in roles


class OperatingAge(Check):
    """The earliest year the site's own pages prove it existed, against the scan date."""

    meta = CheckMeta(
        id="operating-age",
        title_pass=t(
            "网站存续 1 年以上（下限估计，待人工确认）",
            "Site has existed for over a year (lower-bound estimate, to confirm)",
        ),
        title_fail=t(
            "无法从页面确认网站已存续 1 年以上",
            "The pages do not show the site has existed for over a year",
        ),
        description=t(
            "自建销售平台应正常运营 1 年以上。根据版权声明起始年份、ICP 备案主体号年份和增值电信"
            "业务经营许可证年份，对照页面响应的 Date 头估计网站存续时间的下限；这不能证明正常运营"
            "和经营良好，需评审结合备案记录、域名注册日期和经营资料确认。",
            "A self-built sales platform should have operated normally for over a year. The © "
            "start year, the year in the ICP filing number and in the telecom licence number, set "
            "against the pages' Date response header, give a lower bound on the site's age; that "
            "is not proof of normal operation or good business, which the assessor confirms from "
            "filing records, domain registration and business documents.",
        ),
        severity=Severity.INFO,
        clauses=["5.1.1"],
        indicators=[9],
        enterprise_types=[EnterpriseType.TRANSACTIONAL, EnterpriseType.PLATFORM],
        page_roles=[],
        scope="site",
        absence_is_failure=False,
        legal_basis=[
            "电子商务企业服务质量规程 附录A 表A.1 第9项",
            "电子商务企业服务质量规程 5.1.1",
        ],
    )

    def observe(self, page: PageArtifacts) -> list[Hit]:
        hits: list[Hit] = []
        hits.extend(scan_date_hits(self.meta.id, page))
        text = page.text
        kept = 0
        for m in finditer(COPYRIGHT, text, page.lower_text):
            if kept >= MAX_PER_SOURCE_PER_PAGE:
                break
            block = page.block_at(m.start())
            if block is None:
                continue
            credible = block.region == "footer" or (
                page.role not in SKIP_COPYRIGHT_ROLES and COPYRIGHT_LINE.search(block.norm)
            )
            if not credible:
                continue
            end = m.group("y2")
            if end and end.isdigit() and int(end) < int(m.group("y1")):
                continue  # "© 2025-2019": a typo, not a date
            kept += 1
            hits.append(self._hit(page, block, "copyright", m, m.group("y1"), end))
        kept = 0
        for m in finditer(ICP_FILING, text, page.lower_text):
            if kept >= MAX_PER_SOURCE_PER_PAGE:
                break
            num = m.group("num")
            block = page.block_at(m.start())
            year = icp_year(num)
            if year is None or is_placeholder_number(num):
                continue
            if not _footer_or(page, block, LICENCE_ROLES) or _foreign(block):
                continue
            kept += 1
            hits.append(self._hit(page, block, "icp", m, str(year), None))
        kept = 0
        for m in iter_vats(text):
            if kept >= MAX_PER_SOURCE_PER_PAGE:
                break
            block = page.block_at(m.start())
            seq = m.group("seq")
            if seq == "0000" or is_placeholder_number(m.group("year") + seq):
                continue
            if not _footer_or(page, block, LICENCE_ROLES) or _foreign(block):
                continue
            kept += 1
            hits.append(self._hit(page, block, "licence", m, m.group("year"), None))
        return hits

    def _hit(
        self,
        page: PageArtifacts,
        block: TextBlock | None,
        source: str,
        m: re.Match[str],
        year: str,
        end: str | None,
    ) -> Hit:
        return Hit(
            self.meta.id,
            source,
            page.url,
            page.role,
            block.locator if block is not None else None,
            page.snippet_at(m.start(), m.end(), 40),
            value=year,
            region=block.region if block is not None else None,
            note=end,
        )

    def conclude(self, hits: Sequence[Hit], site: SiteContext) -> Verdict:
        dated = [h for h in hits if h.signal in SOURCES and h.value and h.value.isdigit()]
        scan = latest(h.value for h in hits if h.signal == "scan-date")
        searched = site.searched()
        if scan is None:
            years = "、".join(sorted({f"{h.value}" for h in dated})) or "—"
            msg = t(
                "页面响应无 Date 头，无法确定扫描日期，未判断网站存续时间"
                f"（页面所见年份：{years}）",
                "No page carried a Date response header, so the scan date is unknown and the "
                f"site's age was not judged (years seen on the pages: {years})",
            )
            return Verdict(
                [
                    self.finding(
                        Outcome.NEEDS_REVIEW,
                        msg,
                        hits=dated,
                        pages_searched=[] if dated else searched,
                    )
                ]
            )
        credible = [h for h in dated if _credible(h, scan)]
        ignored = [h for h in dated if h not in credible]
        if not credible:
            shown = "、".join(
                dict.fromkeys(f"{h.value}–{h.note}" if h.note else f"{h.value}" for h in ignored)
            )
            extra_zh = (
                f"；已忽略不可信年份 {shown}（早于 {FIRST_YEAR} 年或晚于扫描日）" if ignored else ""
            )
            extra_en = (
                f"; ignored the implausible years {shown} (before {FIRST_YEAR} or after the scan "
                "date)"
                if ignored
                else ""
            )
            msg = t(
                "未发现可用于估计网站存续时间的版权年份、ICP 备案号或许可证年份，"
                f"请评审结合备案记录、域名注册日期确认{extra_zh}",
                "No © year, ICP filing number or licence year dates the site; the assessor "
                f"confirms its age from filing records and domain registration{extra_en}",
            )
            return Verdict(
                [
                    self.finding(
                        Outcome.NEEDS_REVIEW,
                        msg,
                        hits=ignored,
                        pages_searched=[] if ignored else searched,
                    )
                ]
            )
        credible.sort(key=lambda h: (int(h.value or 0), list(SOURCES).index(h.signal)))
        earliest = credible[0]
        year = int(earliest.value or 0)
        zh_src, en_src = SOURCES[earliest.signal]
        days = (scan - date(year, 12, 31)).days
        others = [
            next(h for h in credible if h.signal == source)
            for source in SOURCES
            if source != earliest.signal and any(h.signal == source for h in credible)
        ]
        if days >= MIN_AGE_DAYS:
            msg = t(
                f"依据{zh_src} {year}，网站至迟于 {year} 年已存在，距扫描日 {scan} 至少 1 年。"
                "这只是网站存续时间的下限估计，不能证明正常运营和经营良好，请评审确认",
                f"From {en_src} ({year}) the site existed by the end of {year} at the latest, at "
                f"least a year before the scan ({scan}). This is a lower bound on the site's age, "
                "not proof of normal operation or good business — the assessor confirms",
            )
            return Verdict([self.finding(Outcome.PASS, msg, hits=[earliest, *others])])
        msg = t(
            f"最早的可信年份为 {year}（{zh_src}），不足以证明网站在扫描日 {scan} 前已存续 1 年，"
            "请评审结合备案记录、域名注册日期确认",
            f"The earliest credible year is {year} ({en_src}): not enough to show the site existed "
            f"a year before the scan ({scan}); the assessor confirms from filing records and "
            "domain registration",
        )
        return Verdict([self.finding(Outcome.NEEDS_REVIEW, msg, hits=[earliest, *others])])


def _foreign(block: TextBlock | None) -> bool:
    return block is not None and bool(FOREIGN.search(block.norm))


def _credible(h: Hit, scan: date) -> bool:
    """A year between 1994 and the scan year; a © range must not end in the future either."""
    year = int(h.value or 0)
    if not FIRST_YEAR <= year <= scan.year:
        return False
    return not (h.note and h.note.isdigit() and int(h.note) > scan.year)
