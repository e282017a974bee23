"""The console summary after a scan, and the crawl progress display.

The summary is a handful of plain lines (testable, pipeable into CI logs); `print_summary` only
adds emphasis when rich sees a terminal. Site text is stripped of control characters before it
reaches a terminal, and printed with markup off, so a page title cannot inject escape sequences
or rich markup.

Progress goes to stderr and only when stderr is a terminal: stdout stays clean for `--json -` or
for the summary, and CI logs do not fill with redraws.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text

from ecq_scan.models import CheckMeta, Finding, Outcome, ScanResult
from ecq_scan.report import fmt
from ecq_scan.report.i18n import (
    ENTERPRISE_TYPE_LABELS,
    OUTCOME_ICONS,
    OUTCOME_LABELS,
    STATUS_LABELS,
    Lang,
    label,
    normalize_lang,
    t,
)

TOP_FAILS = 5
URL_WIDTH = 60


def _styled_lines(
    result: ScanResult, lang: Lang, paths: Mapping[str, Path | str] | None, top: int
) -> list[tuple[str, str]]:
    card = result.scorecard
    status = str(result.status)
    sep = t("colon", lang)
    head = (
        f"ecq-scan {result.provenance.tool_version} · {result.target} · "
        f"{label(ENTERPRISE_TYPE_LABELS, str(result.enterprise_type), lang)} · "
        f"{t('status', lang)}{sep}{label(STATUS_LABELS, status, lang)}"
    )
    if result.status_reason:
        head += f" ({result.status_reason})"
    lines: list[tuple[str, str]] = [(head, "bold")]
    if result.provenance.settings.get("allow_private"):
        lines.append((f"{t('ssrf_guard', lang)}{sep}{t('ssrf_guard_off', lang)}", "yellow"))

    grade_title = t("grade_range_provisional" if card.provisional else "grade_final", lang)
    lines.append((f"{grade_title}{sep}{fmt.grade_range(card, lang)}", "bold cyan"))
    lines.append(
        (
            f"{t('score_range', lang)}{sep}{fmt.score_range(card)} / 100 · "
            f"{t('coverage', lang)}{sep}{fmt.percent(card.coverage)}",
            "",
        )
    )
    lines.append((f"{t('web_subscore_not_grade', lang)}{sep}{fmt.score(card.web_subscore)}", "dim"))
    if card.caps_applied:
        cap_texts = [c.reason.get(lang) for c in card.caps] or card.caps_applied
        lines.append(
            (
                f"{t('caps_applied', lang)}{sep}{'; '.join(cap_texts)}",
                "yellow",
            )
        )

    counts = fmt.outcome_counts(result.findings)
    parts = [
        f"{OUTCOME_ICONS.get(o, '•')} {label(OUTCOME_LABELS, o, lang)} {n}"
        for o, n in counts.items()
    ]
    lines.append((f"{t('findings_count', lang)}{sep}{' · '.join(parts)}", ""))

    fails = _top_fails(result)
    if fails:
        lines.append((t("top_fails", lang), "bold red"))
        for finding, meta in fails[:top]:
            clause = f"[{meta.clauses[0]}] " if meta else ""
            text = f"  ✗ {clause}{fmt.finding_title(finding, meta, lang)}"
            where = fmt.finding_url(finding)
            if where:
                text += f" — {where}"
            elif finding.pages_searched:
                text += f" — {t('searched_n', lang, n=len(finding.pages_searched))}"
            lines.append((text, "red"))
        if len(fails) > top:
            lines.append(("  " + t("and_more", lang, n=len(fails) - top), "red"))

    if paths:
        lines.append((t("reports", lang), "bold"))
        for name, path in paths.items():
            lines.append((f"  {name}{sep}{path}", ""))
    # Indentation is ours; everything after it may hold site text, so it is cleaned for a terminal.
    cleaned: list[tuple[str, str]] = []
    for text, style in lines:
        indent = text[: len(text) - len(text.lstrip(" "))]
        cleaned.append((indent + fmt.plain(text), style))
    return cleaned


def _top_fails(result: ScanResult) -> list[tuple[Finding, CheckMeta | None]]:
    """Fails, most severe check first, then by clause: what to fix first."""
    metas = {meta.id: meta for meta in result.checks}
    fails = [(f, metas.get(f.check_id)) for f in result.findings if f.outcome == Outcome.FAIL]

    def order(pair: tuple[Finding, CheckMeta | None]) -> tuple[int, tuple[int, ...], str]:
        finding, meta = pair
        if meta is None:
            return (len(fmt.SEVERITY_ORDER), (10_000,), finding.check_id)
        return (fmt.severity_rank(str(meta.severity)), fmt.clause_key(meta.clauses[0]), meta.id)

    return sorted(fails, key=order)


def summary_lines(
    result: ScanResult,
    lang: str = "zh",
    paths: Mapping[str, Path | str] | None = None,
    *,
    top: int = TOP_FAILS,
) -> list[str]:
    """The console summary as plain strings: grade range, scores, counts, top fails, report paths.

    Every number is read from the result; the website sub-score is always labelled as not a grade.
    """
    return [text for text, _ in _styled_lines(result, normalize_lang(lang), paths, top)]


def print_summary(
    result: ScanResult,
    lang: str = "zh",
    console: Console | None = None,
    paths: Mapping[str, Path | str] | None = None,
) -> None:
    """Print the summary with rich (stdout by default); styles appear only on a terminal."""
    out = console or Console(highlight=False)
    for text, style in _styled_lines(result, normalize_lang(lang), paths, TOP_FAILS):
        out.print(Text(text, style=style), soft_wrap=True)


# --- progress -------------------------------------------------------------------------------------


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # replaced or closed stream
        return False


def _short(url: str, width: int = URL_WIDTH) -> str:
    flat = fmt.plain(url)
    return flat if len(flat) <= width else flat[: width - 1] + "…"


class ProgressReporter:
    """Crawl progress (spinner, bar, pages fetched / max pages, current URL) on stderr.

    The runner calls it as `progress(done, total, url)` after each page. It draws nothing when
    `quiet` is set or stderr is not a terminal, so it is safe to pass unconditionally. Use it as a
    context manager (or call `close()`) so the live display is removed before the summary prints.

    `console` is for tests and embedding; by default a stderr console is used and the decision is
    the real `sys.stderr.isatty()` (not rich's FORCE_COLOR heuristics, which would put redraws
    into CI logs).
    """

    def __init__(
        self,
        *,
        quiet: bool = False,
        console: Console | None = None,
        description: str = "crawl",
    ) -> None:
        if console is None:
            self.enabled = not quiet and _isatty(sys.stderr)
            self._console = Console(stderr=True) if self.enabled else None
        else:
            self.enabled = not quiet and console.is_terminal
            self._console = console
        self._description = description
        self._progress: Progress | None = None
        self._task: TaskID | None = None

    def _start(self) -> tuple[Progress, TaskID]:
        progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}", markup=False),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.fields[url]}", markup=False, style="dim"),
            console=self._console,
            transient=True,
        )
        progress.start()
        task = progress.add_task(self._description, total=None, url="")
        self._progress, self._task = progress, task
        return progress, task

    def __call__(self, done: int, total: int, url: str) -> None:
        if not self.enabled:
            return
        if self._progress is None or self._task is None:
            progress, task = self._start()
        else:
            progress, task = self._progress, self._task
        # total grows as links are discovered; 0 or less means "not known yet" (pulsing bar)
        progress.update(task, completed=done, total=total if total > 0 else None, url=_short(url))

    def close(self) -> None:
        """Stop and erase the live display; safe to call more than once."""
        if self._progress is not None:
            self._progress.stop()
        self._progress = None
        self._task = None

    def __enter__(self) -> ProgressReporter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
