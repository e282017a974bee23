"""Security response headers of the home page (standard 7.8.1–7.8.4; clause-signals SIG-HEADERS).

Three protections are looked for in the home page's response (SIG-HEADERS, OWASP Secure
Headers):

- against framing (clickjacking): `Content-Security-Policy` (any; `frame-ancestors` is the
  modern control) or `X-Frame-Options: DENY|SAMEORIGIN`;
- `X-Content-Type-Options: nosniff`;
- `Referrer-Policy` (a `<meta name="referrer">` counts; `unsafe-url` does not).

All three → pass. A missing one → needs review, never fail: these are defence-in-depth controls
with legitimate alternatives (a CSP in a `<meta>` tag, protections at a CDN for other paths), and
no law names them. `Server` / `X-Powered-By` values that print a version number are listed for
review too (SIG-HEADERS "outdated component hint", 7.8.4).

HSTS is the separate `hsts` check (a missing HSTS on HTTPS is a fail). Headers are judged on
plain-HTTP sites too (they still work there); only loopback/private test servers are not
applicable.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

from ecq_scan.artifacts import PageArtifacts
from ecq_scan.checks.base import Check, Hit, SiteContext, Verdict
from ecq_scan.checks.builtin._common import error_text, site_failed, t
from ecq_scan.checks.builtin._transport import LOCAL_SERVER, header_snippet, home_hits, local_site
from ecq_scan.models import CheckMeta, EnterpriseType, Outcome, PageRole, Severity

#: header (lower case) → hit signal
HEADERS: Final = {
    "content-security-policy": "csp",
    "x-frame-options": "xfo",
    "x-content-type-options": "xcto",
    "referrer-policy": "referrer",
    "permissions-policy": "permissions",
    "server": "server",
    "x-powered-by": "powered-by",
}
_VERSION = re.compile(r"\d+\.\d+")
_XFO_OK = re.compile(r"^\s*(?:deny|sameorigin)\s*$", re.I)

#: what each missing protection is called in messages
_LABELS: Final = {
    "frame": ("防嵌套（CSP 或 X-Frame-Options）", "framing protection (CSP or X-Frame-Options)"),
    "nosniff": ("X-Content-Type-Options: nosniff", "X-Content-Type-Options: nosniff"),
    "referrer": ("Referrer-Policy", "Referrer-Policy"),
}


class SecurityHeaders(Check):
    """CSP or X-Frame-Options, nosniff and Referrer-Policy on the home page response."""

    meta = CheckMeta(
        id="security-headers",
        title_pass=t("已设置主要安全响应头", "Security headers set"),
        title_fail=t("缺少部分安全响应头", "Some security headers missing"),
        description=t(
            "首页响应应设置 Content-Security-Policy 或 X-Frame-Options（防点击劫持）、"
            "X-Content-Type-Options: nosniff 和 Referrer-Policy；缺少时列出供人工确认。",
            "The home page response should set Content-Security-Policy or X-Frame-Options "
            "(clickjacking), X-Content-Type-Options: nosniff and Referrer-Policy; missing ones "
            "are listed for review.",
        ),
        severity=Severity.MODERATE,
        clauses=["7.8.1", "7.8.2", "7.8.3", "7.8.4", "6.2.2", "6.3.2"],
        indicators=[15],
        enterprise_types=list(EnterpriseType),
        page_roles=[PageRole.HOME],
        scope="site",
        absence_is_failure=False,
        legal_basis=["网络安全法 第21条", "GB/T 22239-2019", "电子商务企业服务质量规程 7.8.1"],
    )

    def observe(self, page: PageArtifacts) -> list[Hit]:
        if page.role is not PageRole.HOME:
            return []
        hits = [Hit(self.meta.id, "home", page.url, page.role, None, page.url, value=page.url)]
        for name, value in page.headers.items():
            signal = HEADERS.get(name.lower())
            if signal is not None:
                hits.append(
                    Hit(
                        self.meta.id,
                        signal,
                        page.url,
                        page.role,
                        f"header:{name.lower()}",
                        header_snippet(name, value),
                        value=value,
                    )
                )
        for name, signal in (
            ("content-security-policy", "meta-csp"),
            ("referrer", "meta-referrer"),
        ):
            policy = page.http_equiv.get(name)
            if policy:
                selector = (
                    'meta[name="referrer"]'
                    if name == "referrer"
                    else 'meta[http-equiv="Content-Security-Policy"]'
                )
                hits.append(
                    Hit(
                        self.meta.id,
                        signal,
                        page.url,
                        page.role,
                        selector,
                        f"<meta {name}: {policy}>",
                        value=policy,
                    )
                )
        return hits

    def conclude(self, hits: Sequence[Hit], site: SiteContext) -> Verdict:
        if local_site(site, hits):
            return self.not_applicable(LOCAL_SERVER)
        home = home_hits(hits, site, "home")
        if not home:
            failed = site_failed(site, [PageRole.HOME]) or [site.home_url or "?"]
            return Verdict([self.finding(Outcome.ERROR, error_text(failed))])
        url = home[0].url
        got: dict[str, Hit] = {}
        for h in hits:
            if h.url == url and h.signal not in got:
                got[h.signal] = h

        ok: list[Hit] = []
        missing: list[str] = []
        frame = [
            h
            for h in (got.get("csp"), got.get("meta-csp"), got.get("xfo"))
            if h is not None and (h.signal != "xfo" or _XFO_OK.match(h.value or ""))
        ]
        if frame:
            ok.append(frame[0])
        else:
            missing.append("frame")
        xcto = got.get("xcto")
        if xcto is not None and "nosniff" in (xcto.value or "").lower():
            ok.append(xcto)
        else:
            missing.append("nosniff")
        referrer = [
            h
            for h in (got.get("referrer"), got.get("meta-referrer"))
            if h is not None and (h.value or "").strip().lower() not in ("", "unsafe-url")
        ]
        if referrer:
            ok.append(referrer[0])
        else:
            missing.append("referrer")
        versions = [
            h
            for h in (got.get("server"), got.get("powered-by"))
            if h is not None and _VERSION.search(h.value or "")
        ]

        if not missing and not versions:
            return Verdict([self.finding(Outcome.PASS, hits=ok)])
        evidence = [
            Hit(
                self.meta.id,
                f"missing-{key}",
                url,
                PageRole.HOME,
                "headers",
                f"not in the home page response: {_LABELS[key][1]}",
            )
            for key in missing
        ] + versions
        zh_parts = []
        en_parts = []
        if missing:
            zh_parts.append("首页响应缺少：" + "、".join(_LABELS[k][0] for k in missing))
            en_parts.append(
                "missing from the home page response: " + ", ".join(_LABELS[k][1] for k in missing)
            )
        if versions:
            shown = "; ".join(h.snippet for h in versions)
            zh_parts.append(f"响应头暴露软件版本（{shown}），请确认组件已及时更新")
            en_parts.append(f"headers reveal software versions ({shown}); confirm they are patched")
        en = "; ".join(en_parts)
        msg = t(
            "；".join(zh_parts) + "（可能由 CDN、meta 标签或其他路径提供，请人工确认）",
            en[:1].upper()
            + en[1:]
            + " (may be provided by a CDN, a meta tag or on other paths; confirm by hand)",
        )
        return Verdict([self.finding(Outcome.NEEDS_REVIEW, msg, hits=evidence)])
