"""ICP 备案号 on the home page (standard 4.1; 互联网信息服务管理办法 第12条).

第12条 requires the 备案编号 (or the 经营许可证编号) "在其网站主页的显著位置"; 非经营性互联网信息
服务备案管理办法 第13条 adds that it sits at the bottom centre of the home page and links to the
MIIT filing system. Footer placement is therefore normal and counts.

Traps handled (clause-signals SIG-ICP-FILING): numbers only in hidden nodes or scripts never
reach `page.text`; template placeholders (`京ICP备XXXXX号`, `京ICP备12345678号`) are ignored;
"ICP备案查询" without a number is not a number; malformed forms (`京ICP备案1004644`, no
province) are shown for review, never passed or failed. A number that is not linked to
beian.miit.gov.cn is a disclosure note, not a failure.

Verdict and disclosure answer different questions. 第12条 is met by "经营许可证编号或者备案编号",
so a home page showing only the old `京ICP证…号` licence passes (clause-signals
SIG-ICP-LICENCE-OLD: it "counts as licence evidence"). The `icp_filing` disclosure, though, holds
备案 numbers only — `京ICP证070359号` and `京B2-20150191` are licences and are reported by
telecom-licence under `telecom_licence`. The one exception is a licence number carrying a site
suffix (`浙B2-20110446-1`, `京ICP证030173号-1`): that `-n` is the site sequence the MIIT filing
system issues, i.e. the form a licensed (经营性) site's 备案号 takes (SIG-ICP-FILING "accept that
form too"). It is disclosed as the filing only when no `…ICP备…` number is shown beside it, so a
footer listing both does not report the licence twice.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ecq_scan.artifacts import PageArtifacts
from ecq_scan.checks.base import Check, Hit, SiteContext, Verdict
from ecq_scan.checks.builtin._common import NOT_CHINESE_MARKET, host_of, on_home, t
from ecq_scan.checks.patterns import (
    ICP_FILING,
    ICP_LICENCE_OLD,
    ICP_MALFORMED,
    MIIT_HOSTS,
    MIIT_LEGACY_HOSTS,
    is_placeholder_number,
    iter_vats,
    vats_span,
    vats_value,
)
from ecq_scan.checks.prefilter import finditer
from ecq_scan.models import CheckMeta, EnterpriseType, Outcome, PageRole, Severity

#: Signals that satisfy 第12条 when seen on the home page.
_GOOD = ("icp-filing", "icp-licence", "vats-site")


def icp_value(m: re.Match[str], kind: str = "备") -> str:
    """The number as printed, normalised: `京ICP备2024077296号-1`."""
    site = f"-{m.group('site')}" if m.group("site") else ""
    return f"{m.group('prov')}ICP{kind}{m.group('num')}号{site}"


#: a site suffix (`…号-1`, `…-20110446-1`) on a licence-form number
_SITE_SUFFIX = re.compile(r"-\d{1,3}$")


def filing_hits(hits: Sequence[Hit]) -> list[Hit]:
    """The hits that are 备案 numbers: every `…ICP备…号`, or — only when there is none — the
    licence-form numbers with a site suffix, which is how a licensed site's filing number reads.
    A bare licence (`京ICP证070359号`, `京B2-20150191`) is never a filing number."""
    filed = [h for h in hits if h.signal == "icp-filing"]
    if filed:
        return filed
    return [
        h
        for h in hits
        if h.signal == "vats-site"
        or (h.signal == "icp-licence" and _SITE_SUFFIX.search(h.value or ""))
    ]


_MIIT_HOST = re.compile(r"miit(?:bei)?an\.gov\.cn|miibeian\.gov\.cn|beian\.miit\.gov\.cn", re.I)


def _link_note(page: PageArtifacts) -> str | None:
    miit = page.links_matching(_MIIT_HOST, "url")
    hosts = {host_of(link.url or link.href) for link in miit if not link.hidden}
    if hosts & MIIT_HOSTS:
        return None
    if hosts & MIIT_LEGACY_HOSTS:
        return (
            "链接指向已停用的 miitbeian/miibeian 域名 / links to the retired "
            "miitbeian host, not beian.miit.gov.cn (BEIAN33 第13条)"
        )
    return (
        "未链接到 beian.miit.gov.cn / not linked to beian.miit.gov.cn "
        "(非经营性互联网信息服务备案管理办法 第13条)"
    )


class IcpFiling(Check):
    """ICP 备案号 (or the old `京ICP证…号`, or a licence number with a site suffix) on the home
    page. Other pages are observed too, so a number that appears only off the home page can be
    shown for review instead of a bare "not found"."""

    meta = CheckMeta(
        id="icp-filing",
        title_pass=t("首页已公示 ICP 备案号", "ICP filing number shown on the home page"),
        title_fail=t("首页未公示 ICP 备案号", "No ICP filing number on the home page"),
        description=t(
            "互联网信息服务提供者应在网站主页显著位置标明 ICP 备案编号或经营许可证编号"
            "（通常位于页脚并链接至 beian.miit.gov.cn）。",
            "A website offering internet information services in mainland China must show its "
            "ICP filing (or licence) number prominently on the home page, usually in the footer "
            "linked to beian.miit.gov.cn.",
        ),
        severity=Severity.SERIOUS,
        clauses=["4.1", "6.2.4"],
        indicators=[1],
        enterprise_types=list(EnterpriseType),
        page_roles=[],
        scope="site",
        absence_is_failure=True,
        legal_basis=[
            "互联网信息服务管理办法 第12条",
            "非经营性互联网信息服务备案管理办法 第13条",
        ],
    )

    def observe(self, page: PageArtifacts) -> list[Hit]:
        text = page.text
        hits: list[Hit] = []
        spans: list[tuple[int, int]] = []
        note = _link_note(page)
        for m in finditer(ICP_FILING, text, page.lower_text):
            spans.append(m.span())
            if is_placeholder_number(m.group("num")):
                continue
            hits.append(self.hit(page, "icp-filing", *m.span(), value=icp_value(m), note=note))
        for m in finditer(ICP_LICENCE_OLD, text, page.lower_text):
            spans.append(m.span())
            if is_placeholder_number(m.group("num")):
                continue
            hits.append(
                self.hit(page, "icp-licence", *m.span(), value=icp_value(m, "证"), note=note)
            )
        for m in iter_vats(text):
            spans.append(m.span())
            signal = "vats-site" if m.group("site") else "vats"
            hits.append(self.hit(page, signal, *vats_span(m), value=vats_value(m), note=note))
        for m in finditer(ICP_MALFORMED, text, page.lower_text):
            if any(s < m.end() and m.start() < e for s, e in spans):
                continue
            if is_placeholder_number(m.group("num")):
                continue
            hits.append(self.hit(page, "malformed", *m.span(), value=m.group(0)))
        return hits

    def conclude(self, hits: Sequence[Hit], site: SiteContext) -> Verdict:
        if not site.chinese_market:
            return self.not_applicable(NOT_CHINESE_MARKET)
        home = [h for h in hits if on_home(h, site)]
        good = [h for h in home if h.signal in _GOOD]
        if good:
            unlinked = all(h.note for h in good)
            filed = filing_hits(good)
            msg = self.meta.title_pass
            if not filed:
                # 第12条: "经营许可证编号或者备案编号" — the licence alone meets the display duty
                msg = t(
                    "首页已公示 ICP 经营许可证编号（第12条：许可证编号或备案编号均可）",
                    "ICP licence number shown on the home page (art. 12 accepts the licence "
                    "number or the filing number)",
                )
            if unlinked:
                msg = t(
                    f"{msg.zh}（未链接到 beian.miit.gov.cn）",
                    f"{msg.en} (not linked to beian.miit.gov.cn)",
                )
            return Verdict(
                [self.finding(Outcome.PASS, msg, hits=good)],
                self.disclose("icp_filing", filed),
            )
        odd = [h for h in home if h.signal in ("vats", "malformed")]
        if odd:
            shown = "、".join(dict.fromkeys(h.value or h.snippet for h in odd))
            return Verdict(
                [
                    self.finding(
                        Outcome.NEEDS_REVIEW,
                        t(
                            f"首页的编号格式不规范或仅为许可证号，请人工确认：{shown}",
                            f"The home page shows a malformed ICP number or only a licence "
                            f"number; confirm by hand: {shown}",
                        ),
                        hits=odd,
                    )
                ]
            )
        elsewhere = [h for h in hits if h.signal in (*_GOOD, "vats", "malformed")]
        if elsewhere:
            urls = ", ".join(dict.fromkeys(h.url for h in elsewhere[:3]))
            return Verdict(
                [
                    self.finding(
                        Outcome.NEEDS_REVIEW,
                        t(
                            f"首页未见 ICP 备案号，但其他页面有（{urls}）；第12条要求在主页标明，"
                            "请确认首页渲染后的页脚",
                            f"No ICP number on the home page, but other pages show one ({urls}); "
                            "the law asks for it on the home page — check its rendered footer",
                        ),
                        hits=elsewhere,
                    )
                ],
                self.disclose("icp_filing", filing_hits(elsewhere)),
            )
        return self.absent(site, [PageRole.HOME])
