"""The history database: idempotent recording, diffs, and clear errors for files it must not use
(hostile-sites D2 and D6, at unit level; the multi-process cases are in tests/hostile)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from ecq_scan.models import Outcome, ScanResult
from ecq_scan.store import SCHEMA_VERSION, History, HistoryError
from tests.report.conftest import make_result


@pytest.fixture
def result() -> ScanResult:
    return make_result()


def test_record_is_idempotent_per_scan_id(tmp_path: Path, result: ScanResult) -> None:
    with History(tmp_path / "h.db") as db:
        db.record(result, "scan-1", tmp_path)
        first = db.counts()
        db.record(result, "scan-1", tmp_path)  # a redelivered job records the same scan again
        assert db.counts() == first
        assert first["scans"] == 1
        assert first["pages"] == len({p.url for p in result.pages})
        assert first["findings"] == len({(f.check_id, f.url or "") for f in result.findings})
        db.record(result, "scan-2", tmp_path)  # a new scan of the same site adds one row set
        assert db.counts()["scans"] == 2
        assert db.counts()["pages"] == 2 * first["pages"]
        assert db.integrity() == "ok"


def test_diff_names_new_and_resolved_failures(tmp_path: Path, result: ScanResult) -> None:
    later = result.model_copy(deep=True)
    failed = next(f for f in later.findings if f.outcome is Outcome.FAIL)
    passed = next(f for f in later.findings if f.outcome is Outcome.PASS)
    failed.outcome, passed.outcome = Outcome.PASS, Outcome.FAIL
    with History(tmp_path / "h.db") as db:
        db.record(result, "old", None)
        db.record(later, "new", None)
        changes = {(c.check_id, c.kind) for c in db.diff("old", "new")}
        assert changes == {(failed.check_id, "resolved"), (passed.check_id, "new")}
        assert db.diff("old", "old") == []
        assert next(r.scan_id for r in db.scans(result.host)) in {"old", "new"}
        assert db.scans("elsewhere.example") == []


def test_home_probes_follow_the_scans(tmp_path: Path, result: ScanResult) -> None:
    with History(tmp_path / "h.db") as db:
        db.record(result, "a", None)
        probes = db.home_probes(result.host)
    home = next(p for p in result.pages if p.url == result.target)
    assert probes == [(result.provenance.started_at.isoformat(), home.status, home.elapsed_ms)]


def test_not_a_database_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "h.db"
    path.write_bytes(b"name,url\nshop,https://x.example\n")
    with pytest.raises(HistoryError, match="not an SQLite database"):
        History(path)
    assert path.read_bytes() == b"name,url\nshop,https://x.example\n"


def test_truncated_database_is_refused_and_left_alone(tmp_path: Path, result: ScanResult) -> None:
    path = tmp_path / "h.db"
    with History(path) as db:
        db.record(result, "a", None)
        db.checkpoint()
    cut = path.read_bytes()[:5000]
    path.write_bytes(cut)
    with pytest.raises(HistoryError, match=r"damaged|truncated"):
        History(path).counts()
    assert path.read_bytes() == cut


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "h.db"
    raw = sqlite3.connect(path)
    raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    raw.execute("CREATE TABLE future (x)")
    raw.commit()
    raw.close()
    with pytest.raises(HistoryError, match="newer ecq-scan"):
        History(path)


def test_missing_folder_and_folder_path_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(HistoryError, match=r"folder .* does not exist"):
        History(tmp_path / "nowhere" / "h.db")
    with pytest.raises(HistoryError, match="is a folder"):
        History(tmp_path)
    with pytest.raises(HistoryError, match="does not exist"):
        History(tmp_path / "absent.db", create=False)


def test_leftover_wal_is_recovered(tmp_path: Path, result: ScanResult) -> None:
    """D6 (a): a process killed with its WAL not checkpointed leaves -wal/-shm files; the next
    open sees every committed row."""
    path = tmp_path / "h.db"
    db = History(path, checkpoint_every=0)
    db.record(result, "a", None)
    assert (tmp_path / "h.db-wal").stat().st_size > 0
    # simulate kill -9: copy the files while the connection is open (no close-time checkpoint)
    copy = tmp_path / "copy"
    copy.mkdir()
    for suffix in ("", "-wal", "-shm"):
        (copy / f"h.db{suffix}").write_bytes((tmp_path / f"h.db{suffix}").read_bytes())
    db.close()
    with History(copy / "h.db") as again:
        assert again.counts()["scans"] == 1
        assert again.integrity() == "ok"


def test_opening_a_second_connection_keeps_the_first_ones_locks(
    tmp_path: Path, result: ScanResult
) -> None:
    """Regression (found by chaos test D5): opening the database file with plain `open()` to
    read its header dropped every POSIX lock of the process, so another process closing its
    connection believed itself the last one and deleted the WAL under the open connection
    (which then failed with SQLITE_IOERR_SHORT_READ). While a connection is open here, the WAL
    must survive another process's close."""
    import subprocess
    import sys

    path = tmp_path / "h.db"
    first = History(path, checkpoint_every=0)
    first.record(result, "a", None)
    History(path).close()  # a heartbeat or a recorder opening its own connection
    other = f"from ecq_scan.store import History\nHistory({str(path)!r}).close()\n"
    subprocess.run([sys.executable, "-c", other], check=True)
    assert (tmp_path / "h.db-wal").exists(), "our connection lost its locks"
    first.record(result, "b", None)
    assert first.integrity() == "ok" and first.counts()["scans"] == 2
    first.close()
