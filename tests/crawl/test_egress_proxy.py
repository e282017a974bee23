"""The browser's guarding proxy: refuses what the SSRF guard refuses, relays the rest."""

from __future__ import annotations

import asyncio
from pathlib import Path

from ecq_scan.crawl.egress_proxy import EgressProxy
from ecq_scan.crawl.ssrf import AddressPolicy, SSRFGuard
from ecq_scan.devserver import serve_directory


async def _raw(proxy_url: str, request: bytes) -> bytes:
    host, port = proxy_url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(request)
    await writer.drain()
    data = await asyncio.wait_for(reader.read(), 10)
    writer.close()
    return data


def test_refuses_internal_targets_for_connect_and_plain_http() -> None:
    async def run() -> tuple[bytes, bytes, list[tuple[str, str]]]:
        async with EgressProxy(SSRFGuard(AddressPolicy(allow_private=False))) as proxy:
            connect = await _raw(proxy.url, b"CONNECT 127.0.0.1:443 HTTP/1.1\r\n\r\n")
            plain = await _raw(
                proxy.url, b"GET http://10.0.0.5/x HTTP/1.1\r\nHost: 10.0.0.5\r\n\r\n"
            )
            return connect, plain, proxy.refused

    connect, plain, refused = asyncio.run(run())
    assert connect.startswith(b"HTTP/1.1 403") and b"SSRF guard" in connect
    assert plain.startswith(b"HTTP/1.1 403") and b"private" in plain
    assert len(refused) == 2


def test_relays_allowed_plain_http(tmp_path: Path) -> None:
    (tmp_path / "hello.html").write_text("<p>hello through the proxy</p>", "utf-8")
    policy = AddressPolicy.for_tests("127.0.0.1/32")

    async def run(base: str) -> bytes:
        async with EgressProxy(SSRFGuard(policy)) as proxy:
            host = base.removeprefix("http://").rstrip("/")
            request = f"GET {base}hello.html HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()
            return await _raw(proxy.url, request)

    with serve_directory(tmp_path) as base:
        answer = asyncio.run(run(base))
    assert answer.startswith(b"HTTP/1.0 200") or answer.startswith(b"HTTP/1.1 200")
    assert b"hello through the proxy" in answer
