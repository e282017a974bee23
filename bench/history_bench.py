"""History database benchmark: how fast scans are recorded when several processes share one
SQLite file (store/history.py), and what a report query costs meanwhile.

1. scans the bundled demo shop once (served on loopback) to get a real result (pages, findings
   with evidence) — the row set every recording writes;
2. starts W writer processes (1, 2, 4) that each record that result under fresh scan ids as fast
   as they can for a few seconds, while one reader process runs the report queries the CLI runs
   (`history list`, `history diff` of the two latest scans, row counts) in a loop;
3. prints recordings/s (all writers), the median and 95th-percentile time of one recording
   (the wait for the write lock included), reader queries/s, the largest `-wal` seen and the
   database size per recorded scan.

Nothing here asserts a time.

    .venv/bin/python bench/history_bench.py [--seconds 5] [--writers 1,2,4]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from ecq_scan.config import Settings  # noqa: E402
from ecq_scan.demo import find_demo_site  # noqa: E402
from ecq_scan.devserver import serve_directory  # noqa: E402
from ecq_scan.models import ScanResult  # noqa: E402
from ecq_scan.runner import scan  # noqa: E402
from ecq_scan.store import History  # noqa: E402


def _writer(db: str, result_json: str, seconds: float, out: mp.Queue) -> None:  # type: ignore[type-arg]
    result = ScanResult.model_validate_json(result_json)
    times: list[float] = []
    with History(db) as history:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            started = time.perf_counter()
            history.record(result, uuid.uuid4().hex, None)
            times.append(time.perf_counter() - started)
    out.put(("writer", times))


def _reader(db: str, seconds: float, out: mp.Queue) -> None:  # type: ignore[type-arg]
    wal = Path(db + "-wal")
    queries, wal_max = 0, 0
    with History(db) as history:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            rows = history.scans(limit=2)
            if len(rows) == 2:
                history.diff(rows[1].scan_id, rows[0].scan_id)
            history.counts()
            queries += 3
            if wal.exists():
                wal_max = max(wal_max, wal.stat().st_size)
    out.put(("reader", (queries, wal_max)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--writers", default="1,2,4")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp, serve_directory(find_demo_site()) as base:
        settings = Settings(allow_private=True, per_host_delay=0, render="never")
        result = scan(base, settings, Path(tmp) / "run").result
        payload = result.model_dump_json()
        print(
            f"row set per recording: 1 scan, {len(result.pages)} pages, "
            f"{len(result.findings)} findings"
        )
        print(f"{'writers':>7} {'rec/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'reads/s':>8} "
              f"{'wal max':>8} {'KiB/scan':>8}")  # fmt: skip
        for n in [int(x) for x in args.writers.split(",")]:
            db = str(Path(tmp) / f"history-{n}.db")
            History(db).close()
            queue: mp.Queue = mp.Queue()  # type: ignore[type-arg]
            procs = [
                mp.Process(target=_writer, args=(db, payload, args.seconds, queue))
                for _ in range(n)
            ]
            procs.append(mp.Process(target=_reader, args=(db, args.seconds, queue)))
            for p in procs:
                p.start()
            times: list[float] = []
            reads, wal_max = 0, 0
            for _ in procs:
                kind, value = queue.get()
                if kind == "writer":
                    times.extend(value)
                else:
                    reads, wal_max = value
            for p in procs:
                p.join()
            with History(db) as history:
                scans = history.counts()["scans"]
                assert history.integrity() == "ok"
            size = Path(db).stat().st_size
            times.sort()
            p95 = times[int(len(times) * 0.95) - 1] if times else 0.0
            print(
                f"{n:>7} {len(times) / args.seconds:>7.1f} "
                f"{statistics.median(times) * 1000:>7.1f} {p95 * 1000:>7.1f} "
                f"{reads / args.seconds:>8.0f} {wal_max / 2**20:>7.1f}M "
                f"{size / 1024 / max(scans, 1):>8.1f}"
            )
    print(json.dumps({"python": sys.version.split()[0]}))


if __name__ == "__main__":
    main()
