"""Credit ratings, honours, certifications, standards work and CSR claims (standard
7.5.2.2 第三方评估, 7.6.2 参与服务标准共建, 7.1.3 可持续发展; Annex A #4 信用记录, #30 企业荣誉,
#31 政府表彰, #33 行业贡献; clause-signals SIG-TRUST, SIG-CSR).

What a site says about itself that an assessor must verify with the issuer (信用中国, 商务主管
部门, the certification body, the standard's front matter):

- credit — 信用评价 AAA, 纳税信用A级, 守合同重信用, AEO 高级认证, 中国互联网协会信用评价;
- e-commerce honours — 电子商务示范企业, 数字商务企业, 重点联系电商企业, 商务部/商务厅认定;
- other honours — 荣获/被评为/授予 …称号, 高新技术企业, 专精特新, 小巨人;
- certifications — ISO 9001 / 10002 / 27001, GB/T 19001, 五星售后服务认证 (GB/T 27922), PCI DSS;
- standards and associations — 参与起草/主导制定 a GB/T, T/xxx or SB/T standard, 会长/理事单位
  of an association;
- sustainability — 绿色包装, 可回收, 碳中和, 社会责任报告, ESG 报告, 公益, 助农, 乡村振兴; EN
  sustainability/ESG/CSR report, carbon neutral, recyclable packaging.

Read on home, about, licence, help and other pages (not product pages: a product "ISO 9001
certified supplier" line is the supplier's). Partner and client lists (合作伙伴, 我们的客户, "our
partners", "trusted by") are traps: a claim inside such a block is dropped.

Claims → needs review with every sentence as evidence; none → not applicable (these clauses say
宜, and Annex A's indicators are scored from documents). Never pass, never fail.
"""

from __future__ import annotations

import re
from typing import Final

from ecq_scan.checks.builtin._claims import ClaimsCheck
from ecq_scan.checks.builtin._common import t
from ecq_scan.models import CheckMeta, EnterpriseType, PageRole, Severity

FAMILIES: Final[dict[str, re.Pattern[str]]] = {
    "credit": re.compile(
        r"信用(?:评价|等级)\s*:?\s*A{1,3}级?|AAA级信用|纳税信用\s*A\s*级|守合同重信用|AEO\s*高级认证"
        r"|信用中国|中国互联网协会[^\n。]{0,10}信用|\bAAA\s+credit\s+rating\b",
        re.I,
    ),
    "ecommerce-honour": re.compile(
        r"电子商务示范(?:企业|基地)|电商示范(?:企业)?|数字商务企业|重点联系(?:电商|电子商务)企业"
        r"|商务部[^\n。]{0,10}(?:认定|评为)|(?:省|市)商务(?:厅|局|委)[^\n。]{0,10}(?:认定|评为)",
    ),
    "honour": re.compile(
        r"(?:荣获|获评|被评为|授予)[^\n。]{0,24}(?:称号|奖|企业|单位|品牌)|高新技术企业|专精特新|小巨人"
        r"|守信激励|先进(?:单位|企业)|\baward(?:ed)?\s+(?:the\s+)?[A-Z][^.\n]{0,40}\b(?:award|prize)\b",
    ),
    "certification": re.compile(
        r"ISO\s*/?\s*(?:IEC\s*)?(?:9001|10002|27001|27701|14001)|GB/T\s*(?:19001|22080|27922)"
        r"|五星(?:级)?售后服务(?:认证)?|\bPCI\s*DSS\b",
        re.I,
    ),
    "standards": re.compile(
        r"(?:参与|主导|牵头)(?:起草|制定|编制)[^\n。]{0,30}(?:标准|规范)|起草单位"
        r"|(?:副)?会长单位|理事(?:长)?单位|常务理事单位|秘书长单位"
        r"|\b(?:contributed\s+to|helped\s+(?:draft|write))\s+(?:the\s+)?[^.\n]{0,30}\bstandard\b",
        re.I,
    ),
    "sustainability": re.compile(
        r"绿色包装|环保包装|减量包装|循环包装|碳中和|碳足迹|社会责任报告|ESG\s*报告|可持续发展报告|助农"
        r"|乡村振兴|\b(?:sustainability|ESG|CSR|impact)\s+report\b|\bcarbon[- ]neutral\b"
        r"|\brecyclable\s+packaging\b|\bB\s+Corp\b",
        re.I,
    ),
}
NAMES: Final = {
    "credit": ("信用评级或信用标识", "credit ratings"),
    "ecommerce-honour": ("电子商务示范/重点企业等认定", "e-commerce designations"),
    "honour": ("荣誉或表彰", "honours or awards"),
    "certification": ("体系或服务认证", "certifications"),
    "standards": ("参与标准制定或行业组织任职", "standards work or association posts"),
    "sustainability": ("可持续发展或社会责任举措", "sustainability or CSR commitments"),
}
#: a claim inside a partner/client list is someone else's
TRAPS: Final = re.compile(
    r"(?:合作伙伴|合作品牌|我们的客户|服务客户|客户案例|our\s+(?:partners|clients|customers)"
    r"|trusted\s+by)[^\n]{0,400}",
    re.I,
)
ROLES: Final = [
    PageRole.HOME,
    PageRole.ABOUT,
    PageRole.LICENCE,
    PageRole.HELP,
    PageRole.CONTACT,
    PageRole.OTHER,
]


class TrustClaims(ClaimsCheck):
    """Credit, honour, certification, standards and CSR claims, listed for verification."""

    families = FAMILIES
    names = NAMES
    roles = ROLES
    traps = TRAPS
    none = t(
        "不适用：网站未声明信用评级、荣誉、认证、标准制定或社会责任等事项（由评审依据文件评定）",
        "Not applicable: the site claims no credit rating, honour, certification, standards "
        "work or CSR commitment (the assessor scores these from documents)",
    )
    meta = CheckMeta(
        id="trust-claims",
        title_pass=t("信用、荣誉与认证声明", "Credit, honour and certification claims"),
        title_fail=t(
            "信用、荣誉与认证声明待核实", "Credit, honour and certification claims to verify"
        ),
        description=t(
            "网站声明的信用评级、电子商务示范等荣誉、第三方认证、参与标准制定和社会责任举措列出，"
            "供评审向发证或认定机构核实。",
            "Credit ratings, e-commerce honours, third-party certifications, standards work and "
            "CSR commitments the site claims are listed for the assessor to verify with the "
            "issuer.",
        ),
        severity=Severity.INFO,
        clauses=["7.5.2.2", "7.6.2", "7.1.3"],
        indicators=[4, 30, 31, 33],
        enterprise_types=list(EnterpriseType),
        page_roles=ROLES,
        scope="site",
        absence_is_failure=False,
        legal_basis=[
            "电子商务企业服务质量规程 7.5.2.2",
            "电子商务企业服务质量规程 7.6.2",
            "广告法 第11条",
        ],
    )
