"""HTTP Strict Transport Security on the HTTPS home page (standard 7.8.1; clause-signals
SIG-HEADERS, OWASP HSTS cheat sheet).

`Strict-Transport-Security` with `max-age` ≥ `HSTS_MIN_MAX_AGE` (180 days, the ecq-scan default
pass threshold of SIG-HEADERS) → pass; `includeSubDomains` and `preload` are reported, not
required. Missing, malformed (browsers ignore it) or shorter → fail: the home page's own response
is the evidence, so this is an observed technical property, not a disclosure that might sit on
another page.

Not applicable when the home page is not on HTTPS (browsers ignore HSTS over plain HTTP; the
https-transport check fails such a site, and the scoring profile ties the HSTS item to it) and on
loopback/private test servers. Only the home page's headers are read (SIG-HEADERS).

This was planned as part of `security-headers`; it is its own check so that a missing HSTS (a
fail) does not hide behind, or turn into, the review items of the other headers, and so that the
profile's items 15.hsts and 15.security-headers each have one check.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

from ecq_scan.artifacts import PageArtifacts
from ecq_scan.checks.base import Check, Hit, SiteContext, Verdict
from ecq_scan.checks.builtin._common import error_text, site_failed, t
from ecq_scan.checks.builtin._transport import (
    LOCAL_SERVER,
    header_snippet,
    home_hits,
    local_site,
    not_https_text,
    scheme_of,
)
from ecq_scan.models import CheckMeta, EnterpriseType, Outcome, PageRole, Severity

#: pass threshold for max-age: 180 days (SIG-HEADERS default; OWASP's example uses one year)
HSTS_MIN_MAX_AGE: Final = 15_552_000
HEADER: Final = "strict-transport-security"
_MAX_AGE = re.compile(r"""^\s*max-age\s*=\s*"?(?P<n>\d{1,12})"?\s*$""", re.I)


def parse_hsts(value: str) -> tuple[int | None, set[str]]:
    """(max-age or None when missing/malformed, other directive names lower-cased).

    Several headers arrive joined with ", "; browsers obey the first, so only it is read.
    """
    first = value.split(",", 1)[0]
    max_age: int | None = None
    flags: set[str] = set()
    for part in first.split(";"):
        part = part.strip()
        if not part:
            continue
        m = _MAX_AGE.match(part)
        if m:
            if max_age is not None:
                return None, flags  # a repeated directive makes the header invalid (RFC 6797)
            max_age = int(m.group("n"))
        else:
            flags.add(part.split("=", 1)[0].strip().lower())
    return max_age, flags


class Hsts(Check):
    """Strict-Transport-Security with max-age ≥ 180 days on the HTTPS home page."""

    meta = CheckMeta(
        id="hsts",
        title_pass=t("已启用 HSTS（max-age ≥ 180 天）", "HSTS enabled (max-age ≥ 180 days)"),
        title_fail=t("未启用有效的 HSTS", "No effective HSTS"),
        description=t(
            "HTTPS 网站应返回 Strict-Transport-Security 响应头，max-age 不少于 180 天，防止浏览器"
            "被降级到明文 HTTP。",
            "An HTTPS site should send a Strict-Transport-Security header with max-age of at "
            "least 180 days so browsers cannot be downgraded to plain HTTP.",
        ),
        severity=Severity.MODERATE,
        clauses=["7.8.1"],
        indicators=[15],
        enterprise_types=list(EnterpriseType),
        page_roles=[PageRole.HOME],
        scope="site",
        absence_is_failure=False,
        legal_basis=["网络安全法 第21条", "电子商务企业服务质量规程 7.8.1", "RFC 6797"],
    )

    def observe(self, page: PageArtifacts) -> list[Hit]:
        if page.role is not PageRole.HOME:
            return []
        value = next((v for k, v in page.headers.items() if k.lower() == HEADER), None)
        scheme = scheme_of(page.url)
        hits = [Hit(self.meta.id, "home", page.url, page.role, None, page.url, value=scheme)]
        if value is not None:
            hits.append(
                Hit(
                    self.meta.id,
                    "hsts",
                    page.url,
                    page.role,
                    f"header:{HEADER}",
                    header_snippet("Strict-Transport-Security", value),
                    value=value,
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
        if home[0].value != "https":
            return self.not_applicable(not_https_text())
        url = home[0].url
        found = [h for h in hits if h.signal == "hsts" and h.url == url]
        if not found:
            missing = Hit(
                self.meta.id,
                "hsts-missing",
                url,
                PageRole.HOME,
                f"header:{HEADER}",
                "no Strict-Transport-Security header in the home page response",
            )
            msg = t(
                "HTTPS 首页未返回 Strict-Transport-Security 响应头",
                "The HTTPS home page sends no Strict-Transport-Security header",
            )
            return Verdict([self.finding(Outcome.FAIL, msg, hits=[missing])])
        hit = found[0]
        max_age, flags = parse_hsts(hit.value or "")
        if max_age is None:
            msg = t(
                "Strict-Transport-Security 响应头格式错误（无有效 max-age），浏览器会忽略它",
                "The Strict-Transport-Security header is malformed (no valid max-age); browsers "
                "ignore it",
            )
            return Verdict([self.finding(Outcome.FAIL, msg, hits=[hit])])
        days = max_age // 86_400
        if max_age < HSTS_MIN_MAX_AGE:
            msg = t(
                f"HSTS max-age={max_age}（约 {days} 天）短于 180 天",
                f"HSTS max-age={max_age} (about {days} days) is shorter than 180 days",
            )
            return Verdict([self.finding(Outcome.FAIL, msg, hits=[hit])])
        extra = sorted(flags & {"includesubdomains", "preload"})
        note_zh = f"，含 {'、'.join(extra)}" if extra else ""
        note_en = f", with {', '.join(extra)}" if extra else ""
        msg = t(
            f"已启用 HSTS：max-age={max_age}（约 {days} 天）{note_zh}",
            f"HSTS enabled: max-age={max_age} (about {days} days){note_en}",
        )
        return Verdict([self.finding(Outcome.PASS, msg, hits=[hit])])
