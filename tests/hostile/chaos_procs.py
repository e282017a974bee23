"""Processes the chaos tests D3 and D5 start: history writers, a report reader, and a Celery
app that adds a poison task to the production one.

Run as `python -m tests.hostile.chaos_procs writer|reader ...`; the Celery worker is started with
`-A tests.hostile.chaos_procs`. Each process prints one JSON line with what it did and every
error it met, so the test can assert on all of them.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ecq_scan.models import ScanResult
from ecq_scan.monitor.jobs import JobSpec, enqueue, execute
from ecq_scan.monitor.work import scan_work
from ecq_scan.monitor.worker import app, deliver
from ecq_scan.store import History

POISON_TASK = "tests.poison"


def _crash(spec: JobSpec, pages: Callable[[int], None]) -> ScanResult | None:
    """A site that kills the worker process every time (as a native crash in a parser would)."""
    os.kill(os.getpid(), signal.SIGKILL)
    return None


def _poison(self: Any, job_id: str, history: str, runs_dir: str) -> str:
    return deliver(self, job_id, history, runs_dir, work=_crash)


poison = app.task(name=POISON_TASK, bind=True)(_poison)


def writer(base: str, db_path: str, runs_dir: str, seconds: float) -> dict[str, Any]:
    """Scan `base` again and again as queued jobs (claim, heartbeat, record, finish: every
    write the history takes), until `seconds` have passed."""
    done: list[str] = []
    errors: list[str] = []
    deadline = time.monotonic() + seconds
    with History(db_path) as db:
        work = scan_work(Path(db_path), Path(runs_dir))
        while time.monotonic() < deadline:
            try:
                [job] = enqueue(db, [(base, {})])
                outcome = execute(db, job.job_id, work, lease=5)
                if outcome.state == "done":
                    done.append(job.job_id)
                else:
                    errors.append(f"{job.job_id}: {outcome.state} {outcome.detail}")
            except Exception as exc:  # every error is reported, none stops the loop
                errors.append(f"{type(exc).__name__}: {exc}")
    return {"done": done, "errors": errors}


def reader(db_path: str, seconds: float) -> dict[str, Any]:
    """Report queries in a loop (list, diff of the latest two scans per site, counts, jobs);
    samples the -wal file's size."""
    queries = 0
    errors: list[str] = []
    wal_max = 0
    wal = Path(db_path + "-wal")
    deadline = time.monotonic() + seconds
    with History(db_path) as db:
        while time.monotonic() < deadline:
            try:
                scans = db.scans(limit=200)
                for site in {s.site for s in scans}:
                    ids = [s.scan_id for s in db.scans(site, 2)]
                    if len(ids) == 2:
                        db.diff(ids[1], ids[0])
                        queries += 1
                db.counts()
                db.execute("SELECT state, count(*) FROM jobs GROUP BY state")
                queries += 3
            except (sqlite3.Error, Exception) as exc:
                errors.append(f"{type(exc).__name__}: {exc}")
            if wal.exists():
                wal_max = max(wal_max, wal.stat().st_size)
            time.sleep(0.005)
    return {"queries": queries, "errors": errors, "wal_max": wal_max}


if __name__ == "__main__":
    role, *args = sys.argv[1:]
    if role == "writer":
        out = writer(args[0], args[1], args[2], float(args[3]))
    else:
        out = reader(args[0], float(args[1]))
    print(json.dumps(out))
