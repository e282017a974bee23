"""SnapshotStore: whole files, tolerant reading of a killed manifest, offline reload."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from ecq_scan.crawl import Snapshot, SnapshotStore, load_crawl
from ecq_scan.crawl.snapshots import body_name
from ecq_scan.errors import InputError
from ecq_scan.models import PageRole, ScanStatus, SkippedUrl


def snap(url: str, body: bytes = b"<p>hi</p>", **changes: Any) -> Snapshot:
    base = Snapshot(
        url=url,
        final_url=url,
        status=200,
        headers={"content-type": "text/html"},
        body=body,
        content_type="text/html",
        encoding="utf-8",
        text=body.decode(),
        fetched_at=datetime.now(UTC),
        elapsed_ms=1.0,
    )
    return replace(base, **changes)


def test_add_and_read_round_trip(tmp_path: Path) -> None:
    store = SnapshotStore(tmp_path)
    store.begin("https://x.com/")
    a = store.add(snap("https://x.com/", truncated=True), PageRole.HOME, 0)
    b = store.add(snap("https://x.com/err", b"", status=None, error="timeout after 1s"), None, 1)
    store.write_summary(
        "https://x.com/", ScanStatus.COMPLETE, None, [SkippedUrl(url="mailto:a", reason="r")]
    )
    store.close()
    assert a.snapshot == f"snapshots/pages/{body_name('https://x.com/')}" and a.truncated
    assert b.snapshot is None and b.error == "timeout after 1s"
    assert list(SnapshotStore.read(tmp_path)) == [(a, b"<p>hi</p>"), (b, None)]
    records, skipped, status, reason, start = load_crawl(tmp_path)
    assert records == [a, b] and status is ScanStatus.COMPLETE and start == "https://x.com/"
    assert skipped == [SkippedUrl(url="mailto:a", reason="r")] and reason is None


def test_truncated_last_line_is_skipped(tmp_path: Path) -> None:
    store = SnapshotStore(tmp_path)
    store.begin("https://x.com/")
    store.add(snap("https://x.com/"), PageRole.HOME, 0)
    store.add(snap("https://x.com/a"), None, 1)
    store.close()
    manifest = tmp_path / "snapshots" / "manifest.jsonl"
    data = manifest.read_bytes()
    manifest.write_bytes(data[: len(data) - 40])  # killed in the middle of the second line
    records = [r for r, _ in SnapshotStore.read(tmp_path)]
    assert [r.url for r in records] == ["https://x.com/"]


def test_corrupt_middle_line_is_an_error(tmp_path: Path) -> None:
    store = SnapshotStore(tmp_path)
    store.begin("https://x.com/")
    store.add(snap("https://x.com/"), PageRole.HOME, 0)
    store.close()
    manifest = tmp_path / "snapshots" / "manifest.jsonl"
    manifest.write_text("{garbage\n" + manifest.read_text("utf-8"), "utf-8")
    with pytest.raises(InputError, match=r"manifest\.jsonl:1"):
        list(SnapshotStore.read(tmp_path))


def test_snapshot_paths_cannot_escape_the_run_dir(tmp_path: Path) -> None:
    run = tmp_path / "run"
    store = SnapshotStore(run)
    store.begin("https://x.com/")
    record = store.add(snap("https://x.com/"), PageRole.HOME, 0)
    store.close()
    (tmp_path / "secret").write_bytes(b"secret")
    evil = record.model_copy(update={"snapshot": "../secret"})
    (run / "snapshots" / "manifest.jsonl").write_text(evil.model_dump_json() + "\n", "utf-8")
    assert list(SnapshotStore.read(run)) == [(evil, None)]


def test_interrupted_crawl_reads_as_partial(tmp_path: Path) -> None:
    store = SnapshotStore(tmp_path)
    store.begin("https://x.com/")
    store.add(snap("https://x.com/"), PageRole.HOME, 0)
    # no close, no summary: as after kill -9
    _, _, status, reason, start = load_crawl(tmp_path)
    assert status is ScanStatus.PARTIAL and reason == "the crawl did not finish"
    assert start == "https://x.com/"
    summary = json.loads((tmp_path / "snapshots" / "crawl.json").read_text("utf-8"))
    assert summary["finished_at"] is None
    (tmp_path / "snapshots" / "crawl.json").unlink()
    _, _, status, reason, start = load_crawl(tmp_path)
    assert status is ScanStatus.PARTIAL and start == "https://x.com/"


def test_missing_crawl_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="holds no crawl"):
        load_crawl(tmp_path)
