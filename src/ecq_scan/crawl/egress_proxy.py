"""A loopback HTTP proxy that applies the SSRF guard to everything Chromium sends.

Playwright's request routing does not see every request: a `<link rel=prefetch>`, a
`navigator.sendBeacon()` and the preconnect of an `<iframe>` reached an internal canary with
routing in place (measured for hostile-sites H30). Chromium does send all of them through its
proxy, so the browser is started with `--proxy-server` pointing here and
`--proxy-bypass-list=<-loopback>` (without it Chromium sends loopback traffic around the proxy).
For each request the proxy resolves the host through the scan's `SSRFGuard` (resolve once,
classify every address, pin the checked address), refuses with 403 or connects to the checked
address, and then only relays bytes. Plain-HTTP requests are forwarded with `Connection: close`,
so one upstream connection never carries a request for another host.
"""

from __future__ import annotations

import asyncio
import contextlib
from urllib.parse import urlsplit

from ecq_scan.crawl.ssrf import SSRFGuard, TargetRefused

#: request head size limit and timeouts: a proxy for one scan's browser, not a general server
MAX_HEAD = 64 * 1024
HEAD_TIMEOUT = 10.0
CONNECT_TIMEOUT = 10.0
PIPE_CHUNK = 64 * 1024


class EgressProxy:
    """`async with EgressProxy(guard) as proxy:` → `proxy.url` for Chromium's `--proxy-server`."""

    def __init__(self, guard: SSRFGuard) -> None:
        self.guard = guard
        self.refused: list[tuple[str, str]] = []
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.sockets[0].getsockname()[:2]
        return f"http://{host}:{port}"

    async def __aenter__(self) -> EgressProxy:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2)
        for task in list(self._tasks):
            task.cancel()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            await self._handle(reader, writer)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError):
            pass
        finally:
            if task is not None:
                self._tasks.discard(task)
            writer.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), HEAD_TIMEOUT)
        if len(head) > MAX_HEAD:
            return
        request_line, _, rest = head.partition(b"\r\n")
        parts = request_line.decode("latin-1").split(" ")
        if len(parts) != 3:
            return
        method, target, version = parts
        if method == "CONNECT":
            host, _, port_s = target.rpartition(":")
            port = int(port_s) if port_s.isdigit() else 443
            upstream = await self._open(host.strip("[]"), port, target, writer)
            if upstream is None:
                return
            writer.write(b"HTTP/1.1 200 Connection Established\r\n\r\n")
            await writer.drain()
            await _pipe_both(reader, writer, *upstream)
            return
        url = urlsplit(target)
        if url.scheme != "http" or not url.hostname:
            await _reply(writer, 400, "only absolute http:// URLs and CONNECT are proxied")
            return
        upstream = await self._open(url.hostname, url.port or 80, target, writer)
        if upstream is None:
            return
        path = url.path or "/"
        if url.query:
            path += "?" + url.query
        headers = [
            line
            for line in rest.split(b"\r\n")
            if line and not line.lower().startswith((b"proxy-connection:", b"connection:"))
        ]
        forwarded = f"{method} {path} {version}\r\n".encode("latin-1")
        forwarded += b"\r\n".join([*headers, b"Connection: close"]) + b"\r\n\r\n"
        up_reader, up_writer = upstream
        up_writer.write(forwarded)
        await up_writer.drain()
        await _pipe_both(reader, writer, up_reader, up_writer)

    async def _open(
        self, host: str, port: int, target: str, writer: asyncio.StreamWriter
    ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
        """Connect to the address the guard checked, or answer 403 and record why not."""
        try:
            addresses = await self.guard.addresses(host, port)
        except TargetRefused as exc:
            self.refused.append((target, str(exc)))
            await _reply(writer, 403, str(exc))
            return None
        except OSError as exc:
            await _reply(writer, 502, f"cannot resolve {host}: {exc}")
            return None
        for address in addresses:
            with contextlib.suppress(OSError, TimeoutError):
                return await asyncio.wait_for(
                    asyncio.open_connection(str(address), port), CONNECT_TIMEOUT
                )
        await _reply(writer, 502, f"cannot connect to {host}:{port}")
        return None


async def _reply(writer: asyncio.StreamWriter, status: int, reason: str) -> None:
    body = reason.encode("utf-8", "replace")
    writer.write(
        f"HTTP/1.1 {status} Refused\r\nContent-Type: text/plain; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode("latin-1")
        + body
    )
    with contextlib.suppress(OSError):
        await writer.drain()


async def _pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
    try:
        while chunk := await src.read(PIPE_CHUNK):
            dst.write(chunk)
            await dst.drain()
    finally:
        with contextlib.suppress(OSError):
            dst.close()


async def _pipe_both(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    up_reader: asyncio.StreamReader,
    up_writer: asyncio.StreamWriter,
) -> None:
    tasks = [
        asyncio.ensure_future(_pipe(reader, up_writer)),
        asyncio.ensure_future(_pipe(up_reader, writer)),
    ]
    try:
        await asyncio.gather(*tasks, return_exceptions=True)
    finally:
        for t in tasks:
            t.cancel()
