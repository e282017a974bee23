"""Clause and indicator coverage: every clause of 4–7 and every Annex A indicator is served by a
check, documents-only, or a reviewed gap with a reason — and the gap list holds no stale entry."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ecq_scan.checks.coverage import Gaps, compute, load_gaps, parse_gaps, render_markdown
from ecq_scan.checks.registry import load_catalogue
from ecq_scan.errors import RuleError
from ecq_scan.models import CheckMeta, I18nText, Severity
from ecq_scan.standard import load_catalogue as load_standard
from tests.conftest import run_cli

DOCS = Path(__file__).resolve().parents[2] / "docs" / "coverage.md"
METAS = [c.meta for c in load_catalogue()]


def _meta(check_id: str, clauses: list[str], indicators: list[int]) -> CheckMeta:
    text = I18nText(zh="测试", en="test")
    return CheckMeta(
        id=check_id,
        title_pass=text,
        title_fail=text,
        description=text,
        severity=Severity.INFO,
        clauses=clauses,
        indicators=indicators,
    )


def test_every_clause_and_indicator_is_covered_documents_only_or_a_listed_gap() -> None:
    cov = compute(load_standard(), METAS)
    assert cov.problems == []


def test_every_clause_of_sections_4_to_7_is_listed_once() -> None:
    standard = load_standard()
    cov = compute(standard, METAS)
    want = [c for c, clause in standard.clauses.items() if clause.section in "4567"]
    assert [r.key for r in cov.clauses] == want
    assert [r.key for r in cov.indicators] == [f"#{n}" for n in range(1, 34)]


def test_gaps_have_reasons_and_name_real_items() -> None:
    gaps = load_gaps()  # empty since every observable clause has a check; entries stay checked
    standard = load_standard()
    for cid, reason in gaps.clauses.items():
        assert cid in standard.clauses and len(reason) > 20
    for n, reason in gaps.indicators.items():
        assert n in standard.indicators and len(reason) > 20


def test_an_unlisted_observable_clause_is_a_problem() -> None:
    cov = compute(load_standard(), METAS, Gaps())
    keys = {r.key for r in cov.rows("not covered")}
    assert keys == set(load_gaps().clauses) | {f"#{n}" for n in load_gaps().indicators}
    assert len(cov.problems) == len(keys)


def test_a_gap_that_became_covered_is_stale() -> None:
    gaps = Gaps(clauses={"6.2.6": "no check yet", "9.9": "no such clause"}, indicators={})
    extra = _meta("rule-change-notice", ["6.2.6"], [16])
    cov = compute(load_standard(), [*METAS, extra], gaps)
    assert "clause 6.2.6" in cov.stale_gaps
    assert "clause 9.9" in cov.unknown_gaps
    assert any("6.2.6" in p and "now served" in p for p in cov.problems)


def test_documents_only_and_headings() -> None:
    cov = compute(load_standard(), METAS)
    status = {r.key: r.status for r in (*cov.clauses, *cov.indicators)}
    assert status["4.3"] == "documents only"  # staff training: documents
    assert status["6.1"] == "heading"
    assert status["#2"] == "documents only"  # total assets
    assert status["7.8.1"] == "covered"
    assert status["#15"] == "covered"


def test_gap_file_errors_name_the_field() -> None:
    with pytest.raises(RuleError, match=r"clauses\.6\.2\.6\.reason"):
        parse_gaps('clauses: {"6.2.6": {reason: ""}}', "x.yaml")
    with pytest.raises(RuleError, match="must be a mapping"):
        parse_gaps("[1, 2]", "x.yaml")


def test_markdown_lists_every_clause_and_the_committed_doc_does_too() -> None:
    cov = compute(load_standard(), METAS)
    md = render_markdown(cov, "en", "ecq-default")
    for row in (*cov.clauses, *cov.indicators):
        assert f"| {row.key} |" in md
    committed = DOCS.read_text("utf-8")
    for row in cov.clauses:
        assert f"| {row.key} |" in committed, f"docs/coverage.md lacks {row.key}; regenerate it"


def test_cli_coverage_json() -> None:
    run = run_cli("checks", "coverage", "--format", "json")
    assert run.code == 0, run.stderr
    data = json.loads(run.stdout)
    assert data["problems"] == []
    assert data["summary"]["indicators"]["covered"] >= 19
    row = next(r for r in data["indicators"] if r["key"] == "#20")
    assert "customer-service-channels" in row["checks"]
    assert row["points"][0] > 0  # the default profile gives #20 automatic points
