"""适老化 / 无障碍 features a site offers (standard 7.4.1).

7.4.1 asks enterprises to 充分考虑老年人、残障人士…在界面设计、操作流程、客服支持等方面提供适配性
解决方案. MIIT's 互联网网站适老化通用设计规范 (2021) describes what that looks like on a web site: a
prominent entry switching to an elder version (长辈版/关怀版/适老版/大字版), adjustable font size,
and an assistive toolbar; English sites publish an accessibility statement (clause-signals
SIG-A11Y, "适老化 entry").

Signals, any one of which passes (each becomes an `accessibility_feature` disclosure):

- an entry link or button: 长辈版, 长辈模式, 关怀版, 关怀模式, 老年版, 适老版, 大字版, 无障碍,
  无障碍浏览, 信息无障碍 … — as a link with a short label anywhere, or as short text in the
  header, navigation or footer;
- an assistive-toolbar script (`assist.js`, `/wza/`, `AmblyopiaTool`) or its `#assist-open`
  button;
- font-size controls (字号：大 中 小, 放大字体, A+ with A−, text size);
- an accessibility statement (EN `Accessibility statement`, 无障碍声明) or the MIIT 信息无障碍
  badge.

Traps: shops sell 老年版手机 and 无障碍扶手; body text about 无障碍设施 or a long product link is
not a site feature, so body text is not read and long link labels in the main content do not
count.

Absence is never a failure: 7.4.1 is a duty to consider these users, the standard names no web
feature, and an elder mode may live only in the app. It is a review item; the automated part of
accessibility itself is `accessibility-axe`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ecq_scan.artifacts import Link, PageArtifacts
from ecq_scan.checks.base import Check, Hit, SiteContext, Verdict
from ecq_scan.checks.builtin._common import error_text, on_home, site_failed, t
from ecq_scan.checks.builtin._dom import script_srcs, select_attrs
from ecq_scan.models import CheckMeta, EnterpriseType, Outcome, Severity

#: an elder-version or accessibility entry (NFKC-normalised text, case-insensitive)
ELDER_ENTRY = re.compile(
    r"长辈版|长辈模式|关怀版|关怀模式|老年版|老年模式|适老版|适老化|适老模式|大字版|大字模式"
    r"|信息无障碍|无障碍(?:浏览|阅读|模式|工具条?|服务)?"
    r"|accessibility|accessible\s+(?:version|mode)|high\s+contrast|easy\s+read",
    re.I,
)
#: words that contain an entry word but name goods or buildings, not a site feature
ELDER_TRAPS = re.compile(
    r"老年版手机|老人机|无障碍(?:设施|设计规范|坡道|扶手|卫生间|厕所|洗手间|电梯|车位|停车|座椅|马桶"
    r"|浴室|淋浴|出入口|通道|环境建设法)|(?:沟通|交流|出行)无障碍",
    re.I,
)
#: font-size controls: 字号：大 中 小, 【大】【中】【小】, 放大字体, 字体放大, text size
FONT_CONTROL = re.compile(
    r"(?:字号|字体)\s*:?\s*[\[【(]?\s*大\s*[\]】)]?\s*[\[【(]?\s*中\s*[\]】)]?\s*[\[【(]?\s*小"
    r"|(?:放大|缩小|调大|调节|调整)\s*(?:字体|字号|文字)|(?:字体|字号)\s*(?:放大|缩小|调节)"
    r"|\b(?:text|font)[\s-]size\b|\bincrease\s+(?:text|font)\b|\blarger\s+text\b",
    re.I,
)
#: an accessibility statement, or the MIIT 信息无障碍 badge in an image's alt text
STATEMENT = re.compile(r"accessibility\s+(?:statement|policy)|无障碍声明|无障碍说明", re.I)
BADGE_ALT = re.compile(r"信息无障碍|适老化|无障碍.{0,4}(?:标识|认证|评测)", re.I)
#: assistive-toolbar scripts used by Chinese sites (信息无障碍 / 适老化 toolbars)
TOOLBAR_SRC = re.compile(r"assist(?:\.min)?\.js|/wza/|amblyopiatool|/slowvision", re.I)
#: a font-size button pair: "A+" and "A-" (or "A−")
_A_PLUS = re.compile(r"^a\s*\+$", re.I)
_A_MINUS = re.compile(r"^a\s*[-−]$", re.I)
#: link labels longer than this in the main content are product or article titles
_MAX_MAIN_LABEL = 8
_MAX_LABEL = 24
_MAX_BLOCK = 40
_CHROME = ("header", "nav", "footer")
_MAX_HITS = 10


def _clean(label: str) -> str:
    """The label with trap phrases blanked out, so `无障碍扶手` cannot match `无障碍`."""
    return ELDER_TRAPS.sub(" ", label) if ELDER_TRAPS.search(label) else label


def _label(link: Link) -> str:
    return (link.text or link.title).strip()


class ElderlyFriendlyMode(Check):
    """An elder mode, accessibility toolbar, font-size control or accessibility statement."""

    meta = CheckMeta(
        id="elderly-friendly-mode",
        title_pass=t(
            "提供适老化/无障碍功能入口", "An elder-friendly or accessibility feature is offered"
        ),
        title_fail=t(
            "未发现适老化/无障碍功能入口", "No elder-friendly or accessibility feature found"
        ),
        description=t(
            "电子商务企业应考虑老年人、残障人士的需求。网站可提供长辈版/关怀版等适老化入口、字号调节、"
            "无障碍工具条或无障碍声明。未发现时列为待人工确认（适老化功能可能只在 App 中提供），"
            "不判为不合格。",
            "E-commerce enterprises must consider the needs of older and disabled people. A "
            "website may offer an elder mode (长辈版/关怀版), font-size controls, an "
            "accessibility toolbar or an accessibility statement. When none is seen the check "
            "asks for review (the feature may exist only in the app); it never fails a site.",
        ),
        severity=Severity.MODERATE,
        clauses=["7.4.1"],
        indicators=[16, 20],
        enterprise_types=list(EnterpriseType),
        page_roles=[],
        scope="site",
        absence_is_failure=False,
        legal_basis=[
            "无障碍环境建设法 第32条",
            "互联网网站适老化通用设计规范（工信厅信管〔2021〕44号）",
        ],
    )

    def observe(self, page: PageArtifacts) -> list[Hit]:
        hits: list[Hit] = []
        plus: Link | None = None
        minus: Link | None = None
        for link in page.links:
            if len(hits) >= _MAX_HITS:
                break
            if link.hidden:
                continue
            label = _label(link)
            if not label or len(label) > _MAX_LABEL:
                continue
            if _A_PLUS.match(label):
                plus = plus or link
                continue
            if _A_MINUS.match(label):
                minus = minus or link
                continue
            clean = _clean(label)
            if STATEMENT.search(clean):
                hits.append(self._link_hit(page, link, "statement", label))
                continue
            m = ELDER_ENTRY.search(clean)
            if m and (link.region in _CHROME or len(label) <= _MAX_MAIN_LABEL):
                hits.append(self._link_hit(page, link, "entry", m.group(0)))
                continue
            f = FONT_CONTROL.search(clean)
            if f:
                hits.append(self._link_hit(page, link, "font-size", f.group(0)))
        if plus is not None and minus is not None:
            hits.append(self._link_hit(page, plus, "font-size", "A+ / A-"))
        for block in page.blocks:
            if len(hits) >= _MAX_HITS:
                break
            if block.region not in _CHROME or len(block.norm) > _MAX_BLOCK:
                continue
            clean = _clean(block.norm)
            for signal, rx in (
                ("statement", STATEMENT),
                ("entry", ELDER_ENTRY),
                ("font-size", FONT_CONTROL),
            ):
                m = rx.search(clean)
                if m:
                    end = block.start + len(block.norm)
                    hits.append(self.hit(page, signal, block.start, end, value=m.group(0)))
                    break
        for image in page.images:
            if len(hits) >= _MAX_HITS:
                break
            alt = image.alt or image.title
            m = BADGE_ALT.search(_clean(alt)) if alt and len(alt) <= _MAX_LABEL else None
            if m:
                hits.append(
                    Hit(
                        self.meta.id,
                        "badge",
                        page.url,
                        page.role,
                        image.locator,
                        f'<img alt="{alt}" src="{image.src}">',
                        value=m.group(0),
                        region=image.region,
                    )
                )
        for src in script_srcs(page):
            m = TOOLBAR_SRC.search(src)
            if m:
                hits.append(
                    Hit(
                        self.meta.id,
                        "toolbar",
                        page.url,
                        page.role,
                        f'script[src="{src}"]',
                        f'<script src="{src}">',
                        value=f"无障碍工具条 / accessibility toolbar ({m.group(0)})",
                    )
                )
                break
        if select_attrs(page, "#assist-open", limit=1):
            hits.append(
                Hit(
                    self.meta.id,
                    "toolbar",
                    page.url,
                    page.role,
                    "#assist-open",
                    '<… id="assist-open">',
                    value="无障碍工具条 / accessibility toolbar (#assist-open)",
                )
            )
        return hits

    def _link_hit(self, page: PageArtifacts, link: Link, signal: str, value: str) -> Hit:
        return Hit(
            self.meta.id,
            signal,
            page.url,
            page.role,
            link.locator,
            f"{link.text_raw or link.title} → {link.href}",
            value=value,
            region=link.region,
        )

    def conclude(self, hits: Sequence[Hit], site: SiteContext) -> Verdict:
        if not hits:
            if not site.home_ok:  # the entry belongs on the home page, which was not read
                return Verdict([self.finding(Outcome.ERROR, error_text(site_failed(site, [])))])
            searched = site.searched()
            return Verdict(
                [
                    self.finding(
                        Outcome.NEEDS_REVIEW,
                        t(
                            "未发现长辈版/关怀版入口、字号调节、无障碍工具条或无障碍声明"
                            f"（已检索 {len(searched)} 个页面；适老化功能可能只在 App 中提供，"
                            "请人工确认）",
                            "No elder mode, font-size control, accessibility toolbar or "
                            f"accessibility statement found on the {len(searched)} pages "
                            "searched (it may exist only in the app — confirm by hand)",
                        ),
                        pages_searched=searched,
                    )
                ]
            )
        home = [h for h in hits if on_home(h, site)]
        shown = home or list(hits)
        kinds = "、".join(dict.fromkeys(h.value or h.signal for h in shown))
        where = t("首页", "on the home page") if home else t("站内页面", "on inner pages")
        msg = t(
            f"{self.meta.title_pass.zh}（{where.zh}：{kinds}）",
            f"{self.meta.title_pass.en} ({where.en}: {kinds})",
        )
        return Verdict(
            [self.finding(Outcome.PASS, msg, hits=shown)],
            self.disclose("accessibility_feature", [*home, *(h for h in hits if h not in home)]),
        )
