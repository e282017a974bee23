"""Sitemaps: parsing untrusted XML safely; seeding the crawl from robots.txt and /sitemap.xml."""

from __future__ import annotations

import asyncio
import gzip
import time
from collections.abc import Callable

import pytest

from ecq_scan.config import Settings
from ecq_scan.crawl import Crawler, Snapshot
from ecq_scan.crawl.sitemap import SitemapError, parse_sitemap, read_sitemaps

from .conftest import PageLog
from .servers import Reply, html_reply, page, serve_routes

NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'


def urlset(*locs: str) -> bytes:
    items = "".join(f"<url><loc>{loc}</loc></url>" for loc in locs)
    return f'<?xml version="1.0" encoding="UTF-8"?><urlset {NS}>{items}</urlset>'.encode()


def index(*locs: str) -> bytes:
    items = "".join(f"<sitemap><loc>{loc}</loc></sitemap>" for loc in locs)
    return f'<?xml version="1.0"?><sitemapindex {NS}>{items}</sitemapindex>'.encode()


def test_parse_urlset_index_text_and_gzip() -> None:
    doc = parse_sitemap(urlset("https://x.com/a", "https://x.com/b?x=1&amp;y=2"))
    assert (doc.kind, doc.locs) == ("urlset", ["https://x.com/a", "https://x.com/b?x=1&y=2"])
    assert parse_sitemap(index("https://x.com/s1.xml")).kind == "index"
    assert parse_sitemap(b"https://x.com/a\nhttps://x.com/b\n").locs == [
        "https://x.com/a",
        "https://x.com/b",
    ]
    assert parse_sitemap(gzip.compress(urlset("https://x.com/z"))).locs == ["https://x.com/z"]


def test_url_cap_and_malformed_fallback() -> None:
    doc = parse_sitemap(urlset(*(f"https://x.com/{i}" for i in range(100))), limit=10)
    assert len(doc.locs) == 10 and doc.truncated
    cut = urlset("https://x.com/a", "https://x.com/b")[:-15]  # cut off before </url></urlset>
    assert parse_sitemap(cut).locs == ["https://x.com/a", "https://x.com/b"]


def test_entity_declarations_are_refused() -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><urlset><url><loc>&lol2;</loc></url></urlset>'
    )
    with pytest.raises(SitemapError, match="DOCTYPE"):
        parse_sitemap(bomb)


def test_gzip_sitemap_bomb_is_bounded() -> None:
    bomb = gzip.compress(b"<urlset>" + b" " * (30 * 1024 * 1024))
    doc = parse_sitemap(bomb, max_bytes=1024 * 1024)
    assert doc.locs == []


def test_crawl_seeds_from_robots_sitemap_index_and_gzip(settings: Callable[..., Settings]) -> None:
    routes: dict[str, Reply] = {}
    with serve_routes(routes) as srv:
        u = srv.url
        routes.update(
            {
                "/robots.txt": Reply(body=f"User-agent: *\nSitemap: {u('/idx.xml')}\n".encode()),
                "/": html_reply(page("Home")),  # no links at all
                "/idx.xml": Reply(body=index(u("/idx2.xml"), u("/pages.xml.gz"))),
                "/idx2.xml": Reply(body=index(u("/deep.xml"))),
                "/deep.xml": Reply(body=urlset(u("/returns"))),
                "/pages.xml.gz": Reply(
                    body=gzip.compress(urlset(u("/privacy"), "https://elsewhere.example/x")),
                    headers={"Content-Type": "application/x-gzip"},
                ),
                "/sitemap.xml": Reply(body=urlset(u("/contact"))),
                "/returns": html_reply(page("Returns")),
                "/privacy": html_reply(page("Privacy")),
                "/contact": html_reply(page("Contact")),
            }
        )
        report = asyncio.run(Crawler(settings()).run(srv.base, PageLog()))
    fetched = {p.url.removeprefix(srv.base) for p in report.pages}
    assert fetched == {"", "returns", "privacy", "contact"}
    assert all(p.depth == 1 for p in report.pages if p.url != srv.base)
    assert any(s.url == "https://elsewhere.example/x" for s in report.skipped)


def test_index_nesting_is_capped(settings: Callable[..., Settings]) -> None:
    routes: dict[str, Reply] = {}
    with serve_routes(routes) as srv:
        u = srv.url
        routes.update(
            {
                "/": html_reply(page("Home")),
                "/sitemap.xml": Reply(body=index(u("/l1.xml"))),
                "/l1.xml": Reply(body=index(u("/l2.xml"))),
                "/l2.xml": Reply(body=index(u("/l3.xml"))),
                "/l3.xml": Reply(body=urlset(u("/too-deep"))),
                "/too-deep": html_reply(page("Deep")),
            }
        )
        report = asyncio.run(Crawler(settings()).run(srv.base, PageLog()))
        assert srv.hits["/l3.xml"] == 0 and srv.hits["/too-deep"] == 0
    assert any("nested more than 2" in n for n in report.notes)


def test_no_sitemap_file_is_fetched_after_the_deadline() -> None:
    fetched: list[str] = []

    async def fetch(url: str) -> Snapshot:
        fetched.append(url)
        raise AssertionError("must not fetch")

    async def accept(url: str) -> str | None:
        return None

    result = asyncio.run(
        read_sitemaps(["https://x.com/sitemap.xml"], fetch, accept, deadline=time.monotonic() - 1)
    )
    assert fetched == [] and result.urls == []
    assert result.notes == [
        "sitemaps took too long; https://x.com/sitemap.xml and later files not read"
    ]
