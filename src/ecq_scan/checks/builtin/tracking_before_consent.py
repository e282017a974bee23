"""Analytics and advertising cookies set before the visitor could agree (standard 7.8.6).

7.8.6 requires 用户隐私信息保护制度完善. 个人信息保护法 第13–14条 and 第17条 require personal
information to be processed only after clear notice and, where consent is the basis, the
visitor's informed consent; the App 违法违规收集使用个人信息行为认定方法 lists "未经用户同意收集
使用个人信息" including collection before consent. Cookie identifiers of analytics and advertising
services (`_ga`, `Hm_lvt_…`, `CNZZDATA…`, `_fbp`, `IDE`, `MUID` …) are such identifiers once they
can single a visitor out (clause-signals SIG-PRIVACY "cookie notice", §7.8.6 third-party
trackers).

The browser layer loads the home page once without touching anything and records the cookies
present (`RenderInfo.cookies_before_consent`, with a third-party flag), the third-party hosts
contacted and whether a consent or privacy notice was visible. This check reads them:

- no third-party cookie and no known analytics/advertising cookie → pass;
- such cookies and a visible notice → pass, with a note that they were set before the notice was
  answered (the notice is there; whether its wording suffices is the assessor's);
- such cookies and no notice seen (or the browser could not tell) → needs review, with every
  cookie (name, domain) and the third-party hosts as evidence.

Never a failure: whether a given cookie processes personal information, and on what legal basis,
is a legal judgement for the assessor. Strictly necessary cookies of CDNs and web application
firewalls (`__cf_bm`, `acw_tc` …) are not counted.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import UTC, datetime

from ecq_scan.artifacts import PageArtifacts
from ecq_scan.checks.base import Check, Hit, SiteContext, Verdict
from ecq_scan.checks.builtin._common import on_home, t
from ecq_scan.models import CheckMeta, CookieRecord, EnterpriseType, Evidence, Outcome, Severity

#: first- or third-party cookie names of analytics and advertising services (Google, Baidu 统计,
#: CNZZ/友盟, Tencent, 神策, GrowingIO, Meta, Microsoft, TikTok, Pinterest, LinkedIn, Hotjar,
#: Clarity, Matomo, Segment, Mixpanel …)
TRACKER_COOKIE = re.compile(
    r"^(?:_ga(?:_[A-Z0-9]+)?|_gid|_gat(?:_.*)?|__utm[abcvz]|_gcl_[a-z]+|_gac_.*|IDE|DSID|NID"
    r"|__gads|__gpi|test_cookie|Hm_lvt_[0-9a-f]+|Hm_lpvt_[0-9a-f]+|HMACCOUNT(?:_BFESS)?"
    r"|CNZZDATA\d+|UM_distinctid|cna|pgv_pvid|pgv_info|ts_uid|_qddaz|_qdda"
    r"|sensorsdata2015jssdkcross|sajssdk_.*|gr_user_id|gr_session_id_.*|zg_.*|_fbp|_fbc|fr"
    r"|MUID|_uetsid|_uetvid|_clck|_clsk|CLID|_hjid|_hjSession.*|_hjSessionUser.*|_ttp|_tt_enable_cookie"
    r"|_pin_unauth|_pinterest_.*|bcookie|lidc|li_sugr|UserMatchHistory|_scid|_pk_id\..*"
    r"|_pk_ses\..*|ajs_anonymous_id|ajs_user_id|mp_.*_mixpanel|amplitude_id.*|_rdt_uuid"
    r"|tt_webid)$",
    re.I,
)
#: strictly necessary cookies of CDNs, load balancers and WAFs: third-party but not tracking
NECESSARY_COOKIE = re.compile(
    r"^(?:__cf_bm|cf_clearance|__cfruid|_cfuvid|__cflb|acw_tc|acw_sc__v2|ssxmod_itna2?"
    r"|AWSALB|AWSALBCORS|AWSALBTG|AWSALBTGCORS|ak_bmsc|bm_sz|bm_sv|_abck|incap_ses_.*"
    r"|visid_incap_.*|JSESSIONID|PHPSESSID|ASP\.NET_SessionId|SERVERID|route|csrftoken"
    r"|XSRF-TOKEN|tgw_l7_route|__Host-.*|__Secure-.*)$",
    re.I,
)
_MAX_COOKIES = 40
_MAX_HOSTS = 30
_EXPIRY_FORMAT = "%Y-%m-%d"


def is_tracking(cookie: CookieRecord) -> bool:
    """A known analytics/advertising cookie, or any third-party cookie not known to be
    strictly necessary."""
    if NECESSARY_COOKIE.match(cookie.name):
        return False
    return cookie.third_party or bool(TRACKER_COOKIE.match(cookie.name))


def _describe(cookie: CookieRecord) -> str:
    party = "third-party" if cookie.third_party else "first-party"
    if cookie.expires is None or cookie.expires <= 0:
        life = "session"
    else:
        try:
            life = "expires " + datetime.fromtimestamp(cookie.expires, UTC).strftime(_EXPIRY_FORMAT)
        except (OverflowError, OSError, ValueError):
            life = "expires ?"
    return f"{cookie.name} (domain {cookie.domain}, {party}, {life})"


class TrackingBeforeConsent(Check):
    """Tracking cookies on the home page before any interaction, and whether a notice showed."""

    meta = CheckMeta(
        id="tracking-before-consent",
        title_pass=t(
            "首页加载时未发现未经告知的跟踪类 Cookie",
            "No tracking cookies set without notice when the home page loads",
        ),
        title_fail=t(
            "首页在未告知/未同意前设置了跟踪类 Cookie",
            "Tracking cookies set before any notice or consent",
        ),
        description=t(
            "处理个人信息应事先告知并依法取得同意。以真实浏览器打开首页、不做任何操作，"
            "记录此时已写入的第三方及统计/广告类 Cookie 和是否显示了隐私或 Cookie 告知；"
            "存在跟踪 Cookie 而未见告知时列为待人工确认。"
            "是否构成个人信息处理由评审人员判断，本项不自动判为不合格。",
            "Personal information may be processed only after notice and, where required, "
            "consent. A real browser opens the home page without any interaction and records the "
            "third-party and analytics/advertising cookies already set, and whether a privacy or "
            "cookie notice was shown; tracking cookies without a visible notice are listed for "
            "review. Whether they process personal information is for the assessor to judge; "
            "this check never fails a site.",
        ),
        severity=Severity.MODERATE,
        clauses=["7.8.6"],
        indicators=[22],
        enterprise_types=list(EnterpriseType),
        page_roles=[],
        scope="site",
        absence_is_failure=False,
        requires_browser=True,
        legal_basis=[
            "个人信息保护法 第13条",
            "个人信息保护法 第14条",
            "个人信息保护法 第17条",
            "App违法违规收集使用个人信息行为认定方法（国信办秘字〔2019〕191号）",
        ],
    )

    def observe(self, page: PageArtifacts) -> list[Hit]:
        render = page.render
        if render is None:
            return []
        if render.error:
            return [self._at(page, "render-error", "html", f"rendering failed: {render.error}")]
        hosts = sorted(dict.fromkeys(h.lower() for h in render.third_party_hosts if h))
        state = {"consent_notice": render.consent_notice, "hosts": hosts[:_MAX_HOSTS]}
        hits = [
            self._at(
                page,
                "rendered",
                None,
                f"{len(render.cookies_before_consent)} cookie(s) before interaction, "
                f"{len(hosts)} third-party host(s)",
                value=page.url,
                note=json.dumps(state, ensure_ascii=False),
            )
        ]
        for cookie in render.cookies_before_consent:
            if len(hits) > _MAX_COOKIES:
                break
            if is_tracking(cookie):
                hits.append(
                    self._at(
                        page,
                        "cookie",
                        f"cookie:{cookie.name}",
                        _describe(cookie),
                        value=f"{cookie.name}@{cookie.domain}",
                    )
                )
        return hits

    def _at(
        self,
        page: PageArtifacts,
        signal: str,
        locator: str | None,
        snippet: str,
        *,
        value: str | None = None,
        note: str | None = None,
    ) -> Hit:
        return Hit(
            self.meta.id, signal, page.url, page.role, locator, snippet, value=value, note=note
        )

    def conclude(self, hits: Sequence[Hit], site: SiteContext) -> Verdict:
        if not hits:
            return Verdict(
                [
                    self.finding(
                        Outcome.ERROR,
                        t(
                            "没有可供测试的渲染页面（首页未经浏览器渲染）",
                            "No rendered page to test (the home page was not rendered)",
                        ),
                        pages_searched=site.searched(),
                    )
                ]
            )
        home = [h for h in hits if on_home(h, site)]
        failed = next((h for h in home if h.signal == "render-error"), None)
        if failed is not None:
            return Verdict(
                [
                    self.finding(
                        Outcome.ERROR,
                        t(
                            f"首页渲染失败，无法判断：{failed.snippet}",
                            f"Could not decide: {failed.snippet}",
                        ),
                        url=failed.url,
                    )
                ]
            )
        rendered = next((h for h in home if h.signal == "rendered"), None)
        if rendered is None:
            return Verdict(
                [
                    self.finding(
                        Outcome.ERROR,
                        t(
                            "首页未经浏览器渲染，无法判断加载时写入的 Cookie",
                            "The home page was not rendered; the cookies it sets are unknown",
                        ),
                        pages_searched=[h.url for h in hits if h.signal == "rendered"],
                    )
                ]
            )
        state = _state(rendered.note)
        notice = state.get("consent_notice")
        raw_hosts = state.get("hosts")
        hosts = [str(h) for h in raw_hosts] if isinstance(raw_hosts, list) else []
        cookies = [h for h in home if h.signal == "cookie"]
        names = ", ".join(dict.fromkeys((h.value or "").split("@", 1)[0] for h in cookies))
        host_list = ", ".join(hosts[:10]) + (f" (+{len(hosts) - 10})" if len(hosts) > 10 else "")
        hosts_en = f"; third-party hosts: {host_list}" if hosts else ""
        hosts_zh = f"；第三方主机：{host_list}" if hosts else ""
        if not cookies:
            return Verdict(
                [
                    self.finding(
                        Outcome.PASS,
                        t(
                            f"{self.meta.title_pass.zh}{hosts_zh}",
                            f"{self.meta.title_pass.en}{hosts_en}",
                        ),
                        url=rendered.url,
                    )
                ]
            )
        evidence = [h.evidence() for h in cookies]
        if hosts:
            evidence.append(
                Evidence(url=rendered.url, locator=None, snippet=f"third-party hosts: {host_list}")
            )
        if notice is True:
            finding = self.finding(
                Outcome.PASS,
                t(
                    "首页显示了隐私/Cookie 告知；但以下跟踪类 Cookie 在用户作出选择前已写入："
                    f"{names}{hosts_zh}",
                    f"A privacy/cookie notice was shown; note that these tracking cookies were "
                    f"set before the visitor answered it: {names}{hosts_en}",
                ),
                url=rendered.url,
            )
        else:
            seen = (
                t("未见隐私或 Cookie 告知", "no privacy or cookie notice was visible")
                if notice is False
                else t(
                    "浏览器无法判断是否显示了告知",
                    "the browser could not tell whether a notice was shown",
                )
            )
            finding = self.finding(
                Outcome.NEEDS_REVIEW,
                t(
                    f"首页加载后、用户未作任何操作时已写入跟踪类 Cookie（{names}），"
                    f"且{seen.zh}{hosts_zh}；"
                    "请人工判断是否构成未经告知同意处理个人信息（个人信息保护法第13、17条）",
                    f"Tracking cookies were set on the home page before any interaction ({names}) "
                    f"and {seen.en}{hosts_en}; a person must judge whether personal information "
                    "is processed without notice or consent (PIPL arts. 13, 17)",
                ),
                url=rendered.url,
            )
        finding.evidence = evidence
        return Verdict([finding])


def _state(note: str | None) -> dict[str, object]:
    try:
        data = json.loads(note or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
