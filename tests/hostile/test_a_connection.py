"""A · Connection and time (H01–H05): every fetch is bounded three ways — connect (with TLS),
idle read, and a total deadline per response that httpx itself does not have (R1)."""

from __future__ import annotations

import socket
import struct
import threading
import time

import pytest

from .conftest import ScanCase
from .harness import PUBLIC_HOST, Conn, RawServer, Reply, Site, hostile_settings, serving

pytestmark = pytest.mark.hostile


def _wait_closed(server: RawServer, seconds: float = 3.0) -> None:
    deadline = time.monotonic() + seconds
    while server.open and time.monotonic() < deadline:
        time.sleep(0.02)


@pytest.mark.hostile_case("H01")
def test_h01_tls_handshake_stall(scan_case: ScanCase) -> None:
    """A server that reads the ClientHello and never answers: connect timeout, socket closed."""

    def stall(sock: socket.socket, stop: threading.Event) -> None:
        sock.settimeout(0.1)
        while not stop.is_set():  # say nothing; return once the client hangs up
            try:
                if not sock.recv(4096):
                    return
            except TimeoutError:
                continue

    tls = RawServer(stall)
    target = f"https://{PUBLIC_HOST}:{tls.port}/shop"
    site = Site(links=[target])
    with serving(site, tls):
        run = scan_case(site.url)
        _wait_closed(tls)
        assert tls.open == 0, "the scanner left a stalled TLS connection open"
    rec = run.page(target)
    assert rec.error_kind == "timeout_connect"
    # connect timeout 1 s, one retry: each attempt ends at the connect timeout (+ slack)
    assert rec.elapsed_ms / 1000 <= 1.0 + 0.5
    run.assert_invariants(time_budget=8, urls=[target])


@pytest.mark.hostile_case("H02")
def test_h02_silent_server(scan_case: ScanCase) -> None:
    """Accepts, reads the request, says nothing: an idle/total timeout, at most one retry."""
    site = Site({"/silent": Reply(raw=lambda c: c.hold())})
    with serving(site):
        run = scan_case(site.url)
    assert run.outcome_of(site.base + "/silent") in ("timeout_idle", "timeout_total")
    assert site.hits["/silent"] <= 2
    run.assert_invariants(time_budget=3 * 2 + 2, urls=site.hostile_urls)


@pytest.mark.hostile_case("H03")
def test_h03_slowloris_body_drip(scan_case: ScanCase) -> None:
    """Headers at once, then one byte every 0.5 s forever (always under the idle timeout)."""

    def drip() -> list[bytes]:
        return [b"<p>"] + [b"x"] * 10_000

    site = Site({"/drip": Reply(200, headers={"Content-Type": "text/html"}, stream=drip, pace=0.5)})
    with serving(site):
        run = scan_case(site.url)
    rec = run.page("/drip")
    assert rec.error_kind == "timeout_total"
    assert 3.0 <= rec.elapsed_ms / 1000 <= 4.0
    assert site.hits["/drip"] == 1  # a deadline is not retried
    assert site.base + "/drip" not in run.parsed  # a cut-off body is not evidence
    run.assert_invariants(time_budget=6, urls=site.hostile_urls)


def _header_drip(pause: float) -> Reply:
    def raw(c: Conn) -> None:
        c.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n")
        i = 0
        while not c.stop.is_set() and c.write(b"X-Junk-%d: %s\r\n" % (i, b"y" * 40)):
            i += 1
            if pause:
                c.stop.wait(pause)

    return Reply(raw=raw)


@pytest.mark.hostile_case("H04")
def test_h04_slow_then_endless_headers_and_cookie_flood(scan_case: ScanCase) -> None:
    """(a) a header line every 0.5 s forever, (b) header lines at full speed forever, (c) 100
    fresh cookies on every page of a 30-page maze: the jar must stay bounded."""
    links = b"".join(b'<a href="/c/%d">next</a>' % j for j in range(30))
    cookie_body = b"<!doctype html><title>c</title><p>cookies</p>" + links
    maze = {f"/c/{i}": Reply(raw=lambda c: _cookie_page(c, cookie_body)) for i in range(30)}
    site = Site(
        {"/slowheaders": _header_drip(0.5), "/endless": _header_drip(0.0), **maze},
        links=["/slowheaders", "/endless", "/c/0"],
    )
    with serving(site):
        run = scan_case(site.url, hostile_settings(max_pages=40))
        sent = [len(r.headers.get("cookie", "").split(";")) for r in site.server.log]
    assert run.outcome_of(site.base + "/slowheaders") == "timeout_total"
    endless = run.page("/endless")
    assert endless.error_kind == "protocol_error" and endless.elapsed_ms < 1000
    assert max(sent) <= 200, "the cookie jar grows without bound"
    run.assert_invariants(time_budget=10, urls=site.hostile_urls)


def _cookie_page(c: Conn, body: bytes) -> None:
    stamp = time.monotonic_ns()
    cookies = b"".join(
        b"Set-Cookie: k%d_%d=%s; Path=/\r\n" % (stamp, i, b"v" * 60) for i in range(100)
    )
    c.write(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n"
        + cookies
        + b"Content-Length: %d\r\n\r\n" % len(body)
        + body
    )


def _framing(kind: str) -> Reply:
    def raw(c: Conn) -> None:
        head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
        if kind == "lie-hold":
            c.write(head + b"Content-Length: 1000000\r\n\r\n<p>hi")
            c.hold()
        elif kind == "lie-close":
            c.write(head + b"Content-Length: 1000000\r\n\r\n<p>hi")
        elif kind == "bad-chunk":
            c.write(head + b"Transfer-Encoding: chunked\r\n\r\n5\r\n<p>hi\r\nZZZ\r\nxx\r\n")
        elif kind == "no-last-chunk":
            c.write(head + b"Transfer-Encoding: chunked\r\n\r\n5\r\n<p>hi\r\n")
        elif kind == "reset":
            c.write(head + b"Content-Length: 100000\r\n\r\n" + b"<p>" + b"x" * 5000)
            c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            c.sock.close()

    return Reply(raw=raw)


@pytest.mark.hostile_case("H05")
def test_h05_lying_or_broken_body_framing(scan_case: ScanCase) -> None:
    kinds = ["lie-hold", "lie-close", "bad-chunk", "no-last-chunk", "reset"]
    site = Site({f"/frame/{k}": _framing(k) for k in kinds})
    with serving(site):
        run = scan_case(site.url)
    outcomes = {k: run.outcome_of(f"{site.base}/frame/{k}") for k in kinds}
    assert outcomes["lie-hold"] in ("timeout_idle", "timeout_total"), outcomes
    for k in ("lie-close", "bad-chunk", "no-last-chunk", "reset"):
        assert outcomes[k] == "protocol_error", outcomes
        assert site.hits[f"/frame/{k}"] == 2, "a broken body is retried once"
    for k in kinds:  # a partial body is never taken for the page
        rec = run.page(f"/frame/{k}")
        assert rec.error is not None and f"{site.base}/frame/{k}" not in run.parsed
    run.assert_invariants(time_budget=3 * 2 + 3, urls=site.hostile_urls)
