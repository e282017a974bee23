"""Inclusive, low-barrier services (standard 7.4.3 普惠服务: 简化操作流程、降低使用门槛、提供
基础服务套餐; clause-signals `incl.low_barrier`). A 可 (may) clause with no Annex A indicator:
it never moves a score, and silence is not a shortcoming.

What a site can show:

- guest checkout — 游客购买/游客下单, 免注册购买, 无需注册即可下单, 非会员购买; guest checkout,
  "check out as a guest", "no account needed";
- a simpler flow — 一键下单/一键购买, one-click ordering;
- a free or basic service package — 基础版免费, 免费版套餐, 基础服务套餐, 永久免费使用,
  免费试用14天; free plan/tier, basic or starter plan, a "14-day free trial";
- interest-free instalments — 分期免息, 免息分期, interest-free instalments.

Read on home, help, about, terms, shipping, contact and other pages (a cart or pricing page is
usually `other`); product and category pages are skipped, where 入门版/免费版 name an edition
of a product and 免费试用装 is a free sample. Navigation menus are skipped (ClaimsCheck), hidden
nodes and scripts never reach the text. Negations are traps: 暂不支持游客购买, 须注册后下单,
"guest checkout is not available" drop the hit.

A hint found → pass, every sentence as evidence (these are facts a visitor can try, not claims
to verify with an issuer); none → not applicable, like the other 宜/可 checks. Never fail.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

from ecq_scan.checks.base import Hit, SiteContext, Verdict
from ecq_scan.checks.builtin._claims import ClaimsCheck
from ecq_scan.checks.builtin._common import t
from ecq_scan.models import CheckMeta, EnterpriseType, Outcome, PageRole, Severity

FAMILIES: Final[dict[str, re.Pattern[str]]] = {
    "guest": re.compile(
        r"游客(?:购买|下单|购物|结算|身份购买|模式购物)|免注册(?:购买|下单|购物|结算)"
        r"|无[需须](?:注册|登录)(?:账号|账户|会员)?(?:即可|也可|也能|就能|直接)(?:购买|下单|购物|结算)"
        r"|非会员(?:也可)?(?:购买|下单)|\bguest\s+checkout\b|\bcheck\s*out\s+as\s+a\s+guest\b"
        r"|\bcontinue\s+as\s+(?:a\s+)?guest\b|\bno\s+account\s+(?:needed|required)\b",
        re.I,
    ),
    "simple-flow": re.compile(
        r"一键(?:下单|购买)|\bone[- ]click\s+(?:ordering|checkout|purchase|buy(?:ing)?)\b", re.I
    ),
    "basic-plan": re.compile(
        r"(?:基础|入门|免费)版(?:套餐|服务|永久免费|免费使用|免费)|基础(?:服务)?套餐|永久免费(?:使用|版)"
        r"|免费(?:基础)?套餐|免费试用\s*\d{1,3}\s*(?:天|日|个月)|普惠(?:版|套餐|服务)"
        r"|\bfree\s+(?:plan|tier)\b|\b(?:basic|starter)\s+plan\b|\b\d{1,3}[- ]day\s+free\s+trial\b"
        r"|\bfree\s+for\s+small\s+(?:shops|sellers|businesses)\b",
        re.I,
    ),
    "instalments": re.compile(r"分期免息|免息分期|\binterest[- ]free\s+instal(?:l)?ments?\b", re.I),
}
NAMES: Final = {
    "guest": ("游客/免注册购买", "guest checkout"),
    "simple-flow": ("一键下单等简化流程", "one-click ordering"),
    "basic-plan": ("免费或基础服务套餐", "a free or basic service plan"),
    "instalments": ("免息分期", "interest-free instalments"),
}
#: a hint that lies inside one of these is negated ("not available", "须注册")
TRAPS: Final = re.compile(
    r"(?:暂不|暂未|不|无法|未|不再)(?:支持|提供|开放|开通)[^\n。，,]{0,6}"
    r"|(?<![无不])(?:须|需|必须|需要)(?:先)?(?:注册|登录)[^\n。]{0,10}"
    r"|\bguest\s+checkout\s+(?:is\s+)?(?:not|no\s+longer|currently\s+not|un)\w*"
    r"|\bno\s+guest\s+checkout\b"
    r"|\b(?:does\s+not|doesn['’]t|do\s+not|don['’]t|cannot|can['’]t|no\s+longer)\s+"
    r"(?:offer|support|allow|provide)\s+[^.\n]{0,20}",
    re.I,
)
ROLES: Final = [
    PageRole.HOME,
    PageRole.HELP,
    PageRole.ABOUT,
    PageRole.TERMS,
    PageRole.SHIPPING,
    PageRole.CONTACT,
    PageRole.OTHER,
]


class LowBarrierServices(ClaimsCheck):
    """Guest checkout, simpler flows, free basic plans and interest-free instalments (7.4.3)."""

    families = FAMILIES
    names = NAMES
    roles = ROLES
    traps = TRAPS
    none = t(
        "不适用：未发现游客购买、免费基础套餐等普惠服务信息（7.4.3 为“可”条款，不作扣分）",
        "Not applicable: no guest checkout, free basic plan or similar inclusive service seen "
        "(7.4.3 says may; nothing is lost)",
    )
    meta = CheckMeta(
        id="low-barrier-services",
        title_pass=t("提供低门槛的普惠服务", "Low-barrier inclusive services offered"),
        title_fail=t("未发现普惠服务信息", "No low-barrier inclusive service seen"),
        description=t(
            "企业可通过简化操作流程、降低使用门槛、提供基础服务套餐等方式提供普惠服务，例如游客"
            "免注册购买、一键下单、免费基础版套餐、免息分期。该条款为“可”，未发现不扣分。",
            "Enterprises may offer inclusive service through simpler flows, lower barriers and "
            "basic service packages — guest checkout, one-click ordering, a free basic plan, "
            "interest-free instalments. The clause says may: finding none costs nothing.",
        ),
        severity=Severity.INFO,
        clauses=["7.4.3"],
        indicators=[],
        enterprise_types=list(EnterpriseType),
        page_roles=ROLES,
        scope="site",
        absence_is_failure=False,
        legal_basis=["电子商务企业服务质量规程 7.4.3"],
    )

    def conclude(self, hits: Sequence[Hit], site: SiteContext) -> Verdict:
        found = [h for h in hits if h.signal in self.families]
        if not found:
            return super().conclude(hits, site)  # not applicable, with the pages searched
        families = list(dict.fromkeys(h.signal for h in found))
        zh = "、".join(self.names[f][0] for f in families)
        en = ", ".join(self.names[f][1] for f in families)
        said = "、".join(dict.fromkeys(h.value or "" for h in found[:6]))
        msg = t(f"网站提供{zh}（{said}）", f"The site offers {en} ({said})")
        ordered = sorted(found, key=lambda h: families.index(h.signal))
        return Verdict([self.finding(Outcome.PASS, msg, hits=ordered)])
