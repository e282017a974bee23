"""The home page declares its language: `<html lang="zh-CN">` (standard 7.4.1).

7.4.1 asks for interfaces adapted to older and disabled users. WCAG 2.x success criterion 3.1.1
(Language of Page, level A; GB/T 37668-2019 follows it) requires the default human language of a
page to be programmatically determinable: screen readers pick their voice and pronunciation from
`lang`, and without it a Chinese page may be read with English rules. Browsers' translation and
"larger text" features also rely on it.

A present, well-formed BCP 47 tag (`zh-CN`, `zh-Hans`, `en`, `en-GB`) on the home page passes.
A missing or malformed one (`lang=""`, `zh_CN`, `cn`, `jp` — country codes are not language
codes) is a review item, not a failure: the static HTML is what this check reads, and a script may
set `lang` before anyone sees the page. On rendered pages axe-core's `html-has-lang` and
`html-lang-valid` rules (check `accessibility-axe`) decide the same question on the live DOM.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ecq_scan.artifacts import PageArtifacts
from ecq_scan.checks.base import Check, Hit, SiteContext, Verdict
from ecq_scan.checks.builtin._common import error_text, on_home, site_failed, t
from ecq_scan.models import CheckMeta, EnterpriseType, Outcome, PageRole, Severity

#: ISO 639-1 two-letter codes (plus the deprecated in/iw/ji/jw/mo/sh still found in the wild):
#: a two-letter primary subtag outside this list (cn, jp, kr is Kanuri and stays valid) is a
#: country code written where a language code belongs
_ISO_639_1_CODES = """
    aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv
    cy da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht
    hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la
    lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj
    om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv
    sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu
    in iw ji jw mo sh"""
ISO_639_1 = frozenset(_ISO_639_1_CODES.split())
#: well-formed BCP 47 (RFC 5646) in outline: a 2–3 letter primary language (RFC 5646 reserves
#: 4 letters and no 5–8 letter language is registered, so `english` is a mistake), then subtags
#: of 1–8 letters or digits separated by hyphens
_BCP47 = re.compile(r"^[a-z]{2,3}(?:-[a-z0-9]{1,8})*$", re.I)
_MAX_SHOWN = 40


def lang_problem(lang: str | None) -> str | None:
    """Why `lang` is not a usable language tag, or None when it looks valid."""
    value = (lang or "").strip()
    if not value:
        return "missing"
    if "_" in value:
        return f"{value!r} uses '_'; BCP 47 separates subtags with '-' (e.g. zh-CN)"
    if not _BCP47.match(value):
        return f"{value!r} is not a BCP 47 language tag"
    primary = value.split("-", 1)[0].lower()
    if len(primary) == 2 and primary not in ISO_639_1:
        return f"{primary!r} is not an ISO 639-1 language code (a country code? zh, ja, en …)"
    return None


class PageLanguage(Check):
    """`<html lang>` on the home page: present and a well-formed BCP 47 tag."""

    meta = CheckMeta(
        id="page-language",
        title_pass=t("首页声明了页面语言（html lang）", "The home page declares its language"),
        title_fail=t(
            "首页未正确声明页面语言（html lang）",
            "The home page does not declare a valid language",
        ),
        description=t(
            "页面应以 <html lang> 声明主要语言（WCAG 3.1.1，A 级；GB/T 37668 参照），"
            "读屏软件据此选择朗读语音。静态 HTML 中缺失或格式错误时列为待人工确认"
            "（脚本可能在渲染时补上），渲染后的页面由 accessibility-axe 检查。",
            "A page must declare its main language with <html lang> (WCAG 3.1.1, level A, which "
            "GB/T 37668 follows); screen readers choose their voice from it. A missing or "
            "malformed tag in the static HTML is a review item (a script may set it when the page "
            "renders); rendered pages are tested by accessibility-axe.",
        ),
        severity=Severity.MINOR,
        clauses=["7.4.1"],
        indicators=[16],
        enterprise_types=list(EnterpriseType),
        page_roles=[],
        scope="site",
        absence_is_failure=False,
        legal_basis=["GB/T 37668-2019", "WCAG 2.1 SC 3.1.1 (W3C)"],
    )

    def observe(self, page: PageArtifacts) -> list[Hit]:
        problem = lang_problem(page.lang)
        lang = (page.lang or "").strip()
        snippet = f'<html lang="{lang[:_MAX_SHOWN]}">' if page.lang is not None else "<html>"
        return [
            Hit(
                self.meta.id,
                "html-lang",
                page.url,
                page.role,
                "html",
                snippet,
                value=lang[:_MAX_SHOWN],
                valid=problem is None,
                note=problem,
            )
        ]

    def conclude(self, hits: Sequence[Hit], site: SiteContext) -> Verdict:
        home = next((h for h in hits if h.signal == "html-lang" and on_home(h, site)), None)
        if home is None:
            failed = site_failed(site, [PageRole.HOME])
            if failed:
                return Verdict([self.finding(Outcome.ERROR, error_text(failed))])
            return Verdict(
                [
                    self.finding(
                        Outcome.NEEDS_REVIEW,
                        t(
                            "未能读取首页，请人工确认页面语言声明",
                            "The home page was not read; confirm its language declaration by hand",
                        ),
                        pages_searched=site.searched(),
                    )
                ]
            )
        others = [h for h in hits if h.signal == "html-lang" and h is not home and not h.valid]
        extra_zh = f"；另有 {len(others)} 个页面缺少或未正确声明" if others else ""
        extra_en = f"; {len(others)} other page(s) lack a valid one" if others else ""
        if home.valid:
            return Verdict(
                [
                    self.finding(
                        Outcome.PASS,
                        t(
                            f"首页声明页面语言为 {home.value}{extra_zh}",
                            f"The home page declares its language as {home.value}{extra_en}",
                        ),
                        hits=[home],
                    )
                ]
            )
        return Verdict(
            [
                self.finding(
                    Outcome.NEEDS_REVIEW,
                    t(
                        f"首页 <html lang> 缺失或格式不正确（{home.note}）{extra_zh}；"
                        "脚本可能在渲染时设置，请以渲染后的页面或 accessibility-axe 结果确认",
                        f"The home page's <html lang> is missing or malformed ({home.note})"
                        f"{extra_en}; a script may set it when the page renders — confirm on the "
                        "rendered page or with accessibility-axe",
                    ),
                    hits=[home, *others],
                )
            ]
        )
