"""Automated accessibility test of rendered pages with axe-core (standard 7.4.1).

7.4.1: 电子商务企业应当充分考虑老年人、残障人士等特殊群体的服务需求，在界面设计…方面提供
适配性解决方案. For the web the measurable part of "界面设计适配" is WCAG 2.x level A/AA, which
GB/T 37668-2019 (信息技术 互联网内容无障碍可访问性技术要求与测试方法) follows and
无障碍环境建设法 第32条 encourages shopping sites to meet (clause-signals SIG-A11Y).

The browser layer runs axe-core in each rendered page and stores the results in
`RenderInfo.axe`; this check only reads them (pure, replayable by `ecq-scan audit`). axe-core's own
rule is that a reported violation must be real — uncertain results go to `incomplete` — so a
serious or critical violation of a WCAG A/AA rule fails the page, with every violating element as
evidence (the axe target selector, its HTML, the rule id, impact and WCAG success criteria).
Everything weaker is a review item, never a failure:

- minor/moderate violations, and serious ones of best-practice rules that carry no WCAG A/AA tag
  (a person judges whether they matter for the page);
- `incomplete` results (axe could not decide, e.g. text over a background image);
- no violations at all passes the page — it does not prove the page accessible (automated tools
  find roughly a third of WCAG issues), and the message says so.

Pages the browser did not render are not looked at; a page whose rendering or axe run failed is
`error` for that page. With no rendered page at all the check is `error` ("no rendered page to
test"); the analysis layer reports separately when no browser was available.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ecq_scan.artifacts import PageArtifacts
from ecq_scan.checks.base import Check, Hit, SiteContext, Verdict
from ecq_scan.checks.builtin._common import t
from ecq_scan.models import (
    AxeRule,
    CheckMeta,
    EnterpriseType,
    Evidence,
    Finding,
    I18nText,
    Outcome,
    Severity,
)

#: violating elements kept per rule and per page (evidence is bounded; counts stay exact)
MAX_NODES_PER_RULE = 10
MAX_HITS_PER_PAGE = 100
#: rules named in a page's message; more are counted
MAX_RULES_IN_MESSAGE = 8
BLOCKING_IMPACTS = frozenset({"serious", "critical"})
_IMPACT_RANK = {"critical": 0, "serious": 1, "moderate": 2, "minor": 3}
_LEVEL_TAGS = {
    "wcag2a": "A",
    "wcag21a": "A",
    "wcag22a": "A",
    "wcag2aa": "AA",
    "wcag21aa": "AA",
    "wcag22aa": "AA",
    "wcag2aaa": "AAA",
    "wcag21aaa": "AAA",
    "wcag22aaa": "AAA",
}
#: `wcag111` → 1.1.1, `wcag1410` → 1.4.10 (axe tags success criteria this way)
_SC_TAG = re.compile(r"^wcag(\d)(\d)(\d{1,2})$")


def wcag_level(tags: Sequence[str]) -> str | None:
    """The lowest WCAG conformance level a rule's tags name (A < AA < AAA), or None for a
    best-practice rule outside WCAG."""
    levels = {_LEVEL_TAGS[tag] for tag in tags if tag in _LEVEL_TAGS}
    for level in ("A", "AA", "AAA"):
        if level in levels:
            return level
    return None


def wcag_criteria(tags: Sequence[str]) -> list[str]:
    """WCAG success criteria named by the tags, e.g. `["1.1.1", "4.1.2"]`."""
    out: list[str] = []
    for tag in tags:
        m = _SC_TAG.match(tag)
        if m:
            sc = ".".join(m.groups())
            if sc not in out:
                out.append(sc)
    return out


def _label(impact: str | None, tags: Sequence[str]) -> str:
    """`critical · WCAG 1.1.1 A` — what a rule is, in one short bracket."""
    level = wcag_level(tags)
    criteria = ", ".join(wcag_criteria(tags))
    if level is None:
        where = "best practice"
    elif criteria:
        where = f"WCAG {criteria} {level}"
    else:
        where = f"WCAG {level}"
    return f"{impact or 'unknown'} · {where}"


@dataclass(slots=True)
class _Rule:
    """One axe rule's result on one page, rebuilt from its hits."""

    id: str
    kind: str
    impact: str | None
    tags: list[str]
    help: str
    nodes: int
    hits: list[Hit] = field(default_factory=list)

    @property
    def level(self) -> str | None:
        return wcag_level(self.tags)

    @property
    def blocking(self) -> bool:
        return (
            self.kind == "violation"
            and self.impact in BLOCKING_IMPACTS
            and self.level in ("A", "AA")
        )

    def describe(self) -> str:
        return f"{self.id} [{_label(self.impact, self.tags)}] ×{self.nodes}"


@dataclass(slots=True)
class _Page:
    url: str
    engine: str = ""
    passes: int = 0
    screenshot: str | None = None
    screenshot_sha256: str | None = None
    error: str | None = None
    rules: dict[tuple[str, str], _Rule] = field(default_factory=dict)


class AccessibilityAxe(Check):
    """axe-core WCAG 2.x A/AA results on every rendered page."""

    meta = CheckMeta(
        id="accessibility-axe",
        title_pass=t(
            "渲染页面未发现自动可测的无障碍问题",
            "No automatically detectable accessibility violations on rendered pages",
        ),
        title_fail=t(
            "渲染页面存在严重的无障碍问题（WCAG A/AA）",
            "Serious accessibility violations (WCAG A/AA) on rendered pages",
        ),
        description=t(
            "电子商务企业应考虑老年人、残障人士的需求，在界面设计上提供适配方案。"
            "以 axe-core 在真实浏览器中按 WCAG 2.x A/AA 级（GB/T 37668 参照）检测渲染后的页面："
            "严重（serious/critical）违规判为不合格，轻微违规与无法自动判定的项目列出供人工确认。"
            "自动检测只能发现部分问题，通过不代表页面完全无障碍。",
            "E-commerce enterprises must consider the needs of older and disabled people in their "
            "interface design. axe-core tests each rendered page in a real browser against WCAG "
            "2.x level A/AA (which GB/T 37668 follows): serious or critical violations fail the "
            "page; minor violations and results axe cannot decide are listed for review. "
            "Automated testing finds only part of the issues; a pass does not make a page fully "
            "accessible.",
        ),
        severity=Severity.SERIOUS,
        clauses=["7.4.1"],
        indicators=[16, 20],
        enterprise_types=list(EnterpriseType),
        page_roles=[],
        scope="page",
        absence_is_failure=False,
        requires_browser=True,
        legal_basis=[
            "无障碍环境建设法 第32条",
            "GB/T 37668-2019 信息技术 互联网内容无障碍可访问性技术要求与测试方法",
            "WCAG 2.1 (W3C)",
        ],
    )

    # observe ----------------------------------------------------------------------------------

    def observe(self, page: PageArtifacts) -> list[Hit]:
        render = page.render
        if render is None:
            return []  # not rendered: nothing to test here
        if render.error:
            return [self._at(page, "error", "html", f"rendering failed: {render.error}")]
        axe = render.axe
        if axe is None:
            return []  # rendered for another purpose; axe did not run on this page
        if axe.error:
            return [self._at(page, "error", "html", f"axe-core failed: {axe.error}")]
        tested = {
            "passes": axe.passes,
            "screenshot": render.screenshot,
            "sha256": render.screenshot_sha256,
        }
        hits = [
            self._at(
                page,
                "tested",
                "html",
                f"axe-core {axe.engine_version or '?'}: {len(axe.violations)} violation rule(s), "
                f"{len(axe.incomplete)} incomplete, {axe.passes} passed",
                value=axe.engine_version,
                note=json.dumps(tested, ensure_ascii=False),
            )
        ]
        results = [("violation", r) for r in axe.violations]
        results += [("incomplete", r) for r in axe.incomplete]
        results.sort(key=lambda kr: (kr[0] != "violation", _IMPACT_RANK.get(kr[1].impact or "", 4)))
        for kind, rule in results:
            for hit in self._rule_hits(page, kind, rule):
                if len(hits) > MAX_HITS_PER_PAGE:
                    return hits
                hits.append(hit)
        return hits

    def _rule_hits(self, page: PageArtifacts, kind: str, rule: AxeRule) -> list[Hit]:
        info = json.dumps(
            {
                "impact": rule.impact,
                "tags": rule.tags,
                "help": rule.help,
                "nodes": len(rule.nodes),
            },
            ensure_ascii=False,
        )
        label = f"{rule.id} [{_label(rule.impact, rule.tags)}]"
        nodes = rule.nodes[:MAX_NODES_PER_RULE]
        if not nodes:
            return [self._at(page, kind, None, f"{label} {rule.help}", value=rule.id, note=info)]
        return [
            self._at(
                page,
                kind,
                node.target or None,
                f"{label} {node.html or node.summary or rule.help}",
                value=rule.id,
                note=info,
            )
            for node in nodes
        ]

    def _at(
        self,
        page: PageArtifacts,
        signal: str,
        locator: str | None,
        snippet: str,
        *,
        value: str | None = None,
        note: str | None = None,
    ) -> Hit:
        return Hit(
            self.meta.id, signal, page.url, page.role, locator, snippet, value=value, note=note
        )

    # conclude ---------------------------------------------------------------------------------

    def conclude(self, hits: Sequence[Hit], site: SiteContext) -> Verdict:
        pages = _pages(hits)
        if not pages:
            return Verdict(
                [
                    self.finding(
                        Outcome.ERROR,
                        t(
                            "没有可供测试的渲染页面（axe-core 未在任何页面运行）",
                            "No rendered page to test (axe-core ran on no page)",
                        ),
                        pages_searched=site.searched(),
                    )
                ]
            )
        return Verdict([self._page_finding(p) for p in pages])

    def _page_finding(self, page: _Page) -> Finding:
        if page.error:
            return self.finding(
                Outcome.ERROR,
                t(f"无法测试该页面：{page.error}", f"Could not test the page: {page.error}"),
                url=page.url,
            )
        rules = list(page.rules.values())
        violations = [r for r in rules if r.kind == "violation"]
        incomplete = [r for r in rules if r.kind == "incomplete"]
        blocking = [r for r in violations if r.blocking]
        if not rules:
            return Finding(
                check_id=self.meta.id,
                outcome=Outcome.PASS,
                message=t(
                    f"axe-core {page.engine} 未发现违规（{page.passes} 条规则通过）；"
                    "自动检测只覆盖部分 WCAG 要求",
                    f"axe-core {page.engine}: no violations ({page.passes} rules passed); "
                    "automated testing covers only part of WCAG",
                ),
                url=page.url,
            )
        summary = _summary(violations, incomplete)
        if blocking:
            outcome = Outcome.FAIL
            shown = blocking
            head = t(
                f"存在 {len(blocking)} 条严重（serious/critical）WCAG A/AA 违规",
                f"{len(blocking)} serious/critical WCAG A/AA violation rule(s)",
            )
        elif violations:
            outcome = Outcome.NEEDS_REVIEW
            shown = violations
            head = t(
                "仅有轻微或最佳实践类违规，请人工判断影响",
                "Only minor/moderate or best-practice violations; a person should judge their "
                "impact",
            )
        else:
            outcome = Outcome.NEEDS_REVIEW
            shown = incomplete
            head = t(
                "无违规，但有 axe-core 无法自动判定的项目，请人工确认",
                "No violations, but results axe-core could not decide need a person",
            )
        listed = "; ".join(r.describe() for r in shown[:MAX_RULES_IN_MESSAGE])
        more = len(shown) - MAX_RULES_IN_MESSAGE
        if more > 0:
            listed += f"; +{more}"
        message = t(f"{head.zh}：{listed}。{summary.zh}", f"{head.en}: {listed}. {summary.en}")
        ordered = shown + [r for r in rules if r not in shown]
        evidence = [
            Evidence(
                url=h.url,
                locator=h.locator,
                snippet=h.snippet,
                screenshot=page.screenshot,
                screenshot_sha256=page.screenshot_sha256 if page.screenshot else None,
            )
            for r in ordered
            for h in r.hits
        ]
        return Finding(
            check_id=self.meta.id,
            outcome=outcome,
            message=message,
            url=page.url,
            evidence=evidence[:MAX_HITS_PER_PAGE],
        )


def _load(note: str | None) -> dict[str, Any]:
    try:
        data = json.loads(note or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _pages(hits: Sequence[Hit]) -> list[_Page]:
    """Hits regrouped per page and per axe rule, in the order the pages were seen."""
    pages: dict[str, _Page] = {}
    for h in hits:
        page = pages.get(h.url)
        if page is None:
            page = pages[h.url] = _Page(h.url)
        if h.signal == "error":
            page.error = page.error or h.snippet
        elif h.signal == "tested":
            info = _load(h.note)
            page.engine = h.value or "?"
            page.passes = int(info.get("passes") or 0)
            page.screenshot = info.get("screenshot") or None
            page.screenshot_sha256 = info.get("sha256") or None
        elif h.signal in ("violation", "incomplete") and h.value:
            key = (h.signal, h.value)
            rule = page.rules.get(key)
            if rule is None:
                info = _load(h.note)
                rule = page.rules[key] = _Rule(
                    id=h.value,
                    kind=h.signal,
                    impact=info.get("impact"),
                    tags=[str(x) for x in info.get("tags") or []],
                    help=str(info.get("help") or ""),
                    nodes=int(info.get("nodes") or 0),
                )
            rule.hits.append(h)
    return list(pages.values())


def _summary(violations: Sequence[_Rule], incomplete: Sequence[_Rule]) -> I18nText:
    """Counts per WCAG level: `A: 2 rule(s), 7 element(s); AA: 1 rule(s), 3 element(s)`."""
    zh: list[str] = []
    en: list[str] = []
    for level, zh_name, en_name in (
        ("A", "A 级", "A"),
        ("AA", "AA 级", "AA"),
        ("AAA", "AAA 级", "AAA"),
        (None, "最佳实践", "best practice"),
    ):
        group = [r for r in violations if r.level == level]
        if group:
            nodes = sum(max(r.nodes, 1) for r in group)
            zh.append(f"{zh_name} {len(group)} 条规则 {nodes} 处")
            en.append(f"{en_name}: {len(group)} rule(s), {nodes} element(s)")
    if incomplete:
        zh.append(f"待人工确认 {len(incomplete)} 条规则")
        en.append(f"to review (incomplete): {len(incomplete)} rule(s)")
    return t(
        "违规统计：" + "；".join(zh) if zh else "无违规",
        "By WCAG level — " + "; ".join(en) if en else "no violations",
    )
