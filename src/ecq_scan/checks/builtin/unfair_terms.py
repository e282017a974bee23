"""Candidate unfair standard terms (standard 7.2.1 避免模糊或误导性表述, 7.3.1 不得设置不合理条款;
clause-signals SIG-UNFAIR; 侵害消费者权益行为处罚办法 第12条; 消费者权益保护法 第26条).

Looked for on terms, returns, shipping, help, rules and promotion pages (home, product,
category, other), Chinese and English:

- 最终解释权 / 解释权归本公司 / 保留…解释权 (处罚办法 12(六) names it), "final interpretation";
- 概不退换 / 不退不换 / 恕不退换 / 售出不退 / 特价商品不退, "all sales final", "no refunds";
  a blanket refusal of the 7-day right (所有商品…不支持七天无理由退货, 一律不支持七天无理由) —
  消费者权益保护法 第25条 lets only the listed categories out, item by item (clause-signals
  SIG-RETURNS: the per-item label 不支持七天无理由 is lawful, a shop-wide one is a red flag);
- the right to change or end the contract unilaterally without notice (12(五));
- waivers of the right to complain or sue (12(三)); blanket exclusions of liability (概不负责,
  任何情况下均不承担责任).

Traps dropped before a hit is kept: a sentence that forbids rather than imposes (不得/禁止/严禁/
无效/违法 … before the phrase, "not permitted"), one that discusses such clauses (是否有效, 例如,
霸王条款, "such as"), one citing a statute (《…法》, 法第N条 — but not the numbered articles of the
site's own contract), liability clauses about force majeure. A hit near a lawful exclusion of
消费者权益保护法 第25条 (定制, 鲜活易腐, 在线下载, 已拆封的音像制品, 报纸期刊; personalised,
perishable, digital downloads) is kept with a note saying so.

Wording is for a person to judge: hits → needs review with each sentence as evidence; none →
pass. Never fail. When nothing was found but a terms or returns page failed to load, the outcome
is error: an unread contract cannot be called clean.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

from ecq_scan.artifacts import PageArtifacts
from ecq_scan.checks.base import Check, Hit, SiteContext, Verdict
from ecq_scan.checks.builtin._common import context, error_text, site_failed, t
from ecq_scan.checks.prefilter import finditer
from ecq_scan.models import CheckMeta, EnterpriseType, Outcome, PageRole, Severity

ROLES: Final = [
    PageRole.TERMS,
    PageRole.RETURNS,
    PageRole.SHIPPING,
    PageRole.HELP,
    PageRole.RULES,
    PageRole.HOME,
    PageRole.PRODUCT,
    PageRole.CATEGORY,
    PageRole.OTHER,
]
#: pages whose failure leaves the contract unread
CONTRACT_ROLES: Final = [PageRole.TERMS, PageRole.RETURNS]

#: family → pattern; each is anchored on a literal word so the prefilter skips most pages
LEXICON: Final[dict[str, re.Pattern[str]]] = {
    "interpretation": re.compile(
        r"最终解释权|解释权归[^\n。;]{0,12}(?:所有|享有)|保留[^\n。;]{0,8}解释权"
        r"|\bfinal\s+(?:right\s+of\s+)?interpretation\b|\breserves?\s+the\s+right\s+to\s+interpret\b",
        re.I,
    ),
    "no-returns": re.compile(
        r"一经售出[,，]?\s*概不退换|概不退换|不退不换|恕不退换|售出不退|(?:特价|促销|折扣|清仓)(?:商品)?"
        r"(?:一律|均)?不(?:予)?(?:退换|退货|退款)|\ball\s+sales\s+(?:are\s+)?final\b"
        # every item refused the 7-day right (CPL art. 25 allows only listed categories); an
        # item-level label (该商品不支持七天无理由) is the lawful practice and does not match
        r"|(?:所有|全部|全场|全店)(?:商品|产品|宝贝)?[^\n。;]{0,10}?(?:一律|均|都|概)?"
        r"不(?:支持|适用|提供|享受)\s*[七7]\s*[天日]\s*无理由"
        r"|(?:一律|概)不(?:支持|适用|提供|享受)\s*[七7]\s*[天日]\s*无理由"
        r"|\bno\s+(?:returns?\s+or\s+)?refunds?\b(?!\s+(?:fees?|charges?))",
        re.I,
    ),
    "unilateral": re.compile(
        r"(?:有权|可|可以|将)(?:随时|单方面?)[^\n。;]{0,6}(?:修改|变更|终止|解除|调整)[^\n。]{0,30}?"
        r"(?:无需|无须|不另行|不再另行|恕不另行|无需另行)(?:通知|告知)"
        r"|\bsole\s+discretion\b[^.\n]{0,60}?\bwithout\s+(?:prior\s+)?notice\b"
        r"|\bwithout\s+(?:prior\s+)?notice\b[^.\n]{0,40}?\bsole\s+discretion\b",
        re.I,
    ),
    "waiver": re.compile(
        r"放弃[^\n。;]{0,10}(?:投诉|起诉|诉讼|索赔|追究)(?:的)?权利?|不得(?:向[^\n。;]{0,10})?(?:投诉|起诉)"
        r"|\bwaive\s+(?:your|any|all)\s+rights?\s+to\s+(?:sue|complain|claim|a\s+refund)\b",
        re.I,
    ),
    "liability": re.compile(
        r"概不负责|(?:一律|任何情况下)(?:均)?不(?:承担|负)(?:任何)?(?:责任|赔偿)"
        r"|\bnot\s+(?:be\s+)?(?:liable|responsible)\s+(?:for\s+any|under\s+any\s+circumstances)\b",
        re.I,
    ),
}
FAMILY_NAMES: Final = {
    "interpretation": ("单方保留解释权", "one-sided right of interpretation"),
    "no-returns": ("概不退换", "no returns / all sales final"),
    "unilateral": ("单方变更且不通知", "unilateral change without notice"),
    "waiver": ("限制投诉或诉讼权利", "waiver of the right to complain or sue"),
    "liability": ("概括免除责任", "blanket exclusion of liability"),
}
#: in the same sentence before the phrase: it forbids or explains, it does not impose
NEGATION: Final = re.compile(
    r"不得|禁止|严禁|无效|违法|不应|不会|不能以|侵害消费者|消费者权益保护法|不属于|并非"
    r"|\bnot\s+(?:permitted|allowed)|\bprohibit|\bunlawful|\bvoid\b|\bwe\s+(?:do|will)\s+not\b",
    re.I,
)
#: a sentence citing a statute (not the numbered articles of the site's own contract)
LAW_CITATION: Final = re.compile(
    r"《[^》]{1,30}(?:法|办法|规定|条例)》|(?:法|办法|条例)\s*第[一二三四五六七八九十百\d]+条"
)
#: anywhere in the sentence: it discusses such clauses rather than stating one
EXPLAINS: Final = re.compile(
    r"是否(?:有效|合法)|有效吗|合法吗|例如|诸如|等(?:格式)?条款|属于(?:霸王|不公平)条款|霸王条款"
    r"|such\s+as|for\s+example|is\s+(?:it|this)\s+(?:legal|valid)",
    re.I,
)
FORCE_MAJEURE: Final = re.compile(r"不可抗力|force\s+majeure", re.I)
LAWFUL_EXCLUSION: Final = re.compile(
    r"定制|订制|鲜活|易腐|在线下载|数字化商品|已拆封的音像|音像制品|计算机软件|报纸|期刊|贴身|内衣"
    r"|personali[sz]ed|custom(?:ised|ized|-made)|perishable|digital\s+(?:download|goods|products)",
    re.I,
)
_SENTENCE_END: Final = re.compile(r"[。！？!?;；\n]|\.\s")
MAX_HITS_PER_PAGE: Final = 20
CONTEXT_CHARS: Final = 40


def sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence holding [start, end): from after the previous sentence end to the next."""
    lo = max(0, start - 200)
    prev = [m.end() for m in _SENTENCE_END.finditer(text, lo, start)]
    s = prev[-1] if prev else lo
    m = _SENTENCE_END.search(text, end, min(len(text), end + 200))
    return s, m.start() if m else min(len(text), end + 200)


class UnfairTerms(Check):
    """Candidate unfair clauses (最终解释权, 概不退换, unilateral change …) listed for review."""

    meta = CheckMeta(
        id="unfair-terms",
        title_pass=t("未发现疑似不公平格式条款", "No candidate unfair terms found"),
        title_fail=t("发现疑似不公平格式条款", "Candidate unfair terms found"),
        description=t(
            "服务条款、退换货和促销说明不得含有排除或限制消费者权利、加重消费者责任的不公平格式条款"
            "（如“最终解释权归本公司所有”“一经售出概不退换”“有权随时修改无需通知”），候选条款列出"
            "供人工判断。",
            "Terms, returns and promotion texts must not contain unfair standard terms that "
            "exclude consumers' rights or add to their burden (e.g. 'final interpretation rests "
            "with us', 'all sales final', 'may change at any time without notice'); candidates "
            "are listed for a person to judge.",
        ),
        severity=Severity.MODERATE,
        clauses=["7.2.1", "7.3.1"],
        indicators=[16, 17],
        enterprise_types=list(EnterpriseType),
        page_roles=ROLES,
        scope="site",
        absence_is_failure=False,
        legal_basis=[
            "消费者权益保护法 第26条",
            "侵害消费者权益行为处罚办法 第12条",
            "电子商务法 第49条",
        ],
    )

    def observe(self, page: PageArtifacts) -> list[Hit]:
        if page.role not in ROLES:
            return []
        text = page.text
        hits: list[Hit] = []
        for family, rx in LEXICON.items():
            for m in finditer(rx, text, page.lower_text):
                if len(hits) >= MAX_HITS_PER_PAGE:
                    return hits
                s, e = sentence_bounds(text, m.start(), m.end())
                before = text[s : m.start()]
                sentence = text[s:e]
                if NEGATION.search(before):
                    continue
                if (
                    LAW_CITATION.search(sentence)
                    or EXPLAINS.search(sentence)
                    or (family == "liability" and FORCE_MAJEURE.search(sentence))
                ):
                    continue
                note = None
                if family == "no-returns" and LAWFUL_EXCLUSION.search(sentence):
                    note = "may be a lawful exclusion (CPL art. 25) / 可能属法定除外商品"
                block = page.block_at(m.start())
                hits.append(
                    Hit(
                        self.meta.id,
                        family,
                        page.url,
                        page.role,
                        block.locator if block is not None else None,
                        context(text, m.start(), m.end(), CONTEXT_CHARS),
                        value=m.group(0),
                        region=block.region if block is not None else None,
                        note=note,
                    )
                )
        return hits

    def conclude(self, hits: Sequence[Hit], site: SiteContext) -> Verdict:
        found = [h for h in hits if h.signal in LEXICON]
        searched = site.searched(ROLES)
        if found:
            families = list(dict.fromkeys(h.signal for h in found))
            zh = "、".join(FAMILY_NAMES[f][0] for f in families)
            en = ", ".join(FAMILY_NAMES[f][1] for f in families)
            pages = len({h.url for h in found})
            lawful = sum(1 for h in found if h.note)
            extra_zh = f"；其中 {lawful} 处可能属法定除外情形" if lawful else ""
            extra_en = f"; {lawful} may be lawful exclusions" if lawful else ""
            said = "、".join(dict.fromkeys(h.value or "" for h in found[:8]))
            msg = t(
                f"在 {pages} 个页面发现 {len(found)} 处疑似不公平格式条款（{zh}：{said}），"
                f"请人工判断是否排除或限制消费者权利{extra_zh}",
                f"{len(found)} candidate unfair term(s) on {pages} page(s) ({en}: {said}); a "
                f"person must judge whether they exclude or limit consumers' rights{extra_en}",
            )
            return Verdict([self.finding(Outcome.NEEDS_REVIEW, msg, hits=found)])
        failed = site_failed(site, CONTRACT_ROLES)
        if failed or not searched:
            return Verdict(
                [self.finding(Outcome.ERROR, error_text(failed or [site.home_url or "?"]))]
            )
        return Verdict([self.finding(Outcome.PASS, pages_searched=searched)])
