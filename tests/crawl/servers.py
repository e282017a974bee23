"""Scriptable HTTP servers on 127.0.0.1 for crawler tests.

`serve_routes({path: Reply | callable})` answers each path with a fixed or computed `Reply`
(the callable gets the 1-based hit number, so "429 first, then 200" is one lambda) and counts
hits per path. A `Reply` with `drip` sends its body one byte at a time, for deadline tests.
"""

from __future__ import annotations

import html
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    drip: float | None = None  # seconds between bytes; the body repeats until the client leaves
    delay: float = 0.0  # seconds to wait before answering


Route = Reply | Callable[[int], Reply]


def html_reply(body: str, charset: str = "utf-8", **headers: str) -> Reply:
    return Reply(
        body=body.encode(charset),
        headers={"Content-Type": f"text/html; charset={charset}", **headers},
    )


def page(title: str, links: Sequence[tuple[str, str]] = (), text: str = "") -> str:
    anchors = "".join(f'<a href="{html.escape(h)}">{html.escape(t)}</a>\n' for h, t in links)
    return (
        f"<!doctype html><html><head><title>{html.escape(title)}</title></head>"
        f"<body><h1>{html.escape(title)}</h1><p>{html.escape(text)}</p>{anchors}</body></html>"
    )


def redirect(location: str, status: int = 302) -> Reply:
    return Reply(status=status, headers={"Location": location})


class RouteServer:
    def __init__(self, routes: Mapping[str, Route]) -> None:
        self.routes = routes
        self.hits: Counter[str] = Counter()
        self.order: list[str] = []
        self.base = ""
        self.starts: list[float] = []  # monotonic arrival time of every request
        self.active = 0
        self.max_active = 0
        self._lock = threading.Lock()

    def url(self, path: str) -> str:
        return self.base.rstrip("/") + path

    def hit(self, path: str) -> int:
        with self._lock:
            self.hits[path] += 1
            self.order.append(path)
            self.starts.append(time.monotonic())
            self.active += 1
            self.max_active = max(self.max_active, self.active)
            return self.hits[path]

    def done(self) -> None:
        with self._lock:
            self.active -= 1


def _handler(server: RouteServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            n = server.hit(path)
            try:
                self._answer(path, n)
            finally:
                server.done()

        def _answer(self, path: str, n: int) -> None:
            route = server.routes.get(path)
            if route is None:
                reply = Reply(404, b"not found", {"Content-Type": "text/plain"})
            else:
                reply = route(n) if callable(route) else route
            if reply.delay:
                time.sleep(reply.delay)
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            if reply.drip is not None:
                self.send_header("Connection", "close")
                self.end_headers()
                self._drip(reply)
                return
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            with suppress(OSError):  # the client may have given up already
                self.wfile.write(reply.body)

        def _drip(self, reply: Reply) -> None:
            data = reply.body or b"x"
            i = 0
            try:
                while True:
                    self.wfile.write(data[i % len(data) : i % len(data) + 1])
                    self.wfile.flush()
                    i += 1
                    time.sleep(reply.drip or 0.1)
            except OSError:
                return

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64


@contextmanager
def serve_routes(routes: Mapping[str, Route], host: str = "127.0.0.1") -> Iterator[RouteServer]:
    state = RouteServer(routes)
    httpd = _Server((host, 0), _handler(state))
    state.base = f"http://{host}:{httpd.server_address[1]}/"
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
    )
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (connections are refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
