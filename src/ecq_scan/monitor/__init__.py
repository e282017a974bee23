"""Monitoring at scale: batches of sites as jobs in the history database, delivered by a
Celery task queue to real workers (`ecq-scan batch`, `ecq-scan worker`).

`worker` imports Celery; import it only where a queue is used."""

from ecq_scan.monitor.jobs import (
    ABORTED,
    DONE,
    QUEUED,
    RUNNING,
    JobOutcome,
    JobSpec,
    enqueue,
    execute,
)

__all__ = ["ABORTED", "DONE", "QUEUED", "RUNNING", "JobOutcome", "JobSpec", "enqueue", "execute"]
