"""Statutory notices on health food, prescription drugs and patent claims (standard 7.7.2 不得
虚构功效…严禁虚假广告; 广告法 第12、16、18条; 药品网络销售监督管理办法; clause-signals
SIG-AD-EFFICACY, automated part).

Conditional checks on product and other advertising pages (main content only):

- health food — a 保健食品 approval or filing number (国食健注G…, 国食健字G…, 卫食健字(yyyy)第…号,
  食健备G…) on the page → the page must show 本品不能代替药物 (广告法 第18条) → else fail; the word
  保健食品 in the product's title or heading without a number → review if the notice is missing;
- prescription drugs — a page labelled 处方药 / Rx → 处方药须凭处方在药师指导下购买和使用
  (药品网络销售监督管理办法) → else fail;
- patents — a patent claim (专利产品, 专利技术, 已获…专利, 国家专利) → a patent number (ZL…) and its
  type (发明/实用新型/外观设计) expected (广告法 第12条) → else review.

One finding per page with a problem (`scope: page`); nothing triggered anywhere → not
applicable; every triggered page in order → pass. Pages that say they do *not* sell such goods
(不销售保健食品, 非处方药) do not trigger.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from typing import Final

from ecq_scan.artifacts import PageArtifacts
from ecq_scan.checks.base import Check, Hit, SiteContext, Verdict
from ecq_scan.checks.builtin._common import context, t
from ecq_scan.models import CheckMeta, EnterpriseType, Finding, Outcome, PageRole, Severity

ROLES: Final = [PageRole.PRODUCT, PageRole.CATEGORY, PageRole.HOME, PageRole.OTHER]
HEALTH_FOOD_NUMBER: Final = re.compile(
    r"国食健注\s*G\d{8}|国食健字\s*G\d{8}|卫食健字\s*[(（\[]\s*\d{4}\s*[)）\]]\s*第?\s*\d{3,4}\s*号"
    r"|食健备\s*G\d{12}"
)
HEALTH_FOOD_WORD: Final = re.compile(r"(?<!不销售)(?<!非)保健食品")
HEALTH_FOOD_NOTICE: Final = re.compile(r"本品不能代替药物")
RX_LABEL: Final = re.compile(r"(?<!非)处方药|【\s*Rx\s*】|\bRx\b(?!\s*\d)")
RX_NOTICE: Final = re.compile(r"处方药须凭处方在药师指导下购买和使用")
PATENT_CLAIM: Final = re.compile(
    r"专利产品|专利技术|已获[^\n。]{0,6}专利|国家专利|独家专利|专利配方"
)
PATENT_NUMBER: Final = re.compile(
    r"ZL\s*(?:\d{4}\s*[12389]\s*\d{7}|\d{2}\s*[123]\s*\d{5})\s*\.\s*[\dX]", re.I
)
PATENT_TYPE: Final = re.compile(r"发明专利|实用新型(?:专利)?|外观设计(?:专利)?")
#: just before a trigger word: the page says it does not sell such goods
NOT_SOLD: Final = re.compile(r"(?:不|未|暂不|禁止)(?:销售|经营|出售|售卖|提供)[^\n。，,]{0,8}$")


class MandatoryAdNotices(Check):
    """Health-food, prescription-drug and patent notices where the page triggers them."""

    meta = CheckMeta(
        id="mandatory-ad-notices",
        title_pass=t("法定广告提示齐全", "Statutory advertising notices present"),
        title_fail=t("缺少法定广告提示", "Statutory advertising notice missing"),
        description=t(
            "保健食品广告应显著标明“本品不能代替药物”；处方药展示应提示“处方药须凭处方在药师指导下"
            "购买和使用”；涉及专利的应标明专利号和专利种类。",
            "Health-food adverts must state 本品不能代替药物 ('this product cannot replace "
            "medicine'); prescription drugs must carry the prescription warning; patent claims "
            "must give the patent number and type.",
        ),
        severity=Severity.SERIOUS,
        clauses=["7.7.2"],
        indicators=[23],
        enterprise_types=list(EnterpriseType),
        page_roles=ROLES,
        scope="page",
        absence_is_failure=False,
        legal_basis=[
            "广告法 第18条",
            "广告法 第12条",
            "广告法 第16条",
            "药品网络销售监督管理办法 第12条",
        ],
    )

    def observe(self, page: PageArtifacts) -> list[Hit]:
        if page.role not in ROLES:
            return []
        main = page.region_text("main")
        if not main:
            return []
        text = page.text
        hits: list[Hit] = []

        def where(rx: re.Pattern[str]) -> re.Match[str] | None:
            for m in rx.finditer(text):
                block = page.block_at(m.start())
                if block is not None and block.region != "main":
                    continue
                if NOT_SOLD.search(text, max(0, m.start() - 16), m.start()):
                    continue
                return m
            return None

        number = where(HEALTH_FOOD_NUMBER)
        heading = f"{page.h1} {page.title}"
        if number is not None or HEALTH_FOOD_WORD.search(heading):
            ok = HEALTH_FOOD_NOTICE.search(main) is not None
            m = number or where(HEALTH_FOOD_WORD)
            hits.append(
                self._hit(page, "health-food", m, ok, strong=number is not None, fallback=heading)
            )
        rx = where(RX_LABEL)
        if rx is not None:
            hits.append(self._hit(page, "rx", rx, RX_NOTICE.search(main) is not None, strong=True))
        patent = where(PATENT_CLAIM)
        if patent is not None:
            ok = PATENT_NUMBER.search(main) is not None and PATENT_TYPE.search(main) is not None
            hits.append(self._hit(page, "patent", patent, ok, strong=False))
        return hits

    def _hit(
        self,
        page: PageArtifacts,
        signal: str,
        m: re.Match[str] | None,
        ok: bool,
        *,
        strong: bool,
        fallback: str = "",
    ) -> Hit:
        if m is None:
            return Hit(
                self.meta.id, signal, page.url, page.role, "h1", fallback.strip(), valid=ok,
                note="strong" if strong else None,
            )  # fmt: skip
        block = page.block_at(m.start())
        return Hit(
            self.meta.id,
            signal,
            page.url,
            page.role,
            block.locator if block is not None else None,
            context(page.text, m.start(), m.end(), 30),
            value=m.group(0),
            valid=ok,
            note="strong" if strong else None,
        )

    def conclude(self, hits: Sequence[Hit], site: SiteContext) -> Verdict:
        by_page: dict[str, list[Hit]] = defaultdict(list)
        for h in hits:
            by_page[h.url].append(h)
        if not by_page:
            return self.not_applicable(
                t(
                    "不适用：未发现保健食品、处方药或专利宣传",
                    "Not applicable: no health food, prescription drug or patent claim seen",
                )
            )
        findings: list[Finding] = []
        for url, page_hits in by_page.items():
            bad = [h for h in page_hits if h.valid is False]
            if not bad:
                findings.append(self.finding(Outcome.PASS, url=url, hits=page_hits))
                continue
            fails = [h for h in bad if h.signal in ("health-food", "rx") and h.note == "strong"]
            reasons_zh, reasons_en = [], []
            for h in bad:
                if h.signal == "health-food":
                    reasons_zh.append("保健食品未标明“本品不能代替药物”")
                    reasons_en.append("health food without 本品不能代替药物")
                elif h.signal == "rx":
                    reasons_zh.append("处方药未提示“处方药须凭处方在药师指导下购买和使用”")
                    reasons_en.append("prescription drug without the prescription warning")
                else:
                    reasons_zh.append("专利宣传未标明专利号和专利种类")
                    reasons_en.append("patent claim without patent number and type")
            outcome = Outcome.FAIL if fails else Outcome.NEEDS_REVIEW
            msg = t("；".join(reasons_zh), "; ".join(reasons_en))
            findings.append(self.finding(outcome, msg, url=url, hits=bad))
        return Verdict(findings)
