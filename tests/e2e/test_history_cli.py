"""The history from the command line: `scan --history`, `history list|diff|jobs`, `batch`
without a broker, and service continuity judged from recorded scans (standard 6.1.2)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from ecq_scan.devserver import serve_directory
from ecq_scan.report.json_report import read_json
from ecq_scan.store import History
from tests.conftest import SITES, run_cli

pytestmark = pytest.mark.e2e

FAST = ("--quiet", "--delay", "0", "--render", "never")


def _outcome(result: dict[str, object], check: str) -> str:
    findings = result["findings"]
    assert isinstance(findings, list)
    return next(str(f["outcome"]) for f in findings if f["check_id"] == check)


def test_availability_needs_recorded_scans_over_a_day(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    with serve_directory(SITES / "good-zh") as base:
        first = run_cli("scan", base, "--out", tmp_path / "s1", "--history", db, *FAST)
        assert first.code == 0, first.stderr
        assert _outcome(first.result(tmp_path / "s1"), "service-availability") == "needs_review"

        # two earlier scans of the same site, recorded a day and two days before this one
        earlier = read_json(tmp_path / "s1" / "result.json")
        with History(db) as history:
            for days in (1, 2):
                old = earlier.model_copy(deep=True)
                old.provenance.started_at -= timedelta(days=days, minutes=5)
                history.record(old, f"earlier-{days}", None)

        second = run_cli("scan", base, "--out", tmp_path / "s2", "--history", db, *FAST)
        assert second.code == 0, second.stderr
        result = second.result(tmp_path / "s2")
        assert _outcome(result, "service-availability") == "pass"
        diff = run_cli("history", "diff", base, "--history", db)

        # an audit of the first scan with the history replaces its rows and sees the others
        audit = run_cli("audit", tmp_path / "s1", "--history", db, "--quiet")
        assert audit.code == 0, audit.stderr
        listed = run_cli("history", "list", "--history", db, "--site", base)
    with History(db) as history:
        assert history.counts()["scans"] == 4
    assert listed.code == 0 and listed.stdout.count("complete") == 4, listed.stdout
    assert diff.code == 0, diff.stderr
    assert "service-availability: needs_review → pass" in diff.stdout


def test_batch_without_a_broker_scans_every_site(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    sites = tmp_path / "sites.csv"
    with serve_directory(SITES / "good-zh") as good, serve_directory(SITES / "bad-zh") as bad:
        sites.write_text(
            f"url,type,name\n{good},transactional,青禾\n# a comment\n{bad},platform,\n"
        )
        run = run_cli(
            "batch", sites, "--history", db, "--runs-dir", tmp_path / "jobs",
            env={"ECQ_PER_HOST_DELAY": "0", "ECQ_RENDER": "never"},
        )  # fmt: skip
    assert run.code == 0, run.stderr
    lines = run.stdout.splitlines()
    assert len(lines) == 2 and all("  done  " in line for line in lines), run.stdout
    jobs = run_cli("history", "jobs", "--history", db, "--format", "json")
    assert jobs.code == 0 and jobs.stdout.count('"state": "done"') == 2
    job_id = lines[1].split()[0]
    result = read_json(tmp_path / "jobs" / job_id / "result.json")
    assert result.scan_id == job_id and result.enterprise_type.value == "platform"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("url\nhttps://ok.example.cn/\nftp://files.example.cn/\n", "line 3"),
        ("url,type\nhttps://ok.example.cn/,wholesale\n", "unknown enterprise type 'wholesale'"),
        ("url\n# nothing here\n", "lists no site"),
    ],
)
def test_a_bad_sites_file_queues_nothing(tmp_path: Path, content: str, message: str) -> None:
    sites = tmp_path / "sites.csv"
    sites.write_text(content)
    db = tmp_path / "history.db"
    run = run_cli("batch", sites, "--history", db)
    assert run.code == 2 and message in run.stderr, run.stderr
    assert "Traceback" not in run.stderr
    if db.exists():
        with History(db) as history:
            assert history.counts()["jobs"] == 0


def test_history_commands_explain_what_is_missing(tmp_path: Path) -> None:
    run = run_cli("history", "list")
    assert run.code == 2 and "--history PATH or set ECQ_HISTORY" in run.stderr
    run = run_cli("history", "list", "--history", tmp_path / "none.db")
    assert run.code == 2 and "does not exist" in run.stderr
    run = run_cli("batch", tmp_path / "missing.csv", "--history", tmp_path / "h.db")
    assert run.code == 2 and "cannot read sites file" in run.stderr
    run = run_cli("worker", "--history", tmp_path / "h.db")
    assert run.code == 2 and "--broker URL or set ECQ_BROKER" in run.stderr
    assert "Traceback" not in run.stderr
