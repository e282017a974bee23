"""Governance rules of a self-built shop (standard 6.1.6; clause-signals 6.1.6, the
SIG-PLATFORM-RULES subset).

6.1.6 asks an enterprise that runs its own platform for a governance system: user management,
trading rules and dispute resolution. A website shows only part of that — the published rules —
so this is a B-class signal: found rules are evidence for the reviewer, missing ones are a
question, never a failure (no law requires a self-built shop to publish these as separate rule
documents; 第33条 binds third-party platforms, which platform-rules covers with four families).

Three families, each found the same way platform-rules finds its four (`_rule_families`): by a
link label (any page; in-page `#section` anchors do not count), a page's `<title>`/`<h1>`, or a
short heading on a rules, help or complaints page:

- member and account rules — 会员规则/用户注册协议/账户规则/会员服务协议, membership terms …
  (a bare 用户协议 is the general terms, which terms-of-service reports, and a 注册 button is
  not a rule);
- trading rules — 交易规则/购物须知/下单规则/交易条款, terms of sale …;
- dispute rules — 争议处理/纠纷解决/纠纷调解, dispute resolution ….

All three → pass, one piece of evidence each; some → needs review naming what is missing and the
pages searched; none → `absent()` (needs review, or error when a page that could hold them failed).
Applies to transactional enterprises only: a platform's rules are platform-rules' business, and a
support-service firm runs no shop.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

from ecq_scan.artifacts import PageArtifacts
from ecq_scan.checks.base import Check, Hit, SiteContext, Verdict
from ecq_scan.checks.builtin._common import t
from ecq_scan.checks.builtin._rule_families import family_hits
from ecq_scan.models import CheckMeta, EnterpriseType, Outcome, PageRole, Severity

FAMILIES: Final[dict[str, re.Pattern[str]]] = {
    "member": re.compile(
        r"用户注册(?:协议|规则|规范|须知)|注册(?:协议|规则|须知)"
        r"|会员(?:积分)?(?:规则|协议|章程|服务协议|服务条款|管理规则|管理规范|管理办法)"
        r"|[账帐](?:户|号)(?:规则|管理规则|管理规范|管理办法|使用规则|使用规范)"
        r"|用户管理(?:规范|规则)|实名认证(?:规则|规范)"
        r"|\b(?:membership|loyalty|rewards?)\s+(?:program(?:me)?\s+)?(?:rules|terms|policy|agreement)\b"
        r"|\b(?:registration|account)\s+(?:rules|policy|policies|terms|agreement)\b",
        re.I,
    ),
    "trading": re.compile(
        r"交易(?:规则|须知|条款|规范)|购物(?:须知|规则|条款)|(?:下单|订购|购买)(?:规则|须知|条款)"
        r"|销售条款|买卖规则"
        r"|\b(?:terms|conditions|terms\s+and\s+conditions|terms\s*&\s*conditions)\s+of\s+"
        r"(?:sale|purchase)\b|\b(?:sales?|purchase)\s+terms\b|\btransaction\s+(?:rules|policy)\b"
        r"|\border(?:ing)?\s+(?:rules|terms|policy)\b",
        re.I,
    ),
    "dispute": re.compile(
        r"(?:争议|纠纷)(?:处理|解决|调解)"
        r"|\bdisputes?\s+(?:resolution|rules|policy|process|procedure)s?\b"
        r"|\bresolving\s+disputes\b|\bcomplaints?\s+(?:and|&)\s+disputes\b",
        re.I,
    ),
}
FAMILY_NAMES: Final = {
    "member": ("会员与账户规则", "member and account rules"),
    "trading": ("交易规则", "trading rules"),
    "dispute": ("争议处理规则", "dispute rules"),
}
#: pages whose short headings list rule documents (a help centre's index, a complaints page)
HEADING_ROLES: Final = (PageRole.RULES, PageRole.HELP, PageRole.COMPLAINTS)


class SelfBuiltPlatformRules(Check):
    """Member, trading and dispute rules of a self-built shop (6.1.6), as review evidence."""

    meta = CheckMeta(
        id="self-built-platform-rules",
        title_pass=t(
            "已公示自建平台治理规则（会员、交易、争议处理）",
            "Governance rules of the own shop published (members, trading, disputes)",
        ),
        title_fail=t("未发现自建平台治理规则", "No governance rules of the own shop found"),
        description=t(
            "自建平台企业应建立平台治理体系，包括用户管理、交易规则和争议解决机制；网站上可见的是"
            "会员/账户规则、交易规则（购物须知）与争议处理规则，其余须人工确认。",
            "An enterprise running its own shop platform should have a governance system — user "
            "management, trading rules and dispute resolution. The website shows the member or "
            "account rules, trading rules (terms of sale) and dispute rules; the rest is "
            "confirmed by hand.",
        ),
        severity=Severity.MODERATE,
        clauses=["6.1.6"],
        indicators=[16, 17],
        enterprise_types=[EnterpriseType.TRANSACTIONAL],
        page_roles=[],
        scope="site",
        absence_is_failure=False,
        legal_basis=["电子商务企业服务质量规程 6.1.6", "电子商务法 第50条", "电子商务法 第60条"],
    )

    def observe(self, page: PageArtifacts) -> list[Hit]:
        return family_hits(
            self.meta.id, page, FAMILIES, heading_roles=HEADING_ROLES, same_page_links=False
        )

    def conclude(self, hits: Sequence[Hit], site: SiteContext) -> Verdict:
        if site.enterprise_type is not EnterpriseType.TRANSACTIONAL:
            return self.not_applicable(
                t(
                    "不适用：该项针对自建平台的交易型企业（第三方平台的规则由 platform-rules 检查；"
                    f"当前类型 {site.enterprise_type.value}）",
                    "Not applicable: this covers transactional enterprises with their own shop "
                    "(third-party platforms are covered by platform-rules; type "
                    f"{site.enterprise_type.value})",
                )
            )
        by_family = {f: [h for h in hits if h.signal == f] for f in FAMILIES}
        found = [f for f in FAMILIES if by_family[f]]
        missing = [f for f in FAMILIES if not by_family[f]]
        evidence = [by_family[f][0] for f in found]
        if not found:
            return self.absent(
                site,
                [PageRole.HOME, PageRole.RULES, PageRole.HELP, PageRole.TERMS, PageRole.COMPLAINTS],
                t(
                    "未发现会员/账户规则、交易规则与争议处理规则",
                    "No member or account rules, trading rules or dispute rules found",
                ),
            )
        if missing:
            zh = "、".join(FAMILY_NAMES[f][0] for f in missing)
            en = ", ".join(FAMILY_NAMES[f][1] for f in missing)
            searched = site.searched()
            msg = t(
                f"发现 {len(found)}/{len(FAMILIES)} 类治理规则，未发现：{zh}"
                f"（已检索 {len(searched)} 个页面）；请人工确认",
                f"{len(found)} of {len(FAMILIES)} rule families found; not found: {en} (on the "
                f"{len(searched)} pages searched) — confirm by hand",
            )
            return Verdict(
                [self.finding(Outcome.NEEDS_REVIEW, msg, hits=evidence, pages_searched=searched)]
            )
        return Verdict([self.finding(Outcome.PASS, hits=evidence)])
