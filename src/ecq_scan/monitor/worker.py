"""The Celery app and its one task: deliver a job id to `jobs.execute`.

DESIGN §7 asks for an existing distributed task queue with real workers, not a home-made one;
Celery with a Redis (or RabbitMQ) broker is that queue. Its delivery guarantees are set for
scans that may be killed (hostile-sites D5):

* `task_acks_late` + `task_reject_on_worker_lost`: the message is acknowledged only after the
  job finished, and given back when the worker process dies mid-scan, so a killed scan is
  redelivered rather than lost;
* `worker_prefetch_multiplier = 1`: a worker holds one message at a time, so other workers pick up
  the rest of the queue while a long scan runs;
* `task_time_limit`: a hung scan is killed, which the job's attempt counter then sees;
* `visibility_timeout` (Redis) longer than the time limit, so a message is not handed to a second
  worker while the first is still inside its time limit.

At-least-once delivery means a message may come back for a job that is running, finished or
poisonous; `jobs.execute` decides with the job row (attempts, lease), not with the message.

The broker URL and the history path come from the environment (`ECQ_BROKER`, `ECQ_HISTORY`),
which `ecq-scan worker` sets from its options, so `celery -A ecq_scan.monitor.worker worker` works
as well.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from celery import Celery

from ecq_scan.config import load_settings
from ecq_scan.monitor.jobs import DONE, Work, execute
from ecq_scan.monitor.work import scan_work
from ecq_scan.store import History

TASK_NAME = "ecq_scan.scan_job"
#: seconds the broker waits beyond the time limit before it hands an unacknowledged message on
VISIBILITY_MARGIN = 60.0


def make_app(broker: str, time_limit: float) -> Celery:
    app = Celery("ecq_scan", broker=broker, set_as_current=False)
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_time_limit=time_limit,
        broker_transport_options={"visibility_timeout": time_limit + VISIBILITY_MARGIN},
        broker_connection_retry_on_startup=True,
        task_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,
        worker_hijack_root_logger=False,
        worker_send_task_events=False,
    )
    return app


def _settings_from_env() -> tuple[str, float]:
    settings = load_settings()
    return settings.broker or "redis://127.0.0.1:6379/0", settings.job_time_limit


app = make_app(*_settings_from_env())
# one line per fetched URL would bury the worker's own log; fetch errors are in each result
logging.getLogger("httpx").setLevel(logging.WARNING)


def deliver(task: Any, job_id: str, history: str, runs_dir: str, work: Work | None = None) -> str:
    """Run one delivery of `job_id`; ask the queue to come back later when another live
    delivery holds the job, or when the scan raised and attempts remain. `work` defaults to a
    scan (another task may deliver jobs with other work under the same rules)."""
    settings = load_settings()
    with History(
        history,
        busy_timeout=settings.history_busy_timeout,
        checkpoint_every=settings.history_checkpoint_every,
    ) as db:
        outcome = execute(
            db,
            job_id,
            work or scan_work(Path(history), Path(runs_dir)),
            lease=settings.job_lease,
            max_attempts=settings.job_max_attempts,
        )
    if outcome.retry_in is not None:
        raise task.retry(countdown=max(outcome.retry_in, 0.5), max_retries=None)
    return outcome.state


def _scan_job(self: Any, job_id: str, history: str, runs_dir: str) -> str:
    return deliver(self, job_id, history, runs_dir)


scan_job = app.task(name=TASK_NAME, bind=True)(_scan_job)


def worker_argv(concurrency: int, loglevel: str = "INFO") -> list[str]:
    """The `celery worker` arguments `ecq-scan worker` runs with (prefork pool: one process
    per scan, so a crash or a kill takes one scan down, not the worker)."""
    return [
        "worker",
        f"--concurrency={concurrency}",
        "--pool=prefork",
        f"--loglevel={loglevel}",
        "--without-gossip",
        "--without-mingle",
        f"--hostname=ecq-scan@{os.uname().nodename}.{os.getpid()}",
    ]


__all__ = ["DONE", "TASK_NAME", "app", "deliver", "make_app", "scan_job", "worker_argv"]
