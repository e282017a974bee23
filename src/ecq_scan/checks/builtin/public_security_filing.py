"""公安机关联网备案号 on the home page.

Standard 4.1; 计算机信息网络国际联网安全保护管理办法 第12条.

第12条 makes the filing itself a duty (within 30 days of connecting); the display practice is the
number plus the 公安 icon at the bottom of the home page, linking to the public-security filing
system (`beian.gov.cn/portal/registerSystemInfo?recordcode=…`, or the newer
`beian.mps.gov.cn/#/query/webSearch?code=…`).

Cross-checks (clause-signals SIG-PSB): the first two digits of the code are the GB/T 2260
province code and should match the province abbreviation (`湘公网安备 31…` is inconsistent: 31 is
沪); a linked code should equal the shown one. Either mismatch is a review item with both values
in the message, never a failure. Placeholders (`川公网安备1XXXXXXXXXXXX1`) and an icon without a
number do not count; the pre-2012 `…公安局…分局备案编号110105014669` form is shown for review.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ecq_scan.artifacts import PageArtifacts
from ecq_scan.checks.base import Check, Hit, SiteContext, Verdict
from ecq_scan.checks.builtin._common import NOT_CHINESE_MARKET, on_home, t
from ecq_scan.checks.patterns import (
    CODE_PROV,
    PROV_CODE,
    PSB,
    PSB_LEGACY,
    PSB_LINK,
    is_placeholder_number,
)
from ecq_scan.checks.prefilter import finditer
from ecq_scan.models import CheckMeta, EnterpriseType, Outcome, PageRole, Severity

_CODE = re.compile(r"\d{12,14}")


def _code(h: Hit) -> str:
    m = _CODE.search(h.value or "")
    return m.group(0) if m else ""


class PublicSecurityFiling(Check):
    """`京公网安备 11000002000088号` on the home page, with province and link cross-checks."""

    meta = CheckMeta(
        id="public-security-filing",
        title_pass=t(
            "首页已公示公安机关联网备案号", "Public-security filing number on the home page"
        ),
        title_fail=t(
            "首页未公示公安机关联网备案号", "No public-security filing number on the home page"
        ),
        description=t(
            "接入国际联网的网站应在公安机关办理联网备案，并按惯例在首页底部公示“X公网安备…号”及"
            "指向全国互联网安全管理服务平台的链接。",
            "Websites connected to the internet in mainland China must file with the public "
            "security organ; by practice the number (X公网安备…号) and a link to the national "
            "filing platform sit at the bottom of the home page.",
        ),
        severity=Severity.SERIOUS,
        clauses=["4.1", "6.2.4"],
        indicators=[1],
        enterprise_types=list(EnterpriseType),
        page_roles=[],
        scope="site",
        absence_is_failure=True,
        legal_basis=["计算机信息网络国际联网安全保护管理办法 第12条"],
    )

    def observe(self, page: PageArtifacts) -> list[Hit]:
        hits: list[Hit] = []
        for m in finditer(PSB, page.text, page.lower_text):
            prov, code = m.group("prov"), m.group("code")
            if is_placeholder_number(code):
                continue
            expected = PROV_CODE[prov]
            ok = code[:2] == expected
            note = None
            if not ok:
                other = CODE_PROV.get(code[:2], "?")
                note = (
                    f"省份简称“{prov}”对应 {expected}，编号前两位为 {code[:2]}（{other}） / "
                    f"prefix {prov} means {expected} but the code starts with {code[:2]} ({other})"
                )
            hits.append(
                self.hit(
                    page, "psb", *m.span(), value=f"{prov}公网安备{code}号", valid=ok, note=note
                )
            )
        for link in page.links:
            if link.hidden:
                continue
            lm = PSB_LINK.search(link.href) or PSB_LINK.search(link.url)
            if lm:
                hits.append(
                    Hit(
                        self.meta.id,
                        "psb-link",
                        page.url,
                        page.role,
                        link.locator,
                        f"{link.text_raw or link.title} → {link.href}",
                        value=lm.group("code"),
                        region=link.region,
                    )
                )
        for m in finditer(PSB_LEGACY, page.text, page.lower_text):
            hits.append(self.hit(page, "psb-legacy", *m.span(), value=m.group(0)))
        return hits

    def conclude(self, hits: Sequence[Hit], site: SiteContext) -> Verdict:
        if not site.chinese_market:
            return self.not_applicable(NOT_CHINESE_MARKET)
        home = [h for h in hits if on_home(h, site)]
        shown = [h for h in home if h.signal == "psb"]
        links = [h for h in home if h.signal == "psb-link"]
        if shown:
            problems: list[str] = []
            bad = [h for h in shown if h.valid is False]
            for h in bad:
                problems.append(f"{h.value}: {h.note}")
            codes = {_code(h) for h in shown}
            bad_links = [h for h in links if h.value not in codes]
            for h in bad_links:
                problems.append(
                    f"链接编号 {h.value} ≠ 页面编号 {'/'.join(sorted(codes))} / linked code "
                    f"{h.value} differs from the shown {'/'.join(sorted(codes))}"
                )
            disclosures = self.disclose("public_security_filing", shown)
            if problems:
                listed = "; ".join(problems)
                return Verdict(
                    [
                        self.finding(
                            Outcome.NEEDS_REVIEW,
                            t(
                                f"公安备案号不一致，请人工核实：{listed}",
                                f"Inconsistent filing: {listed}",
                            ),
                            hits=[*bad, *bad_links] or shown,
                        )
                    ],
                    disclosures,
                )
            msg = self.meta.title_pass
            if not links:
                msg = t(
                    f"{msg.zh}（未链接到备案查询平台）",
                    f"{msg.en} (not linked to the filing platform)",
                )
            return Verdict([self.finding(Outcome.PASS, msg, hits=shown)], disclosures)
        if links:
            return Verdict(
                [
                    self.finding(
                        Outcome.NEEDS_REVIEW,
                        t(
                            "首页有公安备案查询链接，但未见可读的备案号，请人工确认",
                            "The home page links to the filing platform but shows no readable "
                            "filing number; confirm by hand",
                        ),
                        hits=links,
                    )
                ],
                self.disclose("public_security_filing", links),
            )
        legacy = [h for h in home if h.signal == "psb-legacy"]
        if legacy:
            return Verdict(
                [
                    self.finding(
                        Outcome.NEEDS_REVIEW,
                        t(
                            "首页为旧式公安备案编号，请人工确认是否已换发“公网安备”号",
                            "The home page shows a legacy public-security filing number; check "
                            "whether a current 公网安备 number exists",
                        ),
                        hits=legacy,
                    )
                ]
            )
        elsewhere = [h for h in hits if h.signal in ("psb", "psb-link", "psb-legacy")]
        if elsewhere:
            urls = ", ".join(dict.fromkeys(h.url for h in elsewhere[:3]))
            return Verdict(
                [
                    self.finding(
                        Outcome.NEEDS_REVIEW,
                        t(
                            f"首页未见公安备案号，但其他页面有（{urls}），请确认首页渲染后的页脚",
                            f"No filing number on the home page, but other pages show one "
                            f"({urls}); check the home page's rendered footer",
                        ),
                        hits=elsewhere,
                    )
                ],
                self.disclose(
                    "public_security_filing", [h for h in elsewhere if h.signal == "psb"]
                ),
            )
        return self.absent(site, [PageRole.HOME])
