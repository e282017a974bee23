"""Generated documentation stays in step with the code."""

from __future__ import annotations

import re

from tests.conftest import ROOT, run_cli


def test_readme_checks_table_is_current() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    found = re.search(r"<!-- checks:begin[^>]*-->\n(.*?)\n<!-- checks:end -->", readme, re.S)
    assert found, "README lacks the generated checks table markers"
    run = run_cli("checks", "list", "--format", "markdown")
    assert run.code == 0, run.stderr
    assert found.group(1).strip() == run.stdout.strip(), "run `make docs` to regenerate"


def test_coverage_doc_is_current() -> None:
    run = run_cli("checks", "coverage", "--format", "markdown")
    assert run.code == 0, run.stderr
    doc = (ROOT / "docs" / "coverage.md").read_text("utf-8")
    assert run.stdout.strip() in doc, "run `make docs` to regenerate docs/coverage.md"
