"""行业许可/备案 numbers for the regulated goods a site sells (standard 4.1 "涉及特殊商品（如食品、
药品）经营的企业，宜取得相应行业许可"; clause-signals SIG-INDUSTRY-LIC, check `lic.industry`).

The standard only says 宜 (should), the sector rules say 应, and whether a number is current can
only be checked in the regulators' registers. So this check never fails: it reports what the
site shows and asks for review where a permit would be expected and none is shown.

**Category gate first** (clause-signals 4.1 "run SIG-INDUSTRY-LIC only if the catalogue contains
that category"). Which regulated goods the site sells is read from what names its goods, never
from prose:

- navigation and header link labels on any page (食品饮料, 茶叶, 医药保健, 图书音像 …);
- on a product page: the product name (h1, title) and the breadcrumb, plus numbers that only
  regulated goods carry — a 食品生产许可证 SC number, a 保健食品 approval/filing number, a 国药准字
  approval, a 械注准/械备 device registration;
- on a category page: short blocks (product tiles) and the heading.

Product and category pages must look like shop pages (a price or a cart/quantity cue), because
`/news/list.html` and `/detail/…` share their URL shapes. Footers, the home page's prose, about
pages and articles are not read for categories: 医疗器械 in a news teaser or 酒 in an address
(酒仙桥路) does not mean the site sells them. Lexicon traps (`CATEGORY_TERMS`): 茶具/茶叶罐/茶宠
are not tea, 食品级/食品袋 are kitchenware, 红酒杯/酒精 are not alcohol, 药妆/医药级 are cosmetics,
农药/兽药 are not medicines for people, 图书馆 is not a bookshop, and a page that says it does
*not* sell something (不销售处方药) does not count.

**Permits** (formats from clause-signals SIG-INDUSTRY-LIC, patterns in `patterns.py`):
食品经营许可证 JY…, 食品生产许可证 SC…, 网络食品交易第三方平台备案, 药品经营许可证,
互联网药品信息服务资格证书 `(京)-经营性-2017-0020`, 药品医疗器械网络信息服务备案
`(京)网药械信息备字(2021)第00159号`, 药品/医疗器械网络交易服务第三方平台备案 (网药平台备字 /
网械平台备字), 医疗器械经营备案/许可 (`京朝食药监械经营备20150123号`), 出版物经营许可证
(`新出发京批字第直0673号`) and 网络文化经营许可证.

Only numbers on the site's own pages (home, licence, about, contact, help and other non-shop
pages) and in the header/footer chrome of any page are disclosed (`other_licence`) and count: a
number in the main content of a product page is usually the producer's (the SC number on a tea
label) and on a platform's shop page it is the seller's, so it is mentioned in the review
message but neither disclosed nor counted. A number introduced
as a partner's or supplier's (`_third_party`) is another company's and is dropped everywhere.
Hidden nodes never reach `page.text` (the artifacts layer leaves them out).

Validation: JY digits 2–3 must be a GB/T 2260 province code (`PROV_CODE`); a mismatch marks the
disclosure `valid: false` and makes the category a review item, never a failure. A 互联网药品
信息服务资格证书 is valid for five years, so one issued more than five years before the scan date
(the `Date` header, else the newest probe) is a review item: it may have been renewed under the
same number.

Verdict: no regulated category and no permit → not applicable; every category seen has a
matching, plausible permit (food → JY/SC/网络食品交易平台备案; drugs → 药品经营许可证, 互联网药品
信息服务 certificate or filing, 网药平台备字; devices → 网械平台备字, a device business filing or
licence, or the 药品医疗器械 information certificate/filing; publications → 出版物经营许可证) →
pass; a permit shown while no category was recognised → pass (the permit says what is sold);
otherwise needs_review (permits may be on product pages or only in a 资质 image; absence is not
proven), or error when the licence/about pages that could hold them failed to load.

Annex A: indicator 1 (相应的…经营许可, with the other 4.1 licences) and indicator 23 (商品质量
保证), whose review item in the default profile names 特殊品类行业许可; the check is a candidate
signal there, not an automatic score.

The prescription-drug warning (处方药须凭处方在药师指导下购买和使用, 药品网络销售监督管理办法) is
`mandatory-ad-notices`' job and is not repeated here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date
from itertools import islice
from typing import Final

from ecq_scan.artifacts import PageArtifacts
from ecq_scan.checks.base import Check, Hit, SiteContext, Verdict
from ecq_scan.checks.builtin._common import NOT_CHINESE_MARKET, error_text, site_failed, t
from ecq_scan.checks.builtin._dates import latest, scan_date_hits
from ecq_scan.checks.builtin._third_party import third_party_at
from ecq_scan.checks.builtin.mandatory_ad_notices import HEALTH_FOOD_NUMBER, NOT_SOLD
from ecq_scan.checks.patterns import (
    COMMERCE_CUE,
    CULTURE_LICENCE,
    DEVICE_PLATFORM,
    DRUG_INFO_CERT,
    DRUG_INFO_FILING,
    DRUG_LICENCE,
    DRUG_PLATFORM,
    FOOD_OPERATING,
    FOOD_PRODUCTION,
    PRICE,
    PROV,
    PROV_CODE,
)
from ecq_scan.checks.prefilter import finditer
from ecq_scan.models import CheckMeta, EnterpriseType, Outcome, PageRole, Severity

# --- categories ------------------------------------------------------------------------------

#: Regulated categories and the words that name them in product names, breadcrumbs and menus.
#: Each word carries its traps as look-arounds; see the module docstring.
CATEGORY_TERMS: Final[dict[str, re.Pattern[str]]] = {
    "food": re.compile(
        r"保健食品"
        r"|(?<!宠物)(?<![猫狗])食品(?![级用袋盒夹罐机器接触安全经营生产许可监检包])"
        r"|零食(?![盒袋柜架夹罐碗])"
        r"|茶叶(?![罐盒筒袋包架柜])|茶饼"
        # tea kinds; 茶 is in the exclusion set so 普洱茶刀 cannot fall back to 普洱
        r"|(?:(?:绿|红|白|黑|花|乌龙|岩)茶|(?:普洱|龙井|铁观音|碧螺春|大红袍)茶?)"
        r"(?![具壶杯盘盏器席桌几托罐盒筒台刀针夹宠饮味香精籽市路区茶])"
        r"|(?:白|红|葡萄|啤|黄|米|清|果|洋|烈)酒(?![杯瓶柜架器具店吧精塞])"
        r"|酒水(?!单)|酒类|威士忌|白兰地|伏特加|酱香型|浓香型"
        r"|生鲜|粮油|奶粉(?![盒罐格勺机器])|坚果(?![夹钳])"
    ),
    "drug": re.compile(
        r"处方药|(?<![A-Za-z])OTC(?![A-Za-z])|中成药|中西药|大药房|网上药店"
        r"|(?<![农兽火弹炸])药品(?![经信网监广安管注批])|(?<![兽农])医药(?![级箱包])"
    ),
    "device": re.compile(
        r"医疗器械(?![网经生注广监备许])|医用(?:外科|防护)?口罩|血压计|血糖仪|体温计|额温枪"
        r"|耳温枪|血氧仪|制氧机|雾化器|助听器"
    ),
    "publication": re.compile(
        r"图书(?![馆室角架柜灯])|书籍(?![架柜收])|出版物(?![经发])|音像制品(?!经)|音像(?![制经店])"
    ),
}

#: Numbers only regulated goods carry, read on product pages (category evidence, not permits).
DRUG_APPROVAL: Final = re.compile(r"国药准字\s*[HZSJBFT]\s*\d{8}(?!\d)")
DEVICE_REGISTRATION: Final = re.compile(
    rf"(?:国|{PROV})械注[准进许]\s*\d{{11}}(?!\d)|(?:{PROV})[\u4e00-\u9fff]{{0,3}}械备\s*\d{{8}}(?!\d)"
)

#: Product-page numbers and the category they prove.
_GOODS_NUMBERS: Final = (
    ("food", FOOD_PRODUCTION),
    ("food", HEALTH_FOOD_NUMBER),
    ("drug", DRUG_APPROVAL),
    ("device", DEVICE_REGISTRATION),
)

#: The names used in messages.
CATEGORY_NAMES: Final[dict[str, tuple[str, str]]] = {
    "food": ("食品", "food"),
    "drug": ("药品", "drugs"),
    "device": ("医疗器械", "medical devices"),
    "publication": ("出版物", "publications"),
}

#: Link labels longer than this are sentences (a news teaser), not menu entries.
NAV_LABEL_CHARS: Final = 30
#: Blocks on a category page longer than this are prose, not product tiles.
TILE_CHARS: Final = 40
#: Breadcrumbs longer than this are not breadcrumbs.
CRUMB_CHARS: Final = 80
_CRUMB = re.compile(r"[>›»/]")
_TITLE_SPLIT = re.compile(r"\s[-|_–—]\s|[|_]")

# --- permits --------------------------------------------------------------------------------

#: 网络食品交易第三方平台备案: the label and the number after it, or the Tmall-style form
#: 浙网食A33010002.
FOOD_PLATFORM: Final = re.compile(
    r"网络食品(?:交易|销售)?第三方平台(?:提供者)?备案(?:号|编号|凭证)?\s*:?\s*"
    r"(?P<num>[A-Za-z\u4e00-\u9fff]{0,8}\d{4,12})(?!\d)"
    rf"|(?<![\u4e00-\u9fff])(?P<bare>(?:{PROV})(?:食药)?网食(?:[A-Z]|备)?\d{{6,10}})(?!\d)"
)
#: 第二类医疗器械经营备案凭证 / 医疗器械经营许可证 numbers: 京朝食药监械经营备20150123号.
DEVICE_BUSINESS: Final = re.compile(
    rf"(?:{PROV})[\u4e00-\u9fff]{{0,6}}?械经营[备许]\s*\d{{8}}(?!\d)\s*号?"
)
#: 出版物经营许可证: 新出发京批字第直0673号, 新出发浙备字第2022003号.
PUBLICATION_LICENCE: Final = re.compile(r"新出发\S{0,6}?字第\S{1,12}?号")


@dataclass(frozen=True, slots=True)
class PermitKind:
    """One kind of permit: its pattern, what it is called, which categories it covers."""

    signal: str
    pattern: re.Pattern[str]
    zh: str
    en: str
    covers: frozenset[str]


PERMITS: Final[tuple[PermitKind, ...]] = (
    PermitKind("food-operating", FOOD_OPERATING, "食品经营许可证", "food business licence",
               frozenset({"food"})),
    PermitKind("food-production", FOOD_PRODUCTION, "食品生产许可证", "food production licence",
               frozenset({"food"})),
    PermitKind("food-platform", FOOD_PLATFORM, "网络食品交易第三方平台备案",
               "online food-trading platform filing", frozenset({"food"})),
    PermitKind("drug-licence", DRUG_LICENCE, "药品经营许可证", "drug business licence",
               frozenset({"drug"})),
    PermitKind("drug-info-cert", DRUG_INFO_CERT, "互联网药品信息服务资格证书",
               "internet drug-information service certificate", frozenset({"drug", "device"})),
    PermitKind("drug-info-filing", DRUG_INFO_FILING, "药品医疗器械网络信息服务备案",
               "drug/device online information service filing", frozenset({"drug", "device"})),
    PermitKind("drug-platform", DRUG_PLATFORM, "药品网络交易服务第三方平台备案",
               "online drug-trading platform filing", frozenset({"drug"})),
    PermitKind("device-platform", DEVICE_PLATFORM, "医疗器械网络交易服务第三方平台备案",
               "online device-trading platform filing", frozenset({"device"})),
    PermitKind("device-business", DEVICE_BUSINESS, "医疗器械经营备案/许可",
               "medical-device business filing or licence", frozenset({"device"})),
    PermitKind("publication", PUBLICATION_LICENCE, "出版物经营许可证",
               "publication business licence", frozenset({"publication"})),
    PermitKind("culture", CULTURE_LICENCE, "网络文化经营许可证", "online culture business licence",
               frozenset()),
)  # fmt: skip
BY_SIGNAL: Final[dict[str, PermitKind]] = {k.signal: k for k in PERMITS}

#: What a site should show per category, for messages.
EXPECTED: Final[dict[str, tuple[str, str]]] = {
    "food": (
        "食品经营许可证（JY）或食品生产许可证（SC）",
        "food business (JY) or production (SC) licence",
    ),
    "drug": (
        "药品经营许可证、互联网药品信息服务资格证书/备案或网药平台备字",
        "drug business licence, internet drug-information certificate or filing, or "
        "drug-platform filing",
    ),
    "device": (
        "网械平台备字、医疗器械经营备案/许可或药品医疗器械网络信息服务备案",
        "device-platform filing, device business filing or licence, or drug/device "
        "information filing",
    ),
    "publication": ("出版物经营许可证", "publication business licence"),
}
EXPECTED_PLATFORM: Final[dict[str, tuple[str, str]]] = {
    "food": ("网络食品交易第三方平台备案", "online food-trading platform filing"),
    "drug": ("网药平台备字", "drug-platform filing (网药平台备字)"),
    "device": ("网械平台备字", "device-platform filing (网械平台备字)"),
}

#: Pages that speak for the operator: their numbers are disclosed and count.
SITE_ROLES: Final = (
    PageRole.HOME,
    PageRole.LICENCE,
    PageRole.ABOUT,
    PageRole.CONTACT,
    PageRole.HELP,
    PageRole.OTHER,
)
SHOP_ROLES: Final = (PageRole.PRODUCT, PageRole.CATEGORY)
ROLES: Final = [*SITE_ROLES, *SHOP_ROLES]
#: Where a missing permit would have been expected (error when these failed to load).
PERMIT_ROLES: Final = [PageRole.HOME, PageRole.LICENCE, PageRole.ABOUT]
#: 互联网药品信息服务资格证书 validity (clause-signals: five years, may be renewed).
CERT_YEARS: Final = 5
#: At most this many permit numbers per page (a hostile page may print thousands).
MAX_PERMITS: Final = 20


def _value(kind: PermitKind, m: re.Match[str]) -> str:
    groups = m.groupdict()
    raw = groups.get("num") or groups.get("bare") or m.group(0)
    if kind.signal == "food-operating":
        raw = "JY" + m.group("d")
    return re.sub(r"\s+", "", raw)


def _jy_check(m: re.Match[str]) -> tuple[bool, str | None]:
    prov = m.group("prov")
    if prov in PROV_CODE.values():
        return True, None
    return False, (
        f"第2–3位 {prov} 不是省级行政区划代码（GB/T 2260），请核实编号 / digits 2–3 ({prov}) are "
        "not a GB/T 2260 province code — check the number"
    )


def _name(category: str, lang: str) -> str:
    zh, en = CATEGORY_NAMES[category]
    return zh if lang == "zh" else en


class IndustryPermits(Check):
    """Food, drug, medical-device and publication permits, where the catalogue holds such goods."""

    meta = CheckMeta(
        id="industry-permits",
        title_pass=t(
            "已公示与所售特殊商品相符的行业许可/备案编号",
            "Industry permits shown for the regulated goods sold",
        ),
        title_fail=t(
            "未发现与所售特殊商品相符的行业许可/备案编号",
            "No industry permit shown for the regulated goods sold",
        ),
        description=t(
            "经营食品、药品、医疗器械、出版物等特殊商品的企业宜取得相应行业许可并公示编号，如食品经营"
            "许可证（JY）、互联网药品信息服务资格证书、药品/医疗器械网络交易服务第三方平台备案。仅在"
            "商品目录中出现此类商品时检查；许可是否有效需到监管部门核实。",
            "Enterprises selling regulated goods — food, drugs, medical devices, publications — "
            "should hold the matching industry permits and show their numbers (food business "
            "licence JY…, internet drug-information certificate, drug/device platform filings). "
            "Checked only when the catalogue holds such goods; whether a permit is current must "
            "be confirmed with the regulator.",
        ),
        severity=Severity.MODERATE,
        clauses=["4.1"],
        indicators=[1, 23],
        enterprise_types=list(EnterpriseType),
        page_roles=ROLES,
        scope="site",
        absence_is_failure=False,
        legal_basis=[
            "电子商务企业服务质量规程 4.1",
            "电子商务法 第15条",
            "互联网药品信息服务管理办法 第8条",
        ],
    )

    # observe ---------------------------------------------------------------------------------

    def observe(self, page: PageArtifacts) -> list[Hit]:
        hits = scan_date_hits(self.meta.id, page)
        hits.extend(self._nav_categories(page))
        shop = page.role in SHOP_ROLES
        if shop:
            hits.extend(self._shop_categories(page))
        hits.extend(self._permits(page, shop=shop))
        return hits

    def _category_hit(
        self, page: PageArtifacts, category: str, text: str, locator: str | None, region: str
    ) -> Hit:
        return Hit(
            self.meta.id, "category", page.url, page.role, locator, text.strip()[:120],
            value=category, region=region,
        )  # fmt: skip

    def _nav_categories(self, page: PageArtifacts) -> list[Hit]:
        """Menu entries in the header and navigation (never the footer's link lists)."""
        out: list[Hit] = []
        seen: set[str] = set()
        for link in page.links:
            if link.hidden or link.region not in ("nav", "header"):
                continue
            label = link.text.strip()
            if not label or len(label) > NAV_LABEL_CHARS:
                continue
            for category in _categories_in(label, seen):
                out.append(self._category_hit(page, category, label, link.locator, link.region))
            if len(seen) == len(CATEGORY_TERMS):
                break
        return out

    def _shop_categories(self, page: PageArtifacts) -> list[Hit]:
        """Product names, breadcrumbs and tiles of a real shop page, and regulated-goods numbers."""
        out: list[Hit] = []
        seen: set[str] = set()
        main = page.region_text("main")
        # a news list or article shares the shop's URL shapes (/list, /detail): words count only
        # on a page that sells (a price or a cart/quantity cue)
        if PRICE.search(main) or COMMERCE_CUE.search(main):
            heading = _TITLE_SPLIT.split(page.title, maxsplit=1)[0]
            for label, locator in ((page.h1, "h1"), (heading, "title")):
                for category in _categories_in(label, seen):
                    out.append(self._category_hit(page, category, label, locator, "main"))
            limit = TILE_CHARS if page.role is PageRole.CATEGORY else CRUMB_CHARS
            for tile in page.blocks:
                if len(seen) == len(CATEGORY_TERMS):
                    break
                if tile.region != "main" or len(tile.norm) > limit:
                    continue
                if page.role is PageRole.PRODUCT and not _CRUMB.search(tile.norm):
                    continue  # on a product page only the breadcrumb, not the description
                for category in _categories_in(tile.norm, seen):
                    out.append(
                        self._category_hit(page, category, tile.raw, tile.locator, tile.region)
                    )
        if page.role is not PageRole.PRODUCT:
            return out
        # numbers only regulated goods carry count even without a price (an Rx drug page)
        for category, rx in _GOODS_NUMBERS:
            if category in seen:
                continue
            for m in islice(finditer(rx, page.text, page.lower_text), MAX_PERMITS):
                block = page.block_at(m.start())
                if block is None or block.region != "main" or third_party_at(page, m.start()):
                    continue
                seen.add(category)
                out.append(self.hit(page, "category", *m.span(), value=category))
                break
        return out

    def _permits(self, page: PageArtifacts, *, shop: bool) -> list[Hit]:
        out: list[Hit] = []
        text = page.text
        for kind in PERMITS:
            for m in islice(finditer(kind.pattern, text, page.lower_text), MAX_PERMITS):
                if third_party_at(page, m.start()):
                    continue
                valid, note = _jy_check(m) if kind.signal == "food-operating" else (None, None)
                year = m.groupdict().get("year") if kind.signal == "drug-info-cert" else None
                hit = self.hit(
                    page,
                    kind.signal,
                    *m.span(),
                    value=_value(kind, m),
                    valid=valid,
                    note=note if not year else f"year:{year}",
                )
                if shop and hit.region == "main":
                    # the page's own content (a label, a seller's shop) — not the site's chrome
                    hit = replace(hit, signal="shop-permit", note=kind.signal)
                out.append(hit)
        return out

    # conclude --------------------------------------------------------------------------------

    def conclude(self, hits: Sequence[Hit], site: SiteContext) -> Verdict:
        if not site.chinese_market:
            return self.not_applicable(NOT_CHINESE_MARKET)
        today = latest(h.value for h in hits if h.signal == "scan-date")
        if today is None and site.probes:
            today = max(p.at for p in site.probes).date()
        permits = [_dated(h, today) for h in hits if h.signal in BY_SIGNAL]
        shop_permits = [h for h in hits if h.signal == "shop-permit"]
        seen: dict[str, list[Hit]] = {}
        for h in hits:
            if h.signal == "category" and h.value:
                seen.setdefault(h.value, []).append(h)
        disclosures = self.disclose("other_licence", permits)
        searched = site.searched(ROLES)

        if not seen and not permits:
            shop_pages = len(site.searched(SHOP_ROLES))
            return self.not_applicable(
                t(
                    f"不适用：在已检索的 {len(searched)} 个页面"
                    f"（其中商品/分类页 {shop_pages} 个）中"
                    "未发现食品、药品、医疗器械或出版物类商品",
                    f"Not applicable: no food, drug, medical-device or publication products seen "
                    f"on the {len(searched)} pages searched ({shop_pages} product or category "
                    "pages)",
                )
            )
        if not seen:
            names = "、".join(dict.fromkeys(BY_SIGNAL[h.signal].zh for h in permits))
            names_en = ", ".join(dict.fromkeys(BY_SIGNAL[h.signal].en for h in permits))
            msg = t(
                f"已公示行业许可/备案编号（{names}）；未从商品目录中识别出对应品类",
                f"Industry permits shown ({names_en}); the regulated category was not "
                "recognised in the catalogue",
            )
            return Verdict([self.finding(Outcome.PASS, msg, hits=permits)], disclosures)

        good: list[Hit] = []
        zh: list[str] = []
        en: list[str] = []
        evidence: list[Hit] = []
        missing = False
        platform = site.enterprise_type is EnterpriseType.PLATFORM
        for category in sorted(seen, key=list(CATEGORY_NAMES).index):
            matching = [h for h in permits if category in BY_SIGNAL[h.signal].covers]
            sound = [h for h in matching if h.valid is not False and not _expired(h)]
            example = seen[category][0]
            if sound:
                good.extend(sound)
                continue
            evidence.append(example)
            if matching:
                evidence.extend(matching)
                for h in matching:
                    z, e = _doubt(h)
                    zh.append(z)
                    en.append(e)
                continue
            missing = True
            want_zh, want_en = (EXPECTED_PLATFORM if platform else EXPECTED).get(
                category, EXPECTED[category]
            )
            zh.append(
                f"销售{_name(category, 'zh')}（如“{example.snippet[:30]}”，{example.url}），"
                f"但首页及证照/关于页未见{want_zh}"
            )
            en.append(
                f"{_name(category, 'en')} sold (e.g. “{example.snippet[:30]}”, {example.url}) but "
                f"no {want_en} on the home, licence or about pages"
            )
        if not zh:
            cats = "、".join(_name(c, "zh") for c in seen)
            cats_en = ", ".join(_name(c, "en") for c in seen)
            msg = t(
                f"{self.meta.title_pass.zh}（{cats}）", f"{self.meta.title_pass.en} ({cats_en})"
            )
            return Verdict(
                [self.finding(Outcome.PASS, msg, hits=[*good, *_first_per_category(seen)])],
                disclosures,
            )
        if missing:
            failed = site_failed(site, PERMIT_ROLES)
            if failed:
                return Verdict(
                    [self.finding(Outcome.ERROR, error_text(failed), pages_searched=searched)],
                    disclosures,
                )
            if shop_permits:
                nums = "、".join(dict.fromkeys(h.value or "" for h in shop_permits[:3]))
                zh.append(f"商品/店铺页上有编号 {nums}，可能属于生产商或入驻商家")
                en.append(f"product or shop pages show {nums}, which may be the producer's or "
                          "a seller's")  # fmt: skip
                evidence.extend(shop_permits[:2])
            if platform:
                zh.append("平台内商家的许可证应在其店铺页展示")
                en.append("sellers' own permits belong on their shop pages")
            zh.append("许可证可能展示在商品页或资质图片中，请人工确认")
            en.append("permits may be shown on product pages or only in an image — confirm by hand")
        msg = t("；".join(zh), "; ".join(en))
        return Verdict(
            [self.finding(Outcome.NEEDS_REVIEW, msg, hits=evidence, pages_searched=searched)],
            disclosures,
        )


def _categories_in(text: str, seen: set[str]) -> Iterator[str]:
    """Categories named in `text` not yet in `seen` (added to it), skipping "不销售…" mentions."""
    for category, rx in CATEGORY_TERMS.items():
        if category in seen:
            continue
        for m in rx.finditer(text):
            if NOT_SOLD.search(text, max(0, m.start() - 16), m.start()):
                continue
            seen.add(category)
            yield category
            break


def _first_per_category(seen: dict[str, list[Hit]]) -> list[Hit]:
    return [hs[0] for hs in seen.values()]


def _dated(h: Hit, today: date | None) -> Hit:
    """Turn a drug-information certificate's `year:` note into the expiry note (or none)."""
    if not (h.note or "").startswith("year:"):
        return h
    year = int((h.note or "")[5:])
    if today is None or today.year - year <= CERT_YEARS:
        return replace(h, note=None)
    return replace(
        h,
        note=(
            f"证书年份 {year} 距今超过 {CERT_YEARS} 年（有效期 5 年），可能已换证，请核实 / issued "
            f"{year}, more than {CERT_YEARS} years ago (valid 5 years); it may have been "
            "renewed — confirm"
        ),
    )


def _expired(h: Hit) -> bool:
    return h.signal == "drug-info-cert" and bool(h.note)


def _doubt(h: Hit) -> tuple[str, str]:
    kind = BY_SIGNAL[h.signal]
    if _expired(h):
        return (
            f"{kind.zh} {h.value} 的年份已超过 {CERT_YEARS} 年有效期，可能已换证，请核实",
            f"{kind.en} {h.value} is older than its {CERT_YEARS}-year term; it may have been "
            "renewed — confirm",
        )
    return (
        f"{kind.zh} {h.value} 的省级代码不符，请核实编号",
        f"{kind.en} {h.value} has no valid province code — check the number",
    )
