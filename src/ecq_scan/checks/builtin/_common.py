"""Small helpers shared by the built-in checks (no I/O; everything is pure)."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

from ecq_scan.artifacts import PageArtifacts
from ecq_scan.checks.base import Hit, SiteContext
from ecq_scan.models import I18nText, PageRole

NOT_CHINESE_MARKET = I18nText(
    zh="不适用：站点无中文内容，未面向中国大陆消费者（该项为中国大陆法规义务）",
    en="Not applicable: the site has no Chinese content and is not offered to mainland "
    "consumers; this is a PRC-law duty (clause-signals §11.1)",
)


def t(zh: str, en: str) -> I18nText:
    return I18nText(zh=zh, en=en)


def norm_url(url: str) -> str:
    """A comparison key ignoring scheme, fragment and an empty path (http://x ≡ https://x/)."""
    if not url:
        return ""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    path = parts.path or "/"
    return f"{parts.netloc.lower()}{path}{'?' + parts.query if parts.query else ''}"


def same_url(a: str, b: str) -> bool:
    """Equal ignoring scheme, fragment and an empty path (http://x ≡ https://x/)."""
    return bool(a) and bool(b) and norm_url(a) == norm_url(b)


def on_home(h: Hit, site: SiteContext) -> bool:
    """A hit from the home page: its role says so, or it was seen at the scan's start URL."""
    return h.role is PageRole.HOME or same_url(h.url, site.home_url)


def host_of(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def site_failed(site: SiteContext, roles: Sequence[PageRole]) -> list[str]:
    """URLs that could hold the item but failed (the home page counts when it failed)."""
    urls = [p.url for p in site.failed_candidates(roles)]
    if not site.home_ok and site.home_url and site.home_url not in urls:
        urls.insert(0, site.home_url)
    return urls


def error_text(urls: Sequence[str]) -> I18nText:
    shown = ", ".join(urls[:5])
    return t(
        f"无法判断：可能包含该信息的页面加载失败（{shown}）",
        f"Could not decide: pages that may hold it failed to load ({shown})",
    )


def page_title(page: PageArtifacts) -> str:
    return page.h1 or page.title or page.url


def context(text: str, start: int, end: int, chars: int) -> str:
    """`chars` characters either side of [start, end), on one line, with ellipses."""
    lo = max(0, start - chars)
    hi = min(len(text), end + chars)
    pre = "…" if lo > 0 else ""
    post = "…" if hi < len(text) else ""
    return pre + text[lo:hi].replace("\n", " ") + post
