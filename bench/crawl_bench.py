"""Crawl benchmark: ecq-scan (static scan, all checks) next to Scrapy's bare crawl, same run.

1. generates the N-page shop (bench/gen_shop.py) unless bench/out/shop already holds it;
2. serves it on 127.0.0.1 from a separate process (bench/serve.py), so server CPU is not
   charged to either crawler;
3. runs Scrapy (bench/scrapy_bench.py) and `ecq-scan scan` as child processes, one after the
   other, with politeness delays off and the same concurrency, and measures each child: wall
   time, CPU time (user + system) and peak RSS from os.wait4's rusage;
4. prints pages, seconds, pages/s, CPU ms per page and peak RSS per tool, the ecq/Scrapy ratios
   and whether the targets (pages/s ≥ 1.5 × Scrapy, peak RSS < 128 MiB) are met.

It prints figures only: nothing here asserts a time. Exit status is non-zero only when a tool
could not run. See bench/README.md.

    .venv/bin/python bench/crawl_bench.py [--pages 2000] [--concurrency 16] [--skip-scrapy]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import select
import shutil
import statistics
import subprocess
import sys
import time
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(BENCH))

from gen_shop import DEFAULT_PAGE_KB, generate, is_current  # noqa: E402

TARGET_SPEEDUP = 1.5
TARGET_RSS_MIB = 128.0
ECQ_FLAGS = (
    "--max-pages",
    "--max-depth",
    "--delay",
    "--concurrency",
    "--per-host-concurrency",
    "--sample-products",
    "--sample-categories",
    "--out",
    "--render",
    "--allow-private",
    "--quiet",
)


@dataclass
class Run:
    tool: str
    pages: int
    seconds: float
    cpu_seconds: float
    peak_rss_mib: float
    server_cpu_seconds: float | None
    note: str = ""

    @property
    def pages_per_s(self) -> float:
        return self.pages / self.seconds if self.seconds > 0 else 0.0

    @property
    def cpu_ms_per_page(self) -> float:
        return 1000 * self.cpu_seconds / self.pages if self.pages else float("nan")


class BenchError(RuntimeError):
    """A tool could not run; the message says why and what to do."""


def _maxrss_mib(ru_maxrss: int) -> float:
    # Linux reports kibibytes, macOS bytes
    return ru_maxrss / 2**20 if sys.platform == "darwin" else ru_maxrss / 1024


def _tail(path: Path, lines: int = 25) -> str:
    try:
        text = path.read_text("utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


def _server_cpu(pid: int) -> float | None:
    try:
        import psutil  # type: ignore[import-untyped]
    except ImportError:
        return None
    try:
        t = psutil.Process(pid).cpu_times()
    except psutil.Error:
        return None
    return float(t.user + t.system)


def measure(
    cmd: list[str], log: Path, server_pid: int
) -> tuple[float, float, float, int, float | None]:
    """Run `cmd` to completion: (wall s, CPU s, peak RSS MiB, exit code, server CPU s)."""
    srv_before = _server_cpu(server_pid)
    with log.open("wb") as fh:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, cwd=REPO)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    srv_after = _server_cpu(server_pid)
    srv = srv_after - srv_before if srv_before is not None and srv_after is not None else None
    cpu = usage.ru_utime + usage.ru_stime
    return wall, cpu, _maxrss_mib(usage.ru_maxrss), proc.returncode, srv


def check_ecq(ecq: Path) -> None:
    """Fail early and clearly when the ecq-scan CLI is missing or lacks the flags we pass."""
    if not ecq.exists():
        raise BenchError(
            f"ecq-scan CLI not found at {ecq}. Install the package (make setup) or pass --ecq; "
            "run with --skip-ecq to measure Scrapy alone."
        )
    try:
        proc = subprocess.run(
            [str(ecq), "scan", "--help"], capture_output=True, text=True, timeout=120, cwd=REPO
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BenchError(f"`{ecq} scan --help` did not run: {exc}; use --skip-ecq") from exc
    if proc.returncode != 0:
        last = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
        raise BenchError(
            f"`{ecq} scan --help` failed (exit {proc.returncode}: {last[0]}). The ecq-scan CLI "
            "is not usable yet; run with --skip-ecq to measure Scrapy alone."
        )
    missing = [f for f in ECQ_FLAGS if f not in proc.stdout]
    if missing:
        raise BenchError(
            f"`ecq-scan scan` lacks the options {', '.join(missing)} the benchmark needs; "
            "run with --skip-ecq to measure Scrapy alone."
        )


class Server:
    """bench/serve.py in its own process."""

    def __init__(self, root: Path, impl: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(BENCH / "serve.py"), str(root), "--impl", impl],
            stdout=subprocess.PIPE,
            text=True,
            cwd=REPO,
        )
        assert self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], 120)
        line = self.proc.stdout.readline().strip() if ready else ""
        if not line.startswith("http://"):
            self.stop()
            raise BenchError(f"bench/serve.py did not start (got {line!r})")
        self.base = line
        with urllib.request.urlopen(self.base, timeout=30) as resp:  # warm-up and sanity check
            if resp.status != 200:
                raise BenchError(f"{self.base} answered {resp.status}")

    @property
    def pid(self) -> int:
        return self.proc.pid

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def run_scrapy(server: Server, args: argparse.Namespace, out: Path) -> Run:
    stats = out / "scrapy-stats.json"
    stats.unlink(missing_ok=True)
    log = out / "scrapy.log"
    cmd = [
        sys.executable,
        str(BENCH / "scrapy_bench.py"),
        server.base,
        "--concurrency",
        str(args.concurrency),
        "--max-pages",
        str(args.pages),
        "--max-depth",
        str(args.max_depth),
        "--stats",
        str(stats),
    ]
    wall, cpu, rss, code, srv = measure(cmd, log, server.pid)
    if code != 0 or not stats.is_file():
        raise BenchError(f"Scrapy run failed (exit {code}); last lines of {log}:\n{_tail(log)}")
    data = json.loads(stats.read_text("utf-8"))
    return Run(
        f"Scrapy {data.get('scrapy', '')} bare crawl", int(data["pages"]), wall, cpu, rss, srv
    )


def run_ecq(server: Server, args: argparse.Namespace, out: Path) -> Run:
    run_dir = out / "ecq-run"
    if run_dir.exists():
        shutil.rmtree(run_dir)
    log = out / "ecq-scan.log"
    n = str(args.concurrency)
    cmd = [
        str(args.ecq),
        "scan",
        server.base,
        "--max-pages",
        str(args.pages),
        "--max-depth",
        str(args.max_depth),
        "--delay",
        "0",
        "--concurrency",
        n,
        "--per-host-concurrency",
        n,
        "--sample-products",
        "100000",
        "--sample-categories",
        "100000",
        "--out",
        str(run_dir),
        "--render",
        "never",  # the target is for a static scan; bench/render_bench.py measures rendering
        "--allow-private",  # the bench shop is served on loopback
        "--quiet",
    ]
    wall, cpu, rss, code, srv = measure(cmd, log, server.pid)
    result_file = run_dir / "result.json"
    if not result_file.is_file():
        raise BenchError(
            f"ecq-scan wrote no result.json (exit {code}); last lines of {log}:\n{_tail(log)}"
        )
    result: dict[str, Any] = json.loads(result_file.read_text("utf-8"))
    pages = result.get("pages", [])
    ok = sum(1 for p in pages if p.get("status") == 200)
    version = result.get("provenance", {}).get("tool_version", "")
    findings = len(result.get("findings", []))
    note = f"exit {code}; {ok} of {len(pages)} pages had status 200; {findings} findings"
    return Run(f"ecq-scan {version} all checks", len(pages), wall, cpu, rss, srv, note)


def _median(runs: list[Run]) -> Run:
    if len(runs) == 1:
        return runs[0]
    speed = statistics.median_low([r.pages_per_s for r in runs])
    return next(r for r in runs if r.pages_per_s == speed)


def _fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def report(scrapy: Run | None, ecq: Run | None, args: argparse.Namespace, shop_mib: float) -> str:
    rows = [r for r in (scrapy, ecq) if r is not None]
    head = (
        f"{args.pages}-page shop ({shop_mib:.0f} MiB on disk), 127.0.0.1, concurrency "
        f"{args.concurrency} total and per host, delays off, {args.repeat} run(s) each "
        f"(median shown); {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"server: bench/serve.py --impl {args.server}"
    )
    cols = (
        f"{'tool':<34} {'pages':>6} {'seconds':>8} {'pages/s':>8} {'CPU ms/page':>12} "
        f"{'peak RSS MiB':>13}"
    )
    lines = [head, "", cols, "-" * len(cols)]
    for r in rows:
        lines.append(
            f"{r.tool:<34} {r.pages:>6} {r.seconds:>8.2f} {r.pages_per_s:>8.1f} "
            f"{r.cpu_ms_per_page:>12.2f} {r.peak_rss_mib:>13.1f}"
        )
    if scrapy is not None and ecq is not None and scrapy.pages_per_s > 0:
        speed = ecq.pages_per_s / scrapy.pages_per_s
        cpu = ecq.cpu_ms_per_page / scrapy.cpu_ms_per_page
        rss = ecq.peak_rss_mib / scrapy.peak_rss_mib
        lines.append(
            f"{'ratio ecq-scan / Scrapy':<34} {'':>6} {'':>8} {speed:>7.2f}x {cpu:>11.2f}x "
            f"{rss:>12.2f}x"
        )
        lines.append("")
        met = "met" if speed >= TARGET_SPEEDUP else "NOT met"
        lines.append(f"target pages/s >= {TARGET_SPEEDUP}x Scrapy: {met} ({speed:.2f}x)")
    if ecq is not None:
        met = "met" if ecq.peak_rss_mib < TARGET_RSS_MIB else "NOT met"
        lines.append(
            f"target peak RSS < {TARGET_RSS_MIB:.0f} MiB at {args.pages} pages: {met} "
            f"({ecq.peak_rss_mib:.1f} MiB)"
        )
        if ecq.pages < args.pages:
            lines.append(f"note: ecq-scan fetched {ecq.pages} of {args.pages} pages")
        lines.append(f"ecq-scan: {ecq.note}")
    srv = ", ".join(f"{r.tool.split()[0]} {_fmt(r.server_cpu_seconds, '.2f')} s" for r in rows)
    lines.append(f"server CPU (not counted above): {srv}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description="ecq-scan vs Scrapy crawl benchmark (prints figures only)."
    )
    ap.add_argument(
        "--pages", type=int, default=2000, help="pages in the generated shop (default 2000)"
    )
    ap.add_argument(
        "--concurrency", type=int, default=16, help="requests in flight, both tools (default 16)"
    )
    ap.add_argument(
        "--max-depth", type=int, default=10, help="link depth limit, both tools (default 10)"
    )
    ap.add_argument("--repeat", type=int, default=1, help="runs per tool; the median is reported")
    ap.add_argument("--skip-scrapy", action="store_true", help="do not run Scrapy")
    ap.add_argument("--skip-ecq", action="store_true", help="do not run ecq-scan")
    ap.add_argument(
        "--shop", type=Path, default=BENCH / "out" / "shop", help="where the shop is generated"
    )
    ap.add_argument(
        "--out", type=Path, default=BENCH / "out", help="logs, the ecq-scan run, bench.json"
    )
    ap.add_argument(
        "--ecq", type=Path, default=REPO / ".venv" / "bin" / "ecq-scan", help="ecq-scan executable"
    )
    ap.add_argument("--server", choices=("asyncio", "aiohttp", "threading"), default="asyncio")
    ap.add_argument("--regenerate", action="store_true", help="regenerate the shop even if present")
    args = ap.parse_args(argv)
    if args.skip_scrapy and args.skip_ecq:
        ap.error("nothing to run: both --skip-scrapy and --skip-ecq given")
    if args.repeat < 1:
        ap.error("--repeat must be at least 1")

    try:
        if not args.skip_ecq:
            check_ecq(args.ecq)
        if args.regenerate or not is_current(args.shop, args.pages):
            print(f"generating a {args.pages}-page shop in {args.shop} …", flush=True)
            generate(args.shop, args.pages)
        shop_bytes = json.loads((args.shop / ".shop.json").read_text("utf-8"))["bytes"]
        args.out.mkdir(parents=True, exist_ok=True)

        server = Server(args.shop, args.server)
        scrapy_runs: list[Run] = []
        ecq_runs: list[Run] = []
        try:
            for i in range(args.repeat):
                suffix = f" (run {i + 1}/{args.repeat})" if args.repeat > 1 else ""
                if not args.skip_scrapy:
                    print(f"Scrapy crawling {server.base}{suffix} …", flush=True)
                    scrapy_runs.append(run_scrapy(server, args, args.out))
                if not args.skip_ecq:
                    print(f"ecq-scan scanning {server.base}{suffix} …", flush=True)
                    ecq_runs.append(run_ecq(server, args, args.out))
        finally:
            server.stop()
    except BenchError as exc:
        print(f"crawl_bench: {exc}", file=sys.stderr)
        return 1

    scrapy = _median(scrapy_runs) if scrapy_runs else None
    ecq = _median(ecq_runs) if ecq_runs else None
    print()
    print(report(scrapy, ecq, args, shop_bytes / 2**20))
    record = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "pages": args.pages,
        "concurrency": args.concurrency,
        "page_kb": DEFAULT_PAGE_KB,
        "cpus": os.cpu_count(),
        "runs": [
            {**asdict(r), "pages_per_s": r.pages_per_s, "cpu_ms_per_page": r.cpu_ms_per_page}
            for r in scrapy_runs + ecq_runs
        ],
    }
    (args.out / "bench.json").write_text(json.dumps(record, indent=2) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
