"""TLS version and certificate of the home page (standard 7.8.1 安全认证等技术; Annex A #15;
clause-signals SIG-TLS (1) and (3); RFC 8996, RFC 5280).

Judged from the `TlsInfo` the crawler recorded for the home page (crawl/tls.py), never from the
network: `site.home_tls`, set whether the page loaded or its handshake failed.

- **pass** — the home page came over TLS ≥ 1.2 (`min_version`), the certificate verified and is
  valid for at least `expiry_warn_days` more days, its key is not below `min_rsa_bits` /
  `min_ec_bits`, and TLS 1.0 and 1.1 were refused. When this machine's OpenSSL could not offer
  TLS 1.0/1.1 at all, or a probe got no answer, the pass says so ("not probed"): the rest was
  still observed, and a probe that was never made is no evidence against the site.
- **fail** — a legacy probe completed a TLS 1.0/1.1 handshake (the probe result is the
  evidence); the best version the server speaks is below 1.2; the leaf certificate is expired or
  not yet valid at the time of the scan (its dates are the evidence); its key is too small; or
  verification failed for a reason no browser forgives, confirmed by a second signal (below).
- **needs_review** — the certificate expires within `expiry_warn_days`; or verification failed
  for a reason that may be ours rather than the site's.
- **not_applicable** — the home page is not on HTTPS (`https-transport` fails that; the scoring
  profile ties item 15.tls to both checks), or no TLS facts exist and the scan ran against a
  loopback/private test server. With TLS facts present the check judges even on loopback: the
  facts come from a real handshake, which is what the end-to-end test relies on.
- **error** — no TLS facts and the home page did not load (a failure before any handshake:
  DNS, refused, robots.txt — the blanket verdict of an unscannable site), an HTTPS home page
  without TLS facts (a run stored by an earlier ecq-scan version), or no handshake succeeded.

**Why a failed verification may fail the site, and when it does not.** The scanner trusts
certifi's copy of Mozilla's roots (or `ca_bundle`). A verification failure caused by *our*
trust store — a root Mozilla does not carry but the consumer's system does, or a server that
omits its intermediate certificate, which browsers often fetch themselves (AIA) — must not accuse
the site. So only errors that every browser shows regardless of the trust store fail, and each
needs a second, independent signal from the certificate the server presented (parsed by us):

- expired / not yet valid (X509 codes 10 / 9): the leaf's own dates must confirm it at the scan
  time (otherwise another certificate in the chain expired, and browsers may build another chain);
- host name or IP mismatch (62 / 64): the certificate's subjectAltName must not cover the host;
- self-signed leaf (18): the certificate's subject and issuer must be the same name.

Any other verification error (unknown issuer 20/2, self-signed root in the chain 19, unable to
verify the leaf signature 21 …) is needs_review with OpenSSL's reason and the trust store named.
The clock is the one thing both signals share: a scanner with a wrong clock misjudges dates, as
any browser on that machine would.

On an unscannable site (the home page failed: often because of this very certificate) the check
still concludes from the recorded handshake (`judges_unscannable`); every other check says error.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from datetime import datetime
from functools import cache
from importlib import resources
from typing import Any

import yaml

from ecq_scan.artifacts import PageArtifacts
from ecq_scan.checks.base import Check, Hit, SiteContext, Verdict
from ecq_scan.checks.builtin._common import error_text, site_failed, t
from ecq_scan.checks.builtin._transport import (
    LOCAL_SERVER,
    home_hits,
    local_site,
    not_https_text,
    scheme_of,
)
from ecq_scan.models import (
    CertificateInfo,
    CheckMeta,
    EnterpriseType,
    Evidence,
    Finding,
    I18nText,
    Outcome,
    PageRole,
    Severity,
    TlsInfo,
)

POLICY_FILE = "observation_policy.yaml"
#: protocol versions in order; a name not listed (a future version) is never judged too old
VERSION_RANK = {"SSLv2": 0, "SSLv3": 1, "TLSv1": 2, "TLSv1.1": 3, "TLSv1.2": 4, "TLSv1.3": 5}
#: OpenSSL X509_V_ERR_* codes a browser shows a warning for whatever roots it trusts
CODE_NOT_YET_VALID, CODE_EXPIRED = 9, 10
CODE_SELF_SIGNED_LEAF = 18
CODE_HOST_MISMATCH, CODE_IP_MISMATCH = 62, 64


@cache
def policy() -> dict[str, Any]:
    """This check's thresholds from `standard/observation_policy.yaml` (packaged data)."""
    text = resources.files("ecq_scan.standard").joinpath(POLICY_FILE).read_text("utf-8")
    data: dict[str, Any] = yaml.safe_load(text)["tls-configuration"]
    return data


def shown(version: str | None) -> str:
    """`TLSv1` → `TLS 1.0`, `TLSv1.3` → `TLS 1.3` (what people call them)."""
    if version is None:
        return "?"
    if version == "TLSv1":
        return "TLS 1.0"
    return version.replace("TLSv", "TLS ").replace("SSLv", "SSL ")


def covers(names: Sequence[str], host: str) -> bool:
    """Does a subjectAltName list cover `host` (RFC 6125: a wildcard spans one leftmost label)?"""
    host = host.lower().rstrip(".")
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        ip = None
    for name in names:
        name = name.lower().rstrip(".")
        if ip is not None:
            try:
                if ipaddress.ip_address(name) == ip:
                    return True
            except ValueError:
                continue
        elif name == host or (
            name.startswith("*.") and "." in host and host.split(".", 1)[1] == name[2:]
        ):
            return True
    return False


def _day(at: datetime | None) -> str:
    return at.strftime("%Y-%m-%d") if at is not None else "?"


def _days_left(cert: CertificateInfo, at: datetime) -> int | None:
    if cert.not_after is None:
        return None
    return int((cert.not_after - at).total_seconds() // 86_400)


def describe_certificate(cert: CertificateInfo, at: datetime) -> str:
    """One line a person can compare with what a browser shows."""
    parts = [f"subject CN={cert.subject_cn or '-'}"]
    if cert.subject_o:
        parts[-1] += f", O={cert.subject_o}"
    issuer = f"issuer CN={cert.issuer_cn or '-'}"
    if cert.issuer_o:
        issuer += f", O={cert.issuer_o}"
    parts.append(issuer)
    left = _days_left(cert, at)
    when = ""
    if left is not None:
        when = f" ({left} days left on {_day(at)})" if left >= 0 else f" (expired on {_day(at)})"
    parts.append(f"valid {_day(cert.not_before)} → {_day(cert.not_after)}{when}")
    if cert.san:
        more = (
            f" (+{cert.san_count - len(cert.san)} more)" if cert.san_count > len(cert.san) else ""
        )
        parts.append("SAN " + ", ".join(cert.san[:8]) + ("…" if len(cert.san) > 8 else "") + more)
    if cert.key_type:
        parts.append(f"key {cert.key_type}" + (f" {cert.key_bits}" if cert.key_bits else ""))
    parts.append(f"SHA-256 {cert.sha256[:16]}…")
    if cert.error:
        parts.append(cert.error)
    return "; ".join(parts)


class _Findings:
    """Reasons collected while judging, each with its evidence, worst outcome first."""

    def __init__(self) -> None:
        self.fails: list[I18nText] = []
        self.reviews: list[I18nText] = []

    def fail(self, zh: str, en: str) -> None:
        self.fails.append(t(zh, en))

    def review(self, zh: str, en: str) -> None:
        self.reviews.append(t(zh, en))


class TlsConfiguration(Check):
    """TLS ≥ 1.2 only, a verified certificate not about to expire, TLS 1.0/1.1 refused."""

    judges_unscannable = True

    meta = CheckMeta(
        id="tls-configuration",
        title_pass=t(
            "TLS 配置良好（TLS 1.2 及以上、证书有效、已停用 TLS 1.0/1.1）",
            "TLS configuration sound (TLS 1.2 or later, valid certificate, TLS 1.0/1.1 off)",
        ),
        title_fail=t("TLS 配置存在问题", "TLS configuration has problems"),
        description=t(
            "首页应以 TLS 1.2 或更高版本提供，证书应通过验证且未过期（距到期不少于 14 天），服务器"
            "不应再接受已废弃的 TLS 1.0/1.1（RFC 8996）。",
            "The home page should be served over TLS 1.2 or later with a certificate that "
            "verifies and is not about to expire (at least 14 days left), and the server should "
            "no longer accept the deprecated TLS 1.0/1.1 (RFC 8996).",
        ),
        severity=Severity.SERIOUS,
        clauses=["7.8.1"],
        indicators=[15],
        enterprise_types=list(EnterpriseType),
        page_roles=[PageRole.HOME],
        scope="site",
        absence_is_failure=False,
        legal_basis=[
            "网络安全法 第21条",
            "电子商务企业服务质量规程 7.8.1",
            "RFC 8996",
            "RFC 5280",
        ],
    )

    def observe(self, page: PageArtifacts) -> list[Hit]:
        if page.role is not PageRole.HOME:
            return []
        scheme = scheme_of(page.url)
        return [Hit(self.meta.id, "home", page.url, page.role, None, page.url, value=scheme)]

    def conclude(self, hits: Sequence[Hit], site: SiteContext) -> Verdict:
        if site.home_tls is not None:
            return Verdict([self._judge(site.home_tls, site.home_url)])
        home = home_hits(hits, site, "home")
        if not home:  # the home page failed before any handshake (or on an unscannable site)
            failed = site_failed(site, [PageRole.HOME]) or [site.home_url or "?"]
            return Verdict([self.finding(Outcome.ERROR, error_text(failed))])
        if home[0].value == "http":
            return self.not_applicable(not_https_text())
        if local_site(site, hits):
            return self.not_applicable(LOCAL_SERVER)
        msg = t(
            "无法判断：HTTPS 首页没有记录 TLS 握手信息（可能由旧版 ecq-scan 扫描），请重新扫描",
            "Could not decide: no TLS handshake was recorded for the HTTPS home page (a scan by "
            "an earlier ecq-scan version?); scan again",
        )
        return Verdict([self.finding(Outcome.ERROR, msg, url=home[0].url)])

    # ------------------------------------------------------------------ judging

    def _judge(self, tls: TlsInfo, home_url: str) -> Finding:
        rules = policy()
        url = home_url if home_url.startswith("https://") else f"https://{tls.host}/"
        at = tls.observed_at
        cert = tls.certificate
        found = _Findings()
        evidence = [self._handshake_evidence(tls, url)]
        if cert is not None:
            evidence.append(
                Evidence(url=url, locator="tls:certificate", snippet=describe_certificate(cert, at))
            )
        if tls.verified is False:
            self._verification(tls, found)
        elif tls.verified is None and tls.version is not None:
            found.review(
                f"扫描器的标准 TLS 握手失败（{tls.handshake_error}），放宽限制后以 "
                f"{shown(tls.version)}（{tls.cipher}）握手成功：服务器可能只提供过时的密码套件，"
                "也可能只是偶发故障，请用浏览器确认",
                f"The scanner's standard TLS handshake failed ({tls.handshake_error}); a "
                f"permissive one succeeded with {shown(tls.version)} ({tls.cipher}): the server "
                "may offer only outdated cipher suites, or the failure was passing — confirm in "
                "a browser",
            )
        self._version(tls, rules, found)
        self._legacy(tls, url, found, evidence)
        if cert is not None:
            self._dates(cert, at, rules, found)
            self._key(cert, rules, found)
        if found.fails:
            return self._finding(Outcome.FAIL, found.fails, evidence)
        if found.reviews:
            return self._finding(Outcome.NEEDS_REVIEW, found.reviews, evidence)
        if tls.version is None:
            why = "; ".join(x for x in (tls.handshake_error, tls.error) if x) or "no handshake"
            msg = t(
                f"无法判断：未能与首页完成任何 TLS 握手（{why}）",
                f"Could not decide: no TLS handshake with the home page completed ({why})",
            )
            return self._finding(Outcome.ERROR, [msg], evidence)
        return self._finding(Outcome.PASS, [self._pass_text(tls, at)], evidence)

    def _handshake_evidence(self, tls: TlsInfo, url: str) -> Evidence:
        if tls.verified is True:
            state = f"verified against {tls.trust_store}"
        elif tls.verified is False:
            state = f"NOT verified against {tls.trust_store}: {tls.handshake_error}"
        else:
            state = f"scanner handshake failed: {tls.handshake_error}"
        got = f"{shown(tls.version)} {tls.cipher or ''}".strip() if tls.version else "no handshake"
        return Evidence(url=url, locator="tls:handshake", snippet=f"{got}; {state}")

    def _verification(self, tls: TlsInfo, found: _Findings) -> None:
        """A failed verification: fail only when a second signal from the certificate itself
        confirms an error every browser shows (see the module docstring)."""
        code, cert, reason = tls.verify_code, tls.certificate, tls.handshake_error or "?"
        if code in (CODE_EXPIRED, CODE_NOT_YET_VALID) and cert is not None:
            if _out_of_dates(cert, tls.observed_at):
                return  # `_dates` reports it, with the dates
            found.review(
                f"OpenSSL 报告证书链中的证书不在有效期内（{reason}），但网站自身的证书在有效期内："
                "可能是中间或根证书过期，浏览器可能另建证书链，请用浏览器打开首页确认",
                f"OpenSSL reports a certificate of the chain outside its validity ({reason}), but "
                "the site's own certificate is within its dates: an intermediate or root expired, "
                "and browsers may build another chain — open the home page in a browser to confirm",
            )
            return
        elif code in (CODE_HOST_MISMATCH, CODE_IP_MISMATCH) and cert is not None and cert.san:
            if not covers(cert.san, tls.host):
                names = ", ".join(cert.san[:5]) + ("…" if cert.san_count > 5 else "")
                found.fail(
                    f"证书与域名 {tls.host} 不符（证书列出的名称：{names}），浏览器会向每位访客显示"
                    "安全警告",
                    f"The certificate does not match {tls.host} (it names {names}); browsers "
                    "warn every visitor",
                )
                return
        elif code == CODE_SELF_SIGNED_LEAF and cert is not None and cert.self_issued:
            who = cert.subject_cn or "?"
            found.fail(
                f"首页使用自签名证书（签发者即主体 CN={who}），浏览器会向每位访客显示安全警告",
                f"The home page uses a self-signed certificate (issued by itself, CN={who}); "
                "browsers warn every visitor",
            )
            return
        found.review(
            f"证书未能通过 ecq-scan 的验证（{reason}；信任库：{tls.trust_store}）。浏览器可能信任"
            "ecq-scan 缺少的根证书或自行补全中间证书，请用浏览器打开首页确认",
            f"The certificate did not verify against ecq-scan's trust store ({reason}; "
            f"{tls.trust_store}). Browsers may trust a root ecq-scan lacks or fetch a missing "
            "intermediate themselves — open the home page in a browser to confirm",
        )

    def _version(self, tls: TlsInfo, rules: dict[str, Any], found: _Findings) -> None:
        floor = str(rules["min_version"])
        rank = VERSION_RANK.get(tls.version or "")
        if rank is not None and rank < VERSION_RANK[floor]:
            found.fail(
                f"服务器最高只支持 {shown(tls.version)}，低于 {shown(floor)}",
                f"The server speaks {shown(tls.version)} at best, below {shown(floor)}",
            )

    def _legacy(self, tls: TlsInfo, url: str, found: _Findings, evidence: list[Evidence]) -> None:
        for probe in tls.legacy:
            evidence.append(
                Evidence(url=url, locator=f"tls:probe:{probe.version}", snippet=probe.detail)
            )
            if probe.result == "accepted":
                found.fail(
                    f"服务器仍接受已废弃的 {shown(probe.version)}（RFC 8996）：{probe.detail}",
                    f"The server still accepts the deprecated {shown(probe.version)} "
                    f"(RFC 8996): {probe.detail}",
                )

    def _dates(
        self, cert: CertificateInfo, at: datetime, rules: dict[str, Any], found: _Findings
    ) -> None:
        if cert.not_after is not None and cert.not_after < at:
            found.fail(
                f"证书已于 {_day(cert.not_after)} 过期（扫描日期 {_day(at)}）",
                f"The certificate expired on {_day(cert.not_after)} (scanned {_day(at)})",
            )
        elif cert.not_before is not None and cert.not_before > at:
            found.fail(
                f"证书自 {_day(cert.not_before)} 起才生效（扫描日期 {_day(at)}）",
                f"The certificate is not valid before {_day(cert.not_before)} (scanned {_day(at)})",
            )
        else:
            left = _days_left(cert, at)
            warn = int(rules["expiry_warn_days"])
            if left is not None and left < warn:
                found.review(
                    f"证书将于 {_day(cert.not_after)} 到期（剩余 {left} 天，少于 {warn} 天），"
                    "请确认已安排续期",
                    f"The certificate expires on {_day(cert.not_after)} ({left} days left, fewer "
                    f"than {warn}); confirm its renewal is arranged",
                )

    def _key(self, cert: CertificateInfo, rules: dict[str, Any], found: _Findings) -> None:
        floors = {"RSA": int(rules["min_rsa_bits"]), "EC": int(rules["min_ec_bits"])}
        floor = floors.get(cert.key_type or "")
        if floor is not None and cert.key_bits is not None and cert.key_bits < floor:
            found.fail(
                f"证书密钥过短：{cert.key_type} {cert.key_bits} 位（至少 {floor} 位）",
                f"The certificate key is too small: {cert.key_type} {cert.key_bits} bits "
                f"(at least {floor})",
            )

    def _pass_text(self, tls: TlsInfo, at: datetime) -> I18nText:
        cert = tls.certificate
        left = _days_left(cert, at) if cert is not None else None
        until_zh = until_en = ""
        if cert is not None and left is not None:
            until_zh = f"，有效至 {_day(cert.not_after)}（剩余 {left} 天）"
            until_en = f" valid until {_day(cert.not_after)} ({left} days left)"
        refused = [shown(p.version) for p in tls.legacy if p.result == "refused"]
        open_ = [p for p in tls.legacy if p.result in ("not_probed", "inconclusive")]
        probe_zh = f"；{' 和 '.join(refused)} 已被服务器拒绝" if refused else ""
        probe_en = f"; {' and '.join(refused)} refused by the server" if refused else ""
        if open_:
            names = " / ".join(shown(p.version) for p in open_)
            probe_zh += f"；{names} 未能探测，不作判断（{open_[0].detail}）"
            probe_en += f"; {names} not probed, no verdict on them ({open_[0].detail})"
        elif not tls.legacy:
            probe_zh += "；未探测 TLS 1.0/1.1"
            probe_en += "; TLS 1.0/1.1 not probed"
        return t(
            f"首页经 {shown(tls.version)} 提供，证书通过验证{until_zh}{probe_zh}",
            f"Home page served over {shown(tls.version)} with a verified certificate"
            f"{until_en}{probe_en}",
        )

    def _finding(
        self, outcome: Outcome, reasons: Sequence[I18nText], evidence: list[Evidence]
    ) -> Finding:
        message = t("；".join(r.zh for r in reasons), "; ".join(r.en for r in reasons))
        return Finding(check_id=self.meta.id, outcome=outcome, message=message, evidence=evidence)


def _out_of_dates(cert: CertificateInfo, at: datetime) -> bool:
    return (cert.not_after is not None and cert.not_after < at) or (
        cert.not_before is not None and cert.not_before > at
    )
