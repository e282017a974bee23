"""营业执照 “亮照” (standard 4.1; 电子商务法 第15条).

第15条: an e-commerce operator "应当在其首页显著位置，持续公示营业执照信息…或者上述信息的链接标识".
Any one of these on the home page is accepted (clause-signals SIG-LZ):

1. a link or image to the official display systems — `zzlz.gsxt.gov.cn` (电子营业执照亮照, whose
   `serial=` carries the USCC), `*.gsxt.gov.cn`, `gsxt.*.gov.cn`, legacy 上海 `sgs.gov.cn/lz`,
   local 网络经济监管 `wljg.*.gov.cn`;
2. a link/image labelled 营业执照/亮照/证照信息/… to a crawled page that shows the licence fields
   (统一社会信用代码 plus 名称, 类型, 法定代表人 or 住所);
3. a 统一社会信用代码 printed with its label on the home page — not one introduced as a
   partner's or supplier's (a 合作伙伴 block: `_third_party`), which is another company's code.

The USCC check digit (GB 32100-2015) is reported on every code; a failed check digit is a review
item, never a failure, because early pilot codes are lawful and fail it. A licence link whose
target is `#`, an image, a page that was not crawled or a page without licence fields is a
review item (templates often ship a dead 营业执照 link). Only when the site shows nothing at all
is the check a failure.

English sites not offered to mainland consumers: the 亮照 duty does not apply; an imprint or
company-information line with a registration number (UK `Company No.`, German `HRB`, or a USCC)
is the equivalent disclosure (EU E-Commerce Directive Art. 5, UK SI 2015/17) and passes; its
absence is a review item because the applicable jurisdiction is not known.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from itertools import islice
from urllib.parse import urlsplit

from ecq_scan.artifacts import PageArtifacts
from ecq_scan.checks.base import Check, Hit, PageSummary, SiteContext, Verdict
from ecq_scan.checks.builtin._common import (
    error_text,
    norm_url,
    on_home,
    same_url,
    site_failed,
    t,
)
from ecq_scan.checks.builtin._third_party import third_party_at
from ecq_scan.checks.patterns import (
    COMPANY_REG_EN,
    LEGACY_REG_NO,
    LZ_FIELDS,
    LZ_LABEL,
    LZ_NAME,
    LZ_SERIAL,
    LZ_URL,
    USCC_BARE,
    USCC_CONTEXT,
    uscc_valid,
)
from ecq_scan.checks.prefilter import finditer
from ecq_scan.models import (
    CheckMeta,
    Disclosure,
    EnterpriseType,
    I18nText,
    Outcome,
    PageRole,
    Severity,
)

_IMAGE_EXT = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".bmp", ".pdf")
_CODE_SIGNALS = ("uscc", "lz-fields", "lz-serial")
_MAX_LINK_HITS = 10
_MAX_CODE_HITS = 10


def _uscc_note(valid: bool) -> str | None:
    if valid:
        return None
    return (
        "校验位不符（GB 32100），可能为早期试点代码，请人工核实 / check digit does not verify "
        "(GB 32100); may be an early pilot code — confirm by hand"
    )


def _is_image(url: str) -> bool:
    return urlsplit(url).path.lower().endswith(_IMAGE_EXT)


class _Review:
    """Collects review reasons with their evidence, in the order found."""

    def __init__(self) -> None:
        self.items: list[tuple[I18nText, list[Hit]]] = []

    def add(self, msg: I18nText, hits: Sequence[Hit]) -> None:
        self.items.append((msg, list(hits)))

    def message(self) -> I18nText:
        first = self.items[0][0]
        more = len(self.items) - 1
        if more <= 0:
            return first
        return I18nText(zh=f"{first.zh}（另有 {more} 处待核实）", en=f"{first.en} (+{more} more)")

    def hits(self) -> list[Hit]:
        return [h for _, hs in self.items for h in hs]


class _SiteIndex:
    """Hits and page summaries by normalised URL, so following links is not quadratic."""

    def __init__(self, hits: Sequence[Hit], site: SiteContext) -> None:
        self.by_url: dict[str, list[Hit]] = {}
        self.alias: dict[str, str] = {}
        for h in hits:
            key = norm_url(h.url)
            self.by_url.setdefault(key, []).append(h)
            if h.signal == "alias" and h.value:
                self.alias[norm_url(h.value)] = key
        self.pages: dict[str, PageSummary] = {}
        for p in site.pages:
            self.pages.setdefault(norm_url(p.url), p)

    def resolve(self, url: str) -> str:
        key = norm_url(url)
        return self.alias.get(key, key)

    def lookup(self, url: str) -> tuple[list[Hit], PageSummary | None]:
        key = self.resolve(url)
        summary = self.pages.get(key) or self.pages.get(norm_url(url))
        return self.by_url.get(key, []), summary


class BusinessLicence(Check):
    """营业执照 disclosure (亮照) on or linked from the home page; imprint on English sites."""

    meta = CheckMeta(
        id="business-licence",
        title_pass=t("首页已公示营业执照信息（亮照）", "Business licence shown on the home page"),
        title_fail=t(
            "首页未公示营业执照信息（亮照）", "No business licence shown on the home page"
        ),
        description=t(
            "电子商务经营者应在首页显著位置持续公示营业执照信息或其链接标识（如电子营业执照亮照链接、"
            "证照信息页），统一社会信用代码应可核验。",
            "An e-commerce operator must keep its business licence information, or a link to it "
            "(e.g. the electronic business licence badge or a licence page), prominently on the "
            "home page; the unified social credit code should verify.",
        ),
        severity=Severity.CRITICAL,
        clauses=["4.1", "6.2.4"],
        indicators=[1, 16],
        enterprise_types=list(EnterpriseType),
        page_roles=[],
        scope="site",
        absence_is_failure=True,
        legal_basis=["电子商务法 第15条"],
    )

    # observe ---------------------------------------------------------------------------------

    def observe(self, page: PageArtifacts) -> list[Hit]:
        hits: list[Hit] = []
        if page.requested_url and not same_url(page.requested_url, page.url):
            hits.append(
                Hit(
                    self.meta.id,
                    "alias",
                    page.url,
                    page.role,
                    None,
                    page.requested_url,
                    value=page.requested_url,
                )
            )
        hits.extend(self._links(page))
        hits.extend(self._codes(page))
        return hits

    def _links(self, page: PageArtifacts) -> list[Hit]:
        out: list[Hit] = []
        # only links whose URL or label can matter, found by one regex pass each (not per link)
        by_url = {id(ln) for ln in page.links_matching(LZ_URL, "url")}
        by_label = {id(ln) for ln in page.links_matching(LZ_LABEL)}
        for link in page.links:
            if id(link) not in by_url and id(link) not in by_label:
                continue
            if len(out) >= _MAX_LINK_HITS:
                break  # a real page has one or two; a hostile one may have thousands
            if link.hidden:
                continue
            target = link.url or link.href
            label = f"{link.text} {link.title}"
            snippet = f"{link.text_raw or link.title} → {link.href}"
            if LZ_URL.search(target):
                out.append(self._at(page, "lz-link", link.locator, snippet, target, link.region))
                sm = LZ_SERIAL.search(link.href)
                if sm:
                    code = sm.group("uscc").upper()
                    ok = uscc_valid(code)
                    out.append(
                        self._at(
                            page,
                            "lz-serial",
                            link.locator,
                            snippet,
                            code,
                            link.region,
                            valid=ok,
                            note=_uscc_note(ok),
                        )
                    )
            elif LZ_LABEL.search(label):
                out.append(self._at(page, "lz-label", link.locator, snippet, link.url, link.region))
        for img in page.images:
            if len(out) >= 2 * _MAX_LINK_HITS:
                break
            label = f"{img.alt} {img.title}"
            snippet = f"<img alt={img.alt!r} src={img.src!r}>"
            if img.link_url is None and LZ_URL.search(img.src):
                out.append(self._at(page, "lz-link", img.locator, snippet, img.src, img.region))
            elif img.link_url is None and LZ_LABEL.search(label):
                # a licence shown as a picture: cannot be read without OCR
                out.append(self._at(page, "lz-image", img.locator, snippet, img.src, img.region))
        return out

    def _codes(self, page: PageArtifacts) -> list[Hit]:
        text = page.text
        out: list[Hit] = []
        fields = LZ_FIELDS.search(text) is not None
        # a code introduced as a partner's or supplier's (合作伙伴：某某公司 统一社会信用代码…) is
        # that company's, not the operator's licence (第15条): it is not evidence either way
        matches = [
            (m.start("code"), m.end("code"), m.group("code").upper())
            for m in islice(finditer(USCC_CONTEXT, text, page.lower_text), _MAX_CODE_HITS)
            if not third_party_at(page, m.start())
        ]
        for start, end, code in matches:
            ok = uscc_valid(code)
            out.append(
                self.hit(page, "uscc", start, end, value=code, valid=ok, note=_uscc_note(ok))
            )
        if fields:
            found = matches
            if not found and page.role is PageRole.LICENCE:
                found = [(m.start(), m.end(), m.group(0)) for m in USCC_BARE.finditer(text)]
            named = LZ_NAME.search(text)
            for start, end, code in found[:3]:
                ok = uscc_valid(code)
                hit = self.hit(
                    page, "lz-fields", start, end, value=code, valid=ok, note=_uscc_note(ok)
                )
                if named:  # evidence names the entity: 名称 + 统一社会信用代码
                    hit = replace(hit, snippet=f"{named.group('name')} · 统一社会信用代码 {code}")
                out.append(hit)
        for m in islice(finditer(LEGACY_REG_NO, text, page.lower_text), _MAX_CODE_HITS):
            out.append(self.hit(page, "legacy-reg", *m.span("code"), value=m.group("code")))
        for m in islice(finditer(COMPANY_REG_EN, text, page.lower_text), _MAX_CODE_HITS):
            value = (m.group("num") or m.group("hr") or "").strip()
            out.append(self.hit(page, "reg-no", *m.span(), value=value))
        return out

    def _at(
        self,
        page: PageArtifacts,
        signal: str,
        locator: str,
        snippet: str,
        value: str,
        region: str,
        *,
        valid: bool | None = None,
        note: str | None = None,
    ) -> Hit:
        return Hit(
            self.meta.id,
            signal,
            page.url,
            page.role,
            locator,
            snippet,
            value=value,
            region=region,
            valid=valid,
            note=note,
        )

    # conclude --------------------------------------------------------------------------------

    def conclude(self, hits: Sequence[Hit], site: SiteContext) -> Verdict:
        if not site.chinese_market:
            return self._imprint(hits, site)
        home = [h for h in hits if on_home(h, site)]
        index = _SiteIndex(hits, site)
        passed: list[Hit] = []
        review = _Review()
        errors: list[str] = []
        followed: set[str] = set()

        for h in home:
            if h.signal == "lz-link":
                serials = [s for s in home if s.signal == "lz-serial" and s.locator == h.locator]
                if any(s.valid is False for s in serials):
                    review.add(
                        t(
                            "亮照链接中的统一社会信用代码校验位不符",
                            "Licence-link code fails its check digit",
                        ),
                        [h, *serials],
                    )
                else:
                    passed.extend([h, *serials])
            elif h.signal == "lz-label":
                target = norm_url(h.value or "")
                if target and target in followed:
                    continue  # the same page linked twice: judged once
                followed.add(target)
                self._follow(h, index, passed, review, errors)
            elif h.signal in ("uscc", "lz-fields"):
                if h.valid is False:
                    review.add(
                        t(
                            "首页统一社会信用代码校验位不符",
                            "The code on the home page fails its check digit",
                        ),
                        [h],
                    )
                else:
                    passed.append(h)
            elif h.signal == "lz-image":
                review.add(
                    t(
                        "首页营业执照仅以图片展示，请人工核对",
                        "Licence shown only as an image; check by hand",
                    ),
                    [h],
                )

        if passed:
            return Verdict(
                [self.finding(Outcome.PASS, hits=passed)], self._disclose(passed, hits, site)
            )
        if errors:
            return Verdict(
                [self.finding(Outcome.ERROR, error_text(errors), pages_searched=site.searched())]
            )

        legacy = [h for h in hits if h.signal == "legacy-reg"]
        if legacy:
            review.add(
                t(
                    "仅发现旧版 15 位工商注册号，请确认是否已换发统一社会信用代码",
                    "Only a legacy 15-digit registration number found; check for a current USCC",
                ),
                legacy,
            )
        followed_pages = {index.resolve(u) for u in followed if u}
        elsewhere = [
            h
            for h in hits
            if not on_home(h, site)
            and h.signal in ("lz-link", "uscc", "lz-fields", "lz-image")
            and norm_url(h.url) not in followed_pages
        ]
        if elsewhere:
            urls = ", ".join(dict.fromkeys(h.url for h in elsewhere[:3]))
            review.add(
                t(
                    f"营业执照信息见于其他页面（{urls}），但首页未展示或未链接（第15条要求首页显著位置）",
                    f"Licence details appear on other pages ({urls}) but are not shown on or "
                    "linked from the home page",
                ),
                elsewhere,
            )
        if review.items:
            return Verdict(
                [self.finding(Outcome.NEEDS_REVIEW, review.message(), hits=review.hits())],
                self._disclose([], hits, site),
            )
        return self.absent(site, [PageRole.HOME, PageRole.LICENCE])

    def _follow(
        self,
        label: Hit,
        index: _SiteIndex,
        passed: list[Hit],
        review: _Review,
        errors: list[str],
    ) -> None:
        """Branch 2: does the labelled link lead to a page that shows the licence?"""
        target = label.value or ""
        if not target:
            review.add(
                t(
                    "“营业执照”链接没有有效目标（# 或脚本），请人工确认",
                    "The licence link has no real target (# or script); confirm by hand",
                ),
                [label],
            )
            return
        if _is_image(target):
            review.add(
                t(
                    "“营业执照”链接指向图片或文件，请人工核对其内容",
                    "The licence link opens an image or file; check its content by hand",
                ),
                [label],
            )
            return
        there, summary = index.lookup(target)
        fields = [h for h in there if h.signal == "lz-fields"]
        if fields:
            if all(h.valid is False for h in fields):
                review.add(
                    t(
                        "证照页的统一社会信用代码校验位不符",
                        "The licence page's code fails its check digit",
                    ),
                    [label, *fields],
                )
            else:
                passed.extend([label, *fields])
            return
        official = [h for h in there if h.signal == "lz-link"]
        if official:
            passed.extend([label, *official])
            return
        images = [h for h in there if h.signal == "lz-image"]
        if images:
            review.add(
                t(
                    "证照页仅以图片展示营业执照，请人工核对",
                    "The licence page shows the licence only as an image; check by hand",
                ),
                [label, *images],
            )
            return
        if summary is not None and not summary.ok:
            errors.append(summary.url)
        elif summary is not None:
            review.add(
                t(
                    "“营业执照”链接指向的页面未显示执照信息（统一社会信用代码等）",
                    "The page behind the licence link shows no licence details (credit code etc.)",
                ),
                [label],
            )
        else:
            review.add(
                t(
                    "“营业执照”链接指向的页面未被抓取，请人工确认",
                    "The page behind the licence link was not crawled; confirm by hand",
                ),
                [label],
            )

    def _disclose(
        self, passed: Sequence[Hit], hits: Sequence[Hit], site: SiteContext
    ) -> list[Disclosure]:
        """`business_licence` = where the licence is shown (link target or page URL);
        `uscc` = every code on the home page, a licence page or a passing link target."""
        # the licence page's own fields first: their snippet names the entity and the code
        ordered = sorted(passed, key=lambda h: h.signal != "lz-fields")
        where = [
            _with_value(h, h.value or h.url)
            if h.signal in ("lz-link", "lz-label")
            else _with_value(h, h.url)
            for h in ordered
            if h.signal in ("lz-link", "lz-label", "uscc", "lz-fields")
        ]
        passed_urls = {h.url for h in passed}
        codes = [
            h
            for h in hits
            if h.signal in _CODE_SIGNALS
            and (on_home(h, site) or h.role is PageRole.LICENCE or h.url in passed_urls)
        ]
        return self.disclose("business_licence", where) + self.disclose("uscc", codes)

    # English sites ---------------------------------------------------------------------------

    def _imprint(self, hits: Sequence[Hit], site: SiteContext) -> Verdict:
        reg = [h for h in hits if h.signal in ("reg-no", "uscc", "lz-fields")]
        if reg:
            disclosures = self.disclose("business_licence", [_with_value(h, h.url) for h in reg])
            disclosures += self.disclose("uscc", [h for h in reg if h.signal != "reg-no"])
            msg = t(
                "已公示公司注册信息（Imprint/公司信息）", "Company registration details published"
            )
            return Verdict([self.finding(Outcome.PASS, msg, hits=reg)], disclosures)
        failed = site_failed(site, [PageRole.LICENCE, PageRole.ABOUT, PageRole.CONTACT])
        if failed:
            return Verdict([self.finding(Outcome.ERROR, error_text(failed))])
        imprint = [p.url for p in site.pages if p.ok and p.role is PageRole.LICENCE]
        if imprint:
            msg = t(
                f"公司信息页（{imprint[0]}）未显示注册号，请人工确认",
                f"The company-information page ({imprint[0]}) shows no registration number; "
                "confirm by hand",
            )
        else:
            msg = t(
                "未发现公司注册信息（Imprint/公司信息）；是否有公示义务取决于所在法域，请人工确认",
                "No company registration details (imprint) found; whether they are required "
                "depends on the jurisdiction — confirm by hand",
            )
        return Verdict([self.finding(Outcome.NEEDS_REVIEW, msg, pages_searched=site.searched())])


def _with_value(h: Hit, value: str) -> Hit:
    """The same evidence, disclosed under another value (a page URL instead of a code)."""
    return replace(h, value=value, valid=None)
