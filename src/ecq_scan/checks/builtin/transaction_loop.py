"""A transaction loop on the site's own domain (standard 5.1.1 交易型企业: 订单生成、支付结算、物流
配送的交易闭环, 电子合同/点击合同, 固定网络经营场所; Annex A #9 自建销售平台, #19 网络支付体系;
clause-signals `tx.closed_loop`, `tx.clickwrap`, `site.domain`, SIG-SITE).

A scan never places an order, so the loop is judged from its entrances:

- add to cart — a button or link labelled 加入购物车/放入购物车/add to cart|bag|basket, or a form
  or link that posts to a cart URL (`/cart/add`, `?add-to-cart=`);
- cart — a link labelled 购物车/购物袋/"Cart (2)"/"view basket", or to a `/cart` URL;
- checkout — a button or link labelled 立即购买/去结算/结算/提交订单/buy now/checkout, or to a
  `/checkout` URL;
- payment methods named (支付宝, 微信支付, 银联, PayPal …) and click-wrap wording
  (我已阅读并同意《用户协议》, "I have read and agree to the Terms") — shown as evidence, not
  required: the payment step and the registration form are often behind login.

Only controls count: a button (`<button>`, `role=button`) or a short link label. Prose that
describes the flow ("点击加入购物车后去结算", "check out our new arrivals") is not an entrance;
hidden nodes and scripts never reach the text. A buy or cart link that leaves for a marketplace
(detail.tmall.com, item.jd.com, amazon …) is not the site's own loop.

- cart and checkout entrances on a host that is not a third-party shop platform → pass;
- the shop lives on a platform subdomain or path (`*.tmall.com`, `*.taobao.com`, `*.youzan.com`,
  `*.weidian.com`, `*.myshopify.com`, `*.wixsite.com`, `mall.jd.com/index-N`) → needs review:
  the enterprise sells 依托第三方平台, not on a 自建平台 (A.1 #9 wording);
- some entrances only → needs review naming what is missing; none → `absent()`: needs review
  (a site may keep the cart behind login), error when pages that could hold it failed. Never fail:
  5.1.1 classifies an enterprise, and what a scan cannot see is not proof of absence.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from typing import Any, Final
from urllib.parse import urlsplit

from publicsuffixlist import PublicSuffixList

from ecq_scan.artifacts import Link, PageArtifacts
from ecq_scan.checks.base import Check, Hit, SiteContext, Verdict
from ecq_scan.checks.builtin._common import host_of, same_url, t
from ecq_scan.checks.builtin._links import links_labelled
from ecq_scan.checks.prefilter import finditer
from ecq_scan.models import CheckMeta, EnterpriseType, Outcome, PageRole, Severity

_FLAGS: Final = re.I | re.M  # link labels are matched one per line (`links_matching`)

ADD_TO_CART: Final = re.compile(
    r"加入购物车|加购物车|放入购物车|加入购物袋|加入进货单|\badd\s+to\s+(?:cart|bag|basket|trolley)\b",
    _FLAGS,
)
CART: Final = re.compile(
    r"购物车|购物袋|进货单|\b(?:shopping|my|your|view)\s+(?:cart|bag|basket|trolley)\b"
    r"|^\s*(?:cart|basket|trolley)\s*(?:\(\s*\d{1,4}\s*\)|\d{1,4})?\s*$",
    _FLAGS,
)
CHECKOUT: Final = re.compile(
    r"立即购买|马上购买|立即下单|马上下单|去结算|立即结算|提交订单|确认下单|立即抢购"
    r"|^\s*结算\s*(?:\(\s*\d{1,4}\s*\))?\s*$|\bbuy\s+(?:it\s+)?now\b(?!,?\s*pay\s+later)|\bcheckout\b"
    r"|^\s*check\s+out\s*$|\bproceed\s+to\s+(?:checkout|payment)\b|\bplace\s+(?:my\s+|your\s+)?order\b",
    _FLAGS,
)
#: cart and checkout URLs on the site itself (Shopify `/cart/add`, WooCommerce `?add-to-cart=`),
#: matched on `path?query`. Cart and checkout paths must sit at the root, under a language or
#: shop prefix (`/en/cart`, `/shop/checkout`): `/help/cart.html` is a help page about the cart.
_PREFIX: Final = r"^(?:/[a-z]{2}(?:[-_][a-z]{2})?)?(?:/(?:shop|store|mall|trade|order))?"
ADD_URL: Final = re.compile(r"/cart/add\b|[?&]add-to-cart=\d|/add[-_]?to[-_]?cart\b", re.I)
CART_URL: Final = re.compile(
    rf"{_PREFIX}/(?:cart|basket|shopping-?cart|shoppingcart|trolley)"
    r"(?:\.(?:html?|php|aspx?|jsp))?(?:[/?]|$)",
    re.I,
)
CHECKOUT_URL: Final = re.compile(
    rf"{_PREFIX}/(?:checkouts?|confirm-?order)(?:\.(?:html?|php|aspx?|jsp))?(?:[/?]|$)", re.I
)
PAYMENT: Final = re.compile(
    r"支付宝|微信支付|云闪付|银联(?:卡|支付|在线)?|数字人民币|货到付款|Apple\s*Pay|PayPal|Alipay"
    r"|WeChat\s+Pay|UnionPay|\bcash\s+on\s+delivery\b",
    re.I,
)
CLICKWRAP: Final = re.compile(
    r"(?:我已|本人已)(?:仔细)?(?:阅读|阅知|知悉)(?:并|且)?(?:理解并)?(?:同意|接受)[^\n。]{0,8}《[^》\n]{1,30}》"
    r"|\bI\s+(?:have\s+read\s+and\s+)?(?:agree|accept|consent)\s+to\s+(?:the\s+|your\s+)?"
    r"[^.\n]{0,40}?\b(?:terms|conditions|agreement|privacy\s+policy)\b",
    re.I,
)
#: a button or link label longer than this is prose, not a control ...
MAX_CONTROL_CHARS: Final = 24
#: ... and so is one with more than this many characters besides the phrase ("购物车(2)", "Add to
#: cart – £8.50" are controls; "购物流程：如何下单、去结算和付款" is a help link)
MAX_EXTRA_CHARS: Final = 8
MAX_PER_SIGNAL_PER_PAGE: Final = 2

#: shop platforms whose shops live on a subdomain: registrable suffix → platform name
PLATFORM_SUFFIXES: Final = {
    "tmall.com": "天猫 Tmall",
    "taobao.com": "淘宝 Taobao",
    "youzan.com": "有赞 Youzan",
    "weidian.com": "微店 Weidian",
    "myshopify.com": "Shopify",
    "wixsite.com": "Wix",
}
#: the platforms' own front doors (a scan of the platform itself, not of a shop on it)
PLATFORM_OWN_LABELS: Final = frozenset({"", "www", "m"})
JD_SHOP: Final = re.compile(r"^/index-\d+(?:\.html?)?$", re.I)
#: marketplaces a brand site may send its "buy" buttons to (registrable domains)
MARKETPLACES: Final = frozenset(
    {
        "tmall.com",
        "taobao.com",
        "tb.cn",
        "jd.com",
        "jd.hk",
        "yangkeduo.com",
        "pinduoduo.com",
        "1688.com",
        "vip.com",
        "suning.com",
        "youzan.com",
        "weidian.com",
        "jinritemai.com",
        "etsy.com",
        "ebay.com",
        "ebay.co.uk",
        "amazon.com",
        "amazon.cn",
        "amazon.co.uk",
        "amazon.de",
        "amazon.co.jp",
    }
)
NAMES: Final = {
    "add-to-cart": ("加入购物车", "add to cart"),
    "cart": ("购物车", "a cart"),
    "checkout": ("结算/立即购买", "checkout or buy now"),
    "payment": ("支付方式", "payment methods"),
    "clickwrap": ("点击同意协议", "click-wrap agreement"),
}


@cache
def _psl() -> PublicSuffixList:
    """The bundled public suffix list (no network), loaded once per process."""
    return PublicSuffixList()


def site_key(host: str) -> str:
    """The registrable domain of `host` (`www.x.com.cn` → `x.com.cn`); IPs and single-label
    hosts are their own key. The same rule as the crawler's scope, which checks may not import."""
    h = host.strip().rstrip(".").lower()
    if not h or "." not in h or h.replace(".", "").isdigit() or ":" in h:
        return h
    try:
        found = _psl().privatesuffix(h)
    except (ValueError, UnicodeError):
        found = None
    return str(found) if found else h


def platform_shop(url: str) -> tuple[str, str] | None:
    """`(platform, host)` when `url` is a shop on a third-party platform, else None."""
    host = host_of(url)
    if not host:
        return None
    if host == "mall.jd.com":
        try:
            path = urlsplit(url).path
        except ValueError:
            return None
        return ("京东 JD", f"{host}{path}") if JD_SHOP.match(path) else None
    for suffix, name in PLATFORM_SUFFIXES.items():
        if host.endswith("." + suffix):
            label = host[: -len(suffix) - 1]
            if label not in PLATFORM_OWN_LABELS:
                return name, host
    return None


def _path_query(url: str) -> str:
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def _is_label(rx: re.Pattern[str], label: str) -> bool:
    """`label` is a control's label for `rx`: short, and little besides the matched phrase."""
    if not label or len(label) > MAX_CONTROL_CHARS:
        return False
    m = rx.search(label)
    return m is not None and len(label) - len(m.group(0)) <= MAX_EXTRA_CHARS


def _is_control(node: Any) -> bool:
    """A `<button>` or an element with `role="button"` (a styled `<div>` or `<span>` block)."""
    if getattr(node, "tag", None) == "button":
        return True
    attrs = getattr(node, "attributes", None) or {}
    return attrs.get("role") == "button"


class TransactionLoop(Check):
    """Cart and checkout entrances on the site's own domain (5.1.1 transaction loop)."""

    meta = CheckMeta(
        id="transaction-loop",
        title_pass=t(
            "自有域名站点具备购物车与结算入口（交易闭环）",
            "Cart and checkout on the site's own domain (transaction loop)",
        ),
        title_fail=t(
            "未确认自有域名上的交易闭环（购物车与结算入口）",
            "No confirmed transaction loop (cart and checkout) on the site's own domain",
        ),
        description=t(
            "交易型企业应具备订单生成、支付结算、物流配送的完整交易闭环，并有固定的网络经营场所"
            "（自有域名）。检查购物车、结算入口、支付方式和点击同意协议；店铺位于第三方平台子域名"
            "时属于依托第三方平台经营，列出供人工确认。扫描不会提交订单。",
            "A transactional enterprise runs a complete transaction loop (order, payment, "
            "delivery) at a fixed online place of business (its own domain). The check looks for "
            "cart and checkout entrances, payment methods and click-wrap agreements; a shop on a "
            "third-party platform's subdomain sells on that platform and is listed for review. The "
            "scan never places an order.",
        ),
        severity=Severity.MINOR,
        clauses=["5.1.1", "5.1"],
        indicators=[9, 19],
        enterprise_types=[EnterpriseType.TRANSACTIONAL, EnterpriseType.PLATFORM],
        page_roles=[],
        scope="site",
        absence_is_failure=False,
        legal_basis=[
            "电子商务企业服务质量规程 5.1.1",
            "电子商务法 第49条",
            "电子商务法 第50条",
        ],
    )

    def observe(self, page: PageArtifacts) -> list[Hit]:
        hits = [*self._controls(page), *self._urls(page), *self._mentions(page)]
        kept: list[Hit] = []
        counts: dict[str, int] = {}
        for h in hits:
            if counts.get(h.signal, 0) < MAX_PER_SIGNAL_PER_PAGE:
                counts[h.signal] = counts.get(h.signal, 0) + 1
                kept.append(h)
        return kept

    def _controls(self, page: PageArtifacts) -> list[Hit]:
        """Buttons and short link labels: the entrances a visitor clicks."""
        hits: list[Hit] = []
        own = site_key(host_of(page.url))
        for signal, rx in (("add-to-cart", ADD_TO_CART), ("cart", CART), ("checkout", CHECKOUT)):
            for link in links_labelled(page, rx):
                if link.hidden or not _is_label(rx, link.text or link.title):
                    continue
                target = site_key(host_of(link.url)) if link.url else own
                if target == own:
                    hits.append(self._link_hit(page, signal, link, None))
                elif target in MARKETPLACES:
                    hits.append(self._link_hit(page, "external", link, target))
            for block in page.blocks:
                if len(block.norm) > MAX_CONTROL_CHARS or not _is_control(block.node):
                    continue
                if _is_label(rx, block.norm):
                    hits.append(
                        Hit(
                            self.meta.id,
                            signal,
                            page.url,
                            page.role,
                            block.locator,
                            f"<button> {block.raw}",
                            value=block.norm,
                            region=block.region,
                        )
                    )
        return hits

    def _urls(self, page: PageArtifacts) -> list[Hit]:
        """Links and form actions to the site's own cart and checkout URLs."""
        hits: list[Hit] = []
        own = site_key(host_of(page.url))
        for signal, url_rx in (
            ("add-to-cart", ADD_URL),
            ("cart", CART_URL),
            ("checkout", CHECKOUT_URL),
        ):
            for link in page.links:
                if link.hidden or not link.url or site_key(host_of(link.url)) != own:
                    continue
                if url_rx.search(_path_query(link.url)):
                    hits.append(self._link_hit(page, signal, link, None))
            for res in page.resources:
                if res.kind != "form" or not res.url:
                    continue
                if site_key(host_of(res.url)) == own and url_rx.search(_path_query(res.url)):
                    hits.append(
                        Hit(
                            self.meta.id,
                            signal,
                            page.url,
                            page.role,
                            res.locator,
                            f"<form action={res.raw}>",
                            value=res.raw,
                        )
                    )
        return hits

    def _mentions(self, page: PageArtifacts) -> list[Hit]:
        """Payment methods and click-wrap wording in the visible text (and payment logos)."""
        hits: list[Hit] = []
        for signal, rx in (("payment", PAYMENT), ("clickwrap", CLICKWRAP)):
            for n, m in enumerate(finditer(rx, page.text, page.lower_text)):
                if n >= MAX_PER_SIGNAL_PER_PAGE:
                    break
                hits.append(self.hit(page, signal, *m.span(), value=m.group(0)))
        if not any(h.signal == "payment" for h in hits):
            for img in page.images:
                if img.alt and PAYMENT.search(img.alt):
                    hits.append(
                        Hit(
                            self.meta.id,
                            "payment",
                            page.url,
                            page.role,
                            img.locator,
                            f'<img alt="{img.alt}">',
                            value=img.alt,
                            region=img.region,
                        )
                    )
                    break
        return hits

    def _link_hit(self, page: PageArtifacts, signal: str, link: Link, target: str | None) -> Hit:
        return Hit(
            self.meta.id,
            signal,
            page.url,
            page.role,
            link.locator,
            f"{link.text_raw or link.title} → {link.href}",
            value=target or link.text or link.url,
            region=link.region,
        )

    def conclude(self, hits: Sequence[Hit], site: SiteContext) -> Verdict:
        by = {s: [h for h in hits if h.signal == s] for s in (*NAMES, "external")}
        cart = by["add-to-cart"] + by["cart"]
        checkout = by["checkout"]
        found = [s for s in NAMES if by[s]]
        evidence = [by[s][0] for s in found]
        platform = _platform(site)
        if platform is not None:
            name, where = platform
            msg = t(
                f"店铺位于第三方平台 {name}（{where}），属于依托第三方平台经营，而非自建平台；"
                "请人工确认是否另有自有域名商城",
                f"The shop lives on the third-party platform {name} ({where}): it sells on that "
                "platform, not on a self-built one — confirm whether an own-domain shop exists",
            )
            return Verdict(
                [
                    self.finding(
                        Outcome.NEEDS_REVIEW,
                        msg,
                        hits=evidence,
                        pages_searched=[] if evidence else site.searched(),
                    )
                ]
            )
        host = host_of(site.home_url) or site.home_url
        extras = [s for s in ("payment", "clickwrap") if by[s]]
        if cart and checkout:
            zh_extra = "、".join(NAMES[s][0] for s in extras)
            en_extra = ", ".join(NAMES[s][1] for s in extras)
            msg = t(
                f"站点 {host}（非第三方平台店铺）有购物车与结算入口"
                + (f"，并展示{zh_extra}" if extras else "")
                + "；扫描未提交订单，支付与配送环节请人工确认",
                f"The site {host} (not a shop on a third-party platform) has cart and checkout "
                "entrances" + (f", and shows {en_extra}" if extras else "") + "; the scan placed "
                "no order, so payment and delivery are for a person to confirm",
            )
            return Verdict(
                [self.finding(Outcome.PASS, msg, hits=[cart[0], checkout[0], *evidence])]
            )
        if by["external"] and not (cart or checkout):
            target = by["external"][0].value
            msg = t(
                f"购买入口指向第三方平台（{target}），未发现本站自有的购物车与结算入口；"
                "交易可能在第三方平台完成，请人工确认",
                f"Buy links lead to a marketplace ({target}) and the site shows no cart or "
                "checkout of its own; the sale may happen on that platform — confirm by hand",
            )
            return Verdict(
                [self.finding(Outcome.NEEDS_REVIEW, msg, hits=[*by["external"][:2], *evidence])]
            )
        if found:
            missing = [s for s in ("cart", "checkout") if not (cart if s == "cart" else checkout)]
            zh_found = "、".join(NAMES[s][0] for s in found)
            en_found = ", ".join(NAMES[s][1] for s in found)
            zh_missing = "、".join(NAMES[s][0] for s in missing)
            en_missing = ", ".join(NAMES[s][1] for s in missing)
            msg = t(
                f"发现{zh_found}，未发现{zh_missing}入口；可能需登录后可见，请人工确认交易闭环",
                f"Found {en_found}, but no {en_missing} entrance; it may be behind login — "
                "confirm the transaction loop by hand",
            )
            return Verdict([self.finding(Outcome.NEEDS_REVIEW, msg, hits=evidence)])
        return self.absent(
            site,
            [PageRole.HOME, PageRole.PRODUCT, PageRole.CATEGORY],
            t(
                "未发现购物车、结算入口或支付方式",
                "No cart, checkout entrance or payment method found",
            ),
        )


def _platform(site: SiteContext) -> tuple[str, str] | None:
    """The platform the shop lives on, from the start URL or where the home page ended up."""
    urls = [site.home_url] + [
        p.url for p in site.pages if p.role is PageRole.HOME or same_url(p.url, site.home_url)
    ]
    for url in urls:
        found = platform_shop(url)
        if found is not None:
            return found
    return None
