"""Report labels in Chinese and English.

Reports are read by Chinese assessors and by English-speaking enterprises, so every fixed word a
renderer prints comes from here, never from a template literal. One table per vocabulary keeps the
coverage testable: every outcome, disclosure key, page role and item state has a label in both
languages, and a missing label is a `KeyError` at render time rather than a silently blank cell.
"""

from __future__ import annotations

from typing import Literal, TypeAlias

from ecq_scan.errors import InputError

Lang: TypeAlias = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")

Pair: TypeAlias = tuple[str, str]  # (zh, en)


def normalize_lang(lang: str) -> Lang:
    """Accept `zh`/`en` (and regional spellings such as `zh-CN`), reject anything else clearly."""
    key = lang.strip().lower().replace("_", "-")
    if key == "zh" or key.startswith("zh-"):
        return "zh"
    if key == "en" or key.startswith("en-"):
        return "en"
    raise InputError(f"unsupported report language {lang!r}", hint="use --lang zh or --lang en")


def pick(pair: Pair, lang: Lang) -> str:
    return pair[0] if lang == "zh" else pair[1]


# --- vocabularies -------------------------------------------------------------------------------

OUTCOME_LABELS: dict[str, Pair] = {
    "pass": ("通过", "Pass"),
    "fail": ("不符合", "Fail"),
    "needs_review": ("需人工复核", "Needs review"),
    "not_applicable": ("不适用", "Not applicable"),
    "error": ("检查出错", "Error"),
}

# A glyph beside each badge so an outcome is never conveyed by colour alone (WCAG 1.4.1).
OUTCOME_ICONS: dict[str, str] = {
    "pass": "✓",
    "fail": "✗",
    "needs_review": "?",
    "not_applicable": "–",
    "error": "!",
}

# Order in which outcomes are listed: what needs action first.
OUTCOME_ORDER: tuple[str, ...] = ("fail", "error", "needs_review", "pass", "not_applicable")

DISCLOSURE_LABELS: dict[str, Pair] = {
    "icp_filing": ("ICP 备案号", "ICP filing number"),
    "telecom_licence": ("增值电信业务经营许可证", "Value-added telecom licence"),
    "public_security_filing": ("公安联网备案号", "Public security filing number"),
    "uscc": ("统一社会信用代码", "Unified social credit code (USCC)"),
    "business_licence": ("营业执照", "Business licence"),
    "other_licence": ("其他行业许可", "Other licence"),
    "return_policy": ("退换货政策", "Return and exchange policy"),
    "privacy_policy": ("隐私政策", "Privacy policy"),
    "terms": ("服务条款 / 用户协议", "Terms of service"),
    "platform_rules": ("平台规则", "Platform rules"),
    "complaint_channel": ("投诉渠道", "Complaint channel"),
    "customer_service": ("客服联系方式", "Customer service contact"),
    "delivery_commitment": ("配送时效承诺", "Delivery commitment"),
    "after_sales_commitment": ("售后服务承诺", "After-sales commitment"),
    "shipping_fee": ("运费说明", "Shipping fees"),
    "price": ("价格标示", "Price display"),
    "ad_superlative": ("广告极限用语", "Advertising superlative"),
    "accessibility_feature": ("无障碍 / 适老化功能", "Accessibility feature"),
    "language_version": ("语言版本", "Language version"),
}

STATUS_LABELS: dict[str, Pair] = {
    "complete": ("完成", "Complete"),
    "partial": ("部分完成", "Partial"),
    "unscannable": ("无法扫描", "Unscannable"),
}

STATUS_NOTES: dict[str, Pair] = {
    "complete": (
        "抓取正常结束（可能受页面数等预算限制）。",
        "The crawl ended normally (budgets may have stopped it).",
    ),
    "partial": (
        "抓取被中断或超出时间预算；以下仅反映已抓取的页面。",
        "The crawl was interrupted or ran out of time; only the pages fetched are reported.",
    ),
    "unscannable": (
        "未能取得任何可用页面；本报告不含网站证据，等级区间不能据以评定。",
        "Nothing usable could be fetched; this report holds no website evidence and its grade "
        "range cannot support a rating.",
    ),
}

ENTERPRISE_TYPE_LABELS: dict[str, Pair] = {
    "transactional": ("交易型（5.1）", "Transactional (5.1)"),
    "platform": ("第三方平台型（5.2）", "Third-party platform (5.2)"),
    "support": ("支撑服务型（5.3）", "Support service (5.3)"),
}

OBSERVABILITY_LABELS: dict[str, Pair] = {
    "website": ("网站可观察", "Observable on website"),
    "partly": ("部分可观察", "Partly observable"),
    "documents": ("仅凭文件", "Documents only"),
}

ITEM_STATE_LABELS: dict[str, Pair] = {
    "earned": ("得分", "Earned"),
    "lost": ("失分", "Lost"),
    "pending": ("待定", "Pending"),
    "not_applicable": ("不适用", "Not applicable"),
}

ITEM_KIND_LABELS: dict[str, Pair] = {
    "auto": ("自动判定", "automatic"),
    "review": ("人工确认", "review"),
    "doc": ("文件证明", "document"),
}

SEVERITY_LABELS: dict[str, Pair] = {
    "critical": ("严重", "critical"),
    "serious": ("较重", "serious"),
    "moderate": ("中等", "moderate"),
    "minor": ("轻微", "minor"),
    "info": ("提示", "info"),
}

PAGE_ROLE_LABELS: dict[str, Pair] = {
    "home": ("首页", "home"),
    "licence": ("证照", "licence"),
    "about": ("关于我们", "about"),
    "contact": ("联系我们", "contact"),
    "help": ("帮助", "help"),
    "returns": ("退换货", "returns"),
    "shipping": ("配送", "shipping"),
    "privacy": ("隐私", "privacy"),
    "terms": ("条款", "terms"),
    "rules": ("规则", "rules"),
    "complaints": ("投诉", "complaints"),
    "product": ("商品", "product"),
    "category": ("类目", "category"),
    "other": ("其他", "other"),
}

# Section headings of the standard, so a clause number in the verdicts reads as a place in the
# text. Headings only: requirement text and indicator titles come from the result itself.
CLAUSE_HEADINGS: dict[str, Pair] = {
    "4": ("基本要求", "Basic requirements"),
    "5": ("企业类型", "Enterprise types"),
    "6": ("服务体系", "Service system"),
    "6.1": ("交易型电子商务企业", "Transactional e-commerce enterprises"),
    "6.2": ("第三方平台型电子商务企业", "Third-party platform enterprises"),
    "6.3": ("支撑服务型电子商务企业", "Support-service enterprises"),
    "7": ("服务要求", "Service requirements"),
    "7.1": ("基本要求", "Basic requirements"),
    "7.2": ("透明度要求", "Transparency"),
    "7.3": ("公平性要求", "Fairness"),
    "7.4": ("包容性要求", "Inclusiveness"),
    "7.5": ("创新与改进", "Innovation and improvement"),
    "7.6": ("协同要求", "Coordination"),
    "7.7": ("广告宣传", "Advertising"),
    "7.8": ("安全要求", "Security"),
    "8": ("等级评定", "Grading"),
}

# --- fixed words ----------------------------------------------------------------------------------

TEXT: dict[str, Pair] = {
    # document
    "report_title": (
        "电子商务企业服务质量合规扫描报告",
        "E-commerce service quality compliance scan",
    ),
    "standard_name": (
        "T/EJCCSE《电子商务企业服务质量规程》",
        "T/EJCCSE “Rules for service quality of e-commerce enterprises”",
    ),
    "contents": ("目录", "Contents"),
    "generated_by": ("由 ecq-scan 生成", "Generated by ecq-scan"),
    # header
    "sec_header": ("扫描概况", "Scan overview"),
    "target": ("扫描对象", "Target"),
    "host": ("主机", "Host"),
    "enterprise_type": ("企业类型", "Enterprise type"),
    "scan_time": ("扫描时间", "Scan time"),
    "duration": ("用时", "Duration"),
    "tool_version": ("工具版本", "Tool version"),
    "status": ("扫描状态", "Status"),
    "status_reason": ("原因", "Reason"),
    "offline_audit": ("离线复核（基于已保存快照）", "Offline audit (from saved snapshots)"),
    "ssrf_guard": ("SSRF 防护", "SSRF guard"),
    "ssrf_guard_off": (
        "已放行内网与本机地址（--allow-private）",
        "private and loopback addresses allowed (--allow-private)",
    ),
    "profile": ("评分方案", "Scoring profile"),
    "findings_count": ("检查结果", "Findings"),
    # grade card
    "sec_grade": ("等级卡", "Grade card"),
    "grade_range_provisional": ("暂定等级区间", "Provisional grade range"),
    "grade_final": ("等级（所有适用指标均已判定）", "Grade (all applicable indicators decided)"),
    "no_grade": ("未达级", "no grade (below 50)"),
    "no_grade_short": ("未达级", "no grade"),
    "provisional": ("暂定", "Provisional"),
    "colon": ("：", ": "),
    "score_range": ("得分区间", "Score range"),
    "of_100": ("/ 100", "/ 100"),
    "coverage": ("已判定比例", "Coverage (share decided)"),
    "grade_scale": ("表 1 等级标准", "Table 1 grade thresholds"),
    "total_ge": ("总分 ≥ {n}", "total ≥ {n}"),
    "below_50": ("总分 < 50", "total < 50"),
    "provisional_statement": (
        "此为暂定结果：仅依据网站证据{evidence}计算。附录 A 的多数指标（资产、信用、人员、荣誉等）"
        "只能由评定人员提供的文件证明，区间内的最终等级由这些文件决定，见“网站无法观察的内容”。",
        "This result is provisional: it is computed from website evidence{evidence} only. Most "
        "Annex A indicators (assets, credit, staff, honours …) can only be shown by documents the "
        "assessor must supply; those documents decide where in this range the grade falls — see "
        "“Not observable from the website”.",
    ),
    "provisional_with_file": ("及证据文件 {file} ", " and the evidence file {file}"),
    "final_statement": (
        "所有适用指标均已判定（网站证据{evidence}）。本报告为扫描工具输出，正式等级以评定机构结论为准。",
        "Every applicable indicator has been decided (website evidence{evidence}). This is scanner "
        "output; the formal grade is the assessing body's decision.",
    ),
    "web_subscore": ("网站证据分项得分", "Website evidence sub-score"),
    "web_subscore_not_grade": (
        "网站证据分项得分 — 不是 T/EJCCSE 等级",
        "Website evidence sub-score — not a T/EJCCSE grade",
    ),
    "web_subscore_note": (
        "仅衡量网站可观察项目的完成度（已得网站分 ÷ 适用网站分 × 100），不能换算为等级。",
        "Measures only the website-observable items (website points earned ÷ applicable website "
        "points × 100). It cannot be read as a grade.",
    ),
    "caps_applied": ("已适用的等级上限", "Caps applied"),
    "no_caps": ("无", "none"),
    "earned": ("已得", "Earned"),
    "lost": ("已失", "Lost"),
    "pending": ("待定", "Pending"),
    "applicable_weight": ("适用权重", "Applicable weight"),
    "points_short": ("分", "pts"),
    "evidence_file": ("证据文件", "Evidence file"),
    # disclosures
    "sec_disclosures": ("网站公示信息", "Disclosures"),
    "disclosures_intro": (
        "扫描从网站提取的公示事实及其出处。评定人员请先核对本表。",
        "Facts the site publishes about itself, as extracted, with where they were found. "
        "Assessors should read this table first.",
    ),
    "col_item": ("项目", "Item"),
    "col_value": ("内容", "Value"),
    "col_where": ("出处", "Where"),
    "col_snippet": ("原文摘录", "Snippet"),
    "col_valid": ("校验", "Check"),
    "valid_yes": ("有效", "valid"),
    "valid_no": ("无效", "invalid"),
    "valid_unknown": ("未校验", "not checked"),
    "no_disclosures": ("未提取到任何公示信息。", "No disclosures were extracted."),
    "not_found_keys": ("在已抓取页面中未找到：", "Not found on the pages fetched: "),
    # verdicts
    "sec_verdicts": ("按条款的检查结论", "Verdicts by clause"),
    "verdicts_intro": (
        "按检查对应的首个条款分组；“不符合”与“需人工复核”均附可复查的证据。",
        "Grouped by the first clause of each check; every fail and needs-review item carries "
        "evidence a person can find again.",
    ),
    "clause": ("条款", "Clause"),
    "clause_unknown": ("未登记的检查", "Unregistered checks"),
    "check_id": ("检查项", "Check"),
    "severity": ("严重程度", "Severity"),
    "indicators_short": ("附录 A 指标", "Annex A"),
    "also_clauses": ("另涉及条款", "also clauses"),
    "searched_n": ("已检索 {n} 个页面", "{n} pages searched"),
    "page": ("页面", "Page"),
    "evidence": ("证据", "Evidence"),
    "locator": ("定位", "Locator"),
    "screenshot": ("截图", "Screenshot"),
    "pages_searched": ("已检索页面（{n}）", "Pages searched ({n})"),
    "no_findings": ("没有检查结果。", "No findings."),
    "no_evidence": ("无证据记录。", "No evidence recorded."),
    # indicators
    "sec_indicators": ("附录 A 指标得分", "Annex A indicators"),
    "indicators_intro": (
        "评分方案为每项指标分配的权重及其判定情况（已得 / 已失 / 待定）。",
        "Weights the scoring profile assigns to each indicator, and how they stand "
        "(earned / lost / pending).",
    ),
    "col_no": ("序号", "No."),
    "col_indicator": ("指标", "Indicator"),
    "col_group": ("一级指标", "Group"),
    "col_observability": ("可观察性", "Observability"),
    "col_weight": ("权重", "Weight"),
    "col_items": ("评分项", "Items"),
    "not_applicable_indicator": ("不适用于该企业类型", "not applicable to this enterprise type"),
    "total": ("合计", "Total"),
    # not observable
    "sec_not_observable": ("网站无法观察的内容", "Not observable from the website"),
    "not_observable_intro": (
        "以下指标只能凭文件判定，网站扫描不作猜测。评定人员须提供下列材料"
        "（可通过 --evidence 证据文件提交），其分值目前为“待定”。",
        "These indicators can only be decided from documents; the scan does not guess. The "
        "assessor must supply the material listed (an --evidence file can carry it); their "
        "points are pending until then.",
    ),
    "must_supply": ("须提供", "To supply"),
    "other_pending_docs": (
        "其他指标中待提供文件的评分项",
        "Pending document items of other indicators",
    ),
    "nothing_pending": ("没有待提供的文件。", "No documents are pending."),
    "pending_of": ("待定 {pending} / {weight} 分", "{pending} of {weight} pts pending"),
    # crawl appendix
    "sec_appendix": ("附录：抓取记录与溯源信息", "Appendix: crawl record and provenance"),
    "pages_fetched": ("已抓取页面（{n}）", "Pages fetched ({n})"),
    "pages_skipped": ("跳过的 URL（{n}）", "URLs skipped ({n})"),
    "col_url": ("URL", "URL"),
    "col_status": ("状态码", "Status"),
    "col_role": ("页面类型", "Role"),
    "col_depth": ("深度", "Depth"),
    "col_error": ("错误", "Error"),
    "col_reason": ("原因", "Reason"),
    "redirected_to": ("跳转至", "redirected to"),
    "provenance": ("溯源信息", "Provenance"),
    "rule_pack_hash": ("规则包哈希", "Rule-pack hash"),
    "profile_id": ("评分方案 ID", "Profile id"),
    "profile_version": ("方案版本", "Profile version"),
    "browser_version": ("浏览器版本", "Browser version"),
    "no_browser": ("未使用浏览器（仅静态抓取）", "none (static fetch only)"),
    "user_agent": ("User-Agent", "User-Agent"),
    "started_at": ("开始时间", "Started"),
    "finished_at": ("结束时间", "Finished"),
    "settings": ("扫描设置", "Settings"),
    "schema_version": ("结果格式版本", "Result schema version"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "none": ("无", "none"),
    # console
    "top_fails": ("主要不符合项：", "Top fails:"),
    "and_more": ("… 另有 {n} 项", "… and {n} more"),
    "reports": ("报告：", "Reports:"),
    "counts_none": ("无检查结果", "no findings"),
}


def t(key: str, lang: Lang, **fmt: object) -> str:
    """Look up a fixed word; `fmt` fills `{name}` placeholders. Unknown keys raise `KeyError`."""
    text = pick(TEXT[key], lang)
    return text.format(**fmt) if fmt else text


def label(table: dict[str, Pair], key: str, lang: Lang) -> str:
    """Label for a vocabulary value; an unknown value falls back to itself rather than failing.

    Vocabularies grow by addition (DESIGN §4: "add, never rename"), so a newer result read by an
    older report must still render, showing the raw key until a label is added.
    """
    pair = table.get(key)
    return key if pair is None else pick(pair, lang)


def labels_for(lang: Lang) -> dict[str, str]:
    """All fixed words for one language, for templates (`L.key`)."""
    return {key: pick(pair, lang) for key, pair in TEXT.items()}
