"""`audit` replays a scan offline with the same verdicts, however the start URL was typed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ecq_scan.devserver import serve_directory
from tests.conftest import SITES, run_cli

pytestmark = pytest.mark.e2e


def _verdicts(result: dict[str, Any]) -> list[tuple[str, str, str | None]]:
    return sorted((f["check_id"], f["outcome"], f["url"]) for f in result["findings"])


def test_audit_matches_a_scan_started_without_trailing_slash(tmp_path: Path) -> None:
    """The start URL is stored canonically: without that, audit did not recognise the home page
    of a scan typed as `http://host:port` and judged the site differently."""
    out, again = tmp_path / "scan", tmp_path / "audit"
    with serve_directory(SITES / "bad-zh") as base:
        run = run_cli(
            "scan", base.rstrip("/"), "--out", out, "--quiet", "--delay", "0", "--render", "never"
        )
    assert run.code == 0, run.stderr
    audit = run_cli("audit", out, "--out", again, "--quiet")
    assert audit.code == 0, audit.stderr
    scanned, audited = run.result(out), audit.result(again)
    assert _verdicts(audited) == _verdicts(scanned)
    outcomes = {f["check_id"]: f["outcome"] for f in scanned["findings"]}
    assert outcomes["icp-filing"] == "fail"  # absent on a home page that loaded
