"""End to end: serve each fixture shop on 127.0.0.1, scan it with the real CLI, compare with the
shop's expected.yaml (outcomes per check, disclosures, score), then audit the run offline and
require the same verdicts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from ecq_scan.devserver import serve_directory
from tests.conftest import SITES, run_cli

SHOPS = (
    sorted(
        p.name
        for p in SITES.iterdir()
        if (p / "expected.yaml").is_file()
        # shops that need a browser (`render:` in expected.yaml) are scanned by tests/browser
        and "render" not in (yaml.safe_load((p / "expected.yaml").read_text("utf-8")) or {})
    )
    if SITES.is_dir()
    else []
)
SEVERITY = ["error", "fail", "needs_review", "pass", "not_applicable"]


def _site_outcome(findings: list[dict[str, Any]], check_id: str) -> str | None:
    """A page-scope check has one finding per page: the site's outcome is the worst of them."""
    got = [f["outcome"] for f in findings if f["check_id"] == check_id]
    return min(got, key=SEVERITY.index) if got else None


@pytest.fixture(scope="module", params=SHOPS)
def scanned(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[dict[str, Any], dict[str, Any], Path]:
    name = request.param
    expected = yaml.safe_load((SITES / name / "expected.yaml").read_text("utf-8"))
    out = tmp_path_factory.mktemp(name) / "run"
    with serve_directory(SITES / name) as base:
        run = run_cli(
            "scan",
            base,
            "--out",
            out,
            "--delay",
            "0",
            "--quiet",
            "--type",
            expected.get("enterprise_type", "transactional"),
            "--lang",
            expected.get("lang", "zh"),
        )
    assert run.code == 0, run.stderr
    assert "Traceback" not in run.stderr
    return expected, run.result(out), out


@pytest.mark.e2e
def test_outcomes_match_expected(scanned: tuple[dict[str, Any], dict[str, Any], Path]) -> None:
    expected, result, _ = scanned
    wrong = {
        check: (want, _site_outcome(result["findings"], check))
        for check, want in expected["outcomes"].items()
        if _site_outcome(result["findings"], check) != want
    }
    assert not wrong, f"check: (expected, got) = {wrong}"


@pytest.mark.e2e
def test_disclosures_match_expected(scanned: tuple[dict[str, Any], dict[str, Any], Path]) -> None:
    expected, result, _ = scanned
    got = result["disclosures"]
    for want in expected.get("disclosures", []):
        same_key = [d for d in got if d["key"] == want["key"]]
        if "value" in want:
            assert any(d["value"] == want["value"] for d in same_key), (want, same_key)
        if "value_contains" in want:
            assert any(want["value_contains"] in d["value"] for d in same_key), (want, same_key)
    for key in expected.get("absent_disclosures", []):
        assert not [d for d in got if d["key"] == key], f"unexpected disclosure {key}"


@pytest.mark.e2e
def test_every_fail_has_evidence(scanned: tuple[dict[str, Any], dict[str, Any], Path]) -> None:
    _, result, _ = scanned
    for f in result["findings"]:
        if f["outcome"] in ("fail", "needs_review"):
            assert f["evidence"] or f["pages_searched"], f


@pytest.mark.e2e
def test_score_matches_expected(scanned: tuple[dict[str, Any], dict[str, Any], Path]) -> None:
    expected, result, _ = scanned
    card = result["scorecard"]
    for key, want in (expected.get("score") or {}).items():
        assert card[key] == pytest.approx(want) if isinstance(want, float) else card[key] == want, (
            key
        )
    assert card["provisional"] is True  # a website alone never settles a grade


@pytest.mark.e2e
def test_audit_reproduces_scan_offline(
    scanned: tuple[dict[str, Any], dict[str, Any], Path],
) -> None:
    _, result, out = scanned
    audit_out = out.parent / "audit"
    run = run_cli("audit", out, "--out", audit_out, "--quiet")
    assert run.code == 0, run.stderr
    audited = run.result(audit_out)
    assert audited["provenance"]["offline_audit"] is True

    def key(findings: list[dict[str, Any]]) -> list[tuple[str, str, str | None]]:
        return sorted((f["check_id"], f["outcome"], f["url"]) for f in findings)

    assert key(audited["findings"]) == key(result["findings"])
    assert audited["scorecard"]["min_score"] == result["scorecard"]["min_score"]
    assert (audit_out / "report.html").is_file()
