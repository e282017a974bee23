"""The scan history: one SQLite file that many scanner processes share.

Monitoring bodies re-scan thousands of rated enterprises on a schedule and want to see what
changed ("fail new since last month", "resolved"). The run directory of each scan stays the
crash-safe record of that scan (snapshots, result.json); the history is the ledger across scans:
one row set per finished scan, and the job table the task queue uses (see `monitor/`).

Why it is built the way it is (hostile-sites §5, D2/D3/D6):

* WAL journal, so report queries read while a scanner writes; `synchronous=NORMAL`, which in WAL
  mode loses at most the last commits on power loss and never corrupts the file.
* Every write is one `BEGIN IMMEDIATE` transaction: the write lock is taken up front, so two
  writers never deadlock upgrading a read lock (the classic source of `database is locked` that
  `busy_timeout` alone cannot cure). SQLite's own busy handler waits up to `busy_timeout`; on top
  of it a bounded retry with backoff absorbs the rare BUSY that escapes it, so a user never sees
  `database is locked` while other scanners are merely busy.
* Recording a scan is idempotent: the same `scan_id` replaces its own rows in one transaction
  (a redelivered task changes no row counts); findings have a unique key.
* The WAL is truncated every few commits (`wal_checkpoint(TRUNCATE)`, best effort: it gives way
  when a reader holds a snapshot) so a long-running monitor does not grow a huge `-wal` file.
* Opening checks the file before any network activity: not a database, truncated, created by a
  newer ecq-scan, or in a folder we cannot write are clear errors, and the file is never
  "repaired" by overwriting it.
"""

from __future__ import annotations

import contextlib
import json
import random
import sqlite3
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ecq_scan.config import Settings
from ecq_scan.errors import InputError
from ecq_scan.models import Finding, Outcome, ScanResult

#: Bump when the tables change; a database with a higher number was written by a newer ecq-scan.
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS scans (
    scan_id        TEXT PRIMARY KEY,
    site           TEXT NOT NULL,
    target         TEXT NOT NULL,
    enterprise_type TEXT NOT NULL,
    status         TEXT NOT NULL,
    status_reason  TEXT,
    started_at     TEXT NOT NULL,
    finished_at    TEXT NOT NULL,
    grade_min      TEXT,
    grade_max      TEXT,
    min_score      REAL,
    max_score      REAL,
    web_subscore   REAL,
    page_count     INTEGER NOT NULL,
    run_dir        TEXT,
    tool_version   TEXT NOT NULL,
    recorded_at    TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS scans_by_site ON scans (site, started_at);
CREATE TABLE IF NOT EXISTS pages (
    scan_id    TEXT NOT NULL REFERENCES scans (scan_id) ON DELETE CASCADE,
    url        TEXT NOT NULL,
    final_url  TEXT NOT NULL,
    status     INTEGER,
    error_kind TEXT,
    fetched_at TEXT NOT NULL,
    elapsed_ms REAL NOT NULL,
    size       INTEGER NOT NULL,
    sha256     TEXT,
    PRIMARY KEY (scan_id, url)
);
CREATE TABLE IF NOT EXISTS findings (
    scan_id   TEXT NOT NULL REFERENCES scans (scan_id) ON DELETE CASCADE,
    check_id  TEXT NOT NULL,
    page_url  TEXT NOT NULL DEFAULT '',
    outcome   TEXT NOT NULL,
    message   TEXT NOT NULL,
    evidence  TEXT NOT NULL,
    PRIMARY KEY (scan_id, check_id, page_url)
);
CREATE TABLE IF NOT EXISTS jobs (
    job_id      TEXT PRIMARY KEY,
    url         TEXT NOT NULL,
    options     TEXT NOT NULL,
    state       TEXT NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    deliveries  INTEGER NOT NULL DEFAULT 0,
    lease_owner TEXT,
    lease_until REAL,
    pages_done  INTEGER NOT NULL DEFAULT 0,
    error       TEXT,
    enqueued_at TEXT NOT NULL,
    started_at  TEXT,
    finished_at TEXT
);
CREATE INDEX IF NOT EXISTS jobs_by_state ON jobs (state);
"""


class HistoryError(InputError):
    """The history database cannot be used (exit 2, before any network activity)."""


@dataclass(frozen=True, slots=True)
class ScanRow:
    scan_id: str
    site: str
    target: str
    status: str
    started_at: str
    grade_min: str | None
    grade_max: str | None
    page_count: int
    run_dir: str | None


@dataclass(frozen=True, slots=True)
class Change:
    """One check whose outcome differs between two scans of a site."""

    check_id: str
    page_url: str
    before: str | None  # None: the check did not report in the older scan
    after: str | None

    @property
    def kind(self) -> str:
        """`new` (now fails), `resolved` (failed before, not now) or `changed`."""
        if self.after == Outcome.FAIL.value:
            return "new"
        if self.before == Outcome.FAIL.value:
            return "resolved"
        return "changed"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


class History:
    """A connection to the shared history database. One per thread; cheap to open."""

    def __init__(
        self,
        path: Path | str,
        *,
        busy_timeout: float = 30.0,
        checkpoint_every: int = 50,
        create: bool = True,
    ) -> None:
        self.path = Path(path)
        self.busy_timeout = busy_timeout
        self.checkpoint_every = checkpoint_every
        self._commits = 0
        self._preflight(create)
        try:
            self._db = sqlite3.connect(
                self.path, timeout=busy_timeout, isolation_level=None, check_same_thread=False
            )
        except sqlite3.Error as exc:
            raise self._unusable(exc) from exc
        self._db.row_factory = sqlite3.Row
        try:
            self._setup()
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise self._unusable(exc) from exc

    # -- opening -----------------------------------------------------------------------------

    def _preflight(self, create: bool) -> None:
        """Refuse, with a clear message, paths SQLite would fail on or create by surprise.

        The file itself is never opened here: closing any descriptor of a database file drops
        every POSIX lock this process holds on it, including those of another open connection,
        and a reader elsewhere may then delete the WAL from under it (seen in chaos test D5:
        SQLITE_IOERR_SHORT_READ). SQLite itself tells a file that is not a database."""
        if self.path.is_dir():
            raise HistoryError(
                f"history database {self.path} is a folder", "give a file path, e.g. history.db"
            )
        if not self.path.exists():
            if not create:
                raise HistoryError(
                    f"history database {self.path} does not exist",
                    "check the path, or record a scan into it first with --history",
                )
            if not self.path.parent.is_dir():
                raise HistoryError(
                    f"the folder of history database {self.path} does not exist",
                    "create the folder first",
                )

    def _unusable(self, exc: sqlite3.Error) -> HistoryError:
        code = getattr(exc, "sqlite_errorname", None)
        text = f"{exc} ({code})" if code else str(exc)
        if code == "SQLITE_NOTADB":
            return HistoryError(
                f"{self.path} is not an SQLite database (or its header is damaged)",
                "give the path of an ecq-scan history database; the file was left untouched",
            )
        if "readonly" in text or "unable to open" in text:
            return HistoryError(
                f"cannot write history database {self.path}: {text}",
                "the database and its folder must be writable (SQLite writes -wal and -shm "
                "files beside it)",
            )
        return HistoryError(
            f"history database {self.path} is damaged: {text}",
            "restore it from a backup or give a new path; the file was left untouched",
        )

    def _setup(self) -> None:
        db = self._db
        db.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout * 1000)}")
        version = int(db.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            raise HistoryError(
                f"history database {self.path} was written by a newer ecq-scan "
                f"(schema {version}; this version knows {SCHEMA_VERSION})",
                "upgrade ecq-scan, or give another database path; the file was left untouched",
            )
        mode = db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise HistoryError(
                f"history database {self.path} cannot use WAL journaling (got {mode})",
                "put it on a local file system (WAL does not work over network shares)",
            )
        db.execute("PRAGMA synchronous = NORMAL")
        db.execute("PRAGMA foreign_keys = ON")
        if version < SCHEMA_VERSION:
            with self.write() as cur:
                for statement in filter(None, (s.strip() for s in _SCHEMA.split(";"))):
                    cur.execute(statement)
                cur.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing -----------------------------------------------------------------------------

    @contextlib.contextmanager
    def write(self) -> Iterator[sqlite3.Cursor]:
        """One write transaction, taken with BEGIN IMMEDIATE and retried while the database is
        busy (bounded by `busy_timeout`, with jittered backoff). The body must be idempotent:
        it may run again after a BUSY on COMMIT."""
        deadline = time.monotonic() + self.busy_timeout
        delay = 0.01
        while True:
            cur = self._db.cursor()
            try:
                cur.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                if not _is_busy(exc):
                    raise self._unusable(exc) from exc
                if time.monotonic() > deadline:
                    raise self._busy_error(exc) from exc
                time.sleep(delay * (1 + random.random()))
                delay = min(delay * 2, 0.5)
                continue
            try:
                yield cur
                cur.execute("COMMIT")
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    cur.execute("ROLLBACK")
                raise
            break
        self._commits += 1
        if self.checkpoint_every and self._commits % self.checkpoint_every == 0:
            self.checkpoint()

    def _busy_error(self, exc: sqlite3.OperationalError) -> HistoryError:
        return HistoryError(
            f"history database {self.path} stayed locked for {self.busy_timeout:.0f} s ({exc})",
            "another program holds a long write lock on it; raise history_busy_timeout",
        )

    def checkpoint(self) -> None:
        """Fold the WAL back into the database and truncate it, if no reader is in the way."""
        with contextlib.suppress(sqlite3.OperationalError):
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def record(self, result: ScanResult, scan_id: str, run_dir: Path | str | None = None) -> None:
        """Store one finished (or partial) scan. Recording the same `scan_id` again replaces its
        rows, so a redelivered job or a re-run `audit` leaves row counts unchanged."""
        card = result.scorecard
        prov = result.provenance
        scan_row = (
            scan_id,
            result.host,
            result.target,
            result.enterprise_type.value,
            result.status.value,
            result.status_reason,
            prov.started_at.isoformat(),
            prov.finished_at.isoformat(),
            card.grade_min,
            card.grade_max,
            card.min_score,
            card.max_score,
            card.web_subscore,
            len(result.pages),
            str(run_dir) if run_dir is not None else None,
            prov.tool_version,
            _now(),
        )
        page_rows = [
            (
                scan_id,
                p.url,
                p.final_url,
                p.status,
                p.error_kind,
                p.fetched_at.isoformat(),
                p.elapsed_ms,
                p.size,
                p.sha256,
            )
            for p in _unique_pages(result)
        ]
        finding_rows = [
            (
                scan_id,
                f.check_id,
                f.url or "",
                f.outcome.value,
                json.dumps(f.message.model_dump(mode="json"), ensure_ascii=False),
                json.dumps([e.model_dump(mode="json") for e in f.evidence], ensure_ascii=False),
            )
            for f in _unique_findings(result.findings)
        ]
        with self.write() as cur:
            cur.execute("DELETE FROM scans WHERE scan_id = ?", (scan_id,))  # cascades
            cur.execute(f"INSERT INTO scans VALUES ({', '.join('?' * 17)})", scan_row)
            cur.executemany(f"INSERT INTO pages VALUES ({', '.join('?' * 9)})", page_rows)
            cur.executemany(f"INSERT INTO findings VALUES ({', '.join('?' * 6)})", finding_rows)

    # -- reading -----------------------------------------------------------------------------

    def scans(self, site: str | None = None, limit: int = 50) -> list[ScanRow]:
        """Newest first; `site` is the host (with port when not the default) as results show it."""
        query = (
            "SELECT scan_id, site, target, status, started_at, grade_min, grade_max, page_count,"
            " run_dir FROM scans"
        )
        args: list[Any] = []
        if site:
            query += " WHERE site = ?"
            args.append(site)
        query += " ORDER BY started_at DESC, recorded_at DESC LIMIT ?"
        args.append(limit)
        return [ScanRow(*row) for row in self._db.execute(query, args)]

    def counts(self) -> dict[str, int]:
        """Rows per table (what a dashboard and the chaos tests read)."""
        return {
            table: int(self._db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
            for table in ("scans", "pages", "findings", "jobs")
        }

    def outcomes(self, scan_id: str) -> dict[tuple[str, str], str]:
        rows = self._db.execute(
            "SELECT check_id, page_url, outcome FROM findings WHERE scan_id = ?", (scan_id,)
        )
        return {(r[0], r[1]): r[2] for r in rows}

    def diff(self, older: str, newer: str) -> list[Change]:
        """Checks whose outcome changed from scan `older` to scan `newer`, sorted by check."""
        before, after = self.outcomes(older), self.outcomes(newer)
        keys = sorted(set(before) | set(after))
        return [
            Change(check, page, before.get((check, page)), after.get((check, page)))
            for check, page in keys
            if before.get((check, page)) != after.get((check, page))
        ]

    def home_probes(
        self, site: str, limit: int = 500, exclude: str | None = None
    ) -> list[tuple[str, int | None, float]]:
        """(started_at, HTTP status or None, elapsed ms) of the first page of each recorded scan
        of `site` but `exclude`, oldest first: the availability series one scan alone cannot
        show (6.1.2). A scan whose home page is not among its pages counts as no answer."""
        rows = self._db.execute(
            "SELECT s.started_at, p.status, coalesce(p.elapsed_ms, 0) FROM scans s LEFT JOIN"
            " pages p ON p.scan_id = s.scan_id AND p.url = s.target AND p.error_kind IS NULL"
            " WHERE s.site = ? AND s.scan_id != ? ORDER BY s.started_at DESC LIMIT ?",
            (site, exclude or "", limit),
        ).fetchall()
        return [(r[0], r[1], r[2]) for r in reversed(rows)]

    def integrity(self) -> str:
        return str(self._db.execute("PRAGMA integrity_check").fetchone()[0])

    def execute(self, sql: str, args: Sequence[Any] = ()) -> list[sqlite3.Row]:
        """A read query (for the monitor's job table and tests); writes go through `write()`."""
        return list(self._db.execute(sql, args))


def _unique_pages(result: ScanResult) -> Iterator[Any]:
    seen: set[str] = set()
    for page in result.pages:
        if page.url not in seen:
            seen.add(page.url)
            yield page


def _unique_findings(findings: Sequence[Finding]) -> Iterator[Finding]:
    seen: set[tuple[str, str]] = set()
    for f in findings:
        key = (f.check_id, f.url or "")
        if key not in seen:
            seen.add(key)
            yield f


def open_history(settings: Settings) -> History | None:
    """The history named by the settings (`history`, ECQ_HISTORY, --history), opened now so a
    bad database is an error before any network activity; None when none is named."""
    if not settings.history:
        return None
    return History(
        settings.history,
        busy_timeout=settings.history_busy_timeout,
        checkpoint_every=settings.history_checkpoint_every,
    )
