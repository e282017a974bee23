"""Renderers: result.json, report.html, findings.csv and disclosures.csv, and the console
summary — each a pure function of ScanResult.

Nothing here scores. The grade range, score bounds, coverage and the website sub-score are read
from `ScanResult.scorecard` as the scorer wrote them, so every output tells the same story and a
website-only number is never presented as the grade.
"""

from __future__ import annotations

from pathlib import Path

from ecq_scan.models import ScanResult
from ecq_scan.report._io import atomic_write_text
from ecq_scan.report.console import ProgressReporter, print_summary, summary_lines
from ecq_scan.report.csv_report import (
    DISCLOSURES_CSV,
    FINDINGS_CSV,
    render_disclosures_csv,
    render_findings_csv,
    safe_cell,
)
from ecq_scan.report.html_report import render_html, write_html
from ecq_scan.report.json_report import json_schema, read_json, write_json

RESULT_JSON = "result.json"
REPORT_HTML = "report.html"


def write_reports(result: ScanResult, out_dir: Path | str, lang: str = "zh") -> dict[str, Path]:
    """Write result.json, report.html, findings.csv and disclosures.csv into `out_dir`.

    Every report is rendered before anything is written, so a template error cannot leave a
    fresh result.json beside a stale report.html; each file is replaced atomically. Returns
    {file name: path}.
    """
    out = Path(out_dir)
    html = render_html(result, lang)
    csvs = {
        FINDINGS_CSV: render_findings_csv(result, lang),
        DISCLOSURES_CSV: render_disclosures_csv(result),
    }
    out.mkdir(parents=True, exist_ok=True)
    paths = {RESULT_JSON: write_json(result, out / RESULT_JSON)}
    paths[REPORT_HTML] = atomic_write_text(out / REPORT_HTML, html)
    for name, text in csvs.items():
        paths[name] = atomic_write_text(out / name, text, newline="")
    return paths


__all__ = [
    "DISCLOSURES_CSV",
    "FINDINGS_CSV",
    "REPORT_HTML",
    "RESULT_JSON",
    "ProgressReporter",
    "json_schema",
    "print_summary",
    "read_json",
    "render_disclosures_csv",
    "render_findings_csv",
    "render_html",
    "safe_cell",
    "summary_lines",
    "write_html",
    "write_json",
    "write_reports",
]
