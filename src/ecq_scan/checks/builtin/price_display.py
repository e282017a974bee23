"""Every sampled product page shows a price (standard 7.2.2; 明码标价和禁止价格欺诈规定).

明码标价 requires the price of each product to be marked clearly, next to the product, in Arabic
numerals (规定 第5–9条; 第13条 for online pages). A product page is a page the crawler classed as
`product`, or any page whose JSON-LD declares a `Product`. A visible price token (`¥129.00`,
`129元`, `$19.99`, `€`, `£`) or a machine-readable one (JSON-LD `offers.price`,
`itemprop="price"`) counts.

Traps: amounts that are not the product's price — `满99元包邮`, `立减¥20`, `运费 ¥10`, an empty
cart's `¥0.00` — are skipped; a `product`-role page with no commerce cue at all (a news "detail"
page has the same URL shape) is not treated as a product page; a sold-out or withdrawn product
may lawfully show no price, so it is a review item. A price shown only inside an image cannot be
read here and fails the page with its evidence — the reviewer can overturn it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ecq_scan.artifacts import PageArtifacts
from ecq_scan.checks.base import Check, Hit, SiteContext, Verdict
from ecq_scan.checks.builtin._common import error_text, page_title, site_failed, t
from ecq_scan.checks.patterns import (
    COMMERCE_CUE,
    PRICE,
    PRICE_LOOKBEHIND,
    PRICE_NOT_PRODUCT,
    PRODUCT_UNAVAILABLE,
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

_JSONLD_LOCATOR = 'script[type="application/ld+json"]'
_SIGNALS = ("price", "no-price", "unavailable")


def _is_product_type(node: dict[str, Any]) -> bool:
    kind = node.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return any(
        isinstance(k, str)
        and k.rsplit("/", 1)[-1].rsplit(":", 1)[-1] in ("Product", "ProductGroup")
        for k in kinds
    )


def jsonld_products(data: Any) -> list[dict[str, Any]]:
    """Top-level `Product` nodes (also inside `@graph`), not products nested in an ItemList:
    a category page listing products is not a product page."""
    out: list[dict[str, Any]] = []
    items = data if isinstance(data, list) else [data]
    for item in items[:50]:
        if not isinstance(item, dict):
            continue
        if _is_product_type(item):
            out.append(item)
        graph = item.get("@graph")
        if isinstance(graph, list):
            out.extend(g for g in graph[:50] if isinstance(g, dict) and _is_product_type(g))
    return out


def _offer_price(node: Any, depth: int = 0) -> str | None:
    """`offers.price` (or `lowPrice`, or `priceSpecification.price`) with its currency."""
    if depth > 3:
        return None
    if isinstance(node, list):
        for item in node[:20]:
            found = _offer_price(item, depth + 1)
            if found:
                return found
        return None
    if not isinstance(node, dict):
        return None
    for key in ("price", "lowPrice"):
        value = node.get(key)
        if value not in (None, "") and not isinstance(value, (dict, list)):
            currency = node.get("priceCurrency")
            return f"{value} {currency}" if isinstance(currency, str) and currency else str(value)
    for key in ("offers", "priceSpecification", "hasVariant"):
        found = _offer_price(node.get(key), depth + 1)
        if found:
            return found
    return None


def _microdata_price(page: PageArtifacts) -> tuple[str, str] | None:
    """`itemprop="price"` (often a `<meta content>` that is not visible text)."""
    nodes = [b.node for b in page.blocks[:1]] or [link.node for link in page.links[:1]]
    if not nodes or nodes[0] is None:
        return None
    root = nodes[0]
    while getattr(root, "parent", None) is not None:
        root = root.parent
    try:
        found = root.css('[itemprop="price"]')
    except Exception:  # a foreign node type: no microdata lookup
        return None
    for node in found[:5]:
        attrs = node.attributes or {}
        value = (attrs.get("content") or node.text() or "").strip()
        if value and any(c.isdigit() for c in value):
            return value, '[itemprop="price"]'
    return None


class PriceDisplay(Check):
    """A visible or machine-readable price on every product page crawled."""

    meta = CheckMeta(
        id="price-display",
        title_pass=t("商品页已明码标价", "Product pages show a price"),
        title_fail=t("商品页未标示价格", "A product page shows no price"),
        description=t(
            "经营者应在商品页以显著方式、用阿拉伯数字标示商品价格（明码标价），并与商品一一对应。",
            "Each product page must show the product's price clearly, in Arabic numerals, next "
            "to the product (clear price marking).",
        ),
        severity=Severity.SERIOUS,
        clauses=["7.2.2"],
        indicators=[16],
        enterprise_types=[EnterpriseType.TRANSACTIONAL, EnterpriseType.PLATFORM],
        page_roles=[],
        scope="page",
        absence_is_failure=False,
        legal_basis=[
            "明码标价和禁止价格欺诈规定 第5条",
            "明码标价和禁止价格欺诈规定 第6条",
            "明码标价和禁止价格欺诈规定 第13条",
        ],
    )

    def observe(self, page: PageArtifacts) -> list[Hit]:
        products = [p for d in page.jsonld for p in jsonld_products(d)]
        if page.role is not PageRole.PRODUCT and not products:
            return []
        if not products and not COMMERCE_CUE.search(page.text):
            return []  # a "detail" URL without any commerce cue: not a product page
        title = page_title(page)
        near, anywhere = self._visible_prices(page)
        if near is not None:
            return [near]
        for product in products:
            price = _offer_price(product)
            if price:
                snippet = f"JSON-LD offers.price {price}"
                return [self._at(page, "price", _JSONLD_LOCATOR, snippet, price)]
        micro = _microdata_price(page)
        if micro is not None:
            return [self._at(page, "price", micro[1], f'itemprop="price" {micro[0]}', micro[0])]
        if anywhere is not None:
            return [anywhere]
        gone = PRODUCT_UNAVAILABLE.search(page.text)
        if gone:
            return [self.hit(page, "unavailable", *gone.span(), value=title)]
        locator = "h1" if page.h1 else "title"
        return [self._at(page, "no-price", locator, f"no price token found — {title}", title)]

    def _visible_prices(self, page: PageArtifacts) -> tuple[Hit | None, Hit | None]:
        """(the first price in the main content at or after the product title, the first price
        anywhere). Announcement bars above the title ("free shipping over £50") come first in
        the text but are not the product's price."""
        text = page.text
        h1_at = next((b.start for b in page.blocks if page.h1 and b.norm == page.h1), 0)
        anywhere: Hit | None = None
        for m in PRICE.finditer(text):
            if not any(c in "123456789" for c in m.group(0)):
                continue  # ¥0 / ¥0.00: an empty cart, not a price
            if PRICE_NOT_PRODUCT.search(text, max(0, m.start() - PRICE_LOOKBEHIND), m.start()):
                continue
            found = self.hit(page, "price", *m.span(), value=m.group(0).strip())
            block = page.block_at(m.start())
            if m.start() >= h1_at and block is not None and block.region == "main":
                return found, anywhere or found
            anywhere = anywhere or found
        return None, anywhere

    def _at(self, page: PageArtifacts, signal: str, locator: str, snippet: str, value: str) -> Hit:
        return Hit(self.meta.id, signal, page.url, page.role, locator, snippet, value=value)

    def conclude(self, hits: Sequence[Hit], site: SiteContext) -> Verdict:
        by_page: dict[str, Hit] = {}
        for h in hits:
            if h.signal in _SIGNALS:
                by_page.setdefault(h.url, h)
        if not by_page:
            failed = site_failed(site, [PageRole.PRODUCT])
            if failed:
                return Verdict([self.finding(Outcome.ERROR, error_text(failed))])
            return Verdict(
                [
                    self.finding(
                        Outcome.NEEDS_REVIEW,
                        t("未找到可检查的商品页", "No product pages were found to check"),
                        pages_searched=site.searched(),
                    )
                ]
            )
        findings: list[Finding] = []
        priced: list[Hit] = []
        for url, h in by_page.items():
            if h.signal == "price":
                priced.append(h)
                findings.append(self.finding(Outcome.PASS, hits=[h], url=url))
            elif h.signal == "unavailable":
                findings.append(
                    self.finding(
                        Outcome.NEEDS_REVIEW,
                        t(
                            f"商品页未标价，但显示已下架/售罄：{h.value}",
                            f"No price, but the product is marked unavailable: {h.value}",
                        ),
                        hits=[h],
                        url=url,
                    )
                )
            else:
                findings.append(
                    self.finding(
                        Outcome.FAIL,
                        t(
                            f"商品页未发现价格标示：{h.value}",
                            f"No price token found on the product page: {h.value}",
                        ),
                        hits=[h],
                        url=url,
                    )
                )
        disclosures = [
            Disclosure(
                key="price", value=h.value or "", url=h.url, locator=h.locator, snippet=h.snippet
            )
            for h in priced
        ]  # one per product page, even when two pages share a price
        return Verdict(findings, disclosures)
