"""Language versions of the site (standard 7.4.2).

7.4.2: 平台宜建立多语言、多文化的服务体系…包括但不限于语言支持. The observable part is whether the
site offers more than one language (clause-signals SIG-I18N): `<link rel="alternate"
hreflang="en" href="…">` alternates, and language-switcher links labelled with a language's own
name (English, 中文, 简体, 繁體, 日本語, 한국어, Español …), counted with the home page's own
language (its `<html lang>`, or Chinese text).

Two or more languages pass; each becomes a `language_version` disclosure. One language is a
review item, never a failure: 7.4.2 says 宜 (recommended, not required), and other versions may
sit on a separate domain or in the app — a person confirms. Traps: a link reading "English" in a
product name is not a switcher, so a label must be a language name and nothing else; short codes
(EN, CN, 中, 英) count only in the header, navigation or footer. `x-default` is not a language.
Simplified and traditional Chinese count as two versions (a localisation for HK/MO/TW users);
regional variants of one language (en-US, en-GB) count once.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ecq_scan.artifacts import PageArtifacts, absolute_url
from ecq_scan.checks.base import Check, Hit, SiteContext, Verdict
from ecq_scan.checks.builtin._common import error_text, on_home, site_failed, t
from ecq_scan.checks.builtin._dom import hreflang_alternates
from ecq_scan.models import CheckMeta, EnterpriseType, Outcome, PageRole, Severity

#: a language's own name (lower-cased, NFKC) → its key
LANGUAGE_NAMES: dict[str, str] = {
    "english": "en",
    "中文": "zh",
    "简体中文": "zh",
    "中文简体": "zh",
    "中文(简体)": "zh",
    "简体": "zh",
    "简中": "zh",
    "繁體中文": "zh-Hant",
    "繁体中文": "zh-Hant",
    "中文繁體": "zh-Hant",
    "中文(繁體)": "zh-Hant",
    "繁體": "zh-Hant",
    "繁体": "zh-Hant",
    "日本語": "ja",
    "한국어": "ko",
    "español": "es",
    "français": "fr",
    "deutsch": "de",
    "русский": "ru",
    "العربية": "ar",
    "português": "pt",
    "italiano": "it",
    "tiếng việt": "vi",
    "ภาษาไทย": "th",
    "bahasa indonesia": "id",
    "bahasa melayu": "ms",
    "nederlands": "nl",
    "polski": "pl",
    "türkçe": "tr",
}
#: short switcher labels, trusted only in the header, navigation or footer
SHORT_CODES: dict[str, str] = {
    "en": "en",
    "eng": "en",
    "英": "en",
    "英文": "en",
    "cn": "zh",
    "zh": "zh",
    "chn": "zh",
    "中": "zh",
    "简": "zh",
    "繁": "zh-Hant",
    "tw": "zh-Hant",
    "hk": "zh-Hant",
    "jp": "ja",
    "ja": "ja",
    "kr": "ko",
    "ko": "ko",
}
_SPLIT = re.compile(r"\s*[/|｜·]\s*")
_HANT = re.compile(r"-(?:hant|tw|hk|mo)\b", re.I)
_CJK = re.compile(r"[\u4e00-\u9fff]")
_CHROME = ("header", "nav", "footer")
_MAX_LABEL = 24
_MAX_HITS = 30
#: a page "is Chinese" with this many CJK characters (same threshold as the analysis layer)
_CHINESE_MIN_CJK = 20


def language_key(tag: str) -> str | None:
    """`zh-CN` → `zh`, `zh-TW`/`zh-Hant` → `zh-Hant`, `en-GB` → `en`; None for x-default."""
    value = tag.strip().replace("_", "-")
    primary = value.split("-", 1)[0].lower()
    if not primary or primary in ("x", "i") or value.lower() == "x-default":
        return None
    if not primary.isalpha() or len(primary) > 8:
        return None
    if primary == "zh":
        return "zh-Hant" if _HANT.search(value) else "zh"
    return primary


def _switcher_keys(label: str, region: str) -> list[str]:
    keys: list[str] = []
    for part in _SPLIT.split(label.strip().lower()):
        key = LANGUAGE_NAMES.get(part) or (SHORT_CODES.get(part) if region in _CHROME else None)
        if key and key not in keys:
            keys.append(key)
    return keys


class LanguageVersions(Check):
    """More than one language offered: hreflang alternates or a language switcher."""

    meta = CheckMeta(
        id="language-versions",
        title_pass=t("提供多语言版本", "The site is offered in more than one language"),
        title_fail=t("未发现多语言版本", "No other language version found"),
        description=t(
            "平台宜建立多语言服务体系（7.4.2，推荐性条款）。"
            "以 hreflang 备用链接和语言切换链接识别语言版本；"
            "只有一种语言时列为待人工确认（其他版本可能在独立域名或 App 中），不判为不合格。",
            "Platforms should offer multilingual service (7.4.2, a recommendation). Language "
            "versions are read from hreflang alternates and language-switcher links; a single "
            "language is a review item (other versions may be on another domain or in the app), "
            "never a failure.",
        ),
        severity=Severity.INFO,
        clauses=["7.4.2"],
        indicators=[16],
        enterprise_types=list(EnterpriseType),
        page_roles=[],
        scope="site",
        absence_is_failure=False,
        legal_basis=["T/EJCCSE 电子商务企业服务质量规程 7.4.2（宜，推荐性）"],
    )

    def observe(self, page: PageArtifacts) -> list[Hit]:
        hits: list[Hit] = []
        own = language_key(page.lang) if page.lang else None
        if own is None and len(_CJK.findall(page.text[:20000])) >= _CHINESE_MIN_CJK:
            own = "zh"
        if own is not None:
            lang = (page.lang or "").strip()[:40]
            snippet = f'<html lang="{lang}">' if lang else "Chinese text (no lang attribute)"
            hits.append(
                Hit(self.meta.id, "page-lang", page.url, page.role, "html", snippet, value=own)
            )
        for lang, href in hreflang_alternates(page):
            key = language_key(lang)
            if key is None:
                continue
            target = absolute_url(page.url, href) or href
            hits.append(
                Hit(
                    self.meta.id,
                    "hreflang",
                    page.url,
                    page.role,
                    f'link[hreflang="{lang[:40]}"]',
                    f'<link rel="alternate" hreflang="{lang[:40]}" href="{href[:200]}">',
                    value=key,
                    note=target,
                )
            )
            if len(hits) >= _MAX_HITS:
                return hits
        for link in page.links:
            label = (link.text or link.title).strip()
            if not label or len(label) > _MAX_LABEL:
                continue
            for key in _switcher_keys(label, link.region):
                hits.append(
                    Hit(
                        self.meta.id,
                        "switcher",
                        page.url,
                        page.role,
                        link.locator,
                        f"{link.text_raw or link.title} → {link.href}",
                        value=key,
                        region=link.region,
                        note=link.url or None,
                    )
                )
            if len(hits) >= _MAX_HITS:
                break
        return hits

    def conclude(self, hits: Sequence[Hit], site: SiteContext) -> Verdict:
        home = [h for h in hits if on_home(h, site)]
        offered = [h for h in home if h.signal != "page-lang"]
        chosen = home if offered else list(hits)
        # the page's own language first, then alternates and switchers, one hit per language
        by_key: dict[str, Hit] = {}
        for signal in ("page-lang", "hreflang", "switcher"):
            for h in chosen:
                if h.signal == signal and h.value and h.value not in by_key:
                    by_key[h.value] = h
        keys = list(by_key)
        if len(keys) >= 2:
            shown = [h for h in by_key.values() if h.signal != "page-lang"] or list(by_key.values())
            return Verdict(
                [
                    self.finding(
                        Outcome.PASS,
                        t(
                            f"提供 {len(keys)} 种语言版本：{', '.join(keys)}",
                            f"{len(keys)} language versions offered: {', '.join(keys)}",
                        ),
                        hits=shown,
                    )
                ],
                self.disclose("language_version", list(by_key.values())),
            )
        if not site.home_ok:
            failed = site_failed(site, [PageRole.HOME])
            return Verdict([self.finding(Outcome.ERROR, error_text(failed))])
        only = keys[0] if keys else None
        msg = (
            t(
                f"只发现一种语言版本（{only}）；7.4.2 为推荐性条款，"
                "其他语言版本可能在独立域名或 App 中，请人工确认",
                f"Only one language version seen ({only}); 7.4.2 is a recommendation and other "
                "versions may be on another domain or in the app — confirm by hand",
            )
            if only
            else t(
                "未发现语言切换或 hreflang 备用语言版本，请人工确认",
                "No language switcher or hreflang alternate found; confirm by hand",
            )
        )
        return Verdict(
            [
                self.finding(
                    Outcome.NEEDS_REVIEW,
                    msg,
                    hits=list(by_key.values()),
                    pages_searched=site.searched(),
                )
            ],
            self.disclose("language_version", list(by_key.values())),
        )
