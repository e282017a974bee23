"""What a job does: scan (resuming the job's own run folder), write the reports, record the
result in the history. Used by the Celery task and by `ecq-scan batch` without a broker."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ecq_scan.config import load_settings
from ecq_scan.models import ScanResult
from ecq_scan.monitor.jobs import JobSpec, Work
from ecq_scan.store import History


def scan_work(history_path: Path, runs_dir: Path) -> Work:
    """A `Work` that scans into `runs_dir/<job_id>` and records into `history_path`.

    The run folder is named after the job, so a redelivered job finds the pages the killed
    delivery stored and resumes instead of starting over; the scan id is the job id, so
    recording it again replaces its rows."""

    def work(spec: JobSpec, pages_done: Callable[[int], None]) -> ScanResult:
        from ecq_scan.report import write_reports
        from ecq_scan.runner import SETTINGS_FILE, load_resume, scan

        out = runs_dir / spec.job_id
        resume = (out / "snapshots" / SETTINGS_FILE).is_file()
        if resume:
            start, settings = load_resume(out)
        else:
            start, settings = spec.url, load_settings(None, dict(spec.options))
        with History(
            history_path,
            busy_timeout=settings.history_busy_timeout,
            checkpoint_every=settings.history_checkpoint_every,
        ) as history:
            outcome = scan(
                start,
                settings,
                out,
                progress=lambda done, _total, _url: pages_done(done),
                resume=resume,
                scan_id=spec.job_id,
                history=history,
            )
            write_reports(outcome.result, out, settings.lang)
            history.record(outcome.result, spec.job_id, out)
        return outcome.result

    return work
