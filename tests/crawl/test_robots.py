"""robots.txt: RFC 9309 matching on text, then obeyed and ignored in real crawls."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest

from ecq_scan.config import Settings
from ecq_scan.crawl import Crawler, SnapshotStore, load_crawl
from ecq_scan.crawl.fetcher import Fetcher
from ecq_scan.crawl.robots import ROBOTS_MAX_BYTES, RobotsCache, RobotsTxt, pattern_matches
from ecq_scan.errors import SiteUnscannableError
from ecq_scan.models import ScanStatus

from .conftest import PageLog
from .servers import Reply, html_reply, page, serve_routes

U = "https://shop.example.com"


def test_longest_match_wins_and_allow_wins_ties() -> None:
    r = RobotsTxt.parse(
        "User-agent: *\nDisallow: /\nAllow: /help/\nDisallow: /help/secret\n"
        "Allow: /tie\nDisallow: /tie\n"
    )
    assert not r.allowed(f"{U}/cart")
    assert r.allowed(f"{U}/help/returns")
    assert not r.allowed(f"{U}/help/secret/x")
    assert r.allowed(f"{U}/tie")
    assert r.allowed(f"{U}/robots.txt")  # always allowed


def test_our_group_beats_star_and_groups_merge() -> None:
    text = (
        "User-agent: *\nDisallow: /\n\n"
        "User-agent: Googlebot\nUser-agent: ECQ-Scan/1.0\nDisallow: /private\n\n"
        "User-agent: ecq-scan\nDisallow: /tmp\nCrawl-delay: 2.5\n"
        "Sitemap: https://shop.example.com/sm.xml\n"
    )
    r = RobotsTxt.parse(text)
    assert r.allowed(f"{U}/")
    assert not r.allowed(f"{U}/private/x") and not r.allowed(f"{U}/tmp/x")
    assert r.crawl_delay == 2.5 and r.delay == 2.5
    assert r.sitemaps == ["https://shop.example.com/sm.xml"]
    assert RobotsTxt.parse("User-agent: *\nCrawl-delay: 3600\n").delay == 10.0


def test_wildcards_anchor_and_query() -> None:
    r = RobotsTxt.parse("User-agent: *\nDisallow: /*.php$\nDisallow: /*?sort=\nDisallow: /搜索\n")
    assert not r.allowed(f"{U}/index.php")
    assert r.allowed(f"{U}/index.php?x=1")
    assert not r.allowed(f"{U}/list?sort=price")
    assert not r.allowed(f"{U}/%E6%90%9C%E7%B4%A2/a")  # percent-encoded UTF-8 matches
    assert r.allowed(f"{U}/list?page=2")


def test_empty_disallow_and_garbage_allow_everything() -> None:
    assert RobotsTxt.parse("User-agent: *\nDisallow:\n").allowed(f"{U}/x")
    assert RobotsTxt.parse("<html>not robots</html>").allowed(f"{U}/x")
    assert RobotsTxt.parse("Disallow: /\n").allowed(f"{U}/x")  # no user-agent line


def test_pattern_matcher_is_linear_on_hostile_patterns() -> None:
    pattern = "/" + "*a" * 30 + "b"
    assert not pattern_matches(pattern, "/" + "a" * 5000)
    assert pattern_matches("/a*c$", "/abbbc") and not pattern_matches("/a*c$", "/abbbcd")


def _robots_site(robots: Reply) -> dict[str, Reply]:
    return {
        "/robots.txt": robots,
        "/": html_reply(page("Home", [("/about", "关于我们"), ("/private/x", "Private")])),
        "/about": html_reply(page("About")),
        "/private/x": html_reply(page("Private")),
    }


def test_crawl_obeys_robots(settings: Callable[..., Settings]) -> None:
    site = _robots_site(Reply(body=b"User-agent: ecq-scan\nDisallow: /private\n"))
    with serve_routes(site) as srv:
        report = asyncio.run(Crawler(settings()).run(srv.base, PageLog()))
        assert srv.hits["/private/x"] == 0 and srv.hits["/robots.txt"] == 1
    assert {p.url.split("/", 3)[3] for p in report.pages} == {"", "about"}
    assert any(
        s.reason.startswith("robots.txt") and s.url.endswith("/private/x") for s in report.skipped
    )


def test_redirect_into_a_disallowed_path_is_not_followed(settings: Callable[..., Settings]) -> None:
    site = _robots_site(Reply(body=b"User-agent: *\nDisallow: /private\n"))
    site["/"] = html_reply(page("Home", [("/go", "帮助中心")]))
    site["/go"] = Reply(302, headers={"Location": "/private/x"})
    with serve_routes(site) as srv:
        report = asyncio.run(Crawler(settings()).run(srv.base, PageLog()))
        assert srv.hits["/private/x"] == 0
    go = report.pages[1]
    assert go.url == srv.url("/go") and go.status == 302
    assert go.error == f"redirected to {srv.url('/private/x')}, which robots.txt disallows"


def test_ignore_robots_fetches_everything(settings: Callable[..., Settings]) -> None:
    site = _robots_site(Reply(body=b"User-agent: *\nDisallow: /\n"))
    with serve_routes(site) as srv:
        report = asyncio.run(Crawler(settings(obey_robots=False)).run(srv.base, PageLog()))
        assert srv.hits["/robots.txt"] == 0 and srv.hits["/private/x"] == 1
    assert len(report.pages) == 3


def test_start_disallowed_raises_with_clear_message(
    settings: Callable[..., Settings], tmp_path: Path
) -> None:
    site = _robots_site(Reply(body=b"User-agent: *\nDisallow: /\n"))
    with serve_routes(site) as srv, pytest.raises(SiteUnscannableError) as info:
        asyncio.run(Crawler(settings(), SnapshotStore(tmp_path)).run(srv.base, PageLog()))
    message = str(info.value)
    assert f"robots.txt at {srv.base}robots.txt disallows ecq-scan from /" in message
    assert "--ignore-robots" in message
    _, _, status, reason, _ = load_crawl(tmp_path)
    assert status is ScanStatus.UNSCANNABLE and reason == message


@pytest.mark.parametrize(
    ("reply", "note"),
    [
        (Reply(status=404), None),
        (Reply(status=403), "answered 403"),
        (Reply(status=503), "could not be read"),
    ],
)
def test_unavailable_robots_allows_all_with_a_note(
    settings: Callable[..., Settings], reply: Reply, note: str | None
) -> None:
    with serve_routes(_robots_site(reply)) as srv:
        report = asyncio.run(Crawler(settings()).run(srv.base, PageLog()))
    assert len(report.pages) == 3
    assert any(note in n for n in report.notes) if note else not report.notes


def test_oversized_robots_is_read_only_up_to_the_cap(settings: Callable[..., Settings]) -> None:
    body = (
        b"User-agent: *\nDisallow: /a\n"
        + b"# padding\n" * (ROBOTS_MAX_BYTES // 10)
        + (b"Disallow: /late\n")
    )

    async def go(base: str) -> RobotsTxt:
        async with Fetcher(settings()) as fetcher:
            return await RobotsCache(fetcher, base).policy(base)

    with serve_routes({"/robots.txt": Reply(body=body)}) as srv:
        robots = asyncio.run(go(srv.base))
    assert not robots.allowed(srv.url("/a")) and robots.allowed(srv.url("/late"))
    assert robots.note is not None and "only the start" in robots.note
