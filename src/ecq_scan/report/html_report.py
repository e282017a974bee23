"""report.html: the assessor-facing report, a pure function of `ScanResult`.

The template only lays out what this module hands it. This module only *groups and formats*
(findings by clause, indicators by Annex A group, labels by language); every score, bound, grade,
cap and state is read from the result as the scorer wrote it. That keeps the HTML, the JSON and
the console summary telling the same story.

Everything that came from the scanned site (snippets, URLs, locators, disclosure values) is
untrusted: Jinja2 autoescaping is on for the whole template, and URLs become links only through
the `safe_url` filter (http/https only).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from ecq_scan.models import (
    DISCLOSURE_KEYS,
    CheckMeta,
    Disclosure,
    Evidence,
    Finding,
    IndicatorScore,
    ItemKind,
    ItemScore,
    ItemState,
    Observability,
    ScanResult,
    Scorecard,
)
from ecq_scan.report import fmt
from ecq_scan.report._io import atomic_write_text
from ecq_scan.report.i18n import (
    CLAUSE_HEADINGS,
    DISCLOSURE_LABELS,
    ENTERPRISE_TYPE_LABELS,
    ITEM_KIND_LABELS,
    ITEM_STATE_LABELS,
    OBSERVABILITY_LABELS,
    OUTCOME_ICONS,
    OUTCOME_LABELS,
    PAGE_ROLE_LABELS,
    SEVERITY_LABELS,
    STATUS_LABELS,
    STATUS_NOTES,
    Lang,
    label,
    labels_for,
    normalize_lang,
    pick,
    t,
)

TEMPLATE_NAME = "report.html.j2"


# --- view model -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutcomeCount:
    outcome: str
    label: str
    icon: str
    count: int


@dataclass(frozen=True)
class ScaleCell:
    """One step of the Table 1 scale, marked when the result's grade range covers it."""

    label: str
    threshold: str
    in_range: bool


@dataclass(frozen=True)
class GradeCard:
    range_text: str
    provisional: bool
    statement: str
    score_range: str
    coverage: str
    coverage_width: str
    web_subscore: str
    caps: list[str]
    earned: str
    lost: str
    pending: str
    applicable_weight: str
    scale: list[ScaleCell]


@dataclass(frozen=True)
class DisclosureView:
    key: str
    label: str
    value: str
    url: str
    locator: str | None
    snippet: str | None
    valid: str  # "yes" | "no" | "unknown": drives the CSS class
    valid_label: str
    note: str | None


@dataclass(frozen=True)
class FindingView:
    check_id: str
    title: str
    outcome: str
    outcome_label: str
    icon: str
    message: str
    severity: str | None
    other_clauses: list[str]
    indicators: list[int]
    url: str | None
    evidence: list[Evidence]
    pages_searched: list[str]


@dataclass(frozen=True)
class ClauseGroup:
    clause: str
    heading: str | None
    findings: list[FindingView]
    counts: list[OutcomeCount]


@dataclass(frozen=True)
class ItemView:
    id: str
    kind: str
    kind_label: str
    points: str
    state: str
    state_label: str
    earned: str
    reason: str
    checks: list[str]


@dataclass(frozen=True)
class IndicatorView:
    number: int
    title: str
    group: str
    observability: str
    observability_label: str
    weight: str
    applicable: bool
    earned: str
    lost: str
    pending: str
    items: list[ItemView]


@dataclass(frozen=True)
class IndicatorGroup:
    title: str
    indicators: list[IndicatorView]


@dataclass(frozen=True)
class PendingDocItem:
    indicator: IndicatorView
    item: ItemView


@dataclass(frozen=True)
class PageView:
    url: str
    final_url: str | None
    status: str
    role: str
    depth: int
    error: str | None


@dataclass(frozen=True)
class Row:
    """A label/value pair for the definition tables (header, provenance, settings)."""

    label: str
    value: str
    url: str | None = None
    code: bool = False


@dataclass(frozen=True)
class ReportView:
    lang: Lang
    html_lang: str
    title: str
    target: str
    header: list[Row]
    status: str
    status_label: str
    status_note: str
    status_reason: str | None
    counts: list[OutcomeCount]
    card: GradeCard
    disclosures: list[DisclosureView]
    missing_disclosures: list[str]
    clauses: list[ClauseGroup]
    indicator_groups: list[IndicatorGroup]
    indicator_totals: dict[str, str]
    not_observable: list[IndicatorView]
    other_pending_docs: list[PendingDocItem]
    evidence_file: str | None
    pages: list[PageView]
    skipped: list[tuple[str, str]]
    provenance: list[Row]
    settings: list[Row] = field(default_factory=list)


def _counts(findings: Sequence[Finding], lang: Lang) -> list[OutcomeCount]:
    return [
        OutcomeCount(outcome, label(OUTCOME_LABELS, outcome, lang), OUTCOME_ICONS[outcome], n)
        for outcome, n in fmt.outcome_counts(findings).items()
        if outcome in OUTCOME_ICONS
    ]


def _grade_card(card: Scorecard, lang: Lang) -> GradeCard:
    evidence = ""
    if card.evidence_file:
        evidence = t("provisional_with_file", lang, file=card.evidence_file)
    statement_key = "provisional_statement" if card.provisional else "final_statement"
    low, high = fmt.grade_rank(card.grade_min), fmt.grade_rank(card.grade_max)
    scale = [ScaleCell(t("no_grade_short", lang), t("below_50", lang), low == 0)]
    for rank, grade in enumerate(fmt.GRADES, start=1):
        threshold = t("total_ge", lang, n=fmt.GRADE_THRESHOLDS[grade])
        scale.append(ScaleCell(grade, threshold, low <= rank <= high))
    return GradeCard(
        range_text=fmt.grade_range(card, lang),
        provisional=card.provisional,
        statement=t(statement_key, lang, evidence=evidence),
        score_range=fmt.score_range(card),
        coverage=fmt.percent(card.coverage),
        coverage_width=fmt.percent_width(card.coverage),
        web_subscore=fmt.score(card.web_subscore),
        caps=[c.reason.get(lang) for c in card.caps] or list(card.caps_applied),
        earned=fmt.points(card.earned),
        lost=fmt.points(card.lost),
        pending=fmt.points(card.pending),
        applicable_weight=fmt.points(card.applicable_weight),
        scale=scale,
    )


def _disclosures(items: Sequence[Disclosure], lang: Lang) -> list[DisclosureView]:
    """Disclosures in the stable key order of DESIGN §4, keeping extraction order within a key."""
    order = {key: i for i, key in enumerate(DISCLOSURE_KEYS)}
    ranked = sorted(enumerate(items), key=lambda pair: (order.get(pair[1].key, 999), pair[0]))
    views: list[DisclosureView] = []
    for _, d in ranked:
        valid = "unknown" if d.valid is None else ("yes" if d.valid else "no")
        valid_label = t(
            {"yes": "valid_yes", "no": "valid_no", "unknown": "valid_unknown"}[valid], lang
        )
        views.append(
            DisclosureView(
                key=d.key,
                label=label(DISCLOSURE_LABELS, d.key, lang),
                value=d.value,
                url=d.url,
                locator=d.locator,
                snippet=d.snippet,
                valid=valid,
                valid_label=valid_label,
                note=d.note,
            )
        )
    return views


def _clause_heading(clause: str, lang: Lang) -> str | None:
    """The nearest enclosing section heading, e.g. 7.2.2 → "7.2 Transparency"."""
    parts = clause.split(".")
    for n in range(len(parts), 0, -1):
        prefix = ".".join(parts[:n])
        if prefix in CLAUSE_HEADINGS:
            return f"{prefix} {pick(CLAUSE_HEADINGS[prefix], lang)}"
    return None


def _finding_view(finding: Finding, meta: CheckMeta | None, lang: Lang) -> FindingView:
    outcome = str(finding.outcome)
    return FindingView(
        check_id=finding.check_id,
        title=fmt.finding_title(finding, meta, lang),
        outcome=outcome,
        outcome_label=label(OUTCOME_LABELS, outcome, lang),
        icon=OUTCOME_ICONS.get(outcome, "•"),
        message=finding.message.get(lang),
        severity=None if meta is None else label(SEVERITY_LABELS, str(meta.severity), lang),
        other_clauses=[] if meta is None else list(meta.clauses[1:]),
        indicators=[] if meta is None else list(meta.indicators),
        url=finding.url,
        evidence=list(finding.evidence),
        pages_searched=list(finding.pages_searched),
    )


def _clauses(result: ScanResult, lang: Lang) -> list[ClauseGroup]:
    """Findings grouped by the first clause of their check, in clause order.

    Within a clause, what needs action comes first (fail, error, needs review, pass, n/a), then
    the more severe check. Findings of a check missing from `result.checks` (a plugin that was
    not declared) are kept, under their own heading at the end, rather than dropped.
    """
    metas = {meta.id: meta for meta in result.checks}
    buckets: dict[str, list[tuple[Finding, CheckMeta | None]]] = {}
    for finding in result.findings:
        meta = metas.get(finding.check_id)
        clause = meta.clauses[0] if meta else ""
        buckets.setdefault(clause, []).append((finding, meta))

    def order(pair: tuple[Finding, CheckMeta | None]) -> tuple[int, int, str]:
        finding, meta = pair
        severity = fmt.severity_rank(str(meta.severity)) if meta else len(fmt.SEVERITY_ORDER)
        return (fmt.outcome_rank(str(finding.outcome)), severity, finding.check_id)

    groups: list[ClauseGroup] = []
    for clause in sorted(buckets, key=lambda c: (c == "", fmt.clause_key(c))):
        pairs = sorted(buckets[clause], key=order)
        groups.append(
            ClauseGroup(
                clause=clause or t("clause_unknown", lang),
                heading=_clause_heading(clause, lang) if clause else None,
                findings=[_finding_view(f, m, lang) for f, m in pairs],
                counts=[c for c in _counts([f for f, _ in pairs], lang) if c.count],
            )
        )
    return groups


def _item_view(item: ItemScore, lang: Lang) -> ItemView:
    return ItemView(
        id=item.id,
        kind=str(item.kind),
        kind_label=label(ITEM_KIND_LABELS, str(item.kind), lang),
        points=fmt.points(item.points),
        state=str(item.state),
        state_label=label(ITEM_STATE_LABELS, str(item.state), lang),
        earned=fmt.points(item.earned),
        reason=item.reason,
        checks=list(item.checks),
    )


def _indicator_view(ind: IndicatorScore, lang: Lang) -> IndicatorView:
    return IndicatorView(
        number=ind.number,
        title=ind.title.get(lang),
        group=ind.group.get(lang),
        observability=str(ind.observability),
        observability_label=label(OBSERVABILITY_LABELS, str(ind.observability), lang),
        weight=fmt.points(ind.weight),
        applicable=ind.applicable,
        earned=fmt.points(ind.earned),
        lost=fmt.points(ind.lost),
        pending=fmt.points(ind.pending),
        items=[_item_view(item, lang) for item in ind.items],
    )


def _indicator_groups(views: Sequence[IndicatorView]) -> list[IndicatorGroup]:
    """Consecutive indicators sharing an Annex A group (一级指标) become one table section."""
    groups: list[IndicatorGroup] = []
    for view in views:
        if groups and groups[-1].title == view.group:
            groups[-1].indicators.append(view)
        else:
            groups.append(IndicatorGroup(view.group, [view]))
    return groups


def _not_observable(
    indicators: Sequence[IndicatorScore], views: Sequence[IndicatorView]
) -> tuple[list[IndicatorView], list[PendingDocItem]]:
    """Documents-only indicators, plus pending document items hiding in other indicators."""
    documents: list[IndicatorView] = []
    others: list[PendingDocItem] = []
    for ind, view in zip(indicators, views, strict=True):
        if ind.observability == Observability.DOCUMENTS:
            documents.append(view)
            continue
        for item, item_view in zip(ind.items, view.items, strict=True):
            if item.kind == ItemKind.DOC and item.state == ItemState.PENDING:
                others.append(PendingDocItem(view, item_view))
    return documents, others


def _settings_value(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)


def build_view(result: ScanResult, lang: str) -> ReportView:
    """Everything the template shows, already grouped, labelled and formatted for `lang`."""
    lg = normalize_lang(lang)
    prov = result.provenance
    card = result.scorecard
    indicators = sorted(card.indicators, key=lambda ind: ind.number)
    indicator_views = [_indicator_view(ind, lg) for ind in indicators]
    documents, other_docs = _not_observable(indicators, indicator_views)
    found = {d.key for d in result.disclosures}
    status = str(result.status)

    header = [
        Row(t("target", lg), result.target, url=result.target),
        Row(t("host", lg), result.host, code=True),
        Row(
            t("enterprise_type", lg),
            label(ENTERPRISE_TYPE_LABELS, str(result.enterprise_type), lg),
        ),
        Row(t("scan_time", lg), f"{fmt.when(prov.started_at)} → {fmt.when(prov.finished_at)}"),
        Row(t("duration", lg), fmt.duration(prov.started_at, prov.finished_at)),
        Row(t("tool_version", lg), f"ecq-scan {prov.tool_version}"),
        Row(t("profile", lg), f"{card.profile_id} ({card.profile_version})", code=True),
    ]
    if prov.offline_audit:
        header.append(Row(t("offline_audit", lg), t("yes", lg)))
    if prov.settings.get("allow_private"):  # say so where a reader looks first
        header.append(Row(t("ssrf_guard", lg), t("ssrf_guard_off", lg)))

    provenance = [
        Row(t("tool_version", lg), prov.tool_version, code=True),
        Row(t("schema_version", lg), result.schema_version, code=True),
        Row(t("rule_pack_hash", lg), prov.rule_pack_hash, code=True),
        Row(t("profile_id", lg), prov.profile_id, code=True),
        Row(t("profile_version", lg), card.profile_version, code=True),
        Row(t("browser_version", lg), prov.browser_version or t("no_browser", lg)),
        Row(t("user_agent", lg), prov.user_agent, code=True),
        Row(t("started_at", lg), fmt.when(prov.started_at)),
        Row(t("finished_at", lg), fmt.when(prov.finished_at)),
        Row(t("offline_audit", lg), t("yes" if prov.offline_audit else "no", lg)),
    ]
    if card.evidence_file:
        provenance.append(Row(t("evidence_file", lg), card.evidence_file, code=True))

    return ReportView(
        lang=lg,
        html_lang="zh-CN" if lg == "zh" else "en",
        title=t("report_title", lg),
        target=result.target,
        header=header,
        status=status,
        status_label=label(STATUS_LABELS, status, lg),
        status_note=label(STATUS_NOTES, status, lg),
        status_reason=result.status_reason,
        counts=_counts(result.findings, lg),
        card=_grade_card(card, lg),
        disclosures=_disclosures(result.disclosures, lg),
        missing_disclosures=[
            label(DISCLOSURE_LABELS, key, lg) for key in DISCLOSURE_KEYS if key not in found
        ],
        clauses=_clauses(result, lg),
        indicator_groups=_indicator_groups(indicator_views),
        indicator_totals={
            "weight": fmt.points(card.applicable_weight),
            "earned": fmt.points(card.earned),
            "lost": fmt.points(card.lost),
            "pending": fmt.points(card.pending),
        },
        not_observable=documents,
        other_pending_docs=other_docs,
        evidence_file=card.evidence_file,
        pages=[
            PageView(
                url=page.url,
                final_url=page.final_url if page.final_url != page.url else None,
                status="—" if page.status is None else str(page.status),
                role="—" if page.role is None else label(PAGE_ROLE_LABELS, str(page.role), lg),
                depth=page.depth,
                error=page.error,
            )
            for page in result.pages
        ],
        skipped=[(s.url, s.reason) for s in result.skipped],
        provenance=provenance,
        settings=[
            Row(key, _settings_value(value), code=True)
            for key, value in sorted(prov.settings.items())
        ],
    )


# --- rendering ------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The one Jinja2 environment: autoescaping everywhere, undefined names are errors.

    `StrictUndefined` turns a misspelt field into a test failure instead of an empty cell an
    assessor would read as "nothing found".
    """
    env = Environment(
        loader=PackageLoader("ecq_scan", "report/templates"),
        autoescape=select_autoescape(
            enabled_extensions=("html", "htm", "xml", "j2"), default_for_string=True, default=True
        ),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    filters: dict[str, Callable[..., Any]] = {
        "safe_url": fmt.safe_url,
        "safe_src": fmt.safe_src,
    }
    env.filters.update(filters)
    return env


def render_html(result: ScanResult, lang: str = "zh") -> str:
    """The complete, self-contained report.html for `result` in `lang` (`zh` or `en`)."""
    view = build_view(result, lang)
    template = environment().get_template(TEMPLATE_NAME)
    lg = view.lang

    def tr(key: str, **values: object) -> str:
        return t(key, lg, **values)

    return template.render(v=view, L=labels_for(lg), tr=tr)


def write_html(result: ScanResult, path: Path | str, lang: str = "zh") -> Path:
    """Render and write report.html atomically; returns the path."""
    return atomic_write_text(Path(path), render_html(result, lang))
