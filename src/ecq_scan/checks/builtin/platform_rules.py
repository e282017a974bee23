"""Platform rule system (standard 6.2.5, 5.2; 电子商务法 第33条; clause-signals SIG-PLATFORM-RULES).

6.2.5 names four rule families a third-party platform must publish; each is found by the label
of a link (any page), the `<title>`/`<h1>` of a page, or a short heading-like block on a rules
page:

- registration and membership — 用户注册/会员规则/账户管理/实名认证, membership rules …;
- goods and service listing — 商品发布规范/禁售商品/信息发布规则/类目资质, listing policy,
  prohibited items …;
- transactions and disputes — 交易规则/争议处理/纠纷处理/售后规则/平台介入, dispute resolution …;
- credit rating — 信用评价规则/评价规则/店铺评分/DSR, feedback policy …

All four, with a rules link on the home page (第33条: 首页显著位置持续公示) → pass; some, or all
four but nothing on the home page → needs review naming what is missing; none → `absent()`, a
fail only when the home page and every rules page loaded (第33条 is a legal duty to publish).
Applies to platforms only (`enterprise_types: [platform]`); other types are not applicable.
Every rule document found is a `platform_rules` disclosure (value: its URL; note: the family).
The family matching (links, page titles, rules-page headings) is shared with
self-built-platform-rules through `_rule_families.family_hits`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Final

from ecq_scan.artifacts import PageArtifacts
from ecq_scan.checks.base import Check, Hit, SiteContext, Verdict
from ecq_scan.checks.builtin._common import on_home, t
from ecq_scan.checks.builtin._links import links_labelled
from ecq_scan.checks.builtin._rule_families import family_hits
from ecq_scan.models import CheckMeta, Disclosure, EnterpriseType, Outcome, PageRole, Severity

FAMILIES: Final[dict[str, re.Pattern[str]]] = {
    "registration": re.compile(
        r"用户注册(?:协议|规则|规范)?|注册(?:规则|协议|须知)|会员(?:规则|协议|管理|章程|体系)|账户管理"
        r"|账号管理|用户管理(?:规范|规则)|实名认证(?:规则|规范)?|\bmembership\s+(?:rules|terms|policy)"
        r"|\b(?:registration|account)\s+(?:rules|policy|policies|terms)\b|\buser\s+agreement\b",
        re.I,
    ),
    "listing": re.compile(
        r"商品发布(?:规范|规则|管理)?|发布规范|信息发布(?:规则|规范)|禁(?:售|限售)(?:商品|规则)?|禁止发布"
        r"|类目(?:资质|管理)|商品(?:管理|信息)(?:规范|规则)|\blisting\s+(?:policy|policies|rules|guidelines)"
        r"|\bprohibited\s+(?:and\s+restricted\s+)?(?:items|products)\b|\brestricted\s+(?:items|products)\b",
        re.I,
    ),
    "transaction": re.compile(
        r"交易规则|交易流程|争议处理(?:规则)?|纠纷(?:处理|解决|调解)(?:规则)?|售后规则|退款规则|平台介入"
        r"|\btransaction\s+(?:rules|policy)\b|\bdispute\s+(?:resolution|rules|policy)\b"
        r"|\bbuyer\s+protection\b",
        re.I,
    ),
    "credit": re.compile(
        r"信用评价(?:规则|规范|体系)?|评价规则|信用(?:管理)?规则|店铺评分|DSR评分|\bDSR\b|评价管理规范"
        r"|\bfeedback\s+policy\b|\b(?:rating|review)s?\s+(?:policy|rules)\b|\bseller\s+ratings?\b",
        re.I,
    ),
}
FAMILY_NAMES: Final = {
    "registration": ("用户注册与管理", "registration and membership"),
    "listing": ("商品与服务发布", "goods and service listing"),
    "transaction": ("交易流程与争议处理", "transactions and disputes"),
    "credit": ("信用评价与管理", "credit rating"),
}
#: a rules-centre link on the home page (any family link counts too)
RULES_ENTRY: Final = re.compile(
    r"规则中心|平台规则|规则公示|规则频道|规则|\bmarketplace\s+(?:rules|policies)\b|\bseller\s+policies\b"
    r"|\bcommunity\s+guidelines\b|\bpolicies\b|\brules\b",
    re.I,
)


class PlatformRules(Check):
    """The four rule families of 6.2.5, published and reachable from the home page."""

    meta = CheckMeta(
        id="platform-rules",
        title_pass=t(
            "已公示平台规则体系（四类规则齐全）", "Platform rules published (all four families)"
        ),
        title_fail=t("未发现平台规则", "No platform rules found"),
        description=t(
            "第三方平台应建立并在首页显著位置公示平台规则：用户注册与管理、商品与服务发布、交易流程与"
            "争议处理、信用评价与管理。",
            "A third-party platform must publish its rules, linked prominently from the home "
            "page: registration and membership, listing of goods and services, transactions and "
            "disputes, and credit rating.",
        ),
        severity=Severity.SERIOUS,
        clauses=["6.2.5", "5.2"],
        indicators=[16, 17, 18],
        enterprise_types=[EnterpriseType.PLATFORM],
        page_roles=[],
        scope="site",
        absence_is_failure=True,
        legal_basis=["电子商务法 第33条", "电子商务法 第39条", "电子商务法 第63条"],
    )

    def observe(self, page: PageArtifacts) -> list[Hit]:
        hits = family_hits(self.meta.id, page, FAMILIES)
        if page.role is PageRole.HOME:
            for link in links_labelled(page, RULES_ENTRY):
                if not link.hidden:
                    hits.append(
                        Hit(
                            self.meta.id,
                            "home-entry",
                            page.url,
                            page.role,
                            link.locator,
                            f"{link.text_raw or link.title} → {link.href}",
                            value=link.url or page.url,
                            region=link.region,
                        )
                    )
                    break
        return hits

    def conclude(self, hits: Sequence[Hit], site: SiteContext) -> Verdict:
        if site.enterprise_type is not EnterpriseType.PLATFORM:
            return self.not_applicable(
                t(
                    "不适用：平台规则仅适用于第三方平台型企业"
                    f"（当前类型 {site.enterprise_type.value}）",
                    "Not applicable: platform rules apply to third-party platforms only "
                    f"(type {site.enterprise_type.value})",
                )
            )
        by_family = {f: [h for h in hits if h.signal == f] for f in FAMILIES}
        found = [f for f in FAMILIES if by_family[f]]
        missing = [f for f in FAMILIES if not by_family[f]]
        on_home_page = [
            h for h in hits if on_home(h, site) and h.signal in (*FAMILIES, "home-entry")
        ]
        evidence = [by_family[f][0] for f in found]
        disclosures = self._disclosures(by_family)
        if not found:
            verdict = self.absent(
                site,
                [PageRole.HOME, PageRole.RULES],
                t(
                    "未发现平台规则（用户注册、商品发布、交易与争议处理、信用评价）",
                    "No platform rules found (registration, listing, transactions and disputes, "
                    "credit rating)",
                ),
            )
            return verdict
        if missing:
            zh = "、".join(FAMILY_NAMES[f][0] for f in missing)
            en = ", ".join(FAMILY_NAMES[f][1] for f in missing)
            msg = t(
                f"发现 {len(found)}/4 类平台规则，未发现：{zh}；请人工确认",
                f"{len(found)} of 4 rule families found; not found: {en} — confirm by hand",
            )
            return Verdict([self.finding(Outcome.NEEDS_REVIEW, msg, hits=evidence)], disclosures)
        if not on_home_page:
            msg = t(
                "四类平台规则齐全，但首页未发现规则入口（第33条要求首页显著位置公示）",
                "All four rule families found, but the home page does not link to the rules "
                "(E-Commerce Law art. 33 asks for a prominent home-page link)",
            )
            return Verdict([self.finding(Outcome.NEEDS_REVIEW, msg, hits=evidence)], disclosures)
        return Verdict([self.finding(Outcome.PASS, hits=[*evidence, on_home_page[0]])], disclosures)

    def _disclosures(self, by_family: dict[str, list[Hit]]) -> list[Disclosure]:
        picked = [
            replace(h, note=FAMILY_NAMES[f][1])
            for f, family_hits in by_family.items()
            for h in family_hits[:2]
        ]
        return self.disclose("platform_rules", picked)
