"""Policies carry a version or effective date (standard 7.5.3.1 动态服务标准调整机制, 7.2.1;
clause-signals 7.5.3.1 `qm.policy_versioning`, SIG-TERMS "has a version/effective date").

On terms, privacy, returns, shipping and rules pages, a date after 更新/生效/发布/修订/版本
(日期/时间) or "last updated / effective (date|as of|from) / updated on" is read (年月日, ISO and
English month names).

- at least one such page is dated, and the newest date is no more than `MAX_AGE_DAYS` before the
  scan date → pass;
- dated, but the newest date is older (a policy untouched for over two years suggests no review
  cycle) → needs review;
- policy pages fetched, none dated → needs review;
- no policy page fetched → not applicable (terms-of-service and privacy-policy report that).

The scan date is the `Date` header of the fetched pages (never the clock); without one the age
is not judged.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from typing import Final

from ecq_scan.artifacts import PageArtifacts
from ecq_scan.checks.base import Check, Hit, SiteContext, Verdict
from ecq_scan.checks.builtin._common import context, t
from ecq_scan.checks.builtin._dates import ANY_DATE, date_of, latest, scan_date_hits
from ecq_scan.models import CheckMeta, EnterpriseType, Outcome, PageRole, Severity

ROLES: Final = [
    PageRole.TERMS,
    PageRole.PRIVACY,
    PageRole.RETURNS,
    PageRole.SHIPPING,
    PageRole.RULES,
]
#: a newest policy date older than this (before the scan date) is a review item
MAX_AGE_DAYS: Final = 730
LABEL: Final = re.compile(
    r"(?:更新|生效|发布|修订|修改|版本)(?:日期|时间)|(?:本版本|本政策|本协议)?(?:更新|生效)于"
    r"|\blast\s+(?:updated|revised|modified)\b|\beffective(?:\s+date|\s+as\s+of|\s+from)?\b"
    r"|\bupdated(?:\s+on)?\b|\bversion\s+date\b",
    re.I,
)
#: characters after a label in which the date must start
LABEL_REACH: Final = 24
MAX_DATES_PER_PAGE: Final = 3


class TermsVersionDate(Check):
    """Terms, privacy and other policies show when they were last updated."""

    meta = CheckMeta(
        id="terms-version-date",
        title_pass=t("政策条款标注了更新或生效日期", "Policies show an update or effective date"),
        title_fail=t("政策条款未标注更新日期", "Policies show no update date"),
        description=t(
            "服务协议、隐私政策等应标注版本或更新、生效日期，并随服务标准动态调整；两年以上未更新的"
            "列出供人工确认。",
            "Terms, privacy and other policies should show their version or update/effective date "
            "and be revised as service standards change; policies not updated for over two years "
            "are listed for review.",
        ),
        severity=Severity.MINOR,
        clauses=["7.5.3.1", "7.2.1"],
        indicators=[16, 28],
        enterprise_types=list(EnterpriseType),
        page_roles=ROLES,
        scope="site",
        absence_is_failure=False,
        legal_basis=["电子商务企业服务质量规程 7.5.3.1", "电子商务法 第34条"],
    )

    def observe(self, page: PageArtifacts) -> list[Hit]:
        if page.role not in ROLES:
            return []
        hits = [Hit(self.meta.id, "page", page.url, page.role, None, page.url, value=page.url)]
        hits.extend(scan_date_hits(self.meta.id, page))
        text = page.text
        for lm in LABEL.finditer(text):
            dm = ANY_DATE.search(text, lm.end(), min(len(text), lm.end() + LABEL_REACH))
            if dm is None:
                continue
            when = date_of(dm)
            if when is None:
                continue
            block = page.block_at(lm.start())
            hits.append(
                Hit(
                    self.meta.id,
                    "dated",
                    page.url,
                    page.role,
                    block.locator if block is not None else None,
                    context(text, lm.start(), dm.end(), 20),
                    value=when.isoformat(),
                )
            )
            if len(hits) > MAX_DATES_PER_PAGE + 1:
                break
        return hits

    def conclude(self, hits: Sequence[Hit], site: SiteContext) -> Verdict:
        pages = list(dict.fromkeys(h.url for h in hits if h.signal == "page"))
        if not pages:
            return self.not_applicable(
                t(
                    "不适用：未抓取到服务协议、隐私政策等政策页面",
                    "Not applicable: no terms, privacy or other policy page was fetched",
                )
            )
        dated = sorted(
            (h for h in hits if h.signal == "dated"), key=lambda h: h.value or "", reverse=True
        )
        if not dated:
            msg = t(
                f"{len(pages)} 个政策页面均未标注更新或生效日期，请人工确认",
                f"None of the {len(pages)} policy page(s) shows an update or effective date; "
                "confirm by hand",
            )
            return Verdict([self.finding(Outcome.NEEDS_REVIEW, msg, pages_searched=pages)])
        newest = date.fromisoformat(dated[0].value or "")
        scan = latest(h.value for h in hits if h.signal == "scan-date")
        if scan is not None and (scan - newest).days > MAX_AGE_DAYS:
            msg = t(
                f"政策最近更新日期为 {newest}，距扫描日 {scan} 已超过两年，请确认是否仍为现行版本",
                f"The newest policy date is {newest}, more than two years before the scan "
                f"({scan}); confirm it is still current",
            )
            return Verdict([self.finding(Outcome.NEEDS_REVIEW, msg, hits=dated[:3])])
        msg = t(
            f"政策页面标注了更新/生效日期（最近：{newest}）",
            f"Policy pages show update/effective dates (newest: {newest})",
        )
        return Verdict([self.finding(Outcome.PASS, msg, hits=dated[:3])])
