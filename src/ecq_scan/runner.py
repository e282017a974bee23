"""Orchestration: crawl (or read snapshots) → analysis → scoring → ScanResult → reports.

The runner is the only place that wires the stages together; each stage stays ignorant of the
others. Whatever happens mid-scan (a page fails, the user presses Ctrl-C, the time budget runs
out), the pages already fetched are on disk and the result says how complete it is.
"""

from __future__ import annotations

import asyncio
import functools
import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from pydantic import ValidationError

from ecq_scan import __version__
from ecq_scan.analysis import Analysis, Conclusion, is_html
from ecq_scan.checks.base import Check, Probe
from ecq_scan.checks.registry import load_catalogue, rule_pack_hash
from ecq_scan.config import Settings
from ecq_scan.crawl import (
    Crawler,
    Snapshot,
    SnapshotStore,
    decode_html,
    load_crawl,
    validate_start_url,
)
from ecq_scan.crawl.browser import js_shell_reason
from ecq_scan.crawl.fetcher import verify_context
from ecq_scan.crawl.snapshots import read_rendered
from ecq_scan.crawl.ssrf import SSRFGuard
from ecq_scan.errors import InputError, SiteUnscannableError
from ecq_scan.models import (
    Disclosure,
    Finding,
    PageRecord,
    Provenance,
    ScanResult,
    ScanStatus,
    SkippedUrl,
)
from ecq_scan.rendering import (
    RenderSession,
    attach_shots,
    read_shot_index,
)
from ecq_scan.rendering import read_status as read_render_status
from ecq_scan.report._io import atomic_write_text
from ecq_scan.scoring import EvidenceFile, Profile, load_evidence, load_profile, score
from ecq_scan.standard import load_catalogue as load_standard
from ecq_scan.store import History

SETTINGS_FILE = "settings.json"
Progress = Callable[[int, int, str], None]
T = TypeVar("T")


@dataclass(slots=True)
class ScanOutcome:
    result: ScanResult
    interrupted: bool = False
    unscannable: SiteUnscannableError | None = None


def default_out_dir(url: str, now: datetime | None = None) -> Path:
    """`reports/<host>-<timestamp>/`, with the port kept (loopback shops differ only by port)."""
    parts = urlsplit(url)
    host = (parts.hostname or "site").replace(":", "_")
    if parts.port:
        host = f"{host}_{parts.port}"
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
    return Path("reports") / f"{host}-{stamp}"


#: One parsing thread for the whole process: pages are parsed one at a time anyway, and a single
#: thread keeps one malloc arena (a pool of threads made RSS creep with every page they parsed).
_PARSER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ecq-parse")


async def _off_loop(fn: Callable[[], T]) -> T:
    """Run CPU-heavy `fn` (parsing a page, running the checks) in the parsing thread.

    On the event loop, a slow parse (a 100,000-link page takes seconds) would stall every fetch
    in flight and push honest pages past their deadline (hostile-sites H19). If the caller is
    cancelled (scan time budget, Ctrl-C), the thread is waited for before re-raising, so no page
    is still being added to the analysis when it concludes."""
    future = asyncio.get_running_loop().run_in_executor(_PARSER, fn)
    try:
        return await asyncio.shield(future)
    except asyncio.CancelledError:
        await asyncio.wait([future])
        raise


def history_probes(history: History, url: str, scan_id: str | None = None) -> list[Probe]:
    """Home-page results of the earlier recorded scans of `url`'s site (not `scan_id` itself,
    which a resumed or re-audited scan would otherwise count twice)."""
    site = urlsplit(url).netloc
    return [
        Probe(datetime.fromisoformat(at), status)
        for at, status, _ms in history.home_probes(site, exclude=scan_id)
    ]


def scan_id_of(run_dir: Path) -> str | None:
    """The scan id stored in a run folder (None for folders written before ids existed)."""
    return str(_saved_settings(run_dir / "snapshots").get("scan_id") or "") or None


def _checks(extra_rules: Sequence[Path]) -> list[Check]:
    return load_catalogue(extra_rules)


def _prepare_run_dir(out_dir: Path) -> None:
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        probe = out_dir / ".write-test"
        probe.write_text("ok")
        probe.unlink()
    except OSError as exc:
        raise InputError(
            f"cannot write to output directory {out_dir}: {exc.strerror}",
            "choose another folder with --out",
        ) from exc


def scan(
    url: str,
    settings: Settings,
    out_dir: Path,
    *,
    extra_rules: Sequence[Path] = (),
    evidence_file: Path | None = None,
    progress: Progress | None = None,
    guard: SSRFGuard | None = None,
    resume: bool = False,
    scan_id: str | None = None,
    history: History | None = None,
) -> ScanOutcome:
    """Crawl `url`, analyse every page, score, and return the result (reports are written by
    the caller). Snapshots are stored in `out_dir/snapshots/` as they arrive. `guard` is for
    tests only (an SSRF policy under which a loopback address plays the internet).

    `resume=True` continues the crawl stored in `out_dir` (see `load_resume`): stored pages are
    re-read from their snapshots, never fetched again, and the crawl goes on from their links.
    Findings are computed once, at the end, from every page: nothing is counted twice.

    `scan_id` names the scan in the history database (a queued job passes its job id); without
    one a new id is made. It is stored in the run folder, so a resumed scan or an `audit` of it
    keeps the id and re-recording it replaces its rows instead of adding a second scan.
    `history` (read only here; the caller records the result): earlier recorded scans of the
    site give the service-availability check its probes.
    """
    checks = _checks(extra_rules)
    profile = load_profile(settings.profile, {c.meta.id for c in checks})
    evidence = load_evidence(evidence_file, profile) if evidence_file else None
    url = validate_start_url(url)  # canonical from here on: audit compares stored URLs with it
    verify_context(settings)  # an unusable ca_bundle is an input error before anything is written
    _prepare_run_dir(out_dir)
    (out_dir / "snapshots").mkdir(exist_ok=True)
    if resume:
        scan_id = scan_id or str(_saved_settings(out_dir / "snapshots").get("scan_id") or "")
    if not scan_id:
        scan_id = uuid.uuid4().hex
    if not resume:
        saved = {"target": url, "scan_id": scan_id, "settings": settings.model_dump(mode="json")}
        atomic_write_text(out_dir / "snapshots" / SETTINGS_FILE, json.dumps(saved, indent=2))

    session = RenderSession.plan(settings, url, out_dir)
    session.guard = guard  # the browser's requests pass the same SSRF policy as the fetcher's
    started = datetime.now(UTC)
    analysis = Analysis(
        checks,
        settings.enterprise_type,
        render_unavailable=session.unavailable,
        probes=history_probes(history, url, scan_id) if history is not None else (),
        probe_at=started,
        max_html_depth=settings.max_html_depth,
    )
    store = SnapshotStore(out_dir)

    parse_lock = asyncio.Lock()

    async def on_page(snap: Snapshot) -> Sequence[tuple[str, str]]:
        is_home = snap.url == url
        if snap.error or snap.text is None or not is_html(snap.content_type):
            reason = snap.error or f"HTTP {snap.status}, {snap.content_type or 'no content type'}"
            analysis.add_failed(
                snap.final_url or snap.url,
                reason,
                is_home=is_home,
                status=snap.status,
                tls=snap.tls,
            )
            return []
        if snap.status is None or snap.status >= 400:
            analysis.add_failed(
                snap.final_url,
                f"HTTP {snap.status}",
                is_home=is_home,
                status=snap.status,
                tls=snap.tls,
            )
            return []
        parse = functools.partial(
            analysis.add_page,
            snap.rendered_html if snap.rendered_html is not None else snap.text,
            url=snap.final_url,
            requested_url=snap.url,
            status=snap.status,
            headers=snap.headers,
            content_type=snap.content_type or "",
            is_home=is_home,
            render=snap.render,
            complete=not snap.truncated,
            tls=snap.tls,
        )
        async with parse_lock:  # one page at a time: Analysis is not thread-safe
            links = await _off_loop(parse)
            if snap.rendered_html is None:
                _unrendered_shell(analysis, snap.final_url, snap.text)
            return links

    crawler = Crawler(settings, store=store, progress=progress, guard=guard)
    if resume:
        crawler.resume = _replay_stored(out_dir, analysis, url) or None
    interrupted = False
    unscannable: SiteUnscannableError | None = None
    status, status_reason = ScanStatus.COMPLETE, None
    pages: list[PageRecord] = []
    skipped: list[SkippedUrl] = []
    conclusion: Conclusion | None = None
    try:
        report, conclusion = asyncio.run(session.run(crawler, on_page, analysis))
        pages, skipped, status, status_reason = (
            report.pages,
            report.skipped,
            report.status,
            report.status_reason,
        )
    except SiteUnscannableError as exc:
        unscannable = exc
        status, status_reason = ScanStatus.UNSCANNABLE, str(exc)
        pages = list(SnapshotStore.records(out_dir))
    except KeyboardInterrupt:
        interrupted = True
        status, status_reason = ScanStatus.PARTIAL, "interrupted by the user"
        pages = list(SnapshotStore.records(out_dir))

    if conclusion is None:  # the crawl ended early: conclude on what was fetched
        conclusion = analysis.conclude(unscannable_reason=str(unscannable) if unscannable else None)
    result = _result(
        url,
        settings,
        checks,
        analysis,
        conclusion.findings,
        conclusion.disclosures,
        pages,
        skipped,
        status,
        status_reason,
        started,
        profile,
        evidence,
        browser_version=session.version,
        scan_id=scan_id,
    )
    return ScanOutcome(result, interrupted=interrupted, unscannable=unscannable)


def audit(
    run_dir: Path,
    overrides: Mapping[str, object] | None = None,
    *,
    extra_rules: Sequence[Path] = (),
    evidence_file: Path | None = None,
    history: History | None = None,
) -> ScanResult:
    """Re-run checks and scoring offline from the snapshots in `run_dir` (no network).
    `history` as for `scan`; the scan's own home page is the newest probe, dated by its fetch."""
    snap_dir = run_dir / "snapshots"
    if not (snap_dir / "manifest.jsonl").is_file():
        raise InputError(
            f"{run_dir} holds no scan snapshots (no snapshots/manifest.jsonl)",
            "give the folder a previous `ecq-scan scan` wrote, e.g. reports/<host>-<time>",
        )
    saved = _saved_settings(snap_dir)
    settings = Settings.model_validate({**saved.get("settings", {}), **(overrides or {})})
    records, skipped, status, status_reason, start_url = load_crawl(run_dir)
    target = validate_start_url(str(saved.get("target") or start_url))
    checks = _checks(extra_rules)
    profile = load_profile(settings.profile, {c.meta.id for c in checks})
    evidence = load_evidence(evidence_file, profile) if evidence_file else None
    render_status = read_render_status(run_dir, settings, records)
    analysis = Analysis(
        checks,
        settings.enterprise_type,
        render_unavailable=render_status.unavailable,
        probes=history_probes(history, target, scan_id_of(run_dir)) if history else (),
        probe_at=min((r.fetched_at for r in records), default=None),
        max_html_depth=settings.max_html_depth,
    )
    started = datetime.now(UTC)
    pages: list[PageRecord] = []
    for rec, body in SnapshotStore.read(run_dir):
        pages.append(rec)
        _replay_page(run_dir, analysis, rec, body, is_home=rec.url == target)
    unscannable = status_reason if status is ScanStatus.UNSCANNABLE else None
    conclusion = analysis.conclude(unscannable_reason=unscannable)
    result = _result(
        target,
        settings,
        checks,
        analysis,
        attach_shots(conclusion.findings, read_shot_index(run_dir)),
        conclusion.disclosures,
        pages,
        skipped,
        status,
        status_reason,
        started,
        profile,
        evidence,
        browser_version=render_status.browser_version,
        scan_id=str(saved.get("scan_id") or "") or None,
    )
    result.provenance.offline_audit = True
    return result


def load_resume(run_dir: Path) -> tuple[str, Settings]:
    """The target and settings of the scan stored in `run_dir`, to continue it (`--resume`).
    Raises InputError, before any network activity, when the folder cannot be resumed."""
    snap_dir = run_dir / "snapshots"
    if not (snap_dir / SETTINGS_FILE).is_file():
        raise InputError(
            f"{run_dir} holds no scan to resume (no snapshots/{SETTINGS_FILE})",
            "give the --out folder of a scan that was interrupted",
        )
    saved = _saved_settings(snap_dir)
    try:
        settings = Settings.model_validate(saved.get("settings", {}))
    except ValidationError as exc:
        raise InputError(
            f"{snap_dir / SETTINGS_FILE} holds settings this version cannot use: "
            f"{exc.errors()[0]['msg']}",
            "resume it with the ecq-scan version that started it, or start a new scan",
        ) from exc
    target = saved.get("target")
    if not isinstance(target, str) or not target:
        raise InputError(f"{snap_dir / SETTINGS_FILE} does not name the scanned site")
    list(SnapshotStore.records(run_dir))  # a corrupt manifest is an input error, here and now
    return validate_start_url(target), settings


def _replay_stored(
    run_dir: Path, analysis: Analysis, target: str
) -> list[tuple[PageRecord, Sequence[tuple[str, str]]]]:
    """Feed the stored pages of a killed crawl to `analysis` (as `audit` does) and return them
    with their links. Empty when the home page itself was not stored whole: then the crawl
    simply starts again."""
    stored: list[tuple[PageRecord, Sequence[tuple[str, str]]]] = []
    seen: set[str] = set()
    for rec, body in SnapshotStore.read(run_dir):
        if rec.url in seen:  # a resumed crawl never stores a URL twice; be safe anyway
            continue
        seen.add(rec.url)
        is_home = rec.url == target
        if not stored and (not is_home or rec.error or body is None):
            return []
        stored.append((rec, _replay_page(run_dir, analysis, rec, body, is_home=is_home)))
    return stored


def _replay_page(
    run_dir: Path, analysis: Analysis, rec: PageRecord, body: bytes | None, *, is_home: bool
) -> Sequence[tuple[str, str]]:
    """One stored page into `analysis`, as the live scan fed it: the rendered DOM when the
    checks saw one, else the decoded body; a failed or non-HTML page as a page that failed.
    Shared by `audit` and `--resume`, so both replay exactly what a scan analysed."""
    if body is None or rec.error or not is_html(rec.content_type) or (rec.status or 999) >= 400:
        analysis.add_failed(
            rec.final_url or rec.url,
            rec.error or f"HTTP {rec.status}",
            is_home=is_home,
            status=rec.status,
            tls=rec.tls,
        )
        return []
    rendered = read_rendered(run_dir, rec)
    text = rendered if rendered is not None else decode_html(body, rec.content_type)[0]
    links = analysis.add_page(
        text,
        url=rec.final_url,
        requested_url=rec.url,
        status=rec.status,
        headers=rec.headers,
        content_type=rec.content_type or "",
        is_home=is_home,
        render=rec.render,
        complete=not rec.truncated,
        tls=rec.tls,
    )
    if rendered is None:
        _unrendered_shell(analysis, rec.final_url, text)
    return links


def _unrendered_shell(analysis: Analysis, url: str, html: str) -> None:
    """A page whose static HTML is a JavaScript shell and that no browser rendered shows
    nothing checkable: count it as not loaded, so what it would hold is "could not decide"
    (error), never a false fail."""
    shell = js_shell_reason(html)
    if shell is not None:
        analysis.mark_incomplete(url, f"not rendered and {shell}")


def _saved_settings(snap_dir: Path) -> dict[str, Any]:
    path = snap_dir / SETTINGS_FILE
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"{path} is not readable JSON: {exc}") from exc
    return data if isinstance(data, dict) else {}


def _result(
    url: str,
    settings: Settings,
    checks: Sequence[Check],
    analysis: Analysis,
    findings: list[Finding],
    disclosures: list[Disclosure],
    pages: list[PageRecord],
    skipped: list[SkippedUrl],
    status: ScanStatus,
    status_reason: str | None,
    started: datetime,
    profile: Profile,
    evidence: EvidenceFile | None,
    *,
    browser_version: str | None = None,
    scan_id: str | None = None,
) -> ScanResult:
    for rec in pages:  # the role guessed from the parsed page beats the guess from link text
        role = analysis.roles.get(rec.final_url) or analysis.roles.get(rec.url)
        if role is not None:
            rec.role = role
        if rec.final_url in analysis.cut_pages or rec.url in analysis.cut_pages:
            rec.truncated = True  # parsed only up to the nesting bound: as incomplete as a cut body
    card = score(
        findings,
        profile,
        load_standard(),
        settings.enterprise_type,
        evidence,
        {c.meta.id: c.meta.enterprise_types for c in checks},
    )
    return ScanResult(
        scan_id=scan_id,
        target=url,
        host=urlsplit(url).netloc,
        enterprise_type=settings.enterprise_type,
        status=status,
        status_reason=status_reason,
        provenance=Provenance(
            tool_version=__version__,
            rule_pack_hash=rule_pack_hash(checks),
            profile_id=f"{card.profile_id}@{card.profile_version}",
            settings=settings.model_dump(mode="json"),
            browser_version=browser_version,
            user_agent=settings.user_agent,
            started_at=started,
            finished_at=datetime.now(UTC),
        ),
        pages=pages,
        skipped=skipped,
        checks=[c.meta for c in checks],
        findings=findings,
        disclosures=disclosures,
        scorecard=card,
    )
