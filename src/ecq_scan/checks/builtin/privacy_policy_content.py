"""What the privacy policy says (standard 7.8.6; 个人信息保护法 第17条, 第28–31条, 第39条, 第52条;
clause-signals SIG-PRIVACY completeness checklist).

PIPL art. 17 lists what a personal-information handler must tell people before processing;
`CHECKLIST` turns that (with the related articles and GDPR art. 13 for English sites) into 13
items, each detected by Chinese and English wording on the site's privacy pages (role
`privacy`; a policy split over several pages — 个人信息收集清单, 第三方共享清单, cookie policy —
is read as one):

controller identity and contact · purposes · how data is collected · categories collected ·
retention period · rights and how to exercise them · response time · sharing and processors ·
sensitive personal information · minors · cross-border transfer · person responsible for
personal information (DPO) · version or effective date.

Coverage ≥ `PASS_COVERAGE` → pass; ≥ `REVIEW_COVERAGE` → needs review, naming the missing
items; below → fail, naming them (the page was read in full and the law requires the items).
A privacy page with less than `MIN_POLICY_CHARS` characters of text is not judged (it may be a
script-rendered shell or an excerpt): needs review. No privacy page at all → not applicable; the
`privacy-policy` check reports the missing policy.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

from ecq_scan.artifacts import PageArtifacts
from ecq_scan.checks.base import Check, Hit, SiteContext, Verdict
from ecq_scan.checks.builtin._common import context, t
from ecq_scan.models import CheckMeta, EnterpriseType, Outcome, PageRole, Severity

#: thresholds (share of CHECKLIST items found)
PASS_COVERAGE: Final = 0.8
REVIEW_COVERAGE: Final = 0.5
#: a privacy page with less visible text than this is not judged
MIN_POLICY_CHARS: Final = 300
CONTEXT_CHARS: Final = 30


class Item:
    """One checklist item: a name in both languages and the patterns any one of which finds it;
    `min_distinct` > 1 asks for that many different matched words (rights); `also`, when set,
    must match somewhere in the main content too (controller: a company name and a contact)."""

    __slots__ = ("also", "en", "min_distinct", "patterns", "zh")

    def __init__(
        self,
        zh: str,
        en: str,
        *patterns: str,
        min_distinct: int = 1,
        also: tuple[str, ...] = (),
    ) -> None:
        self.zh = zh
        self.en = en
        self.patterns = tuple(re.compile(p, re.I) for p in patterns)
        self.also = tuple(re.compile(p, re.I) for p in also)
        self.min_distinct = min_distinct


_DATE = r"\d{4}\s*[年./-]\s*\d{1,2}(?:\s*[月./-]\s*\d{1,2})?"
CHECKLIST: Final[dict[str, Item]] = {
    "controller": Item(
        "处理者名称和联系方式",
        "controller identity and contact",
        r"有限(?:责任)?公司|股份有限公司|集团(?:公司)?",
        r"\b(?:Ltd|Limited|LLC|Inc|GmbH|plc|S\.?A\.?R\.?L|B\.?V|Pte|Corp(?:oration)?)\b",
        also=(
            r"联系我们|联系方式|邮箱|电子邮件|电话|通信地址|地址\s*:",
            r"\bcontact\s+us\b|\be-?mail\b|\baddress\b|\bwrite\s+to\s+us\b|@",
        ),
    ),
    "purpose": Item(
        "处理目的",
        "purposes",
        r"(?:收集|使用|处理)[^\n]{0,20}(?:目的|用途)|用于[^\n]{0,10}(?:以下|如下|下列)|目的",
        r"\bpurposes?\b|\bwe\s+use\s+(?:your\s+)?(?:personal\s+)?(?:information|data)\s+(?:to|for)\b"
        r"|\blegitimate\s+interests?\b|\blegal\s+bas[ie]s\b|\bwhat\s+we\s+collect\s+and\s+why\b"
        r"|\bwhy\s+we\s+(?:collect|use|process)\b",
    ),
    "method": Item(
        "处理方式",
        "how data is collected",
        r"如何收集|收集方式|我们(?:会|将)?(?:主动)?收集|自动收集|Cookie|同类技术",
        r"\bhow\s+we\s+collect\b|\bcookies?\b|\bwe\s+collect\b|\bcollected\s+automatically\b",
    ),
    "categories": Item(
        "个人信息种类",
        "categories of data",
        r"个人信息(?:的)?(?:种类|类型|类别|范围)|收集的个人信息|个人信息收集清单|包括(?:您的)?(?:姓名|手机号)"
        r"|收集(?:您的)?[^\n。;]{0,10}(?:姓名|手机号码?|电话号码|联系电话|收货地址|身份证|邮箱|设备(?:型号|信息)"
        r"|位置信息)",
        r"\bcategories\s+of\s+(?:personal\s+)?(?:information|data)\b|\b(?:information|data)\s+we\s+"
        r"collect\b|\btypes\s+of\s+(?:personal\s+)?(?:information|data)\b|\bwhat\s+we\s+collect\b"
        r"|\bwe\s+collect\s+(?:your\s+)?(?:name|e-?mail|contact|personal|address|phone)",
    ),
    "retention": Item(
        "保存期限",
        "retention period",
        r"保存期限|存储期限|保留期限|保存时间|存储时间|保存(?:您的)?个人信息[^\n]{0,20}(?:期限|时间|年)",
        r"\bretention\b|\bretain\b|\bhow\s+long\s+we\s+(?:keep|store)\b",
    ),
    "rights": Item(
        "行使权利的方式和程序",
        "rights and how to exercise them",
        r"查阅|查询|复制|更正|补充|删除|撤回(?:您的)?同意|注销(?:账号|账户|帐号)?|转移|可携带",
        r"\baccess\b|\bcorrect(?:ion)?\b|\brectif|\bdelet(?:e|ion)\b|\berasure\b|\bwithdraw\s+"
        r"(?:your\s+)?consent\b|\bportability\b|\bopt[- ]out\b|\bclose\s+(?:your\s+)?account\b",
        min_distinct=2,
    ),
    "response-time": Item(
        "答复时限",
        "response time",
        r"(?:\d{1,3}|[一二三四五六七八九十]{1,3})\s*(?:个)?\s*(?:工作日|天|日)\s*(?:内|之内)\s*"
        r"(?:予以|作出|给予|进行)?(?:答复|回复|处理|响应|反馈)",
        r"\bwithin\s+(?:\d{1,3}|one|a|thirty)\s+(?:business\s+|working\s+|calendar\s+)?"
        r"(?:days?|months?)\b",
    ),
    "sharing": Item(
        "共享、转让、委托处理",
        "sharing and processors",
        r"共享|转让|公开披露|委托处理|第三方(?:SDK|服务|合作方)|第三方共享清单",
        r"\bshare\b|\bsharing\b|\bthird[- ]part(?:y|ies)\b|\bprocessors?\b"
        r"|\bservice\s+providers?\b",
    ),
    "sensitive": Item(
        "敏感个人信息",
        "sensitive personal information",
        r"敏感个人信息",
        r"\bsensitive\s+(?:personal\s+)?(?:information|data)\b|\bspecial\s+categor(?:y|ies)\b",
    ),
    "minors": Item(
        "未成年人",
        "minors",
        r"不满(?:十四|14)周岁|未满(?:十四|14)周岁|儿童个人信息|未成年人",
        r"\bchildren\b|\bminors?\b|\bunder\s+(?:the\s+age\s+of\s+)?1[3-8]\b",
    ),
    "cross-border": Item(
        "个人信息出境",
        "cross-border transfer",
        r"境外|出境|跨境|(?:存储|存放|保存)(?:于|在)?[^\n。]{0,16}境内",
        r"\btransfer[^\n.]{0,40}(?:outside|abroad|international|other\s+countries)"
        r"|\binternational\s+(?:data\s+)?transfers?\b|\bcross-border\b",
    ),
    "dpo": Item(
        "个人信息保护负责人",
        "person responsible (DPO)",
        r"个人信息保护负责人|个人信息保护(?:专职)?(?:部门|机构)|数据保护官|个人信息保护专员",
        r"\bdata\s+protection\s+(?:officer|lead|contact|team)\b|\bDPO\b|\bprivacy\s+officer\b",
    ),
    "version-date": Item(
        "版本或生效日期",
        "version or effective date",
        rf"(?:更新|生效|发布|修订|版本)(?:日期|时间)?\s*:?\s*{_DATE}|{_DATE}\s*[日号]?\s*(?:更新|生效|发布)",
        rf"\b(?:last\s+(?:updated|revised|modified)|effective(?:\s+date|\s+as\s+of|\s+from)?|"
        rf"updated(?:\s+on)?)\s*:?\s*[^\n]{{0,20}}?(?:\d{{4}}|{_DATE})",
    ),
}


def items_found(page: PageArtifacts) -> dict[str, tuple[int, int]]:
    """Checklist item → the span of its first match in the page's main content (a footer's
    company name or a navigation link is not the policy speaking); absent items are left out."""
    text = page.text

    def in_main(m: re.Match[str]) -> bool:
        block = page.block_at(m.start())
        return block is None or block.region == "main"

    out: dict[str, tuple[int, int]] = {}
    for key, item in CHECKLIST.items():
        words: dict[str, tuple[int, int]] = {}
        for rx in item.patterns:
            for m in rx.finditer(text):
                if not in_main(m):
                    continue
                words.setdefault(m.group(0).lower(), m.span())
                if len(words) >= item.min_distinct:
                    break
            if len(words) >= item.min_distinct:
                break
        if len(words) >= item.min_distinct and (
            not item.also or any(in_main(m) for rx in item.also for m in rx.finditer(text))
        ):
            out[key] = min(words.values())
    return out


class PrivacyPolicyContent(Check):
    """PIPL art. 17 notice items covered by the privacy policy (coverage thresholds in data)."""

    meta = CheckMeta(
        id="privacy-policy-content",
        title_pass=t("隐私政策覆盖法定告知事项", "Privacy policy covers the required notice items"),
        title_fail=t("隐私政策缺少法定告知事项", "Privacy policy lacks required notice items"),
        description=t(
            "隐私政策应以清晰易懂的语言告知处理者名称和联系方式、处理目的、方式、个人信息种类、保存"
            "期限、行使权利的方式和程序等（《个人信息保护法》第十七条），并说明共享、敏感个人信息、"
            "未成年人、出境、负责人和更新日期。",
            "The privacy policy must state, clearly, who the handler is and how to reach it, the "
            "purposes, methods, categories of data, retention and how to exercise rights (PIPL "
            "art. 17), and cover sharing, sensitive data, minors, cross-border transfer, the "
            "person responsible and the version date.",
        ),
        severity=Severity.SERIOUS,
        clauses=["7.8.6"],
        indicators=[22],
        enterprise_types=list(EnterpriseType),
        page_roles=[PageRole.PRIVACY],
        scope="site",
        absence_is_failure=True,
        legal_basis=[
            "个人信息保护法 第17条",
            "个人信息保护法 第39条",
            "个人信息保护法 第52条",
            "电子商务法 第24条",
        ],
    )

    def observe(self, page: PageArtifacts) -> list[Hit]:
        if page.role is not PageRole.PRIVACY:
            return []
        text = page.text
        title = page.h1 or page.title or page.url
        hits = [
            Hit(self.meta.id, "page", page.url, page.role, "title", title, value=str(len(text)))
        ]
        for key, (start, end) in items_found(page).items():
            block = page.block_at(start)
            hits.append(
                Hit(
                    self.meta.id,
                    key,
                    page.url,
                    page.role,
                    block.locator if block is not None else None,
                    context(text, start, end, CONTEXT_CHARS),
                    value=page.url,
                )
            )
        return hits

    def conclude(self, hits: Sequence[Hit], site: SiteContext) -> Verdict:
        pages = [h for h in hits if h.signal == "page"]
        if not pages:
            return self.not_applicable(
                t(
                    "不适用：未抓取到隐私政策页面（是否公示隐私政策见 privacy-policy 检查）",
                    "Not applicable: no privacy-policy page was fetched (see the privacy-policy "
                    "check for whether one is published)",
                )
            )
        chars = sum(int(h.value or 0) for h in pages)
        page_urls = list(dict.fromkeys(h.url for h in pages))
        if chars < MIN_POLICY_CHARS:
            msg = t(
                f"隐私政策页面文字过少（{chars} 字），可能由脚本生成或仅为摘要，"
                "无法判断内容，请人工确认",
                f"The privacy page has too little text ({chars} characters) — it may be built by "
                "script or be an excerpt; its content cannot be judged, confirm by hand",
            )
            return Verdict(
                [self.finding(Outcome.NEEDS_REVIEW, msg, hits=pages, pages_searched=page_urls)]
            )
        found = {h.signal: h for h in hits if h.signal in CHECKLIST}
        missing = [k for k in CHECKLIST if k not in found]
        coverage = len(found) / len(CHECKLIST)
        share = f"{len(found)}/{len(CHECKLIST)}"
        if coverage >= PASS_COVERAGE:
            tail_zh = f"；未发现：{_names(missing, 'zh')}" if missing else ""
            tail_en = f"; not found: {_names(missing, 'en')}" if missing else ""
            msg = t(
                f"隐私政策覆盖 {share} 项法定告知事项{tail_zh}",
                f"The privacy policy covers {share} notice items{tail_en}",
            )
            return Verdict([self.finding(Outcome.PASS, msg, hits=list(found.values()))])
        outcome = Outcome.NEEDS_REVIEW if coverage >= REVIEW_COVERAGE else Outcome.FAIL
        msg = t(
            f"隐私政策仅覆盖 {share} 项告知事项，未发现：{_names(missing, 'zh')}",
            f"The privacy policy covers only {share} notice items; not found: "
            f"{_names(missing, 'en')}",
        )
        return Verdict(
            [self.finding(outcome, msg, hits=[*pages, *found.values()], pages_searched=page_urls)]
        )


def _names(keys: Sequence[str], lang: str) -> str:
    return ("、" if lang == "zh" else ", ").join(
        CHECKLIST[k].zh if lang == "zh" else CHECKLIST[k].en for k in keys
    )
