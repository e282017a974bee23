"""F · Browser (H24–H28, Playwright + Chromium) and the browser half of H30.

The scan renders every page (`render: always`) with a 5-second render deadline. Each hostile
page must end within its budget (as a page with a render error, or rendered), the honest pages
must still be scanned, and no Chromium process may outlive the scan. Skipped when no Chromium
is installed (reason given), like tests/browser.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import psutil
import pytest

from ecq_scan.config import Settings
from ecq_scan.crawl.browser import find_browser
from ecq_scan.errors import InputError

from .conftest import ScanCase
from .harness import (
    GOAL,
    TIME_FACTOR,
    Canary,
    Conn,
    Reply,
    Site,
    hostile_settings,
    html_reply,
    serving,
)

pytestmark = [pytest.mark.hostile, pytest.mark.browser]
RENDER_TIMEOUT = 5.0


def _browser() -> str | None:
    try:
        found = find_browser()
    except InputError:
        return None
    return found.path if found else None


BROWSER = _browser()


@pytest.fixture
def browser_settings() -> Settings:
    if BROWSER is None:
        pytest.skip("browser layer present but no Chromium found (install Debian's chromium)")
    return hostile_settings(
        render="always", render_timeout=RENDER_TIMEOUT, browser=BROWSER, max_pages=20
    )


def _chromium_children() -> list[psutil.Process]:
    out = []
    for proc in psutil.Process().children(recursive=True):
        try:
            name = proc.name().lower()
        except psutil.Error:
            continue
        if "chrom" in name or "headless" in name:
            out.append(proc)
    return out


@pytest.fixture
def no_zombies() -> Iterator[None]:
    yield
    deadline = time.monotonic() + 5
    while _chromium_children() and time.monotonic() < deadline:
        time.sleep(0.1)
    left = [p.pid for p in _chromium_children() if p.status() != psutil.STATUS_ZOMBIE]
    assert not left, f"Chromium processes left after the scan: {left}"


def _page(title: str, body: str) -> Reply:
    return html_reply(
        f"<!doctype html><html lang=zh><head><title>{title}</title></head>"
        f"<body><h1>{title}</h1>{body}<footer>京ICP备2024077296号-1</footer></body></html>"
    )


def _drip_js() -> Reply:
    def raw(c: Conn) -> None:
        c.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/javascript\r\n\r\n")
        while not c.stop.is_set() and c.write(b"/"):
            c.stop.wait(1.0)

    return Reply(raw=raw)


def _assert_bounded(run: object, urls: list[str], budget_ms: float) -> None:
    budget_ms *= TIME_FACTOR
    for url in urls:
        rec = run.page(url)  # type: ignore[attr-defined]
        render = rec.render
        if render is not None:
            assert render.elapsed_ms <= budget_ms, (url, render.elapsed_ms, render.error)


@pytest.mark.hostile_case("H24")
def test_h24_load_event_never_fires(
    scan_case: ScanCase, browser_settings: Settings, no_zombies: None
) -> None:
    frames = "".join(f"document.write('<iframe src=\"/frame?{i}\"></iframe>');" for i in range(50))
    site = Site(
        {
            "/img": _page("img", '<img src="/hang">'),
            "/hang": Reply(raw=lambda c: c.hold()),
            "/script": _page("script", '<script src="/drip.js"></script>'),
            "/drip.js": _drip_js(),
            "/poll": _page("poll", "<script>setInterval(()=>fetch('/hang'),100)</script>"),
            "/frames": _page("frames", f"<script>{frames}</script>"),
            "/frame": _page("frame", ""),
        },
        links=["/img", "/script", "/poll", "/frames"],
    )
    with serving(site):
        run = scan_case(site.url, browser_settings)
    _assert_bounded(run, site.hostile_urls, RENDER_TIMEOUT * 1000 + 2500)
    for url in site.hostile_urls:  # the HTML checks still read the httpx copy
        assert url in run.parsed
    run.assert_invariants(time_budget=4 * (RENDER_TIMEOUT + 3) + 10, urls=site.hostile_urls)


@pytest.mark.hostile_case("H25")
def test_h25_infinite_scroll_and_giant_page(
    scan_case: ScanCase, browser_settings: Settings, no_zombies: None
) -> None:
    cards = (
        "<div id=list></div><script>function more(){for(let i=0;i<100;i++){"
        "const d=document.createElement('div');d.style.height='300px';d.textContent='card';"
        "document.getElementById('list').appendChild(d)}}more();"
        "addEventListener('scroll',more)</script>"
    )
    site = Site(
        {
            "/scroll": _page("scroll", cards),
            "/tall": _page("tall", '<div style="height:300000px">tall</div>'),
        }
    )
    with serving(site):
        run = scan_case(site.url, browser_settings)
    _assert_bounded(run, site.hostile_urls, RENDER_TIMEOUT * 1000 + 2500)
    for url in site.hostile_urls:
        render = run.page(url).render
        assert render is not None and render.scrolled_steps <= 10
    run.assert_invariants(time_budget=2 * (RENDER_TIMEOUT + 3) + 10, urls=site.hostile_urls)


@pytest.mark.hostile_case("H26")
def test_h26_popup_and_dialog_storm(
    scan_case: ScanCase, browser_settings: Settings, no_zombies: None
) -> None:
    site = Site(
        {
            "/popups": _page(
                "p", "<script>setInterval(()=>window.open('/x?'+Math.random()),10)</script>"
            ),
            "/dialogs": _page("d", "<script>for(;;){alert(1);confirm(2);prompt(3)}</script>"),
            "/unload": _page(
                "u",
                "<script>onbeforeunload=()=>'stay';window.print();"
                "setTimeout(()=>location.href='/unload?again',50)</script>",
            ),
        }
    )
    with serving(site):
        run = scan_case(site.url, browser_settings)
    _assert_bounded(run, site.hostile_urls, RENDER_TIMEOUT * 1000 + 2500)
    run.assert_invariants(time_budget=3 * (RENDER_TIMEOUT + 3) + 10, urls=site.hostile_urls)


@pytest.mark.hostile_case("H27")
def test_h27_cpu_hog_memory_bomb_pushstate_flood(
    scan_case: ScanCase, browser_settings: Settings, no_zombies: None
) -> None:
    site = Site(
        {
            "/cpu": _page("cpu", "<script>onload=()=>{while(true){}}</script>"),
            "/mem": _page(
                "mem",
                "<script>let a=[];onload=()=>{for(;;)a.push(new Array(1e6).fill(1))}</script>",
            ),
            "/push": _page(
                "push",
                "<script>let i=0;onload=()=>{for(;;)history.pushState({},'','?'+i++)}</script>",
            ),
        }
    )
    with serving(site):
        run = scan_case(site.url, browser_settings)
    _assert_bounded(run, site.hostile_urls, RENDER_TIMEOUT * 1000 + 6000)
    run.assert_invariants(
        time_budget=3 * (RENDER_TIMEOUT + 6) + 10, mem_budget_mib=600, urls=site.hostile_urls
    )


@pytest.mark.hostile_case("H28")
def test_h28_downloads_attachments_service_workers(
    scan_case: ScanCase, browser_settings: Settings, canary: Canary, no_zombies: None
) -> None:
    def big() -> Iterator[bytes]:
        block = b"\0" * 65536
        for _ in range(1600):  # 100 MiB
            yield block

    sw = f"self.addEventListener('fetch',e=>e.respondWith(fetch('{canary.base}/')))"
    site = Site(
        {
            "/download": Reply(
                200,
                headers={
                    "Content-Type": "application/octet-stream",
                    "Content-Disposition": 'attachment; filename="../../x.sh"',
                },
                stream=big,
            ),
            "/sw": _page(
                "sw",
                "<script>navigator.serviceWorker&&navigator.serviceWorker.register('/sw.js')"
                ".then(()=>fetch('/after'))</script>",
            ),
            "/sw.js": Reply(200, sw.encode(), {"Content-Type": "application/javascript"}),
        },
        links=["/download", "/sw"],
    )
    with serving(site):
        run = scan_case(site.url, browser_settings)
    download = run.page("/download")
    assert download.render is None and download.size <= 1024 * 1024
    assert not any(p.name == "x.sh" for p in run.out.rglob("*"))
    assert site.hits["/sw.js"] == 0 or run.canary_hits == 0
    run.assert_invariants(time_budget=2 * (RENDER_TIMEOUT + 3) + 10, urls=site.hostile_urls)


@pytest.mark.hostile_case("H30")
def test_h30_browser_subresources_to_internal(
    scan_case: ScanCase, browser_settings: Settings, canary: Canary
) -> None:
    c = canary.base
    pivots = (
        f'<iframe src="{c}/iframe"></iframe><img src="{c}/img"><link rel=prefetch href="{c}/pf">'
        f'<script src="{c}/s.js"></script><div style="background:url({c}/css)">x</div>'
        f"<script>fetch('{c}/fetch');navigator.sendBeacon('{c}/beacon');"
        f"new EventSource('{c}/es');</script>"
    )
    site = Site({"/pivot": _page("pivot", pivots)})
    with serving(site):
        run = scan_case(site.url, browser_settings)
    GOAL["browser_escapes"] = GOAL.get("browser_escapes", 0) + run.canary_hits
    assert run.canary_hits == 0, f"Chromium reached the canary: {canary.requests}"
