"""Crash-safe storage of what the crawl fetched, so `ecq-scan audit` can re-run checks offline.

Layout under the run directory:

    snapshots/pages/<sha256(url)[:20]>.body   raw (decoded-from-transfer) body of each page
    snapshots/rendered/<sha256(url)[:20]>.html  DOM after a browser rendered it (UTF-8), if any
    snapshots/manifest.jsonl                  one PageRecord per line, in fetch order
    snapshots/crawl.json                      start URL, status, skipped URLs, notes

File names come from a hash, never from the URL (no path tricks, no overlong names). Bodies are
written to a temp file and renamed, and each manifest line is flushed as it is written, so a
killed scan leaves whole files and at most one partial last line, which readers skip.
`crawl.json` is written when the crawl starts (status partial) and rewritten when it ends, so an
interrupted crawl still says what it was.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ecq_scan.crawl.fetcher import Snapshot
from ecq_scan.errors import InputError
from ecq_scan.models import PageRecord, PageRole, RenderInfo, ScanStatus, SkippedUrl

SNAPSHOT_DIR = "snapshots"
PAGES_DIR = "pages"
RENDERED_DIR = "rendered"
MANIFEST = "manifest.jsonl"
CRAWL_FILE = "crawl.json"
#: Hex characters of sha256(url) in a body file name: 80 bits, collisions are not a concern.
NAME_HEX = 20


class CrawlSummary(BaseModel):
    """The contents of crawl.json."""

    model_config = ConfigDict(extra="forbid")

    start_url: str
    status: ScanStatus
    status_reason: str | None = None
    skipped: list[SkippedUrl] = Field(default_factory=list)
    skipped_not_listed: int = 0
    notes: list[str] = Field(default_factory=list)
    started_at: datetime
    finished_at: datetime | None = None


def body_name(url: str) -> str:
    return hashlib.sha256(url.encode("utf-8")).hexdigest()[:NAME_HEX] + ".body"


def record_for(
    snap: Snapshot, role: PageRole | None, depth: int, snapshot: str | None = None
) -> PageRecord:
    """The manifest entry for a snapshot (the body itself lives in a separate file)."""
    return PageRecord(
        url=snap.url,
        final_url=snap.final_url,
        status=snap.status,
        content_type=snap.content_type,
        encoding=snap.encoding,
        role=role,
        depth=depth,
        fetched_at=snap.fetched_at,
        elapsed_ms=snap.elapsed_ms,
        size=len(snap.body),
        sha256=snap.sha256,
        snapshot=snapshot,
        redirects=list(snap.redirects),
        headers=dict(snap.headers),
        error=snap.error,
        error_kind=None if snap.error_kind is None else str(snap.error_kind),
        truncated=snap.truncated,
        tls=snap.tls,
    )


def _drop_partial_tail(path: Path) -> None:
    """Cut a manifest after its last complete line: a killed write leaves half a line, and
    lines appended after it would otherwise make it a corrupt line in the middle."""
    try:
        with path.open("rb+") as fh:
            data = fh.read()
            keep = data.rfind(b"\n") + 1
            if keep < len(data):
                fh.truncate(keep)
    except FileNotFoundError:
        return


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class SnapshotStore:
    """Writes bodies and manifest lines for one crawl into `run_dir/snapshots/`."""

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = Path(run_dir)
        self.dir = self.run_dir / SNAPSHOT_DIR
        self.pages_dir = self.dir / PAGES_DIR
        self.pages_dir.mkdir(parents=True, exist_ok=True)
        self._manifest: TextIO | None = None
        self._started_at = datetime.now(UTC)

    def begin(self, start_url: str, *, append: bool = False) -> None:
        """Start a fresh manifest (or, with `append`, continue a killed crawl's manifest after
        dropping its partial last line) and mark the crawl as not finished."""
        self.close()
        self._started_at = datetime.now(UTC)
        path = self.dir / MANIFEST
        if append:
            _drop_partial_tail(path)
        self._manifest = path.open("a" if append else "w", encoding="utf-8")
        self.write_summary(
            start_url, ScanStatus.PARTIAL, "the crawl did not finish", finished=False
        )

    def add(self, snap: Snapshot, role: PageRole | None, depth: int) -> PageRecord:
        """Store the body (if any) and the rendered DOM (if any) and append the record."""
        rel: str | None = None
        if snap.body:
            name = body_name(snap.url)
            _atomic_write(self.pages_dir / name, snap.body)
            rel = f"{SNAPSHOT_DIR}/{PAGES_DIR}/{name}"
        record = record_for(snap, role, depth, rel)
        if snap.render is not None:
            record.render = self._store_render(snap)
        if self._manifest is None:
            self._manifest = (self.dir / MANIFEST).open("a", encoding="utf-8")
        self._manifest.write(record.model_dump_json() + "\n")
        self._manifest.flush()
        return record

    def _store_render(self, snap: Snapshot) -> RenderInfo:
        """Write the rendered DOM as UTF-8 next to the bodies, so `audit` replays exactly what
        the checks saw; the RenderInfo gets the file and its SHA-256."""
        info = snap.render
        assert info is not None
        if snap.rendered_html is None:
            return info
        data = snap.rendered_html.encode("utf-8")
        name = body_name(snap.url).removesuffix(".body") + ".html"
        (self.dir / RENDERED_DIR).mkdir(exist_ok=True)
        _atomic_write(self.dir / RENDERED_DIR / name, data)
        return info.model_copy(
            update={
                "dom_snapshot": f"{SNAPSHOT_DIR}/{RENDERED_DIR}/{name}",
                "dom_sha256": hashlib.sha256(data).hexdigest(),
            }
        )

    def write_summary(
        self,
        start_url: str,
        status: ScanStatus,
        status_reason: str | None,
        skipped: list[SkippedUrl] | None = None,
        notes: list[str] | None = None,
        skipped_not_listed: int = 0,
        finished: bool = True,
    ) -> None:
        summary = CrawlSummary(
            start_url=start_url,
            status=status,
            status_reason=status_reason,
            skipped=skipped or [],
            skipped_not_listed=skipped_not_listed,
            notes=notes or [],
            started_at=self._started_at,
            finished_at=datetime.now(UTC) if finished else None,
        )
        _atomic_write(self.dir / CRAWL_FILE, summary.model_dump_json(indent=2).encode("utf-8"))

    def close(self) -> None:
        if self._manifest is not None:
            self._manifest.close()
            self._manifest = None

    @staticmethod
    def records(run_dir: Path) -> Iterator[PageRecord]:
        """Manifest records in order; a partial or unreadable last line (a killed write) is
        skipped, an unreadable line elsewhere is an error."""
        path = Path(run_dir) / SNAPSHOT_DIR / MANIFEST
        try:
            lines = path.read_text("utf-8", errors="replace").split("\n")
        except FileNotFoundError as exc:
            raise InputError(
                f"{run_dir} holds no crawl ({path} is missing)", "run a scan into it first"
            ) from exc
        last = len(lines) - 1
        for n, line in enumerate(lines):
            if not line.strip():
                continue
            try:
                yield PageRecord.model_validate_json(line)
            except ValidationError as exc:
                if n == last:
                    return  # the crawl was killed while writing this line
                raise InputError(
                    f"{path}:{n + 1} is not a page record: {exc.errors()[0]['msg']}"
                ) from exc

    @staticmethod
    def read(run_dir: Path) -> Iterator[tuple[PageRecord, bytes | None]]:
        """Each stored record with its body (None when none was stored or the file is gone)."""
        root = Path(run_dir).resolve()
        for record in SnapshotStore.records(run_dir):
            body: bytes | None = None
            if record.snapshot:
                path = (root / record.snapshot).resolve()
                if path.is_relative_to(root) and path.is_file():
                    body = path.read_bytes()
            yield record, body


def read_rendered(run_dir: Path, record: PageRecord) -> str | None:
    """The stored rendered DOM of a record (None when it was not rendered or the file is gone
    or lies outside the run directory)."""
    if record.render is None or not record.render.dom_snapshot:
        return None
    root = Path(run_dir).resolve()
    path = (root / record.render.dom_snapshot).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        return None
    return path.read_bytes().decode("utf-8", errors="replace")


def load_crawl(
    run_dir: Path,
) -> tuple[list[PageRecord], list[SkippedUrl], ScanStatus, str | None, str]:
    """(records, skipped, status, status_reason, start_url) of a stored crawl."""
    records = list(SnapshotStore.records(run_dir))
    path = Path(run_dir) / SNAPSHOT_DIR / CRAWL_FILE
    try:
        summary = CrawlSummary.model_validate_json(path.read_bytes())
    except (FileNotFoundError, ValidationError):
        start = records[0].url if records else ""
        return (
            records,
            [],
            ScanStatus.PARTIAL,
            f"{path.name} is missing or unreadable: the crawl did not finish",
            start,
        )
    return records, summary.skipped, summary.status, summary.status_reason, summary.start_url
