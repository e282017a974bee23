"""Rendering benchmark: the browser layer (crawl/browser.py) on a loopback fixture shop.

1. generates a small copy of the benchmark shop (bench/gen_shop.py, default 200 pages of ~90 KB)
   unless bench/out/render-shop already holds it, and serves it from its own process
   (bench/serve.py), so server CPU is not charged to the browser;
2. renders distinct product pages through `BrowserRenderer` with 1, 2 and 4 pages at once
   (load, settle, consent check, scroll-to-load, DOM snapshot: what the crawler does per page)
   and reports rendered pages/s;
3. runs axe-core (violations + incomplete) on a handful of pages and reports seconds per page;
4. samples the PSS of the browser's process tree (psutil `memory_full_info().pss`, summed over
   every Chromium child of this process) during the runs and reports the peak;
5. times a real `ecq-scan scan --render always --max-pages 60` of the same shop (every page
   rendered, axe on one page per role, home screenshot, evidence screenshots).

It prints a table and whether each target is met; nothing here asserts a time. Targets
(issue 5): ≥ 6 rendered pages/s at 2 concurrent pages, the 60-page render-always scan ≤ 20 s,
browser PSS ≤ 1 GB.

    .venv/bin/python bench/render_bench.py [--pages 200] [--per-level 40] [--skip-scan]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(BENCH))

from crawl_bench import BenchError, Server  # noqa: E402
from gen_shop import generate, is_current  # noqa: E402

from ecq_scan.config import Settings  # noqa: E402
from ecq_scan.crawl.browser import BrowserRenderer, find_browser  # noqa: E402
from ecq_scan.models import RenderInfo  # noqa: E402

TARGET_PAGES_PER_S_AT_2 = 6.0
TARGET_SCAN_SECONDS = 20.0
TARGET_PSS_MIB = 1024.0
OUT = BENCH / "out"
SHOP = OUT / "render-shop"


class PssSampler:
    """Peak PSS of this process's Chromium children, sampled every `interval` seconds."""

    def __init__(self, interval: float = 0.25) -> None:
        import psutil  # type: ignore[import-untyped]

        self._psutil = psutil
        self.interval = interval
        self.peak_mib = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def sample(self) -> float:
        total = 0
        for proc in self._psutil.Process().children(recursive=True):
            try:
                name = proc.name().lower()
                if "chrom" in name or "headless" in name:
                    total += proc.memory_full_info().pss
            except self._psutil.Error:
                continue
        mib = total / 2**20
        self.peak_mib = max(self.peak_mib, mib)
        return mib

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def __enter__(self) -> PssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


@dataclass
class Level:
    concurrency: int
    pages: int
    seconds: float
    errors: int
    median_ms: float

    @property
    def pages_per_s(self) -> float:
        return self.pages / self.seconds if self.seconds else 0.0


def product_urls(base: str, count: int) -> list[str]:
    names = sorted(p.name for p in (SHOP / "product").glob("*.html"))
    if len(names) < count:
        raise BenchError(f"the shop has {len(names)} product pages, {count} needed; raise --pages")
    return [f"{base}product/{n}" for n in names[:count]]


async def render_levels(
    browser: str, base: str, urls: list[str], per_level: int, sampler: PssSampler
) -> tuple[list[Level], list[float], str | None]:
    levels: list[Level] = []
    axe_seconds: list[float] = []
    version = None
    offset = 0
    for conc in (1, 2, 4):
        settings = Settings(render_concurrency=conc, allow_private=True)
        async with BrowserRenderer(settings, browser, site_url=base) as renderer:
            version = renderer.version
            await renderer.render(base)  # warm-up: launch, first page, HTTP cache of CSS
            batch = urls[offset : offset + per_level]
            offset += per_level
            started = time.perf_counter()
            results = await asyncio.gather(*(renderer.render(u) for u in batch))
            seconds = time.perf_counter() - started
            sampler.sample()
            times = sorted(r.info.elapsed_ms for r in results)
            levels.append(
                Level(
                    conc,
                    len(batch),
                    seconds,
                    sum(1 for r in results if r.info.error),
                    times[len(times) // 2],
                )
            )
            if conc == 2:
                axe_seconds = await _axe_seconds(renderer, urls[offset : offset + 6])
                offset += 6
    return levels, axe_seconds, version


async def _axe_seconds(renderer: BrowserRenderer, urls: list[str]) -> list[float]:
    """axe-core alone (inject + run + trim), on already loaded pages: the extra cost a sample
    page pays. Uses the renderer's own page pool and steps (private on purpose: a bench)."""
    out: list[float] = []
    slot = await renderer._acquire()
    try:
        for url in urls:
            slot.reset()
            await renderer._steps(slot, url, RenderInfo())
            started = time.perf_counter()
            result = await renderer._axe(slot, url)
            out.append(time.perf_counter() - started)
            if result.error:
                raise BenchError(f"axe-core failed on {url}: {result.error}")
    finally:
        renderer._release(slot)
    return out


def scan_always(base: str, browser: str, sampler: PssSampler) -> dict[str, Any]:
    run_dir = OUT / "render-run"
    shutil.rmtree(run_dir, ignore_errors=True)
    ecq = Path(sys.executable).with_name("ecq-scan")
    cmd = [
        str(ecq),
        "scan",
        base,
        "--render",
        "always",
        "--max-pages",
        "60",
        "--delay",
        "0",
        "--concurrency",
        "4",
        "--per-host-concurrency",
        "4",
        "--max-depth",
        "10",
        "--sample-products",
        "100000",
        "--sample-categories",
        "100000",
        "--out",
        str(run_dir),
        "--quiet",
    ]
    env = {**os.environ, "ECQ_ALLOW_PRIVATE": "1", "ECQ_BROWSER": browser}
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stderr=subprocess.PIPE, text=True)
    import psutil

    peak = 0.0
    while proc.poll() is None:
        total = 0
        try:
            kids = psutil.Process(proc.pid).children(recursive=True)
        except psutil.Error:
            kids = []
        for kid in kids:
            try:
                name = kid.name().lower()
                if "chrom" in name or "headless" in name:
                    total += kid.memory_full_info().pss
            except psutil.Error:
                continue
        peak = max(peak, total / 2**20)
        time.sleep(0.25)
    seconds = time.perf_counter() - started
    stderr = proc.stderr.read() if proc.stderr else ""
    if proc.returncode != 0:
        raise BenchError(f"the render-always scan failed (exit {proc.returncode}): {stderr[-500:]}")
    sampler.peak_mib = max(sampler.peak_mib, peak)
    result = json.loads((run_dir / "result.json").read_text("utf-8"))
    rendered = [p for p in result["pages"] if p.get("render")]
    return {
        "seconds": seconds,
        "pages": len(result["pages"]),
        "rendered_ok": sum(1 for p in rendered if not p["render"]["error"]),
        "axe_pages": sum(1 for p in rendered if p["render"].get("axe")),
        "peak_pss_mib": peak,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pages", type=int, default=200, help="pages in the generated shop")
    ap.add_argument("--per-level", type=int, default=40, help="pages rendered per level")
    ap.add_argument("--skip-scan", action="store_true", help="skip the 60-page scan")
    ap.add_argument("--regenerate", action="store_true")
    args = ap.parse_args(argv)
    try:
        found = find_browser()
        if found is None:
            raise BenchError("no browser found: install Debian's chromium or set ECQ_BROWSER")
        if args.regenerate or not is_current(SHOP, args.pages):
            print(f"generating a {args.pages}-page shop in {SHOP} …", file=sys.stderr)
            generate(SHOP, args.pages)
        server = Server(SHOP, "asyncio")
        try:
            urls = product_urls(server.base, 3 * args.per_level + 6)
            with PssSampler() as sampler:
                levels, axe, version = asyncio.run(
                    render_levels(found.path, server.base, urls, args.per_level, sampler)
                )
                scan = None if args.skip_scan else scan_always(server.base, found.path, sampler)
        finally:
            server.stop()
    except BenchError as exc:
        print(f"render_bench: {exc}", file=sys.stderr)
        return 2
    print(report(levels, axe, scan, sampler.peak_mib, version, found.path))
    return 0


def report(
    levels: list[Level],
    axe: list[float],
    scan: dict[str, Any] | None,
    peak_pss: float,
    version: str | None,
    browser: str,
) -> str:
    def met(ok: bool) -> str:
        return "met" if ok else "NOT met"

    cpu = os.cpu_count()
    lines = [
        f"render bench · {browser} {version} · {platform.python_implementation()} "
        f"{platform.python_version()} · {cpu} CPUs",
        "",
        "| measure | value | target |",
        "|---|---|---|",
    ]
    for lv in levels:
        target = ""
        if lv.concurrency == 2:
            ok = lv.pages_per_s >= TARGET_PAGES_PER_S_AT_2
            target = f"≥ {TARGET_PAGES_PER_S_AT_2:g}/s: {met(ok)}"
        lines.append(
            f"| rendered pages/s, {lv.concurrency} at once ({lv.pages} pages, median "
            f"{lv.median_ms:.0f} ms, {lv.errors} errors) | {lv.pages_per_s:.2f} | {target} |"
        )
    if axe:
        mean = sum(axe) / len(axe)
        lines.append(f"| axe-core s/page (inject + run + trim, {len(axe)} pages) | {mean:.2f} | |")
    if scan is not None:
        ok = scan["seconds"] <= TARGET_SCAN_SECONDS
        lines.append(
            f"| 60-page --render always scan, s ({scan['pages']} pages, {scan['rendered_ok']} "
            f"rendered, axe on {scan['axe_pages']}) | {scan['seconds']:.1f} | "
            f"≤ {TARGET_SCAN_SECONDS:g} s: {met(ok)} |"
        )
    lines.append(
        f"| peak browser PSS, MiB | {peak_pss:.0f} | ≤ {TARGET_PSS_MIB:g}: "
        f"{met(peak_pss <= TARGET_PSS_MIB)} |"
    )
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
