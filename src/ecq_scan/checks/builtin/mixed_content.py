"""Mixed content on HTTPS pages (standard 7.8.1, 7.8.6; clause-signals SIG-HEADERS "Mixed
content").

On every page served over HTTPS, sub-resources written with an `http://` URL are found in the
page's `resources` (scripts, stylesheets, frames, objects, form actions, media) and images:

- active mixed content — `<script>`, stylesheet `<link>`, `<iframe>`, `<object>`/`<embed>`, or a
  `<form action="http://…">` (personal data would leave in clear text) → fail: the URL is in the
  page as served, and browsers block or warn on it;
- passive only — `<img>`, `<audio>`, `<video>`, `<source>` → needs review;
- none → pass.

Not applicable when no page came over HTTPS (https-transport fails such a site) and on
loopback/private test servers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from ecq_scan.artifacts import PageArtifacts
from ecq_scan.checks.base import Check, Hit, SiteContext, Verdict
from ecq_scan.checks.builtin._common import t
from ecq_scan.checks.builtin._transport import LOCAL_SERVER, local_site, scheme_of
from ecq_scan.models import CheckMeta, EnterpriseType, Outcome, Severity

ACTIVE_KINDS: Final = frozenset({"script", "stylesheet", "iframe", "object", "form"})
#: mixed-content hits kept per page
MAX_HITS_PER_PAGE = 20
_TAG: Final = {
    "script": "script src",
    "stylesheet": 'link rel="stylesheet" href',
    "iframe": "iframe src",
    "object": "object/embed",
    "form": "form action",
    "media": "media src",
}


def _plain(raw: str) -> bool:
    return raw[:5].lower() == "http:"


class MixedContent(Check):
    """No http:// scripts, stylesheets, frames or form targets on HTTPS pages."""

    meta = CheckMeta(
        id="mixed-content",
        title_pass=t("HTTPS 页面无混合内容", "No mixed content on HTTPS pages"),
        title_fail=t("HTTPS 页面加载明文 HTTP 资源", "HTTPS pages load plain-HTTP resources"),
        description=t(
            "HTTPS 页面不得以明文 HTTP 加载脚本、样式、框架或向 HTTP 地址提交表单（主动混合内容）；"
            "HTTP 图片、音视频（被动混合内容）列出供人工确认。",
            "HTTPS pages must not load scripts, stylesheets or frames, or submit forms, over plain "
            "HTTP (active mixed content); plain-HTTP images and media (passive) are listed for "
            "review.",
        ),
        severity=Severity.SERIOUS,
        clauses=["7.8.1", "7.8.6"],
        indicators=[15, 19, 22],
        enterprise_types=list(EnterpriseType),
        page_roles=[],
        scope="site",
        absence_is_failure=False,
        legal_basis=[
            "网络安全法 第21条",
            "个人信息保护法 第51条",
            "电子商务企业服务质量规程 7.8.1",
        ],
    )

    def observe(self, page: PageArtifacts) -> list[Hit]:
        if scheme_of(page.url) != "https":
            return []
        hits = [
            Hit(self.meta.id, "https-page", page.url, page.role, None, page.url, value=page.url)
        ]
        for res in page.resources:
            if len(hits) > MAX_HITS_PER_PAGE:
                break
            if _plain(res.raw):
                signal = "active" if res.kind in ACTIVE_KINDS else "passive"
                hits.append(self._hit(page, signal, res.locator, f"<{_TAG[res.kind]}={res.raw}>"))
        for img in page.images:
            if len(hits) > MAX_HITS_PER_PAGE:
                break
            if _plain(img.src):
                hits.append(self._hit(page, "passive", img.locator, f"<img src={img.src}>"))
        return hits

    def _hit(self, page: PageArtifacts, signal: str, locator: str, snippet: str) -> Hit:
        return Hit(self.meta.id, signal, page.url, page.role, locator, snippet[:300], value=snippet)

    def conclude(self, hits: Sequence[Hit], site: SiteContext) -> Verdict:
        if local_site(site, hits):
            return self.not_applicable(LOCAL_SERVER)
        pages = [h for h in hits if h.signal == "https-page"]
        if not pages:
            return self.not_applicable(
                t(
                    "不适用：没有经 HTTPS 提供的页面（见 https-transport）",
                    "Not applicable: no page was served over HTTPS (see https-transport)",
                )
            )
        active = [h for h in hits if h.signal == "active"]
        passive = [h for h in hits if h.signal == "passive"]
        if active:
            urls = ", ".join(dict.fromkeys(h.url for h in active[:3]))
            msg = t(
                f"{len(active)} 处主动混合内容：HTTPS 页面以明文 HTTP 加载脚本/样式/框架或提交表单"
                f"（{urls}）",
                f"{len(active)} active mixed-content item(s): HTTPS pages load scripts, styles or "
                f"frames, or submit forms, over plain HTTP ({urls})",
            )
            return Verdict([self.finding(Outcome.FAIL, msg, hits=active)])
        if passive:
            urls = ", ".join(dict.fromkeys(h.url for h in passive[:3]))
            msg = t(
                f"{len(passive)} 处被动混合内容（HTTP 图片或音视频，{urls}），请确认",
                f"{len(passive)} passive mixed-content item(s) (plain-HTTP images or media, "
                f"{urls}); confirm by hand",
            )
            return Verdict([self.finding(Outcome.NEEDS_REVIEW, msg, hits=passive)])
        return Verdict([self.finding(Outcome.PASS, pages_searched=[h.url for h in pages])])
