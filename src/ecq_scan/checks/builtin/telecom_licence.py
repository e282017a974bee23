"""增值电信业务经营许可证 number (standard 4.1 "应依法取得…增值电信业务经营许可证等相关资质").

Only some enterprises need one: a third-party platform doing 交易撮合 is the textbook B21
(在线数据处理与交易处理) case, while a self-operated store selling its own goods usually shows
only an ICP 备案号 (clause-signals SIG-VATS). So absence is never a failure: for a platform it is
a review item ("confirm with MIIT"), for other types it is not applicable.

Traps: an unprefixed `B2-20200101` counts only within 40 characters of 增值电信/许可证/ICP证/EDI
(`订单 B2-20200101` is an order number); `浙D3-…` (domain-registrar licence) never matches. The
old `京ICP证…号` display is licence evidence too. The number proves nothing about the licensed
sub-class or validity — that needs the MIIT lookup (assessor). A number introduced as a
partner's (a 合作伙伴 block listing a logistics firm's 沪B2 licence, `_third_party`) is that
company's licence, not the site's, and is not counted.
"""

from __future__ import annotations

from collections.abc import Sequence

from ecq_scan.artifacts import PageArtifacts
from ecq_scan.checks.base import Check, Hit, SiteContext, Verdict
from ecq_scan.checks.builtin._common import NOT_CHINESE_MARKET, t
from ecq_scan.checks.builtin._third_party import third_party_at
from ecq_scan.checks.builtin.icp_filing import icp_value
from ecq_scan.checks.patterns import (
    ICP_LICENCE_OLD,
    is_placeholder_number,
    iter_vats,
    vats_span,
    vats_value,
)
from ecq_scan.models import CheckMeta, EnterpriseType, Outcome, PageRole, Severity

_ROLES = [PageRole.HOME, PageRole.LICENCE, PageRole.ABOUT]


class TelecomLicence(Check):
    """A 增值电信业务经营许可证 number (`浙B2-20080101`, `合字B2-…`, `京ICP证…号`)."""

    meta = CheckMeta(
        id="telecom-licence",
        title_pass=t(
            "已公示增值电信业务经营许可证编号", "Telecom value-added service licence shown"
        ),
        title_fail=t(
            "未发现增值电信业务经营许可证编号",
            "No telecom value-added service licence number found",
        ),
        description=t(
            "经营性互联网信息服务和第三方交易平台（在线数据处理与交易处理，B21）需取得增值电信业务"
            "经营许可证，并通常在首页页脚或资质页公示编号。自营商城一般只需 ICP 备案。",
            "Commercial internet information services and third-party marketplaces (online data "
            "and transaction processing, B21) need a value-added telecom licence and usually "
            "show its number in the footer or on a licences page. A self-operated store usually "
            "needs only an ICP filing.",
        ),
        severity=Severity.MODERATE,
        clauses=["4.1", "6.2.4"],
        indicators=[1],
        enterprise_types=list(EnterpriseType),
        page_roles=_ROLES,
        scope="site",
        absence_is_failure=False,
        legal_basis=[
            "电信条例 第7条",
            "互联网信息服务管理办法 第4条",
            "互联网信息服务管理办法 第7条",
        ],
    )

    def observe(self, page: PageArtifacts) -> list[Hit]:
        hits: list[Hit] = []
        for m in iter_vats(page.text):
            span = vats_span(m)
            if not third_party_at(page, span[0]):
                hits.append(self.hit(page, "vats", *span, value=vats_value(m)))
        for m in ICP_LICENCE_OLD.finditer(page.text):
            if is_placeholder_number(m.group("num")) or third_party_at(page, m.start()):
                continue
            hits.append(self.hit(page, "icp-licence", *m.span(), value=icp_value(m, "证")))
        return hits

    def conclude(self, hits: Sequence[Hit], site: SiteContext) -> Verdict:
        if not site.chinese_market:
            return self.not_applicable(NOT_CHINESE_MARKET)
        if hits:
            return Verdict(
                [self.finding(Outcome.PASS, hits=hits)], self.disclose("telecom_licence", hits)
            )
        if site.enterprise_type is EnterpriseType.PLATFORM:
            return self.absent(
                site,
                _ROLES,
                t(
                    "未发现增值电信业务经营许可证编号；第三方平台通常需持有"
                    "（B21 在线数据处理与交易处理），请向工信部核实",
                    "No value-added telecom licence number found; it is expected for a platform "
                    "(B21) — confirm with MIIT",
                ),
            )
        return self.not_applicable(
            t(
                "不适用：未发现许可证编号，自营商城通常只公示 ICP 备案号",
                "Not applicable: no licence number shown; a self-operated store usually shows "
                "only an ICP filing",
            )
        )
