"""C · Politeness and server errors (H11–H12): back off when told to, stop a failing host, and
read robots.txt the RFC 9309 way without letting it cost unbounded time or memory."""

from __future__ import annotations

import gzip
import threading
import time

import pytest

from ecq_scan.models import ScanStatus

from .conftest import ScanCase
from .harness import Canary, MiB, Reply, Request, Site, hostile_settings, redirect, serving

pytestmark = pytest.mark.hostile


@pytest.mark.hostile_case("H11")
def test_h11_429_503_storm(scan_case: ScanCase) -> None:
    """Twenty URLs answering 429 (Retry-After: one day), 503 or 500: no day-long wait, at most
    one retry each, and the host is given up after the error budget."""
    active = 0
    peak = 0
    lock = threading.Lock()

    def storm(req: Request) -> Reply:
        nonlocal active, peak
        with lock:
            active += 1
            peak = max(peak, active)
        try:
            time.sleep(0.05)
            n = int(req.path.rsplit("/", 1)[-1])
            if n % 3 == 0:
                return Reply(503, b"busy", {"Content-Type": "text/plain"})
            if n % 3 == 1:
                return Reply(429, b"slow down", {"Retry-After": "86400"})
            return Reply(500, b"oops", {"Content-Type": "text/plain"})
        finally:
            with lock:
                active -= 1

    links = [f"/storm/{n}" for n in range(20)]
    site = Site(links=links, prefixes={"/storm/": storm})
    settings = hostile_settings(per_host_concurrency=2)
    with serving(site):
        run = scan_case(site.url, settings)
    storm_hits = sum(n for path, n in site.hits.items() if path.startswith("/storm/"))
    outcomes = [run.outcome_of(site.base + p) for p in links]
    assert storm_hits <= (5 + settings.concurrency) * 2, f"{storm_hits} requests to a failing host"
    assert any("error budget" in o for o in outcomes), outcomes
    for path in links:
        if site.hits[path] and int(path.rsplit("/", 1)[-1]) % 3 == 1:
            assert site.hits[path] == 1, "Retry-After: 86400 must not be retried"
            assert run.outcome_of(site.base + path) == "rate_limited"
    assert peak <= settings.per_host_concurrency
    run.assert_invariants(time_budget=8, urls=site.hostile_urls)


def _big_robots() -> bytes:
    filler = b"# " + b"x" * 98 + b"\n"
    head = b"User-agent: *\nDisallow: /private\n"
    return head + filler * (600 * 1024 // 100) + b"Disallow: /secret\n" + filler * 45_000


def _robots_variants(canary: Canary) -> dict[str, Reply | dict[str, Reply]]:
    text = {"Content-Type": "text/plain"}
    chain = {f"/r{i}.txt": redirect(f"/r{i + 1}.txt") for i in range(6)}
    chain["/r6.txt"] = Reply(200, b"User-agent: *\nDisallow: /nothing\n", text)
    return {
        "a-5MiB": Reply(200, _big_robots(), text),
        "b-503": Reply(503, b"", text),
        "c-404": Reply(404, b"", text),
        "d-403": Reply(403, b"", text),
        "e-crawl-delay": Reply(200, b"User-agent: *\nCrawl-delay: 3600\n", text),
        "f-redirect-chain": {"/robots.txt": redirect("/r0.txt"), **chain},
        "g-to-canary": redirect(f"{canary.base}/robots.txt"),
        "h-disallow-all": Reply(200, b"User-agent: *\nDisallow: /\n", text),
        "i-gzip-bomb": Reply(
            200, gzip.compress(b"#" * (64 * MiB)), {**text, "Content-Encoding": "gzip"}
        ),
    }


VARIANTS = [
    "a-5MiB",
    "b-503",
    "c-404",
    "d-403",
    "e-crawl-delay",
    "f-redirect-chain",
    "g-to-canary",
    "h-disallow-all",
    "i-gzip-bomb",
]


@pytest.mark.hostile_case("H12")
@pytest.mark.parametrize("variant", VARIANTS)
def test_h12_robots_hazards(variant: str, scan_case: ScanCase, canary: Canary) -> None:
    robots = _robots_variants(canary)[variant]
    extra = robots if isinstance(robots, dict) else {"/robots.txt": robots}
    pages = {"/secret": Reply(200, b"<!doctype html><p>secret</p>", {"Content-Type": "text/html"})}
    site = Site({**pages, **extra}, links=["/secret"])
    settings = hostile_settings(scan_timeout=4.0) if variant == "e-crawl-delay" else None
    with serving(site):
        run = scan_case(site.url, settings)
    robots_hits = sum(n for p, n in site.hits.items() if p.endswith(".txt"))
    if variant == "h-disallow-all":
        assert run.result.status is ScanStatus.UNSCANNABLE
        assert "robots.txt" in (run.result.status_reason or "")
        assert set(site.hits) == {"/robots.txt"}, "nothing but robots.txt may be fetched"
        assert run.canary_hits == 0
        return
    if variant == "a-5MiB":
        # only the first 500 KiB is read: `Disallow: /secret` at 600 KiB is not seen
        assert run.outcome_of(site.base + "/secret") == "ok"
        assert site.hits["/private"] == 0
    if variant == "e-crawl-delay":
        # honoured up to the cap (10 s), so the site wall clock ends the crawl
        assert run.result.status is ScanStatus.PARTIAL
        assert len(run.result.pages) <= 2
        run.assert_invariants(time_budget=4 + 3, honest=False)
        return
    if variant == "f-redirect-chain":
        assert robots_hits <= 1 + 10  # one chain, at most max_redirects hops
    run.assert_invariants(time_budget=8, urls=site.hostile_urls)
