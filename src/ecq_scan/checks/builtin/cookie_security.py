"""Flags of session-like cookies (standard 7.8.1, 7.8.6; clause-signals SIG-HEADERS).

Every `Set-Cookie` a fetched page sends is read (httpx joins repeated headers with ", "; they are
split again on a comma that starts a new `name=value`). A cookie whose name looks like a session
or login token (`sess`, `sid`, `token`, `auth`, `jsessionid`, `phpsessid`; CSRF tokens excluded —
scripts must read those) should carry `Secure` (on HTTPS pages), `HttpOnly` and `SameSite`.

The name test is a heuristic, so missing flags are a review item, never a fail. No session-like
cookie on the public pages fetched (the scanner never logs in or opens a cart) → not applicable,
with that reason; loopback/private test servers → not applicable.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

from ecq_scan.artifacts import PageArtifacts
from ecq_scan.checks.base import Check, Hit, SiteContext, Verdict
from ecq_scan.checks.builtin._common import t
from ecq_scan.checks.builtin._transport import LOCAL_SERVER, local_site, scheme_of
from ecq_scan.models import CheckMeta, EnterpriseType, Outcome, Severity

SESSION_NAME: Final = re.compile(r"sess|sid|token|auth|jsession|phpsessid|login", re.I)
NOT_SESSION: Final = re.compile(r"csrf|xsrf", re.I)
_SPLIT = re.compile(r",\s*(?=[^;,=\s]{1,256}=)")
#: cookies read per page (a hostile page may send thousands)
MAX_COOKIES_PER_PAGE = 50


def split_set_cookie(value: str) -> list[str]:
    """One `Set-Cookie` value per cookie, from a header httpx joined with ", "."""
    return [c.strip() for c in _SPLIT.split(value) if c.strip()][:MAX_COOKIES_PER_PAGE]


def cookie_flags(cookie: str) -> tuple[str, set[str]]:
    """(name, attribute names lower-cased) of one Set-Cookie value."""
    head, *attrs = cookie.split(";")
    name = head.split("=", 1)[0].strip()
    return name, {a.split("=", 1)[0].strip().lower() for a in attrs if a.strip()}


class CookieSecurity(Check):
    """Secure, HttpOnly and SameSite on session-like cookies."""

    meta = CheckMeta(
        id="cookie-security",
        title_pass=t(
            "会话 Cookie 设置了 Secure/HttpOnly/SameSite",
            "Session cookies are Secure, HttpOnly and SameSite",
        ),
        title_fail=t("会话 Cookie 缺少安全属性", "Session cookies lack security attributes"),
        description=t(
            "登录或会话类 Cookie 应设置 Secure（HTTPS）、HttpOnly 与 SameSite，防止被窃取或跨站"
            "使用；按名称识别，缺少时列出供人工确认。",
            "Login or session cookies should be Secure (on HTTPS), HttpOnly and SameSite so they "
            "cannot be stolen or used cross-site; recognised by name, so gaps are listed for "
            "review.",
        ),
        severity=Severity.MODERATE,
        clauses=["7.8.1", "7.8.6"],
        indicators=[15, 22],
        enterprise_types=list(EnterpriseType),
        page_roles=[],
        scope="site",
        absence_is_failure=False,
        legal_basis=["网络安全法 第21条", "个人信息保护法 第51条"],
    )

    def observe(self, page: PageArtifacts) -> list[Hit]:
        value = next((v for k, v in page.headers.items() if k.lower() == "set-cookie"), None)
        if not value:
            return []
        https = scheme_of(page.url) == "https"
        hits: list[Hit] = []
        for cookie in split_set_cookie(value):
            name, flags = cookie_flags(cookie)
            if not name or not SESSION_NAME.search(name) or NOT_SESSION.search(name):
                continue
            lacking = [
                label
                for label, needed in (
                    ("Secure", https),
                    ("HttpOnly", True),
                    ("SameSite", True),
                )
                if needed and label.lower() not in flags
            ]
            shown = (
                cookie.split(";", 1)[0].split("=", 1)[0]
                + "=…"
                + (";" + cookie.split(";", 1)[1] if ";" in cookie else "")
            )
            hits.append(
                Hit(
                    self.meta.id,
                    "cookie-issue" if lacking else "cookie-ok",
                    page.url,
                    page.role,
                    f"cookie:{name}",
                    f"Set-Cookie: {shown}"[:300],
                    value=name,
                    note=", ".join(lacking) or None,
                )
            )
        return hits

    def conclude(self, hits: Sequence[Hit], site: SiteContext) -> Verdict:
        if local_site(site, hits):
            return self.not_applicable(LOCAL_SERVER)
        issues = [h for h in hits if h.signal == "cookie-issue"]
        good = [h for h in hits if h.signal == "cookie-ok"]
        if issues:
            names = "; ".join(dict.fromkeys(f"{h.value} (missing {h.note})" for h in issues[:5]))
            msg = t(
                f"会话类 Cookie 缺少安全属性：{names}，请确认其用途",
                f"Session-like cookies lack attributes: {names}; confirm what they are for",
            )
            return Verdict([self.finding(Outcome.NEEDS_REVIEW, msg, hits=issues)])
        if good:
            return Verdict([self.finding(Outcome.PASS, hits=good)])
        return self.not_applicable(
            t(
                "不适用：所抓取的公开页面未设置会话类 Cookie（扫描不登录、不加购）",
                "Not applicable: the public pages fetched set no session-like cookie (the "
                "scanner never logs in or opens a cart)",
            )
        )
