"""Orchestration: crawl (or read snapshots) → analysis → scoring → ScanResult → reports.

The runner is the only place that wires the stages together; each stage stays ignorant of the
others. Whatever happens mid-scan (a page fails, the user presses Ctrl-C, the time budget runs
out), the pages already fetched are on disk and the result says how complete it is.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ecq_scan import __version__
from ecq_scan.analysis import Analysis, is_html
from ecq_scan.checks.base import Check
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
from ecq_scan.scoring import EvidenceFile, Profile, load_evidence, load_profile, score
from ecq_scan.standard import load_catalogue as load_standard

SETTINGS_FILE = "settings.json"
Progress = Callable[[int, int, str], None]


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
) -> ScanOutcome:
    """Crawl `url`, analyse every page, score, and return the result (reports are written by
    the caller). Snapshots are stored in `out_dir/snapshots/` as they arrive."""
    checks = _checks(extra_rules)
    profile = load_profile(settings.profile, {c.meta.id for c in checks})
    evidence = load_evidence(evidence_file, profile) if evidence_file else None
    _prepare_run_dir(out_dir)
    (out_dir / "snapshots").mkdir(exist_ok=True)
    (out_dir / "snapshots" / SETTINGS_FILE).write_text(
        json.dumps({"target": url, "settings": settings.model_dump(mode="json")}, indent=2), "utf-8"
    )

    url = validate_start_url(url)
    analysis = Analysis(checks, settings.enterprise_type)
    store = SnapshotStore(out_dir)
    started = datetime.now(UTC)

    async def on_page(snap: Snapshot) -> Sequence[tuple[str, str]]:
        is_home = snap.url == url
        if snap.error or snap.text is None or not is_html(snap.content_type):
            reason = snap.error or f"HTTP {snap.status}, {snap.content_type or 'no content type'}"
            analysis.add_failed(snap.final_url or snap.url, reason, is_home=is_home)
            return []
        if snap.status is None or snap.status >= 400:
            analysis.add_failed(snap.final_url, f"HTTP {snap.status}", is_home=is_home)
            return []
        return analysis.add_page(
            snap.text,
            url=snap.final_url,
            requested_url=snap.url,
            status=snap.status,
            headers=snap.headers,
            content_type=snap.content_type or "",
            is_home=is_home,
        )

    crawler = Crawler(settings, store=store, progress=progress)
    interrupted = False
    unscannable: SiteUnscannableError | None = None
    status, status_reason = ScanStatus.COMPLETE, None
    pages: list[PageRecord] = []
    skipped: list[SkippedUrl] = []
    try:
        report = asyncio.run(crawler.run(url, on_page))
        pages, skipped, status, status_reason = (
            report.pages,
            report.skipped,
            report.status,
            report.status_reason,
        )
    except SiteUnscannableError as exc:
        unscannable = exc
        status, status_reason = ScanStatus.UNSCANNABLE, str(exc)
        pages = [rec for rec, _body in SnapshotStore.read(out_dir)]
    except KeyboardInterrupt:
        interrupted = True
        status, status_reason = ScanStatus.PARTIAL, "interrupted by the user"
        pages = [rec for rec, _body in SnapshotStore.read(out_dir)]

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
    )
    return ScanOutcome(result, interrupted=interrupted, unscannable=unscannable)


def audit(
    run_dir: Path,
    overrides: Mapping[str, object] | None = None,
    *,
    extra_rules: Sequence[Path] = (),
    evidence_file: Path | None = None,
) -> ScanResult:
    """Re-run checks and scoring offline from the snapshots in `run_dir` (no network)."""
    snap_dir = run_dir / "snapshots"
    if not (snap_dir / "manifest.jsonl").is_file():
        raise InputError(
            f"{run_dir} holds no scan snapshots (no snapshots/manifest.jsonl)",
            "give the folder a previous `ecq-scan scan` wrote, e.g. reports/<host>-<time>",
        )
    saved = _saved_settings(snap_dir)
    settings = Settings.model_validate({**saved.get("settings", {}), **(overrides or {})})
    _records, skipped, status, status_reason, start_url = load_crawl(run_dir)
    target = str(saved.get("target") or start_url)
    checks = _checks(extra_rules)
    profile = load_profile(settings.profile, {c.meta.id for c in checks})
    evidence = load_evidence(evidence_file, profile) if evidence_file else None
    analysis = Analysis(checks, settings.enterprise_type)
    started = datetime.now(UTC)
    pages: list[PageRecord] = []
    for rec, body in SnapshotStore.read(run_dir):
        pages.append(rec)
        is_home = rec.url == target
        ctype = rec.content_type
        if (
            body is None
            or rec.error
            or not is_html(ctype)
            or rec.status is None
            or rec.status >= 400
        ):
            analysis.add_failed(
                rec.final_url or rec.url, rec.error or f"HTTP {rec.status}", is_home=is_home
            )
            continue
        text, _enc = decode_html(body, rec.content_type)
        analysis.add_page(
            text,
            url=rec.final_url,
            requested_url=rec.url,
            status=rec.status,
            headers=rec.headers,
            content_type=ctype or "",
            is_home=is_home,
        )
    unscannable = status_reason if status is ScanStatus.UNSCANNABLE else None
    conclusion = analysis.conclude(unscannable_reason=unscannable)
    result = _result(
        target,
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
    )
    result.provenance.offline_audit = True
    return result


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
) -> ScanResult:
    for rec in pages:  # the role guessed from the parsed page beats the guess from link text
        role = analysis.roles.get(rec.final_url) or analysis.roles.get(rec.url)
        if role is not None:
            rec.role = role
    card = score(
        findings,
        profile,
        load_standard(),
        settings.enterprise_type,
        evidence,
        {c.meta.id: c.meta.enterprise_types for c in checks},
    )
    return ScanResult(
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
