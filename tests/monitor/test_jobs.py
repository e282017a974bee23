"""Job delivery semantics without a broker: attempts, leases, poison jobs, redelivery of finished
jobs (the Celery worker runs exactly this code; tests/hostile/test_chaos_queue.py drives it
through real workers)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from ecq_scan.models import ScanResult
from ecq_scan.monitor.jobs import (
    ABORTED,
    DONE,
    QUEUED,
    RUNNING,
    JobSpec,
    enqueue,
    execute,
    jobs,
    new_owner,
)
from ecq_scan.store import History


@pytest.fixture
def db(tmp_path: Path) -> History:
    return History(tmp_path / "h.db")


def _ok(spec: JobSpec, pages: Callable[[int], None]) -> ScanResult | None:
    pages(3)
    return None


def _boom(spec: JobSpec, pages: Callable[[int], None]) -> ScanResult | None:
    raise RuntimeError("scanner bug")


def _row(db: History, job_id: str) -> dict[str, object]:
    return {r["job_id"]: r for r in jobs(db)}[job_id]


def test_a_job_runs_once_and_a_redelivery_is_a_no_op(db: History) -> None:
    [job] = enqueue(db, [("https://shop.example.cn/", {"enterprise_type": "platform"})])
    calls: list[JobSpec] = []

    def work(spec: JobSpec, pages: Callable[[int], None]) -> ScanResult | None:
        calls.append(spec)
        return None

    assert execute(db, job.job_id, work).state == DONE
    assert execute(db, job.job_id, work).state == DONE  # redelivered message
    assert len(calls) == 1 and calls[0].options == {"enterprise_type": "platform"}
    row = _row(db, job.job_id)
    assert row["attempts"] == 1 and row["deliveries"] == 2


def test_a_live_lease_makes_a_redelivery_back_off(db: History) -> None:
    """No job runs beside its own redelivery: while the first delivery holds a live lease, the
    second gets `retry_in` and does not call the work."""
    [job] = enqueue(db, [("https://shop.example.cn/", {})])
    seen: list[float | None] = []

    def work(spec: JobSpec, pages: Callable[[int], None]) -> ScanResult | None:
        with History(db.path) as other:
            second = execute(other, spec.job_id, _ok, lease=30)
        seen.append(second.retry_in)
        assert second.state == RUNNING
        return None

    assert execute(db, job.job_id, work, lease=30).state == DONE
    assert seen and seen[0] is not None and 0 < seen[0] <= 30
    assert _row(db, job.job_id)["attempts"] == 1


def test_a_dead_owners_lease_is_taken_over(db: History) -> None:
    [job] = enqueue(db, [("https://shop.example.cn/", {})])
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    owner = f"{os.uname().nodename}:{dead.pid}:deadbeef"
    with db.write() as cur:  # as a worker killed mid-scan leaves it
        cur.execute(
            "UPDATE jobs SET state = ?, attempts = 1, lease_owner = ?, lease_until = ?",
            (RUNNING, owner, time.time() + 600),
        )
    assert execute(db, job.job_id, _ok).state == DONE
    assert _row(db, job.job_id)["attempts"] == 2


def test_an_expired_lease_of_another_host_is_taken_over(db: History) -> None:
    [job] = enqueue(db, [("https://shop.example.cn/", {})])
    with db.write() as cur:
        cur.execute(
            "UPDATE jobs SET state = ?, attempts = 1, lease_owner = ?, lease_until = ?",
            (RUNNING, "other-host:1:x", time.time() - 1),
        )
    assert execute(db, job.job_id, _ok).state == DONE


def test_a_poison_job_is_aborted_after_its_attempts(db: History) -> None:
    [job, other] = enqueue(db, [("https://poison.example/", {}), ("https://ok.example/", {})])
    for attempt in range(3):
        out = execute(db, job.job_id, _boom, max_attempts=3)
        assert out.state == QUEUED and out.retry_in is not None, attempt
    final = execute(db, job.job_id, _boom, max_attempts=3)
    assert final.state == ABORTED
    row = _row(db, job.job_id)
    assert row["attempts"] == 3 and row["state"] == ABORTED
    assert "aborted after 3 attempts" in str(row["error"]) and "scanner bug" in str(row["error"])
    assert execute(db, other.job_id, _ok).state == DONE  # the rest of the queue goes on


def test_unknown_job_is_reported(db: History) -> None:
    assert execute(db, "nope", _ok).state == "missing"


def test_owner_names_this_process() -> None:
    host, pid, token = new_owner().split(":")
    assert host == os.uname().nodename and pid == str(os.getpid()) and len(token) == 8
