"""The fetcher against real loopback servers: retries, deadlines, byte caps, redirects, charsets."""

from __future__ import annotations

import asyncio
import gzip
import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from ecq_scan.config import Settings
from ecq_scan.crawl import ErrorKind, Fetcher, Snapshot
from ecq_scan.crawl.encoding import decode_html, effective_content_type
from ecq_scan.devserver import serve_directory

from .servers import Reply, closed_port, html_reply, page, redirect, serve_routes


def fetch(settings: Settings, url: str, scope_url: str | None = None) -> Snapshot:
    async def go() -> Snapshot:
        async with Fetcher(settings) as f:
            return await f.fetch(url, scope_url=scope_url)

    return asyncio.run(go())


def test_429_then_200_is_retried(settings: Callable[..., Settings]) -> None:
    flaky = {
        "/": lambda n: Reply(429, headers={"Retry-After": "0"}) if n == 1 else html_reply("ok")
    }
    with serve_routes(flaky) as srv:
        snap = fetch(settings(retries=2), srv.base)
        assert srv.hits["/"] == 2
    assert snap.ok and snap.status == 200 and snap.attempts == 2 and snap.text == "ok"


def test_retry_after_is_honoured(settings: Callable[..., Settings]) -> None:
    flaky = {
        "/": lambda n: Reply(503, headers={"Retry-After": "1"}) if n == 1 else html_reply("ok")
    }
    with serve_routes(flaky) as srv:
        started = time.monotonic()
        snap = fetch(settings(retries=1, backoff=0.0), srv.base)
        waited = time.monotonic() - started
    assert snap.ok and waited >= 0.9  # a lower bound only: sleeping cannot be shorter


def test_5xx_gives_up_after_the_retry_budget(settings: Callable[..., Settings]) -> None:
    with serve_routes({"/": Reply(502, b"bad gateway")}) as srv:
        snap = fetch(settings(retries=2), srv.base)
        assert srv.hits["/"] == 3
    assert snap.status == 502 and snap.attempts == 3 and not snap.ok and snap.error is None


def test_drip_server_hits_the_total_deadline(settings: Callable[..., Settings]) -> None:
    drip = {"/": Reply(body=b"<p>", headers={"Content-Type": "text/html"}, drip=0.05)}
    with serve_routes(drip) as srv:
        started = time.monotonic()
        snap = fetch(settings(page_timeout=1.0, retries=1), srv.base)
        elapsed = time.monotonic() - started
        assert srv.hits["/"] == 1  # a server that answers slowly is not retried
    assert elapsed < 1.0 + 1.0
    assert snap.error == "timeout after 1s" and snap.error_kind is ErrorKind.TIMEOUT_TOTAL
    assert snap.status == 200 and snap.truncated and snap.body


def test_gzip_bomb_is_capped_on_decoded_bytes(settings: Callable[..., Settings]) -> None:
    bomb = gzip.compress(b"<p>" + b"a" * (8 * 1024 * 1024))
    route = {
        "/": Reply(body=bomb, headers={"Content-Type": "text/html", "Content-Encoding": "gzip"})
    }
    with serve_routes(route) as srv:
        snap = fetch(settings(max_bytes_per_page=100_000), srv.base)
    assert len(bomb) < 100_000 and snap.truncated and len(snap.body) == 100_000
    assert snap.error is None and snap.text is not None and snap.text.startswith("<p>aaa")


def test_plain_body_over_the_cap_is_truncated(settings: Callable[..., Settings]) -> None:
    with serve_routes(
        {"/": Reply(body=b"x" * 300_000, headers={"Content-Type": "text/plain"})}
    ) as srv:
        snap = fetch(settings(max_bytes_per_page=50_000), srv.base)
    assert snap.truncated and len(snap.body) == 50_000 and snap.text is None


def test_redirect_chain_is_recorded(settings: Callable[..., Settings]) -> None:
    routes = {
        "/r1": redirect("/r2", 301),
        "/r2": redirect("/final#x", 307),
        "/final": html_reply("end"),
    }
    with serve_routes(routes) as srv:
        snap = fetch(settings(), srv.url("/r1"))
    assert snap.ok and snap.text == "end"
    assert snap.redirects == [srv.url("/r1"), srv.url("/r2")]
    assert snap.final_url == srv.url("/final") and snap.url == srv.url("/r1")


def test_redirect_loop_is_noticed_without_walking_it(settings: Callable[..., Settings]) -> None:
    with serve_routes({"/a": redirect("/b"), "/b": redirect("/a")}) as srv:
        snap = fetch(settings(max_redirects=3), srv.url("/a"))
        assert srv.hits["/a"] + srv.hits["/b"] == 2  # each URL once (hostile-sites H13)
    assert snap.error == f"redirect loop: {srv.url('/b')} leads back to {srv.url('/a')}"
    assert snap.error_kind is ErrorKind.REDIRECT_LIMIT and snap.attempts == 1


def test_endless_redirect_chain_stops_at_max_redirects(settings: Callable[..., Settings]) -> None:
    chain = {f"/r{i}": redirect(f"/r{i + 1}") for i in range(10)}
    with serve_routes(chain) as srv:
        snap = fetch(settings(max_redirects=3), srv.url("/r0"))
        assert sum(srv.hits.values()) == 4
    assert snap.error == "too many redirects (more than 3)"
    assert snap.error_kind is ErrorKind.REDIRECT_LIMIT and snap.attempts == 1


def test_redirects_out_of_scope_or_to_other_schemes_are_not_followed(
    settings: Callable[..., Settings],
) -> None:
    with serve_routes(
        {"/out": redirect("http://127.0.0.2:9/x"), "/ftp": redirect("ftp://x/")}
    ) as srv:
        out = fetch(settings(), srv.url("/out"), scope_url=srv.base)
        ftp = fetch(settings(), srv.url("/ftp"), scope_url=srv.base)
    assert out.error == "redirected out of scope to http://127.0.0.2:9/x"
    assert out.error_kind is ErrorKind.OUT_OF_SCOPE and out.status == 302
    assert ftp.error_kind is ErrorKind.BLOCKED_SCHEME


def test_connection_refused_is_not_retried(settings: Callable[..., Settings]) -> None:
    port = closed_port()
    snap = fetch(settings(retries=3, backoff=1.0), f"http://127.0.0.1:{port}/")
    assert snap.error == f"connection refused by 127.0.0.1:{port}"
    assert snap.error_kind is ErrorKind.REFUSED and snap.attempts == 1 and snap.status is None


def test_dns_failure(settings: Callable[..., Settings]) -> None:
    snap = fetch(settings(), "http://shop.invalid/")
    assert snap.error == "DNS lookup failed for shop.invalid" and snap.error_kind is ErrorKind.DNS


def test_headers_types_and_sniffing(settings: Callable[..., Settings]) -> None:
    routes = {
        "/pdf": Reply(body=b"%PDF-1.4", headers={"Content-Type": "application/pdf", "X-Test": "1"}),
        "/png": Reply(body=b"\x89PNG\r\n\x1a\n....", headers={"Content-Type": "text/html"}),
        "/bare": Reply(body=b"<!DOCTYPE html><html><p>hi</p></html>"),
        "/evil": Reply(
            body=b"abc", headers={"Content-Type": "text/html", "Content-Encoding": "x-evil"}
        ),
    }
    with serve_routes(routes) as srv:
        pdf, png, bare, evil = (fetch(settings(), srv.url(p)) for p in routes)
    assert pdf.ok and not pdf.is_html and pdf.headers["x-test"] == "1"
    assert pdf.content_type == "application/pdf" and pdf.sha256 is not None
    assert not png.is_html
    assert bare.is_html and bare.encoding == "utf-8"
    assert evil.error_kind is ErrorKind.DECODE and "x-evil" in (evil.error or "")


def test_chinese_charset_cases_on_the_devserver(
    settings: Callable[..., Settings], tmp_path: Path
) -> None:
    text = "<html><head><title>隐私政策</title></head><body>营业执照 囧镕</body></html>"
    (tmp_path / "gbk.html").write_bytes(text.encode("gbk"))
    (tmp_path / "meta.html").write_bytes(b'<meta charset="gbk">' + text.encode("gbk"))
    (tmp_path / "dup.html").write_bytes(text.encode("gbk"))
    # Overrides replace the stdlib handler's header whatever the spelling of the name.
    headers = {
        "/gbk.html": {"Content-type": "text/html; charset=gb2312"},
        "/dup.html": {"Content-Type": "text/html; charset=gbk"},
    }
    (tmp_path / "_headers.json").write_text(json.dumps(headers), "utf-8")
    with serve_directory(tmp_path) as base:
        labelled = fetch(settings(), base + "gbk.html")
        meta = fetch(settings(), base + "meta.html")
        dup = fetch(settings(), base + "dup.html")
    # a GBK page labelled gb2312 (囧 and 镕 are not in GB2312)
    assert labelled.content_type == "text/html; charset=gb2312"
    assert labelled.encoding == "gb18030" and labelled.text is not None
    assert "营业执照 囧镕" in labelled.text
    # header says utf-8 (the devserver default), meta and bytes say GBK
    assert meta.content_type == "text/html; charset=utf-8"
    assert meta.encoding == "gb18030" and meta.text is not None and "隐私政策" in meta.text
    # an override spelled "Content-Type" replaces the handler's "Content-type"
    assert dup.headers["content-type"] == "text/html; charset=gbk"
    assert dup.content_type == "text/html; charset=gbk" and dup.text == text


def test_effective_content_type() -> None:
    joined = "text/html; charset=utf-8, text/html; charset=gb2312"
    assert effective_content_type(joined) == "text/html; charset=gb2312"
    assert effective_content_type('text/html; charset="a,b"') == 'text/html; charset="a,b"'
    assert effective_content_type("") is None
    # offline audit decodes from the stored raw header, which holds both values
    assert decode_html("营业执照".encode("gbk"), joined) == ("营业执照", "gb18030")


@pytest.mark.parametrize("encoding", ["gzip", "br"])
def test_compressed_pages_decode(settings: Callable[..., Settings], encoding: str) -> None:
    import brotli

    body = page("首页", [("/about", "关于我们")]).encode()
    packed = gzip.compress(body) if encoding == "gzip" else brotli.compress(body)
    headers = {"Content-Type": "text/html; charset=utf-8", "Content-Encoding": encoding}
    with serve_routes({"/": Reply(body=packed, headers=headers)}) as srv:
        snap = fetch(settings(), srv.base)
    assert snap.ok and snap.body == body and not snap.truncated
