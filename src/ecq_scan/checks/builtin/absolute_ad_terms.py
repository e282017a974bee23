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

Name exemptions ([ADGUIDE] as summarised in clause-signals SIG-AD-ABSOLUTE: "商品名称/型号/注册
商标/专利中含有", plus "brand/trademark names configured per site"; and "限定时间地域条件下的事实").
A term that is part of a name the page itself declares is the name, not a claim — a shop called
极品好物 saying 欢迎光临极品好物商城 advertises nothing absolute. Dropped, each only where the
page shows it is a name:

- the page's own brand or trade name: the name after ©/Copyright/版权所有, a JSON-LD
  Organization/Store/Brand/WebSite `name` or a Product's `brand`/`manufacturer`, the text or logo
  `alt` of a link to the site's home page — every occurrence of that name on the page;
- a registered trademark: the term is in the word right before ®/™/(R)/(TM);
- a title in 《…》 (a book, programme or product title — 《最好的我们》 is a book on sale);
- a product name: JSON-LD Product `name`, or the `<h1>` of a product page, and every occurrence
  of it or of one of its words (至尊海鲜披萨 of 至尊海鲜披萨 12寸) — but only for the words
  products are actually named with (极品, 至尊, 王牌, 极致, 完美, 万能, 绝对; ultimate, perfect,
  miracle): a stuffed product title (顶级 大红袍 全网最低价) is still advertising, and
  顶级/最强 in a title stay claims;
- the seller's own timeline (时空顺序): 首家/首个 + 门店/工厂… with a year before it in the same
  sentence (2008年在杭州开设首家门店) and no nation- or industry-wide qualifier (全国首家 stays).

Never cleared by any name context: price and rank claims (全网最低, 最低价, 最便宜, 第一…,
NO.1/TOP1/#1, cheapest, lowest price, number one, world's first), 100%/百分之百, and the
authority terms the law bans outright (国家级, 国家推荐, 驰名商标 — 商标法 第14条, 免检, 特供/专供).
Those assert a checkable fact that no name can supply, so "全网最低价" in a title is still
reviewed. Quotation marks “…” 「…」 are not an exemption either: shops quote their slogans
(承诺“全网最低价”, “顶级”工艺) to stress them, not to name a thing.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any
from urllib.parse import urlsplit

from ecq_scan.artifacts import PageArtifacts, normalise
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

#: terms no name context clears: price/rank claims, 100 %, and the authority terms banned outright
_NEVER_EXEMPT = re.compile(
    r"全网最低|最低价|最便宜|史上最|第一|NO\.?\s?1|TOP\s?1|#1|100\s*%|百分之百|国家级|国家(?:机关)?推荐"
    r"|驰名商标|免检|特供|专供|cheapest|lowest|guaranteed\s+lowest|number\s+one|world",
    re.I,
)
#: the words products are named with; only these are cleared by a product-name context
_NAME_WORDS = re.compile(r"极品|至尊|王牌|极致|完美|万能|绝对|ultimate|perfect|miracle", re.I)
#: the name after a copyright sign or 版权所有, or the name before 版权所有: a CJK run (with
#: Latin letters and dots, 百汇BAIHUI.example.cn) or up to four Latin words
_NAME = r"(?:[\u4e00-\u9fffA-Za-z0-9.·&]{2,30}|[A-Za-z0-9&'’.-]+(?: [A-Za-z0-9&'’.-]+){0,3})"
_COPYRIGHT = re.compile(
    r"(?:©|\(c\)|copyright|版权所有)\s*(?:©\s*)?:?\s*(?:\d{4}\s*(?:[-–—~]\s*\d{4}\s*)?)?"
    rf"(?P<name>{_NAME})",
    re.I,
)
#: the name right before 版权所有 (百汇商城 版权所有), matched on the few characters before it
_NAME_BEFORE = re.compile(r"(?P<name>[\u4e00-\u9fffA-Za-z0-9.·&]{2,30})\s*$")
_NAME_TAIL = re.compile(r"\s+(?:all\s+rights.*|inc\.?|ltd\.?|limited|llc|co\.?)$", re.I)
_NOT_A_NAME = re.compile(r"^(?:版权所有|all|copyright|\d+)$", re.I)
_ORG_TYPES = frozenset(
    {"Organization", "Corporation", "Store", "OnlineStore", "LocalBusiness", "Brand", "WebSite"}
)
_PRODUCT_TYPES = frozenset({"Product", "ProductGroup"})
#: ® or ™ (NFKC turns ™ into "TM") right after the word the term is in; a "TM" inside a Latin
#: word (ATM, HTML) is not a mark
_TRADEMARK = re.compile(
    r"[\u4e00-\u9fffA-Za-z0-9]{0,12}?(?:®|\(R\)|\(TM\)|(?<![A-Za-z])TM(?![A-Za-z]))"
)
_TITLE_SPAN = 40
_OWN_SEQUENCE_TERM = re.compile(r"首家|首个")
_OWN_SEQUENCE_NOUN = re.compile(
    r"(?:门店|店铺|实体店|直营店|旗舰店|分店|体验店|线下店|专卖店|工厂|生产基地|仓库)"
)
_YEAR_BEFORE = re.compile(r"\d{4}\s*年[^。！!?？;；]{0,20}$")
_WIDE_QUALIFIER = re.compile(r"(?:全国|全球|国内|业内|行业|世界|中国|全网|全省|全市|亚洲|国际)\s*$")
_MAX_NAMES = 20


@dataclass(frozen=True, slots=True)
class Names:
    """Names the page declares: its own brand/trade names and the product names."""

    own: tuple[str, ...] = ()
    products: tuple[str, ...] = ()


def _types(node: dict[str, Any]) -> set[str]:
    kind = node.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return {k.rsplit("/", 1)[-1] for k in kinds if isinstance(k, str)}


def _name_of(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("name")
    if isinstance(value, list) and value:
        value = value[0]
    return value if isinstance(value, str) else None


def _jsonld_nodes(data: Any) -> Iterator[dict[str, Any]]:
    """Top-level JSON-LD nodes and those inside `@graph` (bounded: hostile pages)."""
    items = data if isinstance(data, list) else [data]
    for item in items[:50]:
        if not isinstance(item, dict):
            continue
        yield item
        graph = item.get("@graph")
        if isinstance(graph, list):
            yield from (g for g in graph[:50] if isinstance(g, dict))


def page_names(page: PageArtifacts) -> Names:
    """The brand, trade and product names `page` itself declares (see the module docstring)."""
    own: list[str] = []
    products: list[str] = []
    text = page.text
    found = [m.group("name") for m in islice(_COPYRIGHT.finditer(text), _MAX_NAMES)]
    at = text.find("版权所有")
    while at != -1 and len(found) < 2 * _MAX_NAMES:
        before = _NAME_BEFORE.search(text, max(0, at - 32), at)
        if before:
            found.append(before.group("name"))
        at = text.find("版权所有", at + 4)
    for raw in found:
        name = _NAME_TAIL.sub("", raw).strip(" .")
        if not _NOT_A_NAME.match(name):
            own.append(name)
    for data in page.jsonld:
        for node in _jsonld_nodes(data):
            kinds = _types(node)
            if kinds & _ORG_TYPES:
                own.append(_name_of(node.get("name")) or "")
            if kinds & _PRODUCT_TYPES:
                products.append(_name_of(node.get("name")) or "")
                own.append(_name_of(node.get("brand")) or "")
                own.append(_name_of(node.get("manufacturer")) or "")
    try:
        parts = urlsplit(page.url)
        home = f"{parts.scheme}://{parts.netloc.lower()}/"
    except ValueError:
        home = ""
    own.extend(link.text for link in page.links if link.url == home and not link.hidden)
    own.extend(img.alt for img in page.images if img.link_url == home)
    if page.role is PageRole.PRODUCT and page.h1:
        products.append(page.h1)
    # the copy names a product by the core of its title (至尊海鲜披萨, not 至尊海鲜披萨 12寸)
    products.extend(word for name in list(products) for word in name.split() if len(word) > 2)
    return Names(_clean(own, 16), _clean(products, 60))


def _clean(names: Iterable[str], longest: int) -> tuple[str, ...]:
    """Normalised, de-duplicated names of 2…`longest` characters. A brand (`longest` ≤ 16) with
    a space is kept only in Latin script (Oak & Thread): a Chinese "name" with a space is a
    phrase (极品好物 全网最低价), not a name."""
    out: dict[str, None] = {}
    for raw in names:
        name = normalise(raw)
        if 2 <= len(name) <= longest and (longest > 16 or " " not in name or name.isascii()):
            out[name] = None
        if len(out) >= _MAX_NAMES:
            break
    return tuple(out)


def _inside_name(text: str, start: int, end: int, names: Sequence[str]) -> bool:
    """[start, end) lies inside an occurrence of one of `names` longer than the term itself."""
    for name in names:
        if len(name) <= end - start:
            continue
        lo = max(0, end - len(name))
        i = text.find(name, lo, start + len(name))
        while i != -1 and i <= start:
            if i + len(name) >= end:
                return True
            i = text.find(name, i + 1, start + len(name))
    return False


def _inside_title_marks(text: str, start: int, end: int) -> bool:
    """Inside 《…》 (at most `_TITLE_SPAN` characters either side, no nested marks)."""
    before = text[max(0, start - _TITLE_SPAN) : start]
    after = text[end : end + _TITLE_SPAN]
    opened = before.rfind("《")
    closed = after.find("》")
    return (
        opened != -1 and "》" not in before[opened:] and closed != -1 and "《" not in after[:closed]
    )


def _own_sequence(text: str, start: int, end: int) -> bool:
    """首家门店 in a dated account of the seller's own history, without a 全国/行业 qualifier."""
    if not _OWN_SEQUENCE_TERM.fullmatch(text[start:end]):
        return False
    if not _OWN_SEQUENCE_NOUN.match(text, end):
        return False
    before = text[max(0, start - 30) : start]
    return bool(_YEAR_BEFORE.search(before)) and not _WIDE_QUALIFIER.search(before)


def exempt(text: str, start: int, end: int, names: Names) -> bool:
    """The term at [start, end) is part of a name or of the seller's own timeline, not a claim.
    Price/rank, 100 % and authority terms are never exempt (module docstring)."""
    term = text[start:end]
    if _NEVER_EXEMPT.match(term):
        return False
    if _inside_name(text, start, end, names.own):
        return True
    if _TRADEMARK.match(text, end):
        return True
    if _inside_title_marks(text, start, end):
        return True
    if _NAME_WORDS.fullmatch(term) and _inside_name(text, start, end, names.products):
        return True
    return _own_sequence(text, start, end)


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
        names = page_names(page)
        for start, end in candidates(text):
            if len(hits) >= _MAX_PAGE_HITS:
                break
            block = page.block_at(start)
            if block is None or block.region not in _REGIONS:
                continue
            # context, exemptions and hints stay inside the block the term is in
            offset = block.start
            if exempt(block.norm, start - offset, end - offset, names):
                continue
            hits.append(self._hit(page, block.norm, start - offset, end - offset, block.locator))
        for label, locator in (
            (page.title, "title"),
            (page.meta_description, 'meta[name="description"]'),
        ):
            kept = 0
            for start, end in candidates(label):
                if kept >= _MAX_PAGE_HITS:
                    break
                if exempt(label, start, end, names):
                    continue
                hits.append(self._hit(page, label, start, end, locator))
                kept += 1
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
