"""findings.csv and disclosures.csv: what a spreadsheet user gets, and that no cell taken from a
site can run as a formula (OWASP CSV injection)."""

from __future__ import annotations

import csv
import io

import pytest

from ecq_scan.models import Disclosure, Evidence, I18nText, ScanResult
from ecq_scan.report import render_disclosures_csv, render_findings_csv, safe_cell
from ecq_scan.report.csv_report import DISCLOSURE_COLUMNS, FINDING_COLUMNS


def _rows(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff"), "Excel needs the BOM to read UTF-8"
    return list(csv.reader(io.StringIO(text[1:], newline="")))


@pytest.mark.parametrize(
    "value",
    ["=1+1", "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "＝1", "＋1", "－1", "＠x", " =1",
     "\u3000=1", '=HYPERLINK("http://evil","x")', "=cmd|' /C calc'!A0", "-5%", "\n=1",
     "\xa0=1", "\u200b=1", " \n +1"],
)  # fmt: skip
def test_every_formula_trigger_is_neutralised(value: str) -> None:
    cell = safe_cell(value)
    assert cell.startswith("'")
    assert cell[1:].replace("\r", "") == value.replace("\r", "")


@pytest.mark.parametrize(
    "value", ["京ICP备2024077296号-1", "https://shop.example.cn/", "12315", ""]
)
def test_ordinary_text_is_unchanged(value: str) -> None:
    assert safe_cell(value) == value


def test_control_characters_go_and_cells_are_bounded() -> None:
    assert safe_cell("a\x00b\x1b[2Jc\u202ed") == "ab[2Jcd"
    assert safe_cell("line1\nline2") == "line1\nline2"
    assert len(safe_cell("长" * 10_000)) == 2000
    assert safe_cell(None) == ""


def test_findings_csv_has_a_row_per_evidence(result: ScanResult) -> None:
    rows = _rows(render_findings_csv(result, "zh"))
    assert tuple(rows[0]) == FINDING_COLUMNS
    expected = sum(max(1, len(f.evidence)) for f in result.findings)
    assert len(rows) - 1 == expected
    by_check = {r[0]: r for r in rows[1:]}
    failed = next(f for f in result.findings if f.outcome.value == "fail")
    row = by_check[failed.check_id]
    assert row[1] == "fail" and row[5] == failed.message.zh
    if failed.evidence:
        assert row[7] == failed.evidence[0].url


def test_quoting_survives_commas_quotes_and_newlines(result: ScanResult) -> None:
    tricky = 'a, "quoted"\nnext line，中文'
    changed = result.model_copy(deep=True)
    changed.findings[0].message = I18nText(zh=tricky, en=tricky)  # snippets are flattened
    changed.findings[0].evidence = [Evidence(url="https://shop.example.cn/x", snippet="a, b")]
    rows = _rows(render_findings_csv(changed, "en"))
    assert tricky in [r[5] for r in rows[1:]] and "a, b" in [r[9] for r in rows[1:]]
    assert render_findings_csv(changed, "en").count("\r\n") >= len(rows)


def test_disclosures_csv(result: ScanResult) -> None:
    changed = result.model_copy(deep=True)
    changed.disclosures = [
        *changed.disclosures,
        Disclosure(key="icp_filing", value="=1+2", url="https://shop.example.cn/", valid=False),
    ]
    rows = _rows(render_disclosures_csv(changed))
    assert tuple(rows[0]) == DISCLOSURE_COLUMNS
    assert len(rows) - 1 == len(changed.disclosures)
    assert rows[-1][:3] == ["icp_filing", "'=1+2", "false"]


def test_empty_result_has_headers_only(result: ScanResult) -> None:
    empty = result.model_copy(update={"findings": [], "disclosures": []})
    assert _rows(render_findings_csv(empty)) == [list(FINDING_COLUMNS)]
    assert _rows(render_disclosures_csv(empty)) == [list(DISCLOSURE_COLUMNS)]
