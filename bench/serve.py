"""Serve a directory on 127.0.0.1 for the crawl benchmark; prints the base URL, then serves.

Run it as its own process so its CPU time is not counted against the crawler being measured.
The default server is a small HTTP/1.1 keep-alive static server on asyncio (stdlib only) with
every file held in memory, so neither disk reads nor the server's own speed limit a crawler at
a few hundred pages per second. aiohttp is not a dependency of the project; when it is
importable, `--impl aiohttp` uses it instead. `--impl threading` is the stdlib
ThreadingHTTPServer (one thread and one connection per request, HTTP/1.0), kept for comparison.

    python bench/serve.py bench/out/shop            # prints http://127.0.0.1:PORT/
"""

from __future__ import annotations

import argparse
import asyncio
import mimetypes
import signal
import sys
from email.utils import formatdate
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

MAX_HEAD = 64 * 1024


def _content_type(path: Path) -> str:
    ctype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if ctype.startswith("text/") or ctype in ("application/json", "image/svg+xml"):
        ctype += "; charset=utf-8"
    return ctype


def load_files(root: Path) -> dict[str, tuple[bytes, str]]:
    """URL path → (body, content type) for every file under `root`; '/' maps to index.html."""
    files: dict[str, tuple[bytes, str]] = {}
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.name.startswith("."):
            continue
        url = "/" + path.relative_to(root).as_posix()
        entry = (path.read_bytes(), _content_type(path))
        files[url] = entry
        if path.name == "index.html":
            files[url[: -len("index.html")]] = entry
    return files


class _HttpProtocol(asyncio.Protocol):
    """Minimal HTTP/1.1: GET and HEAD, keep-alive, pipelining, no request bodies."""

    def __init__(self, files: dict[str, tuple[bytes, str]]) -> None:
        self.files = files
        self.buf = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buf += data
        while self.transport is not None:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                if len(self.buf) > MAX_HEAD:
                    self._respond(431, b"", "text/plain", False, False)
                return
            head, self.buf = self.buf[:end], self.buf[end + 4 :]
            if not self._handle(head):
                return

    def _handle(self, head: bytes) -> bool:
        lines = head.split(b"\r\n")
        parts = lines[0].split()
        if len(parts) != 3:
            self._respond(400, b"bad request\n", "text/plain", False, False)
            return False
        method, target, version = parts
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            headers[name.strip().lower()] = value.strip().lower()
        conn = headers.get(b"connection", b"")
        keep = conn != b"close" if version == b"HTTP/1.1" else conn == b"keep-alive"
        if b"content-length" in headers or b"transfer-encoding" in headers:
            self._respond(400, b"request bodies are not supported\n", "text/plain", False, False)
            return False
        if method not in (b"GET", b"HEAD"):
            self._respond(405, b"method not allowed\n", "text/plain", keep, False)
            return keep
        path = unquote(urlsplit(target.decode("latin-1")).path)
        entry = self.files.get(path)
        if entry is None:
            self._respond(404, b"not found\n", "text/plain", keep, method == b"HEAD")
        else:
            self._respond(200, entry[0], entry[1], keep, method == b"HEAD")
        return keep

    def _respond(self, status: int, body: bytes, ctype: str, keep: bool, head_only: bool) -> None:
        assert self.transport is not None
        reason = {200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed"}
        head = (
            f"HTTP/1.1 {status} {reason.get(status, 'Error')}\r\n"
            f"Date: {formatdate(usegmt=True)}\r\nServer: ecq-bench\r\n"
            f"Content-Type: {ctype}\r\nContent-Length: {len(body)}\r\n"
            f"Connection: {'keep-alive' if keep else 'close'}\r\n\r\n"
        ).encode("latin-1")
        self.transport.write(head if head_only else head + body)
        if not keep:
            self.transport.close()
            self.transport = None

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None


async def _serve_asyncio(root: Path, host: str, port: int) -> None:
    files = load_files(root)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: _HttpProtocol(files), host, port, backlog=1024)
    sock_port = server.sockets[0].getsockname()[1]
    print(f"http://{host}:{sock_port}/", flush=True)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with server:
        await stop.wait()


async def _serve_aiohttp(root: Path, host: str, port: int) -> None:
    from aiohttp import web  # optional; not a project dependency

    files = load_files(root)

    async def handle(request: Any) -> Any:
        entry = files.get(request.path)
        if entry is None:
            return web.Response(status=404, text="not found")
        return web.Response(body=entry[0], headers={"Content-Type": entry[1]})

    app = web.Application()
    app.router.add_route("GET", "/{tail:.*}", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port, backlog=1024)
    await site.start()
    sock_port = runner.addresses[0][1]
    print(f"http://{host}:{sock_port}/", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await runner.cleanup()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return


def _serve_threading(root: Path, host: str, port: int) -> None:
    server = ThreadingHTTPServer((host, port), partial(_QuietHandler, directory=str(root)))
    server.daemon_threads = True
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"http://{host}:{server.server_address[1]}/", flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Serve a directory on loopback for the benchmark.")
    ap.add_argument("root", type=Path)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0, help="0 = a free port")
    ap.add_argument("--impl", choices=("asyncio", "aiohttp", "threading"), default="asyncio")
    args = ap.parse_args(argv)
    if not args.root.is_dir():
        ap.error(f"{args.root} is not a directory (generate it with bench/gen_shop.py)")
    try:
        if args.impl == "threading":
            _serve_threading(args.root, args.host, args.port)
        elif args.impl == "aiohttp":
            asyncio.run(_serve_aiohttp(args.root, args.host, args.port))
        else:
            asyncio.run(_serve_asyncio(args.root, args.host, args.port))
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
