"""Whole crawls against loopback sites: priorities, budgets, politeness, start failures, stops."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from pathlib import Path

import pytest

from ecq_scan.config import Settings
from ecq_scan.crawl import Crawler, CrawlReport, SnapshotStore, load_crawl
from ecq_scan.errors import InputError, SiteUnscannableError
from ecq_scan.models import PageRole, ScanStatus

from .conftest import PageLog
from .servers import Reply, closed_port, html_reply, page, redirect, serve_routes


def crawl(
    settings: Settings,
    base: str,
    store: SnapshotStore | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> tuple[CrawlReport, PageLog]:
    log = PageLog()
    report = asyncio.run(Crawler(settings, store, progress).run(base, log))
    return report, log


def paths(urls: list[str], base: str) -> list[str]:
    return ["/" + u.removeprefix(base) for u in urls]


def test_policy_pages_come_before_generic_pages(settings: Callable[..., Settings]) -> None:
    generic = [(f"/news/{i}", f"News {i}") for i in range(8)]
    policy = [("/about-us", "关于我们"), ("/kf", "联系我们"), ("/legal/yinsi", "隐私政策")]
    routes: dict[str, Reply] = {"/": html_reply(page("Home", generic + policy))}
    for href, text in generic + policy:
        routes[href] = html_reply(page(text))
    with serve_routes(routes) as srv:
        report, _ = crawl(settings(max_pages=4, concurrency=1), srv.base)
    fetched = paths([p.url for p in report.pages], srv.base)
    assert fetched == ["/", "/about-us", "/kf", "/legal/yinsi"]
    assert [p.role for p in report.pages] == [
        PageRole.HOME,
        PageRole.ABOUT,
        PageRole.CONTACT,
        PageRole.PRIVACY,
    ]
    assert report.status is ScanStatus.COMPLETE
    assert (
        report.status_reason is not None and "page budget reached (4 pages)" in report.status_reason
    )
    budget = [s for s in report.skipped if "page budget" in s.reason]
    assert len(budget) == 8


def test_product_and_category_samples_are_capped(settings: Callable[..., Settings]) -> None:
    products = [(f"/product/{i}", f"Phone {i}") for i in range(5)]
    categories = [(f"/category/{i}", f"Shelf {i}") for i in range(4)]
    routes: dict[str, Reply] = {"/": html_reply(page("Home", products + categories))}
    for href, text in products + categories:
        routes[href] = html_reply(page(text))
    with serve_routes(routes) as srv:
        report, _ = crawl(settings(sample_products=2, sample_categories=1), srv.base)
    roles = [p.role for p in report.pages]
    assert roles.count(PageRole.PRODUCT) == 2 and roles.count(PageRole.CATEGORY) == 1
    reasons = sorted({s.reason for s in report.skipped})
    assert reasons == ["category sample full (1 pages)", "product sample full (2 pages)"]


def test_scope_scheme_extension_and_depth_are_skipped_with_reasons(
    settings: Callable[..., Settings],
) -> None:
    links = [
        ("http://www.other-shop.cn/", "partner"),
        ("mailto:service@shop.cn", "mail us"),
        ("javascript:void(0)", "menu"),
        ("/files/manual.pdf", "manual"),
        ("/logo.png", "logo"),
        ("/a", "A"),
        ("/a?utm_source=x#top", "A again"),  # same page once canonical
    ]
    routes = {
        "/": html_reply(page("Home", links)),
        "/a": html_reply(page("A", [("/a/b", "B")])),
        "/a/b": html_reply(page("B")),
    }
    with serve_routes(routes) as srv:
        report, log = crawl(settings(max_depth=1), srv.base)
        assert srv.hits["/a"] == 1 and srv.hits["/a/b"] == 0
    reasons = {s.url: s.reason for s in report.skipped}
    assert reasons["http://www.other-shop.cn/"] == "out of scope (another site)"
    assert reasons["mailto:service@shop.cn"] == "not a web link (mailto:)"
    assert reasons["javascript:void(0)"] == "not a web link (javascript:)"
    assert reasons[srv.url("/files/manual.pdf")] == "not an HTML page (.pdf)"
    assert reasons[srv.url("/logo.png")] == "not an HTML page (.png)"
    assert reasons[srv.url("/a/b")] == "deeper than max_depth (1)"
    assert [p.depth for p in report.pages] == [0, 1]
    assert len(log.snaps) == 2


def test_redirect_target_is_not_fetched_twice(settings: Callable[..., Settings]) -> None:
    routes = {
        "/": html_reply(page("Home", [("/old-help", "帮助中心"), ("/new-help", "FAQ")])),
        "/old-help": redirect("/new-help", 301),
        "/new-help": html_reply(page("Help")),
    }
    with serve_routes(routes) as srv:
        report, _ = crawl(settings(concurrency=1), srv.base)
        assert srv.hits["/new-help"] == 1
    help_page = report.pages[1]
    assert help_page.redirects == [srv.url("/old-help")] and help_page.final_url == srv.url(
        "/new-help"
    )


def test_every_page_is_stored_and_readable(
    settings: Callable[..., Settings], tmp_path: Path
) -> None:
    routes = {
        "/": html_reply(
            page("首页", [("/returns", "退换货"), ("/gone", "Old page"), ("/doc", "Doc")])
        ),
        "/returns": html_reply(page("退换货政策", text="七天无理由退货")),
        "/doc": Reply(body=b"plain", headers={"Content-Type": "text/plain"}),
    }
    progress: list[tuple[int, int, str]] = []
    with serve_routes(routes) as srv:
        report, log = crawl(
            settings(), srv.base, SnapshotStore(tmp_path), progress=lambda *a: progress.append(a)
        )
    assert len(report.pages) == 4 and len(log.snaps) == 4  # the 404 and the text page included
    assert [n for n, _, _ in progress] == [1, 2, 3, 4]
    stored = list(SnapshotStore.read(tmp_path))
    assert [r for r, _ in stored] == report.pages
    for record, body in stored:
        snap = next(s for s in log.snaps if s.url == record.url)
        assert body is not None and body == snap.body and record.size == len(body)
        assert record.sha256 == snap.sha256
    gone = next(r for r, _ in stored if r.url.endswith("/gone"))
    assert gone.status == 404 and gone.error is None
    records, skipped, status, reason, start = load_crawl(tmp_path)
    assert records == report.pages and status is ScanStatus.COMPLETE and start == srv.base
    assert skipped == report.skipped and reason is None
    assert not list((tmp_path / "snapshots" / "pages").glob("*.tmp"))


def test_per_host_concurrency_is_respected(settings: Callable[..., Settings]) -> None:
    links = [(f"/p{i}", f"P{i}") for i in range(6)]
    routes: dict[str, Reply] = {"/": html_reply(page("Home", links))}
    for href, text in links:
        routes[href] = Reply(
            body=page(text).encode(), headers={"Content-Type": "text/html"}, delay=0.15
        )
    with serve_routes(routes) as srv:
        report, _ = crawl(settings(concurrency=8, per_host_concurrency=2), srv.base)
        assert srv.max_active == 2
    assert len(report.pages) == 7


def test_robots_crawl_delay_spaces_requests(settings: Callable[..., Settings]) -> None:
    links = [(f"/p{i}", f"P{i}") for i in range(3)]
    routes: dict[str, Reply] = {
        "/robots.txt": Reply(body=b"User-agent: *\nCrawl-delay: 0.2\n"),
        "/": html_reply(page("Home", links)),
    }
    for href, text in links:
        routes[href] = html_reply(page(text))
    with serve_routes(routes) as srv:
        crawl(settings(concurrency=4), srv.base)
        starts = [t for p, t in zip(srv.order, srv.starts, strict=True) if p != "/robots.txt"]
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert len(gaps) == 4 and min(gaps) >= 0.18  # lower bound only


# ---------------------------------------------------------------- start failures


def _unscannable(settings: Settings, url: str, store_dir: Path) -> tuple[str, PageLog]:
    log = PageLog()
    with pytest.raises(SiteUnscannableError) as info:
        asyncio.run(Crawler(settings, SnapshotStore(store_dir)).run(url, log))
    assert info.value.exit_code == 3
    return str(info.value), log


@pytest.mark.parametrize(
    ("route", "expected"),
    [
        (Reply(404, b"nope"), "answered 404 (Not Found) — give the shop's home page URL"),
        (Reply(503, b"down"), "answered 503 (Service Unavailable) after 2 attempts"),
        (Reply(403, b"waf"), "answered 403 (Forbidden) — the site refuses automated clients"),
        (
            Reply(body=b"%PDF-1.4", headers={"Content-Type": "application/pdf"}),
            "is not an HTML page (application/pdf) — give the shop's home page URL",
        ),
        (
            redirect("https://www.elsewhere.example/"),
            "another site — scan https://www.elsewhere.example/",
        ),
    ],
)
def test_start_url_failures(
    settings: Callable[..., Settings], tmp_path: Path, route: Reply, expected: str
) -> None:
    with serve_routes({"/": route}) as srv:
        message, log = _unscannable(settings(), srv.base, tmp_path)
        assert srv.hits["/"] >= 1
    assert expected in message and srv.base in message
    records, _, status, reason, start = load_crawl(tmp_path)
    assert len(records) == 1 and records[0].url == srv.base and records[0].depth == 0
    assert status is ScanStatus.UNSCANNABLE and reason == message and start == srv.base
    assert log.urls == [srv.base]  # on_page saw the failed start page too


def test_start_connection_refused(settings: Callable[..., Settings], tmp_path: Path) -> None:
    port = closed_port()
    message, _ = _unscannable(settings(), f"http://127.0.0.1:{port}/", tmp_path)
    assert message == (
        f"cannot connect to 127.0.0.1:{port} (connection refused)"
        " — check the URL and that the site is up"
    )
    records, *_ = load_crawl(tmp_path)
    assert (
        records[0].error == f"connection refused by 127.0.0.1:{port}" and records[0].status is None
    )


def test_start_timeout(settings: Callable[..., Settings], tmp_path: Path) -> None:
    with serve_routes({"/": Reply(body=b"<p>", drip=0.05)}) as srv:
        message, _ = _unscannable(settings(page_timeout=0.5), srv.base, tmp_path)
    assert "did not load in time (timeout after 0.5s)" in message


def test_bad_start_url_is_an_input_error(settings: Callable[..., Settings]) -> None:
    with pytest.raises(InputError):
        asyncio.run(Crawler(settings()).run("ftp://shop.example.com/", PageLog()))


# ---------------------------------------------------------------- stopping early


def _slow_site(n: int = 5) -> dict[str, Reply]:
    links = [(f"/slow{i}", f"S{i}") for i in range(n)]
    routes: dict[str, Reply] = {"/": html_reply(page("Home", links))}
    for href, _ in links:
        routes[href] = Reply(body=b"<p>", headers={"Content-Type": "text/html"}, drip=0.05)
    return routes


def test_scan_timeout_ends_partial_and_keeps_pages(
    settings: Callable[..., Settings], tmp_path: Path
) -> None:
    with serve_routes(_slow_site()) as srv:
        report, _ = crawl(
            settings(scan_timeout=1.0, page_timeout=10.0), srv.base, SnapshotStore(tmp_path)
        )
    assert report.status is ScanStatus.PARTIAL
    assert (
        report.status_reason is not None and "scan time budget (1s) ran out" in report.status_reason
    )
    records, skipped, status, _, _ = load_crawl(tmp_path)
    assert [r.url for r in records] == [srv.base] and status is ScanStatus.PARTIAL
    assert {s.reason for s in skipped} == {"not fetched: scan time budget ran out"}


def test_cancellation_keeps_what_was_fetched(
    settings: Callable[..., Settings], tmp_path: Path
) -> None:
    async def go(base: str) -> None:
        log = PageLog()
        crawler = Crawler(settings(page_timeout=10.0), SnapshotStore(tmp_path))
        task = asyncio.create_task(crawler.run(base, log))
        while not log.snaps:
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.2)  # the slow pages are now in flight
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert crawler.report is not None and crawler.report.status is ScanStatus.PARTIAL

    with serve_routes(_slow_site()) as srv:
        asyncio.run(go(srv.base))
    records, _, status, reason, _ = load_crawl(tmp_path)
    assert [r.url for r in records] == [srv.base]
    assert status is ScanStatus.PARTIAL and reason is not None and "interrupted" in reason
