"""Personalised recommendations can be switched off (standard 7.3.2 维护知情权和选择权;
电子商务法 第18条; 个人信息保护法 第24条; 互联网信息服务算法推荐管理规定 第17条;
clause-signals SIG-ALGO).

Where a site says it personalises (个性化推荐/个性化广告/定向推送/用户画像/自动化决策;
"personalised recommendations/ads", "interest-based ads", "targeted advertising"), the law asks
for an option not based on personal characteristics, or a convenient way to refuse. The check
reads privacy, terms, help and settings-like pages:

- a mention with an opt-out nearby (关闭/退出/拒绝/不针对个人特征/设置…个性化推荐; opt out, turn
  off, disable, do not sell or share) → pass, with the sentence as evidence;
- a mention without an opt-out → needs review (the switch may live in the app or account
  settings);
- no mention at all → not applicable: the duty arises only when personalisation is used, and a
  site that never mentions it gives no evidence either way (its privacy policy should say so if
  it personalises — that is for `privacy-policy-content` and a reviewer).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

from ecq_scan.artifacts import PageArtifacts
from ecq_scan.checks.base import Check, Hit, SiteContext, Verdict
from ecq_scan.checks.builtin._common import context, t
from ecq_scan.checks.prefilter import finditer
from ecq_scan.models import CheckMeta, EnterpriseType, Outcome, PageRole, Severity

ROLES: Final = [
    PageRole.PRIVACY,
    PageRole.TERMS,
    PageRole.HELP,
    PageRole.RULES,
    PageRole.OTHER,
    PageRole.HOME,
]
MENTION: Final = re.compile(
    r"个性化(?:内容)?推荐|个性化(?:广告|推送|展示|服务)|定向(?:推送|广告)|用户画像|自动化决策|精准营销"
    r"|\bpersonali[sz]ed\s+(?:recommendations?|ads|advertising|content|offers|marketing)\b"
    r"|\binterest-based\s+(?:ads|advertising)\b|\btargeted\s+(?:ads|advertising)\b"
    r"|\bautomated\s+decision",
    re.I,
)
OPT_OUT: Final = re.compile(
    r"关闭|退出|拒绝|取消|不针对(?:您的)?个人特征|不感兴趣|管理(?:您的)?(?:兴趣|标签)|撤回"
    r"|\bopt[- ]?out\b|\bturn\s+(?:it\s+)?off\b|\bswitch\s+off\b|\bdisable\b|\bunsubscribe\b"
    r"|\bdo\s+not\s+sell\s+or\s+share\b|\bwithdraw\b|\bmanage\s+(?:your\s+)?(?:ad\s+)?preferences\b",
    re.I,
)
#: how far from a mention an opt-out may be (characters either side)
WINDOW: Final = 200
MAX_HITS_PER_PAGE: Final = 5


class PersonalisationOptOut(Check):
    """Where personalisation is described, a way to turn it off is described too."""

    meta = CheckMeta(
        id="personalisation-opt-out",
        title_pass=t("个性化推荐提供关闭选项", "Personalised recommendations can be switched off"),
        title_fail=t("个性化推荐未说明关闭方式", "No way to switch off personalisation described"),
        description=t(
            "基于个人特征提供个性化推荐或定向推送的，应同时提供不针对个人特征的选项或便捷的拒绝方式，"
            "并在隐私政策或设置中说明。",
            "Where recommendations or marketing are personalised, an option not based on personal "
            "characteristics, or an easy way to refuse, must be offered and described in the "
            "privacy policy or settings.",
        ),
        severity=Severity.MODERATE,
        clauses=["7.3.2"],
        indicators=[17, 22],
        enterprise_types=list(EnterpriseType),
        page_roles=ROLES,
        scope="site",
        absence_is_failure=False,
        legal_basis=[
            "电子商务法 第18条",
            "个人信息保护法 第24条",
            "互联网信息服务算法推荐管理规定 第17条",
        ],
    )

    def observe(self, page: PageArtifacts) -> list[Hit]:
        if page.role not in ROLES:
            return []
        text = page.text
        hits: list[Hit] = []
        for m in finditer(MENTION, text, page.lower_text):
            if len(hits) >= MAX_HITS_PER_PAGE:
                break
            # an opt-out after the mention first (a policy says what it does, then how to stop
            # it), else one before it
            opt = OPT_OUT.search(text, m.end(), min(len(text), m.end() + WINDOW)) or OPT_OUT.search(
                text, max(0, m.start() - WINDOW), m.start()
            )
            if opt is not None:
                start, end = min(m.start(), opt.start()), max(m.end(), opt.end())
                signal = "opt-out"
            else:
                start, end, signal = m.start(), m.end(), "mention"
            block = page.block_at(m.start())
            hits.append(
                Hit(
                    self.meta.id,
                    signal,
                    page.url,
                    page.role,
                    block.locator if block is not None else None,
                    context(text, start, end, 30),
                    value=m.group(0),
                )
            )
        return hits

    def conclude(self, hits: Sequence[Hit], site: SiteContext) -> Verdict:
        opt_out = [h for h in hits if h.signal == "opt-out"]
        mention = [h for h in hits if h.signal == "mention"]
        if opt_out:
            return Verdict([self.finding(Outcome.PASS, hits=opt_out)])
        if mention:
            msg = t(
                "网站提及个性化推荐/定向推送，但未说明如何关闭或拒绝"
                "（可能在 App 或账户设置中），请人工确认",
                "The site mentions personalised recommendations or targeted ads but does not "
                "describe how to switch them off (it may be in the app or account settings); "
                "confirm by hand",
            )
            return Verdict([self.finding(Outcome.NEEDS_REVIEW, msg, hits=mention)])
        return Verdict(
            [
                self.finding(
                    Outcome.NOT_APPLICABLE,
                    t(
                        "不适用：所抓取页面未提及个性化推荐或定向推送（仅在使用时才需提供关闭选项）",
                        "Not applicable: no page fetched mentions personalised recommendations "
                        "or targeted ads (the opt-out duty arises only where they are used)",
                    ),
                    pages_searched=site.searched(ROLES),
                )
            ]
        )
