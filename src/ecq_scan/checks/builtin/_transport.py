"""Helpers for the transport-security checks (https-transport, hsts, security-headers,
cookie-security, mixed-content): which host a scan ran against, which scheme a page came over,
and the response headers of the home page. Pure: everything is read from hits and URLs.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from urllib.parse import urlsplit

from ecq_scan.checks.base import Hit, SiteContext
from ecq_scan.checks.builtin._common import same_url, t
from ecq_scan.models import I18nText, PageRole

LOCAL_SERVER = t(
    "不适用：HTTPS 无法在本地测试服务器（回环或内网地址）上判断",
    "Not applicable: HTTPS cannot be judged on a local test server (loopback or private address)",
)


def scheme_of(url: str) -> str:
    try:
        return urlsplit(url).scheme.lower()
    except ValueError:
        return ""


def is_local_host(url: str) -> bool:
    """True for loopback, private, link-local and unspecified addresses and `localhost` names.

    Fixture shops and development servers run there; their transport says nothing about the
    production site, so transport checks are not applicable to them.
    """
    try:
        host = (urlsplit(url).hostname or "").lower().rstrip(".")
    except ValueError:
        return False
    if not host:
        return False
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    return ip.is_loopback or ip.is_private or ip.is_link_local or ip.is_unspecified


def local_site(site: SiteContext, hits: Sequence[Hit]) -> bool:
    """The scan ran against a local server (judged from the home URL, else from any hit)."""
    url = site.home_url or next((h.url for h in hits), "")
    return is_local_host(url)


def home_hits(hits: Sequence[Hit], site: SiteContext, signal: str) -> list[Hit]:
    """Hits of `signal` from the page fetched as the home page: the start URL's final page
    first, else any page whose role is home."""
    exact = [h for h in hits if h.signal == signal and same_url(h.url, site.home_url)]
    if exact:
        return exact
    return [h for h in hits if h.signal == signal and h.role is PageRole.HOME]


def not_https_text() -> I18nText:
    return t(
        "不适用：首页未经 HTTPS 提供（见 https-transport），该项仅对 HTTPS 响应有意义",
        "Not applicable: the home page is not served over HTTPS (see https-transport); this only "
        "means something on HTTPS responses",
    )


def header_snippet(name: str, value: str) -> str:
    return f"{name}: {value}"
