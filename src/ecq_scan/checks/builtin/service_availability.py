"""System stability and service continuity (standard 6.1.2; Annex A #15; clause-signals
`ops.availability`).

One scan cannot show that a site stays up: an outage, or the absence of one, needs repeated
probes. When scans are recorded in a history database (`--history`, `ecq-scan batch`), the runner
hands this check the home-page result of every earlier recorded scan of the site; this scan's home
page is the newest probe. With at least `min_probes` probes spanning `min_span_hours` (policy in
`standard/observation_policy.yaml`):

- the share of probes whose home page answered (HTTP < 400) is at least `min_uptime` → pass, with
  the probe count, span and first/last probe as evidence;
- below it → needs review, listing the probes that failed. Never fail: a failed probe may be the
  scanner's own network or a block, and a site that blocked us is not a site that failed.

With fewer probes → needs review saying how many more scans are needed (the item stays open for
the assessor, as Annex A #15 is partly observable).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cache
from importlib import resources
from typing import Any

import yaml

from ecq_scan.artifacts import PageArtifacts
from ecq_scan.checks.base import Check, Hit, Probe, SiteContext, Verdict
from ecq_scan.checks.builtin._common import t
from ecq_scan.models import CheckMeta, EnterpriseType, Evidence, Finding, Outcome, Severity

POLICY_FILE = "observation_policy.yaml"


@cache
def policy() -> dict[str, Any]:
    """This check's thresholds from `standard/observation_policy.yaml` (packaged data)."""
    text = resources.files("ecq_scan.standard").joinpath(POLICY_FILE).read_text("utf-8")
    data: dict[str, Any] = yaml.safe_load(text)["service-availability"]
    return data


def _stamp(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M UTC")


def _describe(p: Probe) -> str:
    return f"{_stamp(p.at)}: " + (f"HTTP {p.status}" if p.status is not None else "no answer")


class ServiceAvailability(Check):
    """Home page answered in repeated scans recorded in the history (≥ 3 over ≥ 24 h)."""

    meta = CheckMeta(
        id="service-availability",
        title_pass=t("多次扫描中网站均可访问", "The site was up in repeated scans"),
        title_fail=t("服务连续性无法确认", "Service continuity could not be confirmed"),
        description=t(
            "系统应稳定、服务应连续。需在不同时间多次访问首页（至少 3 次、跨越 24 小时，记录在历史"
            "数据库中）才能观察可用性；单次扫描无法证明。",
            "Systems should be stable and services continuous. Availability shows only in "
            "repeated visits to the home page (at least 3 over 24 hours, recorded in the history "
            "database); one scan cannot prove it.",
        ),
        severity=Severity.MINOR,
        clauses=["6.1.2"],
        indicators=[15],
        enterprise_types=list(EnterpriseType),
        page_roles=[],
        scope="site",
        absence_is_failure=False,
        legal_basis=["电子商务企业服务质量规程 6.1.2"],
    )

    def applies_to_page(self, page: PageArtifacts) -> bool:
        return False  # reads only the probes the runner passes in the site context

    def observe(self, page: PageArtifacts) -> list[Hit]:
        return []

    def conclude(self, hits: Sequence[Hit], site: SiteContext) -> Verdict:
        rules = policy()
        probes = sorted(site.probes, key=lambda p: p.at)
        url = site.home_url
        span_h = (probes[-1].at - probes[0].at).total_seconds() / 3600 if probes else 0.0
        if len(probes) < rules["min_probes"] or span_h < rules["min_span_hours"]:
            msg = t(
                f"单次扫描无法证明服务连续性：需至少 {rules['min_probes']} 次、跨越 "
                f"{rules['min_span_hours']} 小时的扫描记录（使用 --history 记录），当前为 "
                f"{len(probes)} 次、{span_h:.1f} 小时",
                f"One scan cannot show service continuity: it needs at least "
                f"{rules['min_probes']} scans over {rules['min_span_hours']} hours recorded with "
                f"--history; there are {len(probes)} over {span_h:.1f} hours",
            )
            return Verdict([self._finding(Outcome.NEEDS_REVIEW, msg, url, probes[-3:])])
        down = [p for p in probes if not p.ok]
        uptime = 1 - len(down) / len(probes)
        if uptime >= rules["min_uptime"]:
            msg = t(
                f"最近 {len(probes)} 次扫描（{span_h:.0f} 小时）首页均可访问"
                if not down
                else f"最近 {len(probes)} 次扫描（{span_h:.0f} 小时）首页可用率 {uptime:.1%}",
                f"The home page answered in {len(probes) - len(down)} of the last "
                f"{len(probes)} scans over {span_h:.0f} hours ({uptime:.1%})",
            )
            return Verdict([self._finding(Outcome.PASS, msg, url, [probes[0], probes[-1]])])
        msg = t(
            f"最近 {len(probes)} 次扫描中首页有 {len(down)} 次无法访问（可用率 {uptime:.1%}），"
            "可能是网站故障，也可能是扫描网络受阻，请人工确认",
            f"The home page did not answer in {len(down)} of the last {len(probes)} scans "
            f"(uptime {uptime:.1%}); an outage or a block of the scanner — confirm by hand",
        )
        return Verdict([self._finding(Outcome.NEEDS_REVIEW, msg, url, down)])

    def _finding(
        self, outcome: Outcome, message: Any, url: str, probes: Sequence[Probe]
    ) -> Finding:
        evidence = [
            Evidence(url=url, locator="history:home-probe", snippet=_describe(p))
            for p in probes[:10]
        ] or [Evidence(url=url, locator="history:home-probe", snippet="no recorded scans")]
        return Finding(check_id=self.meta.id, outcome=outcome, message=message, evidence=evidence)
