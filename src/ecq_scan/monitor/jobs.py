"""Scan jobs: queued in the history database, claimed under a lease, run, recorded, finished.

The task queue (Celery, see `worker.py`) delivers job ids *at least once*: with `acks_late` and
`reject_on_worker_lost`, a worker killed mid-scan gets its message back, and so does a worker that
a poison site crashes every time. The queue alone cannot tell those apart, nor stop a redelivery
from running beside a delivery that is merely slow. The job row can, so every delivery goes
through `execute`:

* `deliveries` counts every delivery, `attempts` every delivery that started work; a job whose
  attempts reached `job_max_attempts` is `aborted` with the reason instead of run again (a poison
  task stops; the other queued scans go on);
* a claim is a lease (`lease_owner`, `lease_until`) renewed by a heartbeat while the scan runs; a
  redelivery finds a live lease and backs off, so a job never runs beside itself; a lease whose
  owner process is gone (same host, pid dead) or that expired is taken over;
* the scan itself resumes from the job's run folder, so a redelivered job fetches only what the
  killed one had not stored, and recording it replaces its rows (no duplicate findings).

Without a broker, `ecq-scan batch` runs the same `execute` in-process, one job after another.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ecq_scan.models import ScanResult
from ecq_scan.store import History

#: job states, in the order a job goes through them
QUEUED, RUNNING, DONE, ABORTED = "queued", "running", "done", "aborted"


@dataclass(frozen=True, slots=True)
class JobSpec:
    """What a job scans: the start URL and the settings that differ from the worker's own."""

    job_id: str
    url: str
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class JobOutcome:
    """What one delivery did: `state` after it, or `retry_in` seconds when it must come back
    later (another live delivery holds the lease)."""

    job_id: str
    state: str
    retry_in: float | None = None
    detail: str | None = None


Work = Callable[[JobSpec, Callable[[int], None]], ScanResult | None]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def new_owner() -> str:
    """`host:pid:token` — the token tells two deliveries in one process apart."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _owner_alive(owner: str | None) -> bool:
    """False only when the owner ran on this host and its process is gone. Another host's
    owner is presumed alive until its lease expires (we cannot see its processes)."""
    if not owner:
        return False
    host, _, rest = owner.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return True
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def enqueue(history: History, specs: Sequence[tuple[str, Mapping[str, Any]]]) -> list[JobSpec]:
    """Add jobs (url, options) in one transaction; returns them with their new ids."""
    jobs = [JobSpec(uuid.uuid4().hex, url, dict(options)) for url, options in specs]
    with history.write() as cur:
        cur.executemany(
            "INSERT INTO jobs (job_id, url, options, state, enqueued_at) VALUES (?, ?, ?, ?, ?)",
            [(j.job_id, j.url, json.dumps(j.options), QUEUED, _now()) for j in jobs],
        )
    return jobs


def job_spec(history: History, job_id: str) -> JobSpec | None:
    rows = history.execute("SELECT url, options FROM jobs WHERE job_id = ?", (job_id,))
    if not rows:
        return None
    return JobSpec(job_id, rows[0]["url"], json.loads(rows[0]["options"]))


def _claim(
    history: History, job_id: str, owner: str, lease: float, max_attempts: int
) -> JobOutcome:
    with history.write() as cur:
        row = cur.execute(
            "SELECT state, attempts, lease_owner, lease_until, error FROM jobs WHERE job_id = ?",
            (job_id,),
        ).fetchone()
        if row is None:
            return JobOutcome(job_id, "missing", detail="no such job in the history database")
        state, attempts, lease_owner, lease_until, error = row
        cur.execute("UPDATE jobs SET deliveries = deliveries + 1 WHERE job_id = ?", (job_id,))
        if state in (DONE, ABORTED):  # a redelivered message for a finished job: nothing to do
            return JobOutcome(job_id, state, detail="already finished")
        now = time.time()
        if (
            state == RUNNING
            and lease_until is not None
            and lease_until > now
            and _owner_alive(lease_owner)
        ):
            return JobOutcome(job_id, RUNNING, retry_in=lease_until - now, detail="leased")
        if attempts >= max_attempts:
            reason = (
                f"aborted after {attempts} attempts: every attempt ended without finishing "
                f"(the worker died or the scan crashed); last error: {error or 'worker lost'}"
            )
            cur.execute(
                "UPDATE jobs SET state = ?, error = ?, finished_at = ?, lease_owner = NULL,"
                " lease_until = NULL WHERE job_id = ?",
                (ABORTED, reason, _now(), job_id),
            )
            return JobOutcome(job_id, ABORTED, detail=reason)
        cur.execute(
            "UPDATE jobs SET state = ?, attempts = attempts + 1, lease_owner = ?, lease_until = ?,"
            " started_at = coalesce(started_at, ?) WHERE job_id = ?",
            (RUNNING, owner, now + lease, _now(), job_id),
        )
    return JobOutcome(job_id, RUNNING)


class _Heartbeat(threading.Thread):
    """Renews the lease (and reports pages done) until stopped; a lost lease is logged on the job
    row and the scan goes on (its result is recorded idempotently either way)."""

    def __init__(self, history_path: Path, job_id: str, owner: str, lease: float) -> None:
        super().__init__(name=f"lease-{job_id[:8]}", daemon=True)
        self.history_path, self.job_id, self.owner, self.lease = history_path, job_id, owner, lease
        self.pages = 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        with History(self.history_path) as history:
            while not self._stop_event.wait(self.lease / 3):
                with history.write() as cur:
                    cur.execute(
                        "UPDATE jobs SET lease_until = ?, pages_done = ? WHERE job_id = ?"
                        " AND lease_owner = ?",
                        (time.time() + self.lease, self.pages, self.job_id, self.owner),
                    )

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=self.lease)


def execute(
    history: History,
    job_id: str,
    work: Work,
    *,
    lease: float = 30.0,
    max_attempts: int = 3,
    owner: str | None = None,
) -> JobOutcome:
    """One delivery of `job_id`: claim it, run `work` under a renewed lease, finish it.

    `work(spec, pages_done)` scans and records; it returns the result or None. A Python error
    in `work` releases the job back to `queued` (the caller decides when to retry) and counts
    as an attempt; a process that dies leaves the lease to expire or be found dead."""
    owner = owner or new_owner()
    claim = _claim(history, job_id, owner, lease, max_attempts)
    if claim.state != RUNNING or claim.retry_in is not None:
        return claim
    spec = job_spec(history, job_id)
    assert spec is not None  # the claim just read the row
    beat = _Heartbeat(history.path, job_id, owner, lease)
    beat.start()

    def pages_done(n: int) -> None:
        beat.pages = n

    try:
        result = work(spec, pages_done)
    except Exception as exc:
        beat.stop()
        with history.write() as cur:
            cur.execute(
                "UPDATE jobs SET state = ?, error = ?, lease_owner = NULL, lease_until = NULL"
                " WHERE job_id = ? AND lease_owner = ?",
                (QUEUED, f"{type(exc).__name__}: {exc}", job_id, owner),
            )
        return JobOutcome(job_id, QUEUED, retry_in=min(lease, 5.0), detail=str(exc))
    beat.stop()
    if result is not None:
        beat.pages = len(result.pages)
    with history.write() as cur:
        cur.execute(
            "UPDATE jobs SET state = ?, finished_at = ?, pages_done = ?, error = NULL,"
            " lease_owner = NULL, lease_until = NULL WHERE job_id = ?",
            (DONE, _now(), beat.pages, job_id),
        )
    return JobOutcome(job_id, DONE)


def jobs(history: History, state: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
    """The job table, newest first, as plain dicts (for `ecq-scan history jobs`)."""
    query = (
        "SELECT job_id, url, state, attempts, deliveries, pages_done, error, enqueued_at,"
        " finished_at FROM jobs"
    )
    args: list[Any] = []
    if state:
        query += " WHERE state = ?"
        args.append(state)
    query += " ORDER BY enqueued_at DESC, rowid DESC LIMIT ?"
    args.append(limit)
    return [dict(row) for row in history.execute(query, args)]
