"""CLI for monitoring many sites: `batch` (queue or run a list of sites), `worker` (a Celery
worker that runs queued scans) and `history` (what the shared history database holds).

Kept apart from cli.py so the single-scan commands do not import the queue."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Any

import click

from ecq_scan.errors import EXIT_OK, EXIT_UNSCANNABLE, InputError, UserFacingError
from ecq_scan.models import EnterpriseType


def _fail(exc: UserFacingError) -> None:
    click.echo(f"ecq-scan: error: {exc}", err=True)
    sys.exit(exc.exit_code)


def _history_path(path: Path | None) -> Path:
    from ecq_scan.config import load_settings

    chosen = path or (Path(p) if (p := load_settings().history) else None)
    if chosen is None:
        raise InputError("name the history database", "give --history PATH or set ECQ_HISTORY")
    return chosen


_HISTORY = click.option(
    "--history",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="SQLite history database (default: ECQ_HISTORY).",
)
_TYPES = [t.value for t in EnterpriseType]


def read_sites(path: Path) -> list[tuple[str, dict[str, Any]]]:
    """Rows of a sites file: `url[,type[,name]]`, an optional header row, `#` comments.

    Every row is checked before anything is queued, so a typo on line 900 does not leave 899
    jobs queued and the rest forgotten; the error names the line."""
    from ecq_scan.crawl import validate_start_url

    try:
        text = path.read_text("utf-8-sig")
    except OSError as exc:
        raise InputError(
            f"cannot read sites file {path}: {exc.strerror}", "check the path"
        ) from exc
    except UnicodeDecodeError as exc:
        raise InputError(f"sites file {path} is not UTF-8", "save it as UTF-8 CSV") from exc
    sites: list[tuple[str, dict[str, Any]]] = []
    for line_no, row in enumerate(csv.reader(text.splitlines()), start=1):
        cells = [c.strip() for c in row]
        if not cells or not cells[0] or cells[0].startswith("#"):
            continue
        if line_no == 1 and cells[0].lower() == "url":
            continue
        where = f"{path} line {line_no}"
        try:
            url = validate_start_url(cells[0])
        except UserFacingError as exc:
            raise InputError(
                f"{where}: {exc}", "fix or remove the line; nothing was queued"
            ) from exc
        options: dict[str, Any] = {}
        if len(cells) > 1 and cells[1]:
            if cells[1] not in _TYPES:
                raise InputError(
                    f"{where}: unknown enterprise type {cells[1]!r}",
                    f"use one of {', '.join(_TYPES)}; nothing was queued",
                )
            options["enterprise_type"] = cells[1]
        if len(cells) > 2 and cells[2]:
            options["label"] = cells[2]
        sites.append((url, options))
    if not sites:
        raise InputError(
            f"sites file {path} lists no site", "one URL per line, e.g. https://shop.example.cn/"
        )
    return sites


@click.command()
@click.argument("sites_file", type=click.Path(path_type=Path, dir_okay=False))
@_HISTORY
@click.option(
    "--broker",
    default=None,
    help="Task-queue broker URL (e.g. redis://127.0.0.1:6379/0; default: ECQ_BROKER). "
    "Without one, the sites are scanned here, one after another.",
)
@click.option(
    "--runs-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("reports/jobs"),
    show_default=True,
    help="Folder for each job's run folder (workers must see the same path).",
)
@click.option("--quiet", "-q", is_flag=True)
def batch(
    sites_file: Path, history: Path | None, broker: str | None, runs_dir: Path, quiet: bool
) -> None:
    """Scan every site in SITES_FILE (CSV: url[,type[,name]]) and record each in the history.

    With a broker the scans become jobs that `ecq-scan worker` processes run; without one they
    run here. Settings come from ECQ_* and the sites file (per-site type). Exit 0 when every
    scan was recorded (an unscannable site is a recorded result), 3 when a scan was aborted."""
    from ecq_scan.config import load_settings
    from ecq_scan.monitor.jobs import DONE, QUEUED, enqueue, execute
    from ecq_scan.store import History

    try:
        sites = read_sites(sites_file)
        settings = load_settings()
        db_path = _history_path(history)
        broker = broker or settings.broker
        runs_dir.mkdir(parents=True, exist_ok=True)
        db = History(db_path, busy_timeout=settings.history_busy_timeout)
        if broker:
            app = _queue_app(broker, settings.job_time_limit)
            _check_broker(app, broker)
        with db:
            jobs = enqueue(
                db, [(url, {k: v for k, v in o.items() if k != "label"}) for url, o in sites]
            )
            if broker:
                from ecq_scan.monitor.worker import TASK_NAME

                for job in jobs:
                    app.send_task(
                        TASK_NAME,
                        args=[job.job_id, str(db_path.resolve()), str(runs_dir.resolve())],
                    )
                    click.echo(f"{job.job_id}  queued  {job.url}")
                if not quiet:
                    click.echo(
                        f"{len(jobs)} jobs queued on {broker}; follow them with "
                        f"`ecq-scan history jobs --history {db_path}`",
                        err=True,
                    )
                sys.exit(EXIT_OK)
            from ecq_scan.monitor.work import scan_work

            work = scan_work(db_path, runs_dir)
            failed = 0
            for n, job in enumerate(jobs, start=1):
                if not quiet:
                    click.echo(f"[{n}/{len(jobs)}] scanning {job.url}", err=True)
                outcome = execute(db, job.job_id, work, lease=settings.job_lease, max_attempts=1)
                if outcome.state == QUEUED:  # the scan raised: record it as aborted, go on
                    outcome = execute(db, job.job_id, work, max_attempts=1)
                failed += outcome.state != DONE
                click.echo(
                    f"{job.job_id}  {outcome.state}  {job.url}"
                    + (f"  ({outcome.detail})" if outcome.detail and outcome.state != DONE else "")
                )
    except UserFacingError as exc:
        _fail(exc)
    sys.exit(EXIT_UNSCANNABLE if failed else EXIT_OK)


def _queue_app(broker: str, time_limit: float) -> Any:
    try:
        from ecq_scan.monitor.worker import make_app
    except ImportError as exc:  # celery is an optional extra
        raise InputError(
            "the task queue needs Celery, which is not installed",
            "pip install 'ecq-scan[queue]', or run batch without --broker",
        ) from exc
    return make_app(broker, time_limit)


def _check_broker(app: Any, broker: str) -> None:
    """Reach the broker before queuing anything: jobs written to the database but never sent
    would sit in `queued` forever."""
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=5)
    except Exception as exc:  # kombu raises several unrelated types for the same failure
        raise InputError(
            f"cannot reach the task-queue broker {broker}: {exc}",
            "start it (e.g. redis-server) or check --broker / ECQ_BROKER; nothing was queued",
        ) from exc


@click.command()
@_HISTORY
@click.option("--broker", default=None, help="Broker URL (default: ECQ_BROKER).")
@click.option(
    "--concurrency",
    "-c",
    type=click.IntRange(1, 64),
    default=2,
    show_default=True,
    help="Scans run at once (one process each).",
)
@click.option("--loglevel", default="INFO", show_default=True)
def worker(history: Path | None, broker: str | None, concurrency: int, loglevel: str) -> None:
    """Run a task-queue worker that scans queued jobs (Celery, prefork pool)."""
    import os

    from ecq_scan.config import load_settings
    from ecq_scan.store import History

    try:
        settings = load_settings()
        db_path = _history_path(history)
        History(db_path).close()  # a bad database is an error now, not in every task
        broker = broker or settings.broker
        if not broker:
            raise InputError("name the task-queue broker", "give --broker URL or set ECQ_BROKER")
        os.environ["ECQ_BROKER"] = broker
        os.environ["ECQ_HISTORY"] = str(db_path.resolve())
        app = _queue_app(broker, settings.job_time_limit)
        _check_broker(app, broker)
        from ecq_scan.monitor.worker import app as worker_app
        from ecq_scan.monitor.worker import worker_argv
    except UserFacingError as exc:
        _fail(exc)
    worker_app.worker_main(worker_argv(concurrency, loglevel))


@click.group()
def history() -> None:
    """What the history database holds: scans, changes between scans, jobs."""


@history.command("list")
@_HISTORY
@click.option("--site", default=None, help="Only this site (host[:port] as reports show it).")
@click.option("--limit", type=click.IntRange(1, 10_000), default=50, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
def history_list(history: Path | None, site: str | None, limit: int, fmt: str) -> None:
    """Recorded scans, newest first."""
    from dataclasses import asdict

    from ecq_scan.store import History

    try:
        with History(_history_path(history), create=False) as db:
            rows = db.scans(_site_key(site) if site else None, limit)
    except UserFacingError as exc:
        _fail(exc)
    if fmt == "json":
        click.echo(json.dumps([asdict(r) for r in rows], ensure_ascii=False, indent=2))
        return
    for r in rows:
        grade = (
            r.grade_min
            if r.grade_min == r.grade_max
            else f"{r.grade_min or '-'}…{r.grade_max or '-'}"
        )
        click.echo(
            f"{r.started_at[:19]}  {r.scan_id[:12]}  {r.site}  {r.status}  {grade or '-'}  "
            f"{r.page_count} pages"
        )
    click.echo(f"{len(rows)} scans", err=True)


def _site_key(site: str) -> str:
    """Accept a URL as well as the host[:port] the history keys sites by."""
    from urllib.parse import urlsplit

    site = site.strip()
    return urlsplit(site).netloc if "://" in site else site.rstrip("/")


@history.command("diff")
@click.argument("site")
@_HISTORY
@click.option("--from", "older", default=None, help="Older scan id (default: the one before --to).")
@click.option("--to", "newer", default=None, help="Newer scan id (default: the latest).")
def history_diff(site: str, history: Path | None, older: str | None, newer: str | None) -> None:
    """What changed between two scans of SITE: new failures, resolved ones, other changes."""
    from ecq_scan.store import History

    site = _site_key(site)
    try:
        with History(_history_path(history), create=False) as db:
            ids = [r.scan_id for r in db.scans(site, 10_000)]
            newer = newer or (ids[0] if ids else None)
            if newer is not None and older is None:
                later = ids[ids.index(newer) + 1 :] if newer in ids else []
                older = later[0] if later else None
            if newer is None or older is None:
                raise InputError(
                    f"the history holds fewer than two scans of {site}",
                    "scan it again with --history, or check the site name with `history list`",
                )
            changes = db.diff(older, newer)
            header = f"{site}: {older[:12]} → {newer[:12]}"
    except UserFacingError as exc:
        _fail(exc)
    click.echo(header)
    for c in changes:
        where = f"  {c.page_url}" if c.page_url else ""
        click.echo(f"  {c.kind:<8} {c.check_id}: {c.before or '-'} → {c.after or '-'}{where}")
    if not changes:
        click.echo("  no change")


@history.command("jobs")
@_HISTORY
@click.option("--state", type=click.Choice(["queued", "running", "done", "aborted"]), default=None)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
def history_jobs(history: Path | None, state: str | None, fmt: str) -> None:
    """Queued and finished jobs with their attempts and errors."""
    from ecq_scan.monitor.jobs import jobs
    from ecq_scan.store import History

    try:
        with History(_history_path(history), create=False) as db:
            rows = jobs(db, state)
    except UserFacingError as exc:
        _fail(exc)
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for r in rows:
        extra = f"  {r['error']}" if r["error"] else ""
        click.echo(
            f"{r['job_id'][:12]}  {r['state']:<8} attempts {r['attempts']}  "
            f"pages {r['pages_done']}  {r['url']}{extra}"
        )
