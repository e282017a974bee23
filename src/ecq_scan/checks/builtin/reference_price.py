"""Reference (crossed-out) prices are explained; list prices do not undercut detail prices
(standard 7.2.2; 明码标价和禁止价格欺诈规定 第19、20条).

A shop that shows a sale price next to a struck-through or labelled higher price (原价, 划线价,
吊牌价, 专柜价, 参考价, 市场价, 指导价, 门市价; "was", "RRP", "list price", "compare at") invites a
comparison. The 规定 treats a comparison price the consumer cannot understand as misleading
(第19条), and shops answer it with a 价格说明 ("划线价格为商品的专柜价、吊牌价、正品零售价、
厂商指导价或该商品曾经展示过的销售价等，并非原价…"), either as a linked page or inline under the
price. This check looks for reference prices on product, category and home pages and for that
explanation anywhere it reads:

- no reference price on any product or list page → not_applicable;
- reference prices and an explanation (a link labelled 价格说明 …, or the text itself) → pass;
- reference prices and no explanation on the pages read → needs_review, never fail: the
  explanation may sit on a page the crawl did not reach, or in a tab a script fills.

It also compares prices the crawl can pair without guessing (规定 第20条(一): a price shown on the
home or a list page lower than the one charged on the detail page is 价格欺诈): a product card
whose link text holds exactly one unconditional price, against the one price its own product page
shows. Only if both are read unambiguously, in the same currency, and the card's price is lower
and appears nowhere on the product page (variants priced lower are listed there) is it a fail.
Anything conditional (会员价, 券后, 起, "from"), a price range, or a JSON-LD offer that disagrees
with the visible price makes the pair unreadable, and it is skipped.

Traps: 满减/coupon amounts and fees (`PRICE_NOT_PRODUCT`) are not prices; a struck-through word
is not a price; a member price (会员价) is a conditional price, not a reference price; hidden
nodes are not read (the parser drops them); a 原价 mention in a help article about pricing is the
explanation, not a reference price (only product, category and home pages are searched for
reference prices, and a label must sit next to a sale price).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Final

from ecq_scan.artifacts import PageArtifacts
from ecq_scan.checks.base import Check, Hit, SiteContext, Verdict
from ecq_scan.checks.builtin._common import norm_url, t
from ecq_scan.checks.builtin.price_display import jsonld_products
from ecq_scan.checks.patterns import COMMERCE_CUE, PRICE, PRICE_LOOKBEHIND, PRICE_NOT_PRODUCT
from ecq_scan.models import (
    CheckMeta,
    EnterpriseType,
    Finding,
    Outcome,
    PageRole,
    Severity,
)

#: a label right before an amount that makes it a comparison price (read on the text before it)
_REFERENCE_LABEL: Final = re.compile(
    r"(?:原价|划线价格?|吊牌价|专柜价|参考价|市场价|指导价|门市价|建议零售价"
    r"|(?P<was>\bwas)|\bRRP|\bMSRP|\blist\s+price|\bcompare\s+at|\bregular\s+price"
    r"|\boriginal\s+price)\s*(?:price)?\s*:?\s*$",
    re.I,
)
#: any reference label anywhere (unanchored): a page with none and nothing struck through has
#: no reference price, so `_references` skips reading every price on it (most pages)
_ANY_REFERENCE_LABEL: Final = re.compile(
    r"原价|划线价|吊牌价|专柜价|参考价|市场价|指导价|门市价|建议零售价"
    r"|\bwas\b|\bRRP\b|\bMSRP\b|\blist\s+price|\bcompare\s+at|\bregular\s+price|\boriginal\s+price",
    re.I,
)
#: text that explains what a reference price means, or names the page that does
_EXPLANATION: Final = re.compile(
    r"划线价格?(?:说明|含义|释义|的含义|是指|指的是|指)|未划线价格|价格说明|价格声明"
    r"|\bprice\s+information\b|\babout\s+(?:our\s+)?pric(?:es|ing)\b|\bpricing\s+(?:policy|information)\b"
    r"|\b(?:the\s+)?(?:crossed[-\s]out|struck[-\s]through|strike[-\s]?through|compare[-\s]at|was"
    r"|reference|recommended\s+retail)\s+prices?\s+(?:is|are|refers?\s+to|means?|shows?|represents?)\b",
    re.I,
)
#: a link label naming the explanation page (too weak a phrase to count in running text)
_EXPLANATION_LINK: Final = re.compile(r"^[ \t]*关于价格(?:说明)?[ \t]*$", re.M)
#: a card price that depends on a condition or stands for a range: not comparable
_CONDITIONAL: Final = re.compile(
    r"会员|PLUS|券|到手|拼团|团购|秒杀|新人|首单|低至|起|约|预估|预售|定金|折后"
    r"|\bfrom\b|as\s+low\s+as|\bmembers?\b|coupon|\bstarting\b|subscri|\bwith\s+code\b",
    re.I,
)
#: "¥99起": the lowest of several prices
_FROM_AFTER: Final = re.compile(r"\s*起")
#: a price range (`¥99-199`, `$10 – $20`, `99~199元`)
_RANGE_AFTER: Final = re.compile(r"\s*(?:-|–|—|~|至|到|to\b)\s*(?:[¥$€£]|US\$)?\s*\d")
_CNY: Final = ("¥", "元", "RMB", "CNY")
#: how near (characters of page text) a sale price must be to a reference price
_NEAR: Final = 80
#: characters a struck-through span may hold besides its amount ("原价", "was", a space)
_STRUCK_EXTRA: Final = 8
MAX_LINKS: Final = 400
_LIST_ROLES: Final = (PageRole.CATEGORY, PageRole.HOME)


def _amount(token: str) -> tuple[str, Decimal] | None:
    """(currency, amount) of a `PRICE` match; None for zero (an empty cart) or an unreadable one."""
    m = PRICE.search(token)
    if m is None:
        return None
    text = m.group(0)
    currency = "CNY" if any(c in text for c in _CNY) else re.sub(r"[\d.,\s]", "", text).upper()
    digits = re.search(r"\d[\d,]*(?:[.,]\d{1,2})?", text)
    if digits is None:
        return None
    num = digits.group(0)
    num = num.replace(",", ".") if m.group("c") is not None else num.replace(",", "")
    try:
        value = Decimal(num)
    except InvalidOperation:
        return None
    return (currency, value) if value > 0 else None


def _fmt(amount: tuple[str, Decimal]) -> str:
    """`¥88.00`, `£9.50`, `EUR19.99`: what messages show and what pages are compared on."""
    currency, value = amount
    return f"{'¥' if currency == 'CNY' else currency}{value:.2f}"


def _parse_fmt(value: str) -> tuple[str, Decimal] | None:
    m = re.fullmatch(r"(\D*)(\d+\.\d{2})", value)
    return (m.group(1), Decimal(m.group(2))) if m is not None else None


def _not_product(text: str, start: int) -> bool:
    return PRICE_NOT_PRODUCT.search(text, max(0, start - PRICE_LOOKBEHIND), start) is not None


def _is_product_page(page: PageArtifacts) -> bool:
    """As `price-display` decides: a `product` page with a commerce cue, or JSON-LD `Product`."""
    if any(jsonld_products(d) for d in page.jsonld):
        return True
    return page.role is PageRole.PRODUCT and COMMERCE_CUE.search(page.text) is not None


class ReferencePrice(Check):
    """Crossed-out and labelled reference prices carry an explanation; list ≥ detail price."""

    meta = CheckMeta(
        id="reference-price",
        title_pass=t("划线价/参考价附有价格说明", "Crossed-out and reference prices are explained"),
        title_fail=t(
            "划线价/参考价缺少说明，或列表价低于详情页价格",
            "Reference prices unexplained, or a list price lower than the product page's",
        ),
        description=t(
            "使用划线价、原价、吊牌价等被比较价格时，应说明其含义（价格说明）；首页或列表页标示的价格"
            "不得低于商品详情页的价格（明码标价和禁止价格欺诈规定 第19、20条）。",
            "A crossed-out or labelled reference price (was, RRP, list price) must be explained "
            "(a price note saying what it is), and a price shown on the home or a list page must "
            "not be lower than the price on the product page.",
        ),
        severity=Severity.MODERATE,
        clauses=["7.2.2"],
        indicators=[16],
        enterprise_types=list(EnterpriseType),
        page_roles=[
            PageRole.PRODUCT,
            PageRole.CATEGORY,
            PageRole.HOME,
            PageRole.HELP,
            PageRole.TERMS,
            PageRole.RULES,
            PageRole.OTHER,
        ],
        scope="site",
        absence_is_failure=False,
        legal_basis=[
            "明码标价和禁止价格欺诈规定 第17条",
            "明码标价和禁止价格欺诈规定 第19条",
            "明码标价和禁止价格欺诈规定 第20条",
        ],
    )

    # observe ---------------------------------------------------------------------------------

    def observe(self, page: PageArtifacts) -> list[Hit]:
        hits = self._explanations(page)
        product = _is_product_page(page)
        if not product and page.role not in _LIST_ROLES:
            return hits  # help, terms, blog pages: a 原价 there is talk about prices
        hits.append(Hit(self.meta.id, "seen", page.url, page.role, None, page.url))
        refs = self._references(page)
        hits.extend(refs)
        struck = {a for s in page.struck if (a := _amount(s.text)) is not None}
        if product:
            detail = self._detail_price(page, struck)
            if detail is not None:
                hits.append(detail)
        elif page.role in _LIST_ROLES:
            hits.extend(self._list_prices(page, struck))
        return hits

    def _explanations(self, page: PageArtifacts) -> list[Hit]:
        """The first visible link to, or text of, a price explanation."""
        links = page.links_matching(_EXPLANATION) + page.links_matching(_EXPLANATION_LINK)
        for link in links:
            if not link.hidden and link.url:
                snippet = f"{link.text_raw or link.title} → {link.url}"
                return [
                    Hit(self.meta.id, "explanation", page.url, page.role, link.locator, snippet)
                ]
        m = _EXPLANATION.search(page.text)
        if m is not None:
            return [self.hit(page, "explanation", *m.span())]
        return []

    def _references(self, page: PageArtifacts) -> list[Hit]:
        """Struck-through prices and labelled reference prices with a sale price nearby."""
        text = page.text
        if not page.struck and _ANY_REFERENCE_LABEL.search(text) is None:
            return []
        struck_spans = [(s.start, s.start + len(s.text)) for s in page.struck]
        prices = [
            m
            for m in PRICE.finditer(text)
            if _amount(m.group(0)) is not None and not _not_product(text, m.start())
        ]
        labelled = {m.start() for m in prices if self._labelled(text, m.start())}
        #: offsets of plain prices (not struck, not labelled): the sale prices a reference sits by
        sales = [
            m.start()
            for m in prices
            if m.start() not in labelled and not any(a <= m.start() < b for a, b in struck_spans)
        ]
        refs: list[Hit] = []
        seen: set[int] = set()

        def sale_near(start: int, end: int) -> bool:
            lo = bisect.bisect_left(sales, start - _NEAR)
            hi = bisect.bisect_right(sales, start + _NEAR)
            return any(not start <= at < end for at in sales[lo:hi])

        for s in page.struck:
            if s.region != "main":
                continue
            m = PRICE.search(s.text)
            if m is None or _amount(m.group(0)) is None:
                continue  # a struck-through word, or ¥0
            if len(s.text) - len(m.group(0)) > _STRUCK_EXTRA:
                continue  # a struck sentence that happens to hold an amount
            at = s.start + m.start()
            if _not_product(text, at) or not sale_near(s.start, s.start + len(s.text)):
                continue
            seen.add(at)
            refs.append(self.hit(page, "reference", at, at + len(m.group(0)), value=m.group(0)))
        for m in prices:
            if m.start() in seen or m.start() not in labelled:
                continue
            block = page.block_at(m.start())
            if block is not None and block.region != "main":
                continue
            if sale_near(m.start(), m.end()):
                refs.append(self.hit(page, "reference", *m.span(), value=m.group(0)))
        return refs[:20]

    @staticmethod
    def _labelled(text: str, start: int) -> bool:
        """A reference label (原价, RRP, "was" …) ends right before the amount at `start`."""
        m = _REFERENCE_LABEL.search(text, max(0, start - 20), start)
        if m is None:
            return False
        if m.group("was") is not None:
            before = text[: m.start()].rstrip(" ")
            if before and before[-1].isalpha():
                return False  # "it was $20 cheaper": a sentence, not a label
        return True

    def _detail_price(self, page: PageArtifacts, struck: set[tuple[str, Decimal]]) -> Hit | None:
        """The product page's one price: the first main-content price after the title that is
        not struck, labelled, conditional or a fee — None when it cannot be read unambiguously.
        Its note lists every amount on the page, so a lower variant price shown there clears a
        lower card price."""
        text = page.text
        h1_at = next((b.start for b in page.blocks if page.h1 and b.norm == page.h1), 0)
        struck_spans = [(s.start, s.start + len(s.text)) for s in page.struck]
        amounts: set[str] = set()
        first: tuple[int, int, tuple[str, Decimal]] | None = None
        for m in PRICE.finditer(text):
            amount = _amount(m.group(0))
            if amount is None:
                continue
            amounts.add(_fmt(amount))
            if first is not None or m.start() < h1_at:
                continue
            block = page.block_at(m.start())
            if block is None or block.region != "main":
                continue
            if (
                _not_product(text, m.start())
                or any(a <= m.start() < b for a, b in struck_spans)
                or self._labelled(text, m.start())
            ):
                continue
            first = (m.start(), m.end(), amount)
        if first is None:
            return None
        start, end, amount = first
        if amount in struck or _RANGE_AFTER.match(text, end):
            return None
        block = page.block_at(start)
        lo = max(start - 8, block.start if block is not None else 0)
        if _CONDITIONAL.search(text, lo, start) or _FROM_AFTER.match(text, end):
            return None  # 会员价 ¥89, from $10, ¥99起
        for product in (p for d in page.jsonld for p in jsonld_products(d)):
            if not self._jsonld_agrees(product.get("offers"), amount):
                return None
        note = " | ".join([norm_url(page.requested_url), *sorted(amounts)])
        return self.hit(page, "detail-price", start, end, value=_fmt(amount), note=note)

    @staticmethod
    def _jsonld_agrees(offers: object, amount: tuple[str, Decimal]) -> bool:
        """JSON-LD offers, if any, state exactly this one amount (no range, no other price)."""
        if offers is None:
            return True
        items = offers if isinstance(offers, list) else [offers]
        stated: set[Decimal] = set()
        for item in items[:50]:
            if not isinstance(item, dict):
                return False
            for key in ("price", "lowPrice", "highPrice"):
                value = item.get(key)
                if value in (None, ""):
                    continue
                try:
                    stated.add(Decimal(str(value).replace(",", "")))
                except InvalidOperation:
                    return False
        return not stated or stated == {amount[1]}

    def _list_prices(self, page: PageArtifacts, struck: set[tuple[str, Decimal]]) -> list[Hit]:
        """Product cards on a home or list page whose link holds exactly one plain price."""
        out: list[Hit] = []
        own = norm_url(page.url)
        for link in page.links[:MAX_LINKS]:
            label = link.text
            if link.hidden or link.region != "main" or not link.url or not label:
                continue
            if norm_url(link.url) == own or _CONDITIONAL.search(label):
                continue
            found: set[tuple[str, Decimal]] = set()
            ranged = False
            for m in PRICE.finditer(label):
                amount = _amount(m.group(0))
                if amount is None or _not_product(label, m.start()):
                    continue
                if self._labelled(label, m.start()) or amount in struck:
                    continue
                ranged = ranged or _RANGE_AFTER.match(label, m.end()) is not None
                found.add(amount)
            if len(found) != 1 or ranged:
                continue
            (amount,) = found
            snippet = f"{link.text_raw} → {link.url}"
            out.append(
                Hit(
                    self.meta.id,
                    "list-price",
                    page.url,
                    page.role,
                    link.locator,
                    snippet,
                    value=_fmt(amount),
                    note=norm_url(link.url),
                )
            )
        return out

    # conclude --------------------------------------------------------------------------------

    def conclude(self, hits: Sequence[Hit], site: SiteContext) -> Verdict:
        findings = self._undercuts(hits)
        refs = [h for h in hits if h.signal == "reference"]
        explanations = [h for h in hits if h.signal == "explanation"]
        seen = {h.url for h in hits if h.signal == "seen"}
        if not refs:
            n = len(seen)
            findings.append(
                self.finding(
                    Outcome.NOT_APPLICABLE,
                    t(
                        f"不适用：在 {n} 个商品/列表页中未发现划线价或参考价",
                        f"Not applicable: no crossed-out or reference prices seen on {n} "
                        "product or list pages",
                    ),
                )
            )
        elif explanations:
            findings.append(self.finding(Outcome.PASS, hits=[refs[0], explanations[0]]))
        else:
            pages = sorted({h.url for h in refs})
            findings.append(
                self.finding(
                    Outcome.NEEDS_REVIEW,
                    t(
                        f"{len(pages)} 个页面使用了划线价/参考价（如 {refs[0].value}），"
                        "已检索页面中未发现价格说明；说明可能位于未抓取的页面或由脚本加载，请人工确认",
                        f"Reference prices (e.g. {refs[0].value}) on {len(pages)} page(s) and no "
                        "price explanation on the pages searched; it may be on a page not "
                        "crawled or filled in by a script — confirm by hand",
                    ),
                    hits=[next(h for h in refs if h.url == u) for u in pages],
                    pages_searched=site.searched(),
                )
            )
        return Verdict(findings)

    def _undercuts(self, hits: Sequence[Hit]) -> list[Finding]:
        """规定 第20条(一): a card price lower than the product page's own price."""
        details: dict[str, Hit] = {}
        for h in hits:
            if h.signal == "detail-price":
                details.setdefault(norm_url(h.url), h)
                requested = (h.note or "").split(" | ", 1)[0]
                if requested:
                    details.setdefault(requested, h)
        out: list[Finding] = []
        done: set[str] = set()
        for h in hits:
            if h.signal != "list-price" or not h.note or not h.value:
                continue
            detail = details.get(h.note)
            if detail is None or detail.url in done or not detail.value:
                continue
            listed, charged = _parse_fmt(h.value), _parse_fmt(detail.value)
            on_page = set((detail.note or "").split(" | ")[1:])
            if listed is None or charged is None or listed[0] != charged[0]:
                continue
            if listed[1] >= charged[1] or h.value in on_page:
                continue
            done.add(detail.url)
            out.append(
                self.finding(
                    Outcome.FAIL,
                    t(
                        f"列表页标价 {h.value} 低于商品详情页价格 {detail.value}"
                        "（明码标价和禁止价格欺诈规定 第20条(一)）",
                        f"The list page shows {h.value}, lower than the product page's "
                        f"{detail.value} (price-fraud rules art. 20(1))",
                    ),
                    hits=[h, detail],
                    url=detail.url,
                )
            )
        return out
