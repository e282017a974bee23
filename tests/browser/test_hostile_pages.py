"""Pages that try to stall a browser: each must end as `error` for that page, within its
deadline, and the scan must go on. Also: evidence screenshots of a rendered page, and a browser
that dies mid-scan is started again.

The site is a scriptable server on 127.0.0.1 (tests/crawl/servers.py); the scan runs in-process
with `render: always` and a 3-second render deadline so the whole module stays short.
"""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path
from typing import Any

import psutil
import pytest

from ecq_scan.crawl.browser import BrowserRenderer
from ecq_scan.models import Outcome, RenderInfo, ScanResult, ScanStatus
from ecq_scan.runner import scan
from tests.browser.conftest import loopback_settings
from tests.crawl.servers import Reply, html_reply, serve_routes

pytestmark = pytest.mark.browser
HostileRun = tuple[ScanResult, Path, dict[str, int]]
DEADLINE = 3.0
#: time a failed page may take beyond its deadline (closing it, reporting)
SLACK_MS = 1500
_FOOTER = "<footer><p>京ICP备2024077296号-1 <a href='/'>首页</a></p></footer>"


def _page(title: str, body: str) -> Reply:
    return html_reply(
        f"<!doctype html><html lang='zh-CN'><head><title>{title}</title></head>"
        f"<body><h1>{title}</h1>{body}{_FOOTER}</body></html>"
    )


ROUTES = {
    "/": _page(
        "首页",
        "<p id='claim'>全网最低价，品质最佳。</p>"
        "<a href='/hang.html'>慢</a> <a href='/alerts.html'>中奖</a> "
        "<a href='/popups.html'>广告</a> <a href='/loop.html'>跳转</a>",
    ),
    # the load event never fires: a script that drips one byte every 0.2 s for ever
    "/hang.html": _page("慢", "<p>加载中</p><script src='/never.js'></script>"),
    "/never.js": Reply(body=b"//", headers={"Content-Type": "text/javascript"}, drip=0.2),
    # a blocking loop of alert() boxes
    "/alerts.html": _page("中奖", "<script>for (;;) { alert('恭喜中奖'); }</script>"),
    # a storm of pop-up windows without any click
    "/popups.html": _page(
        "广告", "<script>for (var i = 0; i < 8; i++) { window.open('/popup.html'); }</script>"
    ),
    "/popup.html": _page("弹窗", ""),
    # navigates to itself for ever
    "/loop.html": _page("跳转", "<script>location.replace('/loop.html?n=' + Date.now())</script>"),
}
EXPECTED_ERRORS = {
    "hang.html": "rendering took longer than 3s",
    "alerts.html": "kept opening dialogs",
    "popups.html": "kept opening pop-up windows",
    "loop.html": "kept navigating",
}


@pytest.fixture(scope="module")
def hostile_run(browser_path: str, tmp_path_factory: pytest.TempPathFactory) -> HostileRun:
    out = tmp_path_factory.mktemp("hostile") / "run"
    settings = loopback_settings(
        render="always", render_timeout=DEADLINE, browser=browser_path, max_pages=10
    )
    with serve_routes(ROUTES) as server:
        outcome = scan(server.base, settings, out)
        hits = dict(server.hits)
    return outcome.result, out, hits


def test_each_hostile_page_is_an_error_within_its_deadline(hostile_run: HostileRun) -> None:
    result, _, hits = hostile_run
    assert result.status is ScanStatus.COMPLETE
    by_name = {p.url.rsplit("/", 1)[-1]: p for p in result.pages}
    assert set(EXPECTED_ERRORS) <= set(by_name), sorted(by_name)
    for name, words in EXPECTED_ERRORS.items():
        render = by_name[name].render
        assert render is not None and render.error is not None, name
        assert words in render.error, (name, render.error)
        assert render.elapsed_ms <= DEADLINE * 1000 + SLACK_MS, (name, render.elapsed_ms)
    home = by_name[""].render
    assert home is not None and home.error is None and home.screenshot
    # a stopped page stops hitting the site: the navigation loop was cut short
    assert hits.get("/loop.html", 0) <= 60, hits


def test_evidence_screenshot_of_a_rendered_page(hostile_run: HostileRun) -> None:
    result, out, _ = hostile_run
    shots = [
        (f, e)
        for f in result.findings
        if f.outcome in (Outcome.FAIL, Outcome.NEEDS_REVIEW)
        for e in f.evidence
        if e.screenshot and e.screenshot.startswith("screenshots/evidence-")
    ]
    assert shots, [(f.check_id, f.outcome, f.evidence) for f in result.findings]
    assert any(f.check_id == "absolute-ad-terms" for f, _ in shots)
    for _, ev in shots:
        data = (out / ev.screenshot).read_bytes()
        assert data.startswith(b"\x89PNG")
        assert hashlib.sha256(data).hexdigest() == ev.screenshot_sha256


def test_a_dead_browser_is_started_again(browser_path: str, tmp_path: Path) -> None:
    settings = loopback_settings(render_timeout=5.0)

    async def run(base: str) -> tuple[str | None, str | None, str | None, int]:
        async with BrowserRenderer(settings, browser_path, site_url=base) as renderer:
            first = await renderer.render(base)
            for proc in psutil.Process().children(recursive=True):
                if "chrom" in proc.name().lower() or "headless" in proc.name().lower():
                    proc.kill()
            await asyncio.sleep(0.3)
            second = await renderer.render(base)
            third = await renderer.render(base)
            return first.info.error, second.info.error, third.html, renderer.restarts

    with serve_routes({"/": _page("首页", "<p>正常页面</p>")}) as server:
        first, second, html, restarts = asyncio.run(run(server.base))
    assert first is None
    assert second is None or "rendering failed" in second  # died under it, or relaunched first
    assert html is not None and "正常页面" in html
    assert restarts == 1


def test_cookies_third_party_hosts_and_consent_notice(browser_path: str) -> None:
    """What a privacy check reads: cookies set before any click, hosts of another site the page
    contacted (localhost is another site than 127.0.0.1), a visible consent banner."""
    settings = loopback_settings(render_timeout=10.0)
    consent = (
        "<div class='cookie-banner' style='position:fixed;bottom:0'>本网站使用Cookie以改善体验，"
        "详见<a href='/privacy.html'>隐私政策</a>。<button type='button'>同意</button></div>"
    )

    async def run(base: str, port: int) -> RenderInfo:
        body = (
            "<p>首页</p>"
            f"<script src='http://localhost:{port}/t.js'></script>"
            "<script>document.cookie = 'sid=abc; path=/';</script>"
        )
        routes["/"] = _page("首页", body + consent)
        routes["/plain.html"] = _page("无横幅", "<p>正文</p><footer>隐私政策 同意</footer>")
        async with BrowserRenderer(settings, browser_path, site_url=base) as renderer:
            first = await renderer.render(base, is_home=True)
            plain = await renderer.render(base + "plain.html")
        assert plain.info.error is None and plain.info.consent_notice is False
        return first.info

    routes: dict[str, Any] = {
        "/t.js": Reply(body=b"var t = 1;", headers={"Content-Type": "text/javascript"})
    }
    with serve_routes(routes) as server:
        port = int(server.base.rsplit(":", 1)[1].strip("/"))
        info = asyncio.run(run(server.base, port))
    assert info.error is None
    assert info.consent_notice is True
    assert "localhost" in info.third_party_hosts
    cookies = {c.name: c for c in info.cookies_before_consent}
    assert "sid" in cookies and cookies["sid"].third_party is False
