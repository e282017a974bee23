"""HTTPS transport (standard 7.8.1 安全认证等技术; 6.1.3; clause-signals SIG-TLS).

Decided from where each fetched page finally came from (`PageArtifacts.url`) and what was asked
for (`requested_url`):

- the home page ends on `https://` → pass. An `http://` start URL that redirected to `https://`
  is the best case (SIG-TLS (2): HTTP redirects to HTTPS) and the message says so; a scan that
  started at `https://` did not test the redirect, and the message says that too;
- the home page ends on `http://` (served in clear, no redirect to HTTPS) → fail: the response
  itself is the evidence;
- the home page is on HTTPS but other pages of the site were served over plain HTTP → needs
  review, listing them (legacy pages may be harmless; a login or cart page over HTTP is not);
- a scan of a loopback or private address (fixture shops, development servers) → not applicable:
  HTTPS cannot be judged on a local test server.

Not tested here: the certificate (verification, expiry window, key size) and the TLS versions
the server offers (TLS 1.0/1.1 → RFC 8996) — `tls-configuration` judges those from the home
page's recorded handshakes. OV/EV certificate type is recorded there (`subject_o`), not judged.
"""

from __future__ import annotations

from collections.abc import Sequence

from ecq_scan.artifacts import PageArtifacts
from ecq_scan.checks.base import Check, Hit, SiteContext, Verdict
from ecq_scan.checks.builtin._common import error_text, same_url, site_failed, t
from ecq_scan.checks.builtin._transport import LOCAL_SERVER, home_hits, local_site, scheme_of
from ecq_scan.models import CheckMeta, EnterpriseType, Outcome, PageRole, Severity


class HttpsTransport(Check):
    """The site is served over HTTPS (home page, and every other page fetched)."""

    meta = CheckMeta(
        id="https-transport",
        title_pass=t("网站经 HTTPS 加密传输", "Site served over HTTPS"),
        title_fail=t("网站未经 HTTPS 加密传输", "Site not served over HTTPS"),
        description=t(
            "网站应采用 HTTPS 等安全认证技术加密传输，HTTP 访问应跳转到 HTTPS，购物、登录等页面"
            "不得以明文 HTTP 提供。",
            "The site must be served over HTTPS; plain-HTTP requests should redirect to HTTPS and "
            "no page (shopping, login …) should be served in clear text.",
        ),
        severity=Severity.SERIOUS,
        clauses=["7.8.1", "6.1.3", "6.2.2", "6.3.2"],
        indicators=[15, 22],
        enterprise_types=list(EnterpriseType),
        page_roles=[],
        scope="site",
        absence_is_failure=False,
        legal_basis=["网络安全法 第21条", "电子商务企业服务质量规程 7.8.1"],
    )

    def observe(self, page: PageArtifacts) -> list[Hit]:
        final = scheme_of(page.url)
        asked = scheme_of(page.requested_url)
        redirected = not same_url(page.requested_url, page.url) or asked != final
        snippet = f"{page.requested_url} → {page.url}" if redirected else page.url
        hits: list[Hit] = []
        if page.role is PageRole.HOME:
            hits.append(self._hit(page, "home", snippet, final))
        elif final == "http":
            hits.append(self._hit(page, "http-page", snippet, page.url))
        if asked == "http" and final == "https":
            hits.append(self._hit(page, "upgraded", snippet, page.requested_url))
        return hits

    def _hit(self, page: PageArtifacts, signal: str, snippet: str, value: str) -> Hit:
        return Hit(self.meta.id, signal, page.url, page.role, None, snippet, value=value)

    def conclude(self, hits: Sequence[Hit], site: SiteContext) -> Verdict:
        if local_site(site, hits):
            return self.not_applicable(LOCAL_SERVER)
        home = home_hits(hits, site, "home")
        if not home:
            failed = site_failed(site, [PageRole.HOME]) or [site.home_url or "?"]
            return Verdict([self.finding(Outcome.ERROR, error_text(failed))])
        first = home[0]
        if first.value != "https":
            msg = t(
                f"首页经明文 HTTP 提供，未跳转到 HTTPS（{first.url}）",
                f"The home page is served over plain HTTP and does not redirect to HTTPS "
                f"({first.url})",
            )
            return Verdict([self.finding(Outcome.FAIL, msg, hits=[first])])
        plain = [h for h in hits if h.signal == "http-page"]
        if plain:
            urls = ", ".join(dict.fromkeys(h.url for h in plain[:3]))
            msg = t(
                f"首页经 HTTPS 提供，但有 {len(plain)} 个页面经明文 HTTP 提供（{urls}），"
                "请确认其中没有登录、购物车或结算页",
                f"The home page is on HTTPS but {len(plain)} page(s) were served over plain HTTP "
                f"({urls}); confirm none is a login, cart or checkout page",
            )
            return Verdict([self.finding(Outcome.NEEDS_REVIEW, msg, hits=plain)])
        upgraded = home_hits(hits, site, "upgraded")
        if upgraded:
            msg = t(
                "网站经 HTTPS 提供，HTTP 访问跳转到 HTTPS",
                "Site served over HTTPS; plain HTTP redirects to HTTPS",
            )
            return Verdict([self.finding(Outcome.PASS, msg, hits=[*upgraded[:1], first])])
        msg = t(
            "网站经 HTTPS 提供（扫描从 https:// 开始，未测试 HTTP 到 HTTPS 的跳转）",
            "Site served over HTTPS (the scan started at https://, so the HTTP → HTTPS redirect "
            "was not tested)",
        )
        return Verdict([self.finding(Outcome.PASS, msg, hits=[first])])
