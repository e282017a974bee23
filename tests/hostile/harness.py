"""Shared harness of the hostile-site suite (hostile-sites note §3).

* `HostileServer` — a threaded HTTP server on a loopback address whose routes return a `Reply`:
  a fixed body, a generated stream (endless, dripping, chunked), or a `raw` function that takes
  over the socket after the request line (lying framing, resets, silence). It logs every request.
  Handlers that "hang forever" wait on a stop event, so a test ends cleanly.
* `RawServer` — a TCP listener that never speaks HTTP (a TLS handshake stall).
* `Canary` — a TCP listener on 127.0.0.1 that counts connections: any hit is an SSRF escape.
* `Site` — the case's shop on 127.0.0.2 ("the public internet" under the test address policy):
  `/` links to the honest pages `/ok/1..3` (40 KiB of valid Chinese shop HTML each) and to the
  case's hostile URLs.
* `scan_case` — runs the real scan pipeline in-process (crawl, analysis, scoring, reports) with
  the test-sized limits of the note, measures wall time and RSS, and returns a `CaseRun` whose
  `assert_invariants` checks the six invariants I1–I6.

In-process rather than a subprocess per case: the SSRF policy is injected by constructor (the
note's rule: no config, environment or CLI switch reaches it), and the suite stays within its
CI time budget. CLI behaviour (exit codes) is covered by a few subprocess tests.
"""

from __future__ import annotations

import html
import os
import socket
import socketserver
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psutil

from ecq_scan.config import Settings
from ecq_scan.crawl.ssrf import AddressPolicy, Resolver, SSRFGuard
from ecq_scan.models import Outcome, PageRecord, ScanResult, ScanStatus

MiB = 1024 * 1024
#: Time budgets are the case's budget × this factor + 2 s. CI machines are shared and
#: Chromium cases compete for 2 cores; raise it (HOSTILE_TIME_FACTOR=3) on a loaded machine.
TIME_FACTOR = float(os.environ.get("HOSTILE_TIME_FACTOR", "1.5"))
#: "the public internet" in tests; 127.0.0.1 stays internal (the canary lives there)
PUBLIC_HOST = "127.0.0.2"
SECOND_PUBLIC_HOST = "127.0.0.3"
INTERNAL_HOST = "127.0.0.1"

#: goal-line counters, filled by the tests and printed by conftest at session end
GOAL: dict[str, Any] = {
    "canary_hits": 0,
    "unescaped": None,
    "csv_formula": None,
    "crawl1k": None,
    "chaos": {},
}


def hostile_settings(**overrides: Any) -> Settings:
    """The 'Test value' column of the note's limit table (hostile-sites §2)."""
    base: dict[str, Any] = {
        "max_bytes_per_page": 1 * MiB,
        "connect_timeout": 1.0,
        "page_timeout": 3.0,
        "max_redirects": 10,
        "max_depth": 3,
        "max_pages": 50,
        "retries": 1,
        "backoff": 0.05,
        "per_host_delay": 0.0,
        "concurrency": 4,
        "per_host_concurrency": 4,
        "scan_timeout": 60.0,
        "lang": "en",
        "allow_private": False,
        "render": "never",  # the HTTP path; the browser cases (F) turn rendering on
    }
    base.update(overrides)
    return Settings(**base)


def hostile_guard(resolver: Resolver | None = None) -> SSRFGuard:
    """The guard under the test address policy: 127.0.0.2 and .3 are public, the rest of
    127/8 (the canary on 127.0.0.1) is loopback and refused."""
    return SSRFGuard(
        AddressPolicy.for_tests(f"{PUBLIC_HOST}/32", f"{SECOND_PUBLIC_HOST}/32"), resolver
    )


# ------------------------------------------------------------------------------ servers


class Conn:
    """What a `raw` reply gets: the socket's file objects and the server's stop event."""

    def __init__(self, handler: BaseHTTPRequestHandler, stop: threading.Event) -> None:
        self.handler = handler
        self.sock: socket.socket = handler.connection
        self.wfile = handler.wfile
        self.stop = stop

    def write(self, data: bytes) -> bool:
        """Write and flush; False once the client has gone."""
        try:
            self.wfile.write(data)
            self.wfile.flush()
        except OSError:
            return False
        return True

    def hold(self, seconds: float = 3600) -> None:
        """Keep the connection open, saying nothing, until the test ends."""
        self.stop.wait(seconds)


@dataclass
class Request:
    path: str
    query: str
    target: str
    headers: dict[str, str]
    n: int  # 1-based hit number of this path


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    #: body produced piece by piece (no Content-Length, connection closed at the end)
    stream: Callable[[], Iterable[bytes]] | None = None
    #: seconds between stream pieces
    pace: float = 0.0
    #: takes over the socket after the request was read (status line and all)
    raw: Callable[[Conn], None] | None = None


Route = Reply | Callable[[Request], Reply]


def html_page(title: str, body: str, charset: str = "utf-8") -> bytes:
    return (
        f'<!doctype html><html lang="zh-CN"><head><meta charset="{charset}">'
        f"<title>{html.escape(title)}</title></head><body>{body}</body></html>"
    ).encode(charset, "replace")


def html_reply(body: bytes | str, status: int = 200, **headers: str) -> Reply:
    data = body.encode("utf-8") if isinstance(body, str) else body
    return Reply(status, data, {"Content-Type": "text/html; charset=utf-8", **headers})


def redirect(location: str, status: int = 302) -> Reply:
    return Reply(status, b"", {"Location": location})


class HostileServer:
    """Threaded HTTP server on `host`; exact routes first, then the longest matching prefix."""

    def __init__(
        self,
        routes: dict[str, Route] | None = None,
        prefixes: dict[str, Callable[[Request], Reply]] | None = None,
        host: str = PUBLIC_HOST,
        port: int = 0,
    ) -> None:
        self.routes: dict[str, Route] = dict(routes or {})
        self.prefixes = dict(prefixes or {})
        self.hits: Counter[str] = Counter()
        self.log: list[Request] = []
        self.stop = threading.Event()
        self._lock = threading.Lock()
        self._httpd = _Server((host, port), _handler(self))
        self.host = host
        self.port = int(self._httpd.server_address[1])
        self.base = f"http://{host}:{self.port}"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def url(self, path: str) -> str:
        return self.base + path

    def start(self) -> HostileServer:
        self._thread.start()
        return self

    def close(self) -> None:
        self.stop.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def _route(self, req: Request) -> Reply:
        route = self.routes.get(req.path)
        if route is None:
            for prefix in sorted(self.prefixes, key=len, reverse=True):
                if req.path.startswith(prefix):
                    return self.prefixes[prefix](req)
            return Reply(404, b"not found", {"Content-Type": "text/plain"})
        return route(req) if callable(route) else route

    def _record(self, target: str, headers: dict[str, str]) -> Request:
        parts = urlsplit(target)
        with self._lock:
            self.hits[parts.path] += 1
            req = Request(parts.path, parts.query, target, headers, self.hits[parts.path])
            self.log.append(req)
        return req


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    allow_reuse_address = True


def _handler(server: HostileServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            return

        def do_GET(self) -> None:
            req = server._record(self.path, {k.lower(): v for k, v in self.headers.items()})
            reply = server._route(req)
            if reply.raw is not None:
                with suppress(OSError):
                    reply.raw(Conn(self, server.stop))
                self.close_connection = True
                return
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            if reply.stream is not None:
                self.send_header("Connection", "close")
                self.end_headers()
                self.close_connection = True
                conn = Conn(self, server.stop)
                for piece in reply.stream():
                    if server.stop.is_set() or not conn.write(piece):
                        return
                    if reply.pace:
                        server.stop.wait(reply.pace)
                return
            if not any(k.lower() == "content-length" for k in reply.headers):
                self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            with suppress(OSError):
                self.wfile.write(reply.body)

    return Handler


class RawServer:
    """A TCP listener that runs `handle(sock, stop)` per connection and tracks open ones."""

    def __init__(
        self,
        handle: Callable[[socket.socket, threading.Event], None],
        host: str = PUBLIC_HOST,
        port: int = 0,
    ) -> None:
        self.stop = threading.Event()
        self.connections = 0
        self.open = 0
        self._lock = threading.Lock()
        outer = self

        class H(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                with outer._lock:
                    outer.connections += 1
                    outer.open += 1
                try:
                    with suppress(OSError):
                        handle(self.request, outer.stop)
                finally:
                    with outer._lock:
                        outer.open -= 1

        class S(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self._srv = S((host, port), H)
        self.port = int(self._srv.server_address[1])
        self.base = f"http://{host}:{self.port}"
        self._thread = threading.Thread(
            target=self._srv.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()

    def close(self) -> None:
        self.stop.set()
        self._srv.shutdown()
        self._srv.server_close()
        self._thread.join(timeout=5)


class Canary:
    """Counts every TCP connection to 127.0.0.1:<port>; the scanner must never make one."""

    def __init__(self, port: int = 0) -> None:
        self.hits = 0
        self.requests: list[bytes] = []

        def handle(sock: socket.socket, stop: threading.Event) -> None:
            self.hits += 1
            sock.settimeout(1.0)
            with suppress(OSError):
                self.requests.append(sock.recv(4096)[:200])
            sock.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\nCANARY")

        self._raw = RawServer(handle, INTERNAL_HOST, port)
        self.port = self._raw.port
        self.base = f"http://{INTERNAL_HOST}:{self.port}"

    def close(self) -> None:
        self._raw.close()


# ------------------------------------------------------------------------------ the shop

ICP = "京ICP备2024077296号-1"
_FILLER = (
    "<p>青禾优选坚持正品直供，所有商品均经过严格的质量检验。我们提供七天无理由退货服务，"
    "消费者收到商品之日起七日内可申请退货。订单付款后48小时内发货，支持全国配送。</p>\n"
)


def honest_page(n: int) -> bytes:
    """A 40 KiB valid shop page with 隐私政策 and 营业执照 links and the ICP number."""
    body = (
        f'<header><h1>青禾优选 · 页面 {n}</h1><nav><a href="/">首页</a></nav></header><main>'
        + _FILLER * 130
        + "</main><footer>"
        + '<a href="/ok/2">隐私政策</a> · <a href="/ok/1">营业执照</a> · '
        + f'<a href="https://beian.miit.gov.cn/">{ICP}</a>'
        + "<p>青禾优选（北京）商贸有限公司 统一社会信用代码 91110105MA003A481G</p></footer>"
    )
    return html_page(f"青禾优选 {n}", body)


HONEST_PATHS = ("/ok/1", "/ok/2", "/ok/3")
HONEST_TEXT = {"/ok/1": "营业执照", "/ok/2": "隐私政策", "/ok/3": "关于我们"}


class Site:
    """The case's shop on 127.0.0.2: home, honest pages, robots.txt and the hostile routes."""

    def __init__(
        self,
        hostile: dict[str, Route] | None = None,
        links: Sequence[str] = (),
        prefixes: dict[str, Callable[[Request], Reply]] | None = None,
        robots: Route | None = None,
        home_extra: str = "",
        host: str = PUBLIC_HOST,
    ) -> None:
        routes: dict[str, Route] = {
            p: html_reply(honest_page(i + 1)) for i, p in enumerate(HONEST_PATHS)
        }
        routes["/robots.txt"] = robots or Reply(404, b"", {"Content-Type": "text/plain"})
        routes.update(hostile or {})
        self.server = HostileServer(routes, prefixes, host=host)
        self.base = self.server.base
        hostile_links = list(links) or [p for p in (hostile or {}) if p not in ("/", "/robots.txt")]
        self.hostile_urls = [h if "://" in h else self.base + h for h in hostile_links]
        if "/" not in routes:
            anchors = "".join(
                f'<a href="{p}">{HONEST_TEXT[p]}</a> ' for p in HONEST_PATHS
            ) + "".join(
                f'<a href="{html.escape(u)}">item {i}</a> ' for i, u in enumerate(hostile_links)
            )
            self.server.routes["/"] = html_reply(
                html_page("青禾优选 首页", f"<h1>青禾优选</h1><nav>{anchors}</nav>{home_extra}")
            )
        self.server.start()

    @property
    def url(self) -> str:
        return self.base + "/"

    @property
    def hits(self) -> Counter[str]:
        return self.server.hits

    def close(self) -> None:
        self.server.close()


# ------------------------------------------------------------------------------ measuring


class RssSampler:
    """Peak RSS of this process above the starting value, sampled every 10 ms in a thread."""

    def __init__(self) -> None:
        self._proc = psutil.Process()
        self.baseline = self._proc.memory_info().rss
        self.peak = self.baseline
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._proc.memory_info().rss)
            self._stop.wait(0.01)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._proc.memory_info().rss)

    @property
    def delta_mib(self) -> float:
        return (self.peak - self.baseline) / MiB


@dataclass
class CaseRun:
    site_url: str
    result: ScanResult
    elapsed: float
    rss_delta_mib: float
    parsed: list[str]
    canary_hits: int
    out: Path
    report_html: str

    def page(self, url_or_path: str) -> PageRecord:
        """The record of a URL (or a path on the site), by requested or final URL."""
        want = url_or_path if "://" in url_or_path else self.site_url.rstrip("/") + url_or_path
        for rec in self.result.pages:
            if want in (rec.url, rec.final_url):
                return rec
        raise AssertionError(
            f"{want} has no page record; pages: {[p.url for p in self.result.pages]}"
        )

    def outcome_of(self, url: str) -> str:
        """'ok', the error kind of its page record, or 'skipped: <reason>'."""
        for rec in self.result.pages:
            if url in (rec.url, rec.final_url):
                if rec.error_kind:
                    return rec.error_kind
                return "too_large" if rec.truncated else "ok"
        for s in self.result.skipped:
            if s.url == url:
                return f"skipped: {s.reason}"
        raise AssertionError(f"{url} has no outcome (neither a page record nor a skipped entry)")

    def assert_invariants(
        self,
        *,
        time_budget: float,
        mem_budget_mib: float = 200.0,
        urls: Iterable[str] = (),
        honest: bool = True,
    ) -> None:
        """I1 no crash · I2 an outcome for every URL · I3 time · I4 memory · I5 honest pages
        scanned and reported · I6 canary untouched."""
        # I1: no crash anywhere in the pipeline (an exception fails the test before this);
        # no check crashed on hostile input either
        assert self.result.status is not ScanStatus.UNSCANNABLE, self.result.status_reason
        crashed = [
            f"{f.check_id}: {f.message.en}"
            for f in self.result.findings
            if f.outcome is Outcome.ERROR and "crashed" in f.message.en
        ]
        assert not crashed, crashed
        # I2: every URL the case put on the site has exactly one outcome
        for url in urls:
            self.outcome_of(url)
        seen = [r.url for r in self.result.pages]
        assert len(seen) == len(set(seen)), "a URL was recorded twice"
        # I3, I4
        allowed = time_budget * TIME_FACTOR + 2.0
        assert self.elapsed <= allowed, f"took {self.elapsed:.1f}s > {allowed:.0f}s"
        assert self.rss_delta_mib <= mem_budget_mib, f"RSS grew {self.rss_delta_mib:.0f} MiB"
        # I5: the honest pages were fetched whole, parsed by the checks and are in the report
        if honest:
            for path in HONEST_PATHS:
                url = self.site_url.rstrip("/") + path
                rec = self.page(path)
                assert rec.status == 200 and rec.error is None and not rec.truncated, rec
                assert url in self.parsed, f"{url} was not analysed"
                assert url in self.report_html, f"{url} missing from report.html"
            assert any(d.key == "icp_filing" for d in self.result.disclosures), "ICP not reported"
        # I6
        assert self.canary_hits == 0, (
            f"SSRF escape: the canary saw {self.canary_hits} connection(s)"
        )


@contextmanager
def serving(*servers: Any) -> Iterator[None]:
    try:
        yield
    finally:
        for s in servers:
            s.close()


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    started = time.monotonic()
    value = fn()
    return value, time.monotonic() - started
