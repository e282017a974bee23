"""Absolute / superlative advertising terms (standard 7.7.1; 广告法 第9条(三)).

广告法 第9条(三) bans "国家级"“最高级”“最佳”等用语 in advertising, but the SAMR enforcement
guide (广告绝对化用语执法指南, 2023) exempts many uses: service attitude and aspirations,
self-comparison, consumption hints (最佳赏味期), graded terms under a standard, names and
trademarks, lawfully awarded titles, and facts limited in time and place (销量, 市场占有率).
A scanner cannot tell these apart reliably, so this check never fails a site: every candidate is
a review item (clause-signals SIG-AD-ABSOLUTE, "Never auto-fail").

Scope: advertising surfaces only — the home, product and category pages (body in the main and
header regions, `<title>`, meta description). Legal and policy pages (协议 says “第一条”), help
pages, navigation and footers are not advertising and are not read. Trap phrases (第一次,
第一步, 第一条, 最佳赏味期, 最低消费, 最高可减, 国家级非物质文化遗产, 首页, 首重, 唯一标识; EN Best
before/regards/Sellers, Unit #1, Only 3 left, Members only, …) are filtered out before a hit is
kept. A hit near an award or a dated statistic (荣获, 评为, 据…统计, 截至YYYY年) is still reviewed,
but the message says the claim needs evidence.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterator, Sequence

from ecq_scan.artifacts import PageArtifacts
from ecq_scan.checks.base import Check, Hit, SiteContext, Verdict
from ecq_scan.checks.builtin._common import context, error_text, site_failed, t
from ecq_scan.checks.patterns import (
    AD_ABSOLUTE_EN,
    AD_ABSOLUTE_ZH,
    AD_CONTEXT_CHARS,
    AD_EXEMPTION_HINT,
    AD_TRAPS_EN,
    AD_TRAPS_ZH,
)
from ecq_scan.models import (
    CheckMeta,
    Disclosure,
    EnterpriseType,
    Finding,
    Outcome,
    PageRole,
    Severity,
)

_ROLES = [PageRole.HOME, PageRole.PRODUCT, PageRole.CATEGORY]
_REGIONS = ("main", "header")
#: candidates kept per page surface (body, title, description); a page with more is reviewed
#: as a whole anyway, and the cap bounds memory on hostile pages
_MAX_PAGE_HITS = 50
#: evidence items kept per page finding (all kept hits are also disclosures)
_MAX_PAGE_EVIDENCE = 50
_HINT_CHARS = 30
_NEEDS_EVIDENCE = "claim needs evidence / 附近有获奖或统计表述，需核实依据"


def candidates(text: str, limit: int | None = None) -> Iterator[tuple[int, int]]:
    """Spans of absolute terms in `text` that do not lie inside a trap phrase, left to right,
    without overlaps (the longer of two overlapping hits wins), at most `limit` of them.

    Each trap pattern yields non-overlapping, ordered spans, so "is this hit inside a trap" is a
    binary search per pattern — linear overall even on a page of 20,000 "第一次".
    """
    traps = [[m.span() for m in rx.finditer(text)] for rx in (AD_TRAPS_ZH, AD_TRAPS_EN)]
    starts = [[s for s, _ in spans] for spans in traps]
    spans = sorted(
        (m.span() for rx in (AD_ABSOLUTE_ZH, AD_ABSOLUTE_EN) for m in rx.finditer(text)),
        key=lambda s: (s[0], -(s[1] - s[0])),
    )
    last_end = -1
    kept = 0
    for start, end in spans:
        if start < last_end:
            continue
        if _inside_trap(start, end, traps, starts):
            continue
        last_end = end
        yield start, end
        kept += 1
        if limit is not None and kept >= limit:
            return


def _inside_trap(
    start: int, end: int, traps: list[list[tuple[int, int]]], starts: list[list[int]]
) -> bool:
    for spans, keys in zip(traps, starts, strict=True):
        i = bisect_right(keys, start) - 1
        if i >= 0 and spans[i][1] >= end:
            return True
    return False


def exemption_hint(text: str, start: int, end: int) -> bool:
    lo, hi = max(0, start - _HINT_CHARS), min(len(text), end + _HINT_CHARS)
    return AD_EXEMPTION_HINT.search(text[lo:hi]) is not None


class AbsoluteAdTerms(Check):
    """Candidate 绝对化用语 on advertising surfaces, each with ±20 characters of context."""

    meta = CheckMeta(
        id="absolute-ad-terms",
        title_pass=t("广告页面未发现绝对化用语", "No absolute advertising terms found"),
        title_fail=t("发现疑似绝对化广告用语", "Possible absolute advertising terms"),
        description=t(
            "广告不得使用“国家级”“最高级”“最佳”等绝对化用语。首页、商品页、分类页上的候选用语"
            "列出供人工判断（执法指南列有豁免情形），本项不自动判定为不合格。",
            "Advertising must not use absolute terms such as 'national-level', 'highest' or "
            "'best'. Candidates on the home, product and category pages are listed for a person "
            "to judge (the enforcement guide lists exemptions); this check never fails a site.",
        ),
        severity=Severity.MODERATE,
        clauses=["7.7.1"],
        indicators=[16, 23],
        enterprise_types=list(EnterpriseType),
        page_roles=_ROLES,
        scope="page",
        absence_is_failure=False,
        legal_basis=["广告法 第9条(三)", "广告绝对化用语执法指南（市场监管总局公告2023年第6号）"],
    )

    def observe(self, page: PageArtifacts) -> list[Hit]:
        if page.role not in _ROLES:
            return []  # policy, legal and help pages are not advertising
        hits: list[Hit] = []
        text = page.text
        for start, end in candidates(text):
            if len(hits) >= _MAX_PAGE_HITS:
                break
            block = page.block_at(start)
            if block is None or block.region not in _REGIONS:
                continue
            # context and exemption hints stay inside the block the term is in
            offset = block.start
            hits.append(self._hit(page, block.norm, start - offset, end - offset, block.locator))
        for label, locator in (
            (page.title, "title"),
            (page.meta_description, 'meta[name="description"]'),
        ):
            for start, end in candidates(label, limit=_MAX_PAGE_HITS):
                hits.append(self._hit(page, label, start, end, locator))
        return hits

    def _hit(self, page: PageArtifacts, text: str, start: int, end: int, locator: str) -> Hit:
        hint = exemption_hint(text, start, end)
        return Hit(
            self.meta.id,
            "absolute-term",
            page.url,
            page.role,
            locator,
            context(text, start, end, AD_CONTEXT_CHARS),
            value=text[start:end],
            note=_NEEDS_EVIDENCE if hint else None,
        )

    def conclude(self, hits: Sequence[Hit], site: SiteContext) -> Verdict:
        by_page: dict[str, list[Hit]] = defaultdict(list)
        for h in hits:
            if h.signal == "absolute-term":
                by_page[h.url].append(h)
        if not by_page:
            searched = site.searched(_ROLES)
            if not searched:
                failed = site_failed(site, _ROLES)
                if failed:
                    return Verdict([self.finding(Outcome.ERROR, error_text(failed))])
            return Verdict([self.finding(Outcome.PASS, pages_searched=searched)])
        findings: list[Finding] = []
        disclosures: list[Disclosure] = []
        for url, page_hits in by_page.items():
            terms = "、".join(dict.fromkeys(h.value or "" for h in page_hits))
            hinted = sum(1 for h in page_hits if h.note)
            zh = (
                f"发现 {len(page_hits)} 处疑似绝对化用语（{terms}），"
                "请人工判断是否属于广告法第9条(三)的情形"
            )
            en = (
                f"{len(page_hits)} possible absolute term(s) ({terms}); a person must judge "
                "whether Advertising Law art. 9(3) applies"
            )
            if hinted:
                zh += f"；其中 {hinted} 处附近有获奖/统计表述：claim needs evidence，需核实依据"
                en += f"; {hinted} cite an award or statistic nearby: claim needs evidence"
            finding = self.finding(Outcome.NEEDS_REVIEW, t(zh, en), url=url)
            evidence = {(h.locator, h.snippet): h.evidence() for h in page_hits}
            finding.evidence = list(evidence.values())[:_MAX_PAGE_EVIDENCE]
            findings.append(finding)
            disclosures.extend(
                Disclosure(
                    key="ad_superlative",
                    value=h.value or "",
                    url=h.url,
                    locator=h.locator,
                    snippet=h.snippet,
                    note=h.note,
                )
                for h in page_hits
            )
        return Verdict(findings, disclosures)
