"""Innovation and intellectual property the site shows (standard 7.5.1.1 AI/区块链/大数据,
7.5.1.2 VR/AR 展示, 6.2.12 创新服务; Annex A #27 技术创新, #29 无形资产; clause-signals SIG-INNOV,
SIG-IP, SIG-ALGO filing).

- AI services — 智能客服, AI 导购/试穿/试妆, 大模型, 生成式人工智能;
- algorithm filing — 网信算备 number (21 digits), a link to `beian.cac.gov.cn`;
- blockchain and traceability — 区块链溯源/存证, 溯源码, 一物一码, 扫码溯源;
- VR / AR — AR 试穿/试戴/试妆, VR 看房/逛店, 3D 展示, 360° 全景, `<model-viewer>`; EN AR try-on,
  3D view, virtual try-on;
- patents and software copyright — ZL numbers, 发明/实用新型/外观设计专利, 软著登字第N号, 注册商标
  (®).

Read on home, about, product, help and other pages. These are claims of capability an assessor
verifies (专利证书, 算法备案 lookup, 成果鉴定): hits → needs review, none → not applicable (7.5.1
says 宜/可). A `model-viewer`, `three.js` or WebXR script among the page's resources counts as
3D/AR display too.
"""

from __future__ import annotations

import re
from typing import Final

from ecq_scan.artifacts import PageArtifacts
from ecq_scan.checks.base import Hit
from ecq_scan.checks.builtin._claims import ClaimsCheck
from ecq_scan.checks.builtin._common import t
from ecq_scan.models import CheckMeta, EnterpriseType, PageRole, Severity

FAMILIES: Final[dict[str, re.Pattern[str]]] = {
    "ai": re.compile(
        r"智能客服|AI\s*(?:客服|导购|助手|试穿|试妆|搭配|推荐)|大模型|生成式人工智能|机器人客服"
        r"|\bAI[- ](?:powered|assistant|stylist)\b|\bvirtual\s+assistant\b",
        re.I,
    ),
    "algorithm-filing": re.compile(
        r"网信算备\s*:?\s*\d{21}\s*号|生成式人工智能服务备案|大模型备案"
    ),
    "traceability": re.compile(
        r"区块链(?:溯源|存证|技术)?|蚂蚁链|至信链|长安链|溯源码|一物一码|追溯码|扫码溯源|全程可追溯"
        r"|\bblockchain\b|\btraceab(?:le|ility)\b",
        re.I,
    ),
    "xr": re.compile(
        r"AR\s*试(?:穿|戴|妆|用)|VR\s*(?:看|逛|体验)|3D\s*(?:展示|看|预览)|360\s*°?\s*全景"
        r"|虚拟试(?:穿|衣|妆)"
        r"|\bAR\s+try[- ]on\b|\bvirtual\s+try[- ]on\b|\b3D\s+(?:view|model|preview)\b"
        r"|\bview\s+in\s+AR\b",
        re.I,
    ),
    "ip": re.compile(
        r"ZL\s*\d{4}\s*[12389]\s*\d{7}\s*\.\s*[\dX]|ZL\s*\d{2}\s*[123]\s*\d{5}\s*\.\s*[\dX]"
        r"|(?:发明|实用新型|外观设计)专利(?:号|证书)?|软著登字第\s*\d{5,8}\s*号|计算机软件著作权"
        r"|注册商标|商标注册(?:号|证)|\bpatent(?:ed)?\s+(?:no\.?|number|pending)\b|\bregistered\s+trademark\b",
        re.I,
    ),
}
NAMES: Final = {
    "ai": ("人工智能服务", "AI services"),
    "algorithm-filing": ("算法备案", "an algorithm filing"),
    "traceability": ("区块链或溯源", "blockchain or traceability"),
    "xr": ("VR/AR/3D 展示", "VR, AR or 3D display"),
    "ip": ("专利、商标或软件著作权", "patents, trademarks or software copyright"),
}
ROLES: Final = [
    PageRole.HOME,
    PageRole.ABOUT,
    PageRole.PRODUCT,
    PageRole.HELP,
    PageRole.OTHER,
    PageRole.CATEGORY,
]
_XR_SCRIPT: Final = re.compile(r"model-viewer|three(?:\.module)?(?:\.min)?\.js|webxr", re.I)


class InnovationSignals(ClaimsCheck):
    """AI, algorithm filing, traceability, VR/AR and IP claims, listed for verification."""

    families = FAMILIES
    names = NAMES
    roles = ROLES
    none = t(
        "不适用：网站未展示人工智能、区块链溯源、VR/AR 或知识产权等创新信息（7.5.1 为宜/可）",
        "Not applicable: the site shows no AI, blockchain traceability, VR/AR or intellectual "
        "property (7.5.1 says should/may)",
    )
    meta = CheckMeta(
        id="innovation-signals",
        title_pass=t("创新与知识产权信息", "Innovation and intellectual property shown"),
        title_fail=t("创新与知识产权声明待核实", "Innovation and IP claims to verify"),
        description=t(
            "网站展示的人工智能服务、算法备案、区块链溯源、VR/AR 展示及专利、商标、软件著作权列出，"
            "供评审核实。",
            "AI services, algorithm filings, blockchain traceability, VR/AR display and patents, "
            "trademarks or software copyrights the site shows are listed for the assessor to "
            "verify.",
        ),
        severity=Severity.INFO,
        clauses=["7.5.1.1", "7.5.1.2", "6.2.12"],
        indicators=[27, 29],
        enterprise_types=list(EnterpriseType),
        page_roles=ROLES,
        scope="site",
        absence_is_failure=False,
        legal_basis=[
            "电子商务企业服务质量规程 7.5.1",
            "互联网信息服务算法推荐管理规定 第24条",
            "广告法 第12条",
        ],
    )

    def observe(self, page: PageArtifacts) -> list[Hit]:
        hits = super().observe(page)
        if page.role in self.roles:
            for res in page.resources:
                if res.kind == "script" and _XR_SCRIPT.search(res.raw):
                    hits.append(
                        Hit(
                            self.meta.id,
                            "xr",
                            page.url,
                            page.role,
                            res.locator,
                            f"<script src={res.raw}>",
                            value=res.raw.rsplit("/", 1)[-1][:60],
                        )
                    )
                    break
        return hits
