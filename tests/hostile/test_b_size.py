"""B · Size and compression (H06–H10): wire bytes and decoded bytes are both capped, decoding is
ours and bounded, unknown encodings are refused, binary served as HTML is never parsed (R2)."""

from __future__ import annotations

import functools
import gzip
import io
import os
import struct
import zlib
from collections.abc import Iterator

import brotli
import pytest

from .conftest import ScanCase
from .harness import MiB, Reply, Site, html_page, serving

pytestmark = pytest.mark.hostile

CAP = 1 * MiB  # the test value of max_bytes_per_page


@functools.cache
def _zeros_gzip(size: int = 128 * MiB) -> bytes:
    """128 MiB of zeros (128 × the cap), gzipped to about 125 KiB, built once per session."""
    buf = io.BytesIO()
    chunk = bytes(4 * MiB)
    with gzip.GzipFile(fileobj=buf, mode="wb", compresslevel=9) as gz:
        for _ in range(size // len(chunk)):
            gz.write(chunk)
    return buf.getvalue()


@functools.cache
def _zeros_deflate(raw: bool, size: int = 64 * MiB) -> bytes:
    comp = zlib.compressobj(9, zlib.DEFLATED, -15 if raw else 15)
    chunk = bytes(4 * MiB)
    return b"".join(comp.compress(chunk) for _ in range(size // len(chunk))) + comp.flush()


@functools.cache
def _zeros_brotli(size: int = 128 * MiB) -> bytes:
    comp = brotli.Compressor(quality=5)
    chunk = bytes(4 * MiB)
    return b"".join(comp.process(chunk) for _ in range(size // len(chunk))) + comp.finish()


@pytest.mark.hostile_case("H06")
def test_h06_declared_giant_length(scan_case: ScanCase) -> None:
    """Content-Length: 10 GiB, then zeros as fast as possible: stop at the cap."""

    def zeros() -> Iterator[bytes]:
        block = bytes(64 * 1024)
        while True:
            yield block

    giant = Reply(
        200, headers={"Content-Type": "text/html", "Content-Length": "10737418240"}, stream=zeros
    )
    site = Site({"/giant": giant})
    with serving(site):
        run = scan_case(site.url)
    rec = run.page("/giant")
    assert run.outcome_of(rec.url) == "too_large" and rec.truncated
    assert rec.size <= CAP
    assert rec.url not in run.parsed, "a cut-off body must not be analysed as the whole page"
    run.assert_invariants(time_budget=6, mem_budget_mib=3 * CAP / MiB + 100, urls=site.hostile_urls)


@pytest.mark.hostile_case("H07")
def test_h07_endless_chunked_html(scan_case: ScanCase) -> None:
    def endless() -> Iterator[bytes]:
        chunk = b"<p>" + b"valid markup " * 5000 + b"</p>"
        while True:
            yield chunk

    site = Site({"/endless": Reply(200, headers={"Content-Type": "text/html"}, stream=endless)})
    with serving(site):
        run = scan_case(site.url)
    rec = run.page("/endless")
    assert run.outcome_of(rec.url) == "too_large" and rec.size <= CAP
    assert rec.url not in run.parsed
    run.assert_invariants(time_budget=6, mem_budget_mib=3 * CAP / MiB + 100, urls=site.hostile_urls)


@pytest.mark.hostile_case("H08")
def test_h08_gzip_and_deflate_bombs(scan_case: ScanCase) -> None:
    html = {"Content-Type": "text/html"}
    site = Site(
        {
            "/gz": Reply(200, _zeros_gzip(), {**html, "Content-Encoding": "gzip"}),
            "/deflate": Reply(200, _zeros_deflate(False), {**html, "Content-Encoding": "deflate"}),
            "/rawdeflate": Reply(
                200, _zeros_deflate(True), {**html, "Content-Encoding": "deflate"}
            ),
        }
    )
    with serving(site):
        run = scan_case(site.url)
    for path in ("/gz", "/deflate", "/rawdeflate"):
        rec = run.page(path)
        assert run.outcome_of(rec.url) == "decompression_limit", (path, rec)
        assert rec.size <= CAP and rec.url not in run.parsed
    run.assert_invariants(time_budget=6, mem_budget_mib=3 * CAP / MiB + 100, urls=site.hostile_urls)


@pytest.mark.hostile_case("H09")
def test_h09_brotli_stacked_and_unknown_encodings(scan_case: ScanCase) -> None:
    html = {"Content-Type": "text/html"}
    inner = _zeros_gzip(64 * MiB)
    site = Site(
        {
            "/br": Reply(200, _zeros_brotli(), {**html, "Content-Encoding": "br"}),
            "/gzgz": Reply(200, gzip.compress(inner), {**html, "Content-Encoding": "gzip, gzip"}),
            "/brgz": Reply(
                200,
                gzip.compress(_zeros_brotli(64 * MiB)),
                {**html, "Content-Encoding": "br, gzip"},
            ),
            "/zstd": Reply(
                200, b"\x28\xb5\x2f\xfd" + os.urandom(64), {**html, "Content-Encoding": "zstd"}
            ),
            "/evil": Reply(200, b"<p>hello</p>", {**html, "Content-Encoding": "x-evil"}),
        }
    )
    with serving(site):
        run = scan_case(site.url)
    for path in ("/br", "/gzgz", "/brgz"):
        rec = run.page(path)
        assert run.outcome_of(rec.url) == "decompression_limit", (path, rec)
        assert rec.size <= CAP and rec.url not in run.parsed
    for path in ("/zstd", "/evil"):
        rec = run.page(path)
        assert rec.error_kind == "protocol_error", (path, rec)
        assert rec.url not in run.parsed, "an undecodable body must never be parsed as text"
    run.assert_invariants(time_budget=6, mem_budget_mib=3 * CAP / MiB + 100, urls=site.hostile_urls)


def _png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\0\0"))
        + chunk(b"IEND", b"")
    )


def _zip() -> bytes:
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("evil.html", "<script>alert(1)</script>" * 100)
    return buf.getvalue()


@pytest.mark.hostile_case("H10")
def test_h10_binary_served_as_text_html(scan_case: ScanCase) -> None:
    ctype = {"Content-Type": "text/html; charset=utf-8"}
    nul_html = html_page("nul", "<p>" + ("营业执照 text " * 10 + "\0") * 200 + "</p>")
    site = Site(
        {
            "/png": Reply(200, _png(), ctype),
            "/zip": Reply(200, _zip(), ctype),
            "/random": Reply(200, os.urandom(CAP), ctype),
            "/nul": Reply(200, nul_html, ctype),
        }
    )
    with serving(site):
        run = scan_case(site.url)
    for path in ("/png", "/zip", "/random"):
        rec = run.page(path)
        assert rec.url not in run.parsed, f"{path}: binary parsed as HTML"
        assert rec.encoding is None, f"{path}: binary decoded as text"
    assert site.base + "/nul" in run.parsed, "HTML with NUL bytes is still HTML"
    run.assert_invariants(time_budget=6, urls=site.hostile_urls)
