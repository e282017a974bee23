"""D · Redirects and crawler traps (H13–H20): the URL space is bounded (R3) — redirects, schemes,
calendars, session ids, growing paths, link bombs and sitemap bombs all stop at a cap."""

from __future__ import annotations

import gzip
import secrets
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from .conftest import ScanCase
from .harness import (
    Canary,
    Reply,
    Request,
    Site,
    hostile_settings,
    html_page,
    html_reply,
    redirect,
    serving,
)

pytestmark = pytest.mark.hostile


@pytest.mark.hostile_case("H13")
def test_h13_redirect_loops_and_endless_chains(scan_case: ScanCase) -> None:
    def chain(req: Request) -> Reply:
        n = int(req.path.rsplit("/", 1)[-1])
        status = (301, 302, 303, 307, 308)[n % 5]
        return redirect(f"/r/{n + 1}", status)

    def abs_chain(req: Request) -> Reply:
        n = int(req.path.rsplit("/", 1)[-1])
        host = req.headers.get("host", "")
        return redirect(f"//{host}/rr/{n + 1}", 307)

    site = Site(
        {"/a": redirect("/b"), "/b": redirect("/a"), "/self": redirect("/self", 301)},
        links=["/a", "/self", "/r/1", "/rr/1"],
        prefixes={"/r/": chain, "/rr/": abs_chain},
    )
    with serving(site):
        run = scan_case(site.url)
    for path in ("/a", "/self", "/r/1", "/rr/1"):
        assert run.outcome_of(site.base + path) == "redirect_limit", path
    assert site.hits["/a"] == 1 and site.hits["/b"] == 1, "a loop is noticed, not walked 10 times"
    assert site.hits["/self"] == 1
    # an endless chain: exactly max_redirects (10) hops, 11 requests, each URL once
    chain_hits = {p: n for p, n in site.hits.items() if p.startswith("/r/")}
    assert len(chain_hits) == 11 and set(chain_hits.values()) == {1}, chain_hits
    run.assert_invariants(time_budget=6, urls=site.hostile_urls)


@pytest.mark.hostile_case("H14")
def test_h14_meta_refresh_loops(scan_case: ScanCase) -> None:
    """Meta refresh is not followed as a redirect; its target is an ordinary link at most, so
    the depth and page budgets bound a refresh loop like any other chain of links."""

    def meta(req: Request) -> Reply:
        n = int(req.query.split("=", 1)[1]) if "=" in req.query else 0
        refresh = f'<meta http-equiv="refresh" content="0;url=/m?n={n + 1}">'
        noscript = '<noscript><meta http-equiv="refresh" content="0;url=/ns"></noscript>'
        slow = '<meta http-equiv="refresh" content="3600;url=/late">'
        return html_reply(f"<!doctype html><head>{refresh}{noscript}{slow}</head><p>m{n}</p>")

    site = Site(links=["/m?n=0"], prefixes={"/m": meta})
    with serving(site):
        run = scan_case(site.url)
    assert site.hits["/m"] <= hostile_settings().max_depth + 1
    run.assert_invariants(time_budget=6, urls=site.hostile_urls)


BAD_LOCATIONS = [
    "file:///etc/passwd",
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "ftp://127.0.0.2/",
    "gopher://127.0.0.1:{canary}/_GET",
    "chrome://settings",
    "view-source:http://127.0.0.1:{canary}/",
    "jar:http://127.0.0.1:{canary}/x.jar!/",
    "ws://127.0.0.1:{canary}/",
]


@pytest.mark.hostile_case("H15")
def test_h15_redirect_to_non_http_schemes(scan_case: ScanCase, canary: Canary) -> None:
    opened: list[str] = []

    def audit(event: str, args: tuple[Any, ...]) -> None:
        if event == "open" and args and "passwd" in str(args[0]):
            opened.append(str(args[0]))

    sys.addaudithook(audit)  # hooks cannot be removed; this one only records
    routes = {
        f"/x/{i}": redirect(loc.format(canary=canary.port)) for i, loc in enumerate(BAD_LOCATIONS)
    }
    site = Site(routes)
    with serving(site):
        run = scan_case(site.url)
    for url in site.hostile_urls:
        assert run.outcome_of(url) == "blocked_scheme", url
    assert not opened, f"the scanner opened {opened}"
    run.assert_invariants(time_budget=6, urls=site.hostile_urls)


@pytest.mark.hostile_case("H16")
def test_h16_calendar_trap(scan_case: ScanCase) -> None:
    def calendar(req: Request) -> Reply:
        parts = req.path.strip("/").split("/")
        y, m = (int(parts[1]), int(parts[2])) if len(parts) >= 3 else (2024, 1)
        prev = (y - 1, 12) if m == 1 else (y, m - 1)
        nxt = (y + 1, 1) if m == 12 else (y, m + 1)
        links = (
            f'<a href="/calendar/{prev[0]}/{prev[1]}">prev</a>'
            f'<a href="/calendar/{nxt[0]}/{nxt[1]}">next</a>'
            f'<a href="/events?date={y:04d}-{m:02d}-01">events</a>'
        )
        return html_reply(f"<!doctype html><h1>{y}-{m}</h1>{links}")

    def events(req: Request) -> Reply:
        day = req.query.split("=", 1)[-1]
        return html_reply(f'<!doctype html><a href="/events?date={day}x">next day</a>')

    settings = hostile_settings(max_depth=20)
    site = Site(links=["/calendar/2024/1"], prefixes={"/calendar/": calendar, "/events": events})
    with serving(site):
        run = scan_case(site.url, settings)
    fetched = sum(site.hits.values())
    assert fetched <= settings.max_pages + 2  # + robots.txt, + sitemap.xml
    run.assert_invariants(time_budget=10, urls=site.hostile_urls)


@pytest.mark.hostile_case("H17")
def test_h17_session_id_and_parameter_explosion(scan_case: ScanCase) -> None:
    def shop(req: Request) -> Reply:
        links = []
        for i in range(50):
            sid = secrets.token_hex(16)
            kind = i % 5
            if kind == 0:
                links.append(f"/list?sid={sid}")
            elif kind == 1:
                links.append(f"/list;jsessionid={sid}")
            elif kind == 2:
                links.append(f"/list?PHPSESSID={sid}&utm_source=x{i}")
            elif kind == 3:
                facets = [f"color=c{i % 7}", f"size=s{i % 3}", "sort=price"]
                facets = facets[i % 3 :] + facets[: i % 3]
                links.append("/list?" + "&".join(facets))
            else:
                links.append(f"/list?page={secrets.randbelow(10_000)}")
        body = "".join(f'<a href="{u}">x</a>' for u in links)
        return html_reply(f"<!doctype html><p>list</p>{body}")

    settings = hostile_settings(max_depth=5)
    site = Site(links=["/list"], prefixes={"/list": shop})
    with serving(site):
        run = scan_case(site.url, settings)
    fetched = [r for r in site.server.log if r.path.startswith("/list")]
    plain = [r for r in fetched if not r.query]
    assert len(plain) == 1, "session ids must not make /list look like new pages"
    assert len(fetched) <= 1 + 20, f"{len(fetched)} query variants of /list fetched"
    assert any("query variants" in s.reason for s in run.result.skipped)
    run.assert_invariants(time_budget=10, urls=site.hostile_urls)


@pytest.mark.hostile_case("H18")
def test_h18_path_explosion_and_growing_urls(scan_case: ScanCase) -> None:
    def tail(req: Request) -> Reply:
        grow = "g" * 100
        return html_reply(
            f'<!doctype html><a href="a/">deeper</a><a href="b/a/">alt</a>'
            f'<a href="{req.path.rstrip("/")}{grow}/">longer</a>'
        )

    site = Site(links=["/t/"], prefixes={"/t/": tail})
    settings = hostile_settings(max_depth=20, max_pages=50)
    with serving(site):
        run = scan_case(site.url, settings)
    for rec in run.result.pages:
        assert len(rec.url) <= 2083
        segments = [s for s in rec.url.split("/")[3:] if s]
        assert len(segments) <= 20
    trap_skips = [s for s in run.result.skipped if "crawler trap" in s.reason]
    assert trap_skips, "growing paths are skipped as traps, with the reason recorded"
    run.assert_invariants(time_budget=10, urls=site.hostile_urls)


@pytest.mark.hostile_case("H19")
def test_h19_link_bomb(scan_case: ScanCase) -> None:
    n = 100_000
    body = html_page("bomb", "".join(f'<a href="/p/{i}">p{i}</a>' for i in range(n)))
    gz = gzip.compress(body, 6)
    bomb = Reply(200, gz, {"Content-Type": "text/html", "Content-Encoding": "gzip"})
    settings = hostile_settings(max_bytes_per_page=4 * 1024 * 1024)
    site = Site({"/bomb": bomb}, prefixes={"/p/": lambda r: html_reply("<p>p</p>")})
    with serving(site):
        run = scan_case(site.url, settings)
    assert len(run.result.pages) <= settings.max_pages
    listed = len(run.result.skipped) + len(run.result.pages)
    assert listed <= 2000 + settings.max_pages, "the frontier stays bounded"
    run.assert_invariants(time_budget=20, mem_budget_mib=400, urls=site.hostile_urls)


def _index(locs: list[str]) -> bytes:
    inner = "".join(f"<sitemap><loc>{u}</loc></sitemap>" for u in locs)
    return f'<?xml version="1.0"?><sitemapindex>{inner}</sitemapindex>'.encode()


def _urlset(locs: Iterator[str]) -> bytes:
    return (
        "<?xml version='1.0'?><urlset>"
        + "".join(f"<url><loc>{u}</loc></url>" for u in locs)
        + "</urlset>"
    ).encode()


@pytest.mark.hostile_case("H20")
def test_h20_sitemap_bomb(scan_case: ScanCase, canary: Canary) -> None:
    xml = {"Content-Type": "application/xml"}
    site = Site(links=[])
    b = site.base
    routes = {
        "/robots.txt": Reply(
            200,
            "".join(
                f"Sitemap: {b}{p}\n"
                for p in ("/self.xml", "/deep/0.xml", "/big.xml", "/bomb.xml.gz", "/evil.xml")
            ).encode(),
            {"Content-Type": "text/plain"},
        ),
        "/self.xml": Reply(200, _index([f"{b}/self.xml"]), xml),
        "/big.xml": Reply(200, _urlset(f"{b}/ok/{i}" for i in range(60_000)), xml),
        "/bomb.xml.gz": Reply(200, gzip.compress(b"<urlset>" + b" " * (64 * 1024 * 1024)), xml),
        "/evil.xml": Reply(200, _urlset(iter([f"{canary.base}/latest/meta-data/"])), xml),
    }
    for level in range(10):
        routes[f"/deep/{level}.xml"] = Reply(200, _index([f"{b}/deep/{level + 1}.xml"]), xml)
    site.server.routes.update(routes)
    with serving(site):
        run = scan_case(site.url)
    deep = [p for p in site.hits if p.startswith("/deep/")]
    assert len(deep) <= 3, f"sitemap index depth must stay <= 2: {deep}"
    assert site.hits["/self.xml"] == 1
    assert run.canary_hits == 0
    run.assert_invariants(time_budget=10, mem_budget_mib=300)
