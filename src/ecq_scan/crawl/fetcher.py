"""One HTTP GET, bounded in time and bytes, with its redirect chain and a plain-words error.

httpx promises neither a total deadline (a server dripping one byte every half second never
trips its idle timeout) nor bounded decompression (hostile-sites note §1.6). So this module:
wraps every attempt in `asyncio.timeout(page_timeout)`; reads `aiter_raw()` and decodes with
`BoundedDecoder`; follows redirects itself so each hop is checked against scheme, scope and
the caller's guard (robots.txt); and retries only what is worth retrying (429, 5xx, connect and
idle timeouts, resets). Every outcome, failures included, comes back as a `Snapshot`: the
crawler records it rather than losing it in an exception.

Every connection goes through the SSRF guard (`ssrf.GuardedTransport`): the host is resolved
once, every address is checked, and the checked address is dialled, for each redirect hop too.
A refused target is the outcome `blocked_ssrf` with a sentence saying why. Credentials in a URL
(`user:pass@`) are never sent: httpx would turn them into an Authorization header.

Certificates are verified (certifi's roots, or the `ca_bundle` setting). Asked with `tls=True`
(the crawler does for the start page), a fetch also records the TLS connection of its final
hop in `Snapshot.tls`, read from the open response, or the verification error when the handshake
failed; `complete_tls` then adds what needs extra handshakes (crawl/tls.py).
"""

from __future__ import annotations

import asyncio
import hashlib
import socket
import ssl
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from types import TracebackType
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx

from ecq_scan.config import Settings
from ecq_scan.crawl import tls as tls_facts
from ecq_scan.crawl.decompress import BoundedDecoder, DecodeError, accept_encoding
from ecq_scan.crawl.encoding import decode_html, effective_content_type
from ecq_scan.crawl.scope import WEB_SCHEMES, in_scope
from ecq_scan.crawl.ssrf import (
    AddressPolicy,
    GuardedTransport,
    SSRFGuard,
    TargetRefused,
    redact_userinfo,
    strip_userinfo,
)
from ecq_scan.errors import InputError
from ecq_scan.models import RenderInfo, TlsInfo

ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"
ACCEPT_LANGUAGE = "zh-CN,zh;q=0.9,en;q=0.8"
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
#: Retry-After is honoured up to this many seconds; a server asking for longer is not retried
#: (the URL ends `rate_limited`): a 429 with `Retry-After: 86400` must not stall the scan.
RETRY_AFTER_CAP = 30.0
#: Sites that set fresh cookies on every page would otherwise grow the jar without bound.
MAX_COOKIES = 100
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
#: Magic numbers of files that servers mislabel as text/html; never hand them to the parser.
_BINARY_MAGIC = (b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04", b"%PDF", b"\x1f\x8b", b"Rar!")

#: C0 controls other than tab, LF, FF, CR and ESC, plus DEL.
_CONTROL_BYTES = bytes([*range(0, 9), 11, *range(14, 27), *range(28, 32), 127])
BINARY_CONTROL_SHARE = 0.05

HopGuard = Callable[[str], Awaitable[str | None]]


class ErrorKind(StrEnum):
    """Why a fetch failed (the R4 reason codes of the hostile-sites note)."""

    TIMEOUT_TOTAL = "timeout_total"
    TIMEOUT_CONNECT = "timeout_connect"
    TIMEOUT_IDLE = "timeout_idle"
    DNS = "dns"
    REFUSED = "refused"
    CONNECT = "connect"
    TLS = "tls"
    PROTOCOL = "protocol_error"
    DECODE = "protocol_error"  # an invalid or unsupported Content-Encoding (alias of PROTOCOL)
    REDIRECT_LIMIT = "redirect_limit"
    OUT_OF_SCOPE = "out_of_scope"
    BLOCKED_SCHEME = "blocked_scheme"
    BLOCKED = "blocked"
    BLOCKED_SSRF = "blocked_ssrf"
    RATE_LIMITED = "rate_limited"
    # a body cut at the byte cap: set without `error`, the prefix is kept (robots.txt and
    # sitemaps read it), but the page is not complete evidence
    TOO_LARGE = "too_large"
    DECOMPRESSION_LIMIT = "decompression_limit"
    INVALID_URL = "invalid_url"


_RETRY_KINDS = frozenset({ErrorKind.TIMEOUT_CONNECT, ErrorKind.TIMEOUT_IDLE, ErrorKind.PROTOCOL})


@dataclass(slots=True)
class Snapshot:
    """What one URL gave back. `error` is None when a response arrived; `error_kind` is the
    reason code (R4), set with `error` for a failure and alone for a body cut at the cap."""

    url: str
    final_url: str
    status: int | None
    headers: dict[str, str]
    body: bytes
    content_type: str | None
    encoding: str | None
    text: str | None
    fetched_at: datetime
    elapsed_ms: float
    redirects: list[str] = field(default_factory=list)
    error: str | None = None
    truncated: bool = False
    sha256: str | None = None
    error_kind: ErrorKind | None = None
    attempts: int = 1
    #: set by the crawler when a browser rendered the page (crawl/browser.py); the runner parses
    #: `rendered_html` instead of `text`, and `render` says what the browser saw (or its error)
    rendered_html: str | None = None
    render: RenderInfo | None = None
    #: the final hop's TLS connection, or its failed handshake (only when fetched with tls=True)
    tls: TlsInfo | None = None

    @property
    def is_html(self) -> bool:
        return self.text is not None

    @property
    def ok(self) -> bool:
        """A complete 2xx response."""
        return self.error is None and self.status is not None and 200 <= self.status < 300


def media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def looks_binary(body: bytes) -> bool:
    """Binary by sniffing: a known magic number, or more than BINARY_CONTROL_SHARE of the first
    KiB in control bytes (random data has ~11 %; HTML with stray NULs has ~1 %)."""
    if body.startswith(_BINARY_MAGIC):
        return True
    head = body[:1024]
    if not head or head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 with a BOM is text
        return False
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
    return controls > BINARY_CONTROL_SHARE * len(head)


def looks_like_html(content_type: str | None, body: bytes) -> bool:
    """HTML by its declared type (unless the bytes look binary: an image, an archive, random
    data), or by sniffing when no type was declared."""
    mtype = media_type(content_type)
    if mtype in HTML_TYPES:
        return not looks_binary(body)
    if mtype:
        return False
    head = body[:1024].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html")) or b"<html" in head


def _retry_after(headers: dict[str, str]) -> float | None:
    """Seconds the server asked us to wait (uncapped), None when it did not say in seconds."""
    value = headers.get("retry-after", "").strip()
    try:
        seconds = float(value)
    except ValueError:
        return None  # HTTP-date form: fall back to our own backoff
    return max(0.0, seconds) if seconds == seconds else None  # NaN is not a number of seconds


def _strip_fragment(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))


def _root_causes(exc: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        chain.append(cur)
        cur = cur.__cause__ or cur.__context__
    return chain


def host_port(url: str) -> str:
    """`host:port` with the scheme's default port: the unit of per-host error budgets."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{parts.hostname}:{port}"


def classify_transport_error(exc: Exception, url: str, settings: Settings) -> tuple[ErrorKind, str]:
    """Turn an httpx/OS exception into a reason code and a short message for people."""
    host = urlsplit(url).hostname or url
    if isinstance(exc, httpx.ConnectTimeout):
        return ErrorKind.TIMEOUT_CONNECT, f"connect timeout after {settings.connect_timeout:g}s"
    if isinstance(exc, httpx.TimeoutException):
        return ErrorKind.TIMEOUT_IDLE, f"no data for {settings.page_timeout:g}s (read timeout)"
    causes = _root_causes(exc)
    if any(isinstance(c, socket.gaierror) for c in causes):
        return ErrorKind.DNS, f"DNS lookup failed for {host}"
    if any(isinstance(c, ConnectionRefusedError) for c in causes):
        return ErrorKind.REFUSED, f"connection refused by {host_port(url)}"
    tls = next((c for c in causes if isinstance(c, ssl.SSLError)), None)
    if isinstance(tls, ssl.SSLCertVerificationError) and tls.verify_message:
        return ErrorKind.TLS, f"TLS error: certificate verify failed: {tls.verify_message}"
    if tls is not None:
        return ErrorKind.TLS, f"TLS error: {getattr(tls, 'reason', None) or tls}"
    if isinstance(exc, httpx.ConnectError):
        return ErrorKind.CONNECT, f"cannot connect to {host_port(url)}: {exc}"
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return ErrorKind.INVALID_URL, f"invalid URL: {exc}"
    if isinstance(exc, httpx.RemoteProtocolError):
        return ErrorKind.PROTOCOL, f"protocol error: {exc}"
    if isinstance(exc, httpx.TransportError | OSError):
        return ErrorKind.PROTOCOL, f"connection reset or broken: {exc or type(exc).__name__}"
    return ErrorKind.PROTOCOL, f"{type(exc).__name__}: {exc}"


@dataclass(slots=True)
class _Progress:
    """What one attempt has learned so far; kept outside the deadline so a timeout loses nothing."""

    url: str
    current: str
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytearray = field(default_factory=bytearray)
    redirects: list[str] = field(default_factory=list)
    truncated: bool = False
    error: str | None = None
    kind: ErrorKind | None = None
    tls: TlsInfo | None = None

    def fail(self, kind: ErrorKind, message: str) -> None:
        self.kind, self.error = kind, message


_HELD_LOCATION = "ecq_scan.location"


def verify_context(settings: Settings) -> ssl.SSLContext | bool:
    """Certificate verification for every fetch: the default roots (`True`: httpx loads
    certifi's), or the PEM file named by `ca_bundle`. InputError when that file is unusable."""
    if not settings.ca_bundle:
        return True
    try:
        return ssl.create_default_context(cafile=settings.ca_bundle)
    except (OSError, ssl.SSLError) as exc:  # missing, unreadable, or no certificate in it
        raise InputError(
            f"cannot use CA bundle {settings.ca_bundle}: {exc}",
            "give a PEM file of CA certificates (setting ca_bundle, ECQ_CA_BUNDLE)",
        ) from exc


async def _hold_location(response: httpx.Response) -> None:
    """Take `Location` away from httpx before it parses it.

    Even with `follow_redirects=False`, httpx builds `response.next_request` from the Location
    header, and a hostile value (`javascript:alert(1)`, `http://[::1`) makes `send()` raise
    before we ever see the response. We follow redirects ourselves, so the header is moved into
    the response's extensions and read back by `_exchange`."""
    if "location" in response.headers:
        response.extensions[_HELD_LOCATION] = response.headers["location"]
        del response.headers["location"]


class Fetcher:
    """A pooled httpx client for one crawl. Use as `async with Fetcher(settings) as f:`.

    Connections go through the SSRF guard: `guard` if given (tests inject a policy under which
    127.0.0.2 plays the internet), else one built from `settings.allow_private`. A custom
    `transport` replaces the network layer and with it the guard; only tests pass one.
    """

    def __init__(
        self,
        settings: Settings,
        transport: httpx.AsyncBaseTransport | None = None,
        *,
        guard: SSRFGuard | None = None,
    ) -> None:
        self._settings = settings
        timeout = httpx.Timeout(settings.page_timeout, connect=settings.connect_timeout)
        limits = httpx.Limits(
            max_connections=settings.concurrency + 2, max_keepalive_connections=settings.concurrency
        )
        self.guard = guard or SSRFGuard(AddressPolicy(allow_private=settings.allow_private))
        self._own_network = transport is None  # a test transport: no extra TLS handshakes
        self._trust_store = tls_facts.trust_store_label(settings.ca_bundle)
        if transport is None:
            transport = GuardedTransport(
                self.guard, limits=limits, verify=verify_context(settings), trust_env=False
            )
        self._client = httpx.AsyncClient(
            follow_redirects=False,
            timeout=timeout,
            limits=limits,
            transport=transport,
            trust_env=False,  # a proxy in the environment must not silently see the scan
            event_hooks={"response": [_hold_location]},
            headers={
                "User-Agent": settings.user_agent,
                "Accept": ACCEPT,
                "Accept-Language": ACCEPT_LANGUAGE,
                "Accept-Encoding": accept_encoding(),
            },
        )

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    async def fetch(
        self,
        url: str,
        *,
        scope_url: str | None = None,
        max_bytes: int | None = None,
        hop_guard: HopGuard | None = None,
        tls: bool = False,
    ) -> Snapshot:
        """GET `url` with retries. Redirects leaving `scope_url`'s site, or refused by
        `hop_guard` (which returns a reason or None), end the fetch with an error. With `tls`,
        the snapshot records the final hop's TLS connection (or its failed handshake)."""
        s = self._settings
        attempt = 0
        while True:
            snap = await self._attempt(
                url, scope_url, max_bytes or s.max_bytes_per_page, hop_guard, tls
            )
            snap.attempts = attempt + 1
            if snap.error is None and snap.status == 429:
                snap.error_kind = ErrorKind.RATE_LIMITED
            retryable = snap.error_kind in _RETRY_KINDS or (
                snap.error is None and snap.status in RETRY_STATUSES
            )
            if not retryable or attempt >= s.retries:
                return snap
            delay = s.backoff * (2**attempt)
            if snap.status in (429, 503):
                asked = _retry_after(snap.headers)
                if asked is not None and asked > RETRY_AFTER_CAP:
                    snap.error_kind = ErrorKind.RATE_LIMITED
                    return snap
                if asked is not None:
                    delay = max(delay, asked)
            await asyncio.sleep(delay)
            attempt += 1

    async def complete_tls(self, snap: Snapshot) -> None:
        """Add to `snap.tls` what needs handshakes of its own: after a failed verification, an
        unverified look at the server's protocol and certificate; then the TLS 1.0/1.1 probes.
        Through the same SSRF guard, each bounded by connect_timeout (crawl/tls.py)."""
        if snap.tls is None or not self._own_network:
            return
        try:
            snap.tls = await tls_facts.complete(
                snap.tls, self.guard, self._settings.connect_timeout
            )
        except Exception as exc:  # a probe bug must not stop the scan; the facts say what broke
            snap.tls = snap.tls.model_copy(
                update={"error": f"TLS probes failed: {type(exc).__name__}: {exc}"}
            )

    def _tls_of(self, response: httpx.Response, url: str) -> TlsInfo | None:
        """The TLS facts of the connection `response` arrived on (None over plain HTTP)."""
        parts = urlsplit(url)
        if parts.scheme != "https" or not parts.hostname:
            return None
        stream = response.extensions.get("network_stream")
        conn = stream.get_extra_info("ssl_object") if stream is not None else None
        if not isinstance(conn, ssl.SSLObject | ssl.SSLSocket):
            return None
        return tls_facts.connection_info(
            conn,
            host=parts.hostname,
            port=parts.port or 443,
            verified=True,  # the pool's context verifies; an unverified connection never opens
            trust_store=self._trust_store,
        )

    def _failed_tls(self, exc: BaseException, url: str) -> TlsInfo | None:
        parts = urlsplit(url)
        error = next((c for c in _root_causes(exc) if isinstance(c, ssl.SSLError)), None)
        if error is None or parts.scheme != "https" or not parts.hostname:
            return None
        return tls_facts.failed_info(
            error, host=parts.hostname, port=parts.port or 443, trust_store=self._trust_store
        )

    async def _attempt(
        self,
        url: str,
        scope_url: str | None,
        max_bytes: int,
        hop_guard: HopGuard | None,
        want_tls: bool = False,
    ) -> Snapshot:
        s = self._settings
        p = _Progress(url=url, current=url)
        fetched_at = datetime.now(UTC)
        started = time.monotonic()
        try:
            async with asyncio.timeout(s.page_timeout):
                await self._exchange(p, scope_url, max_bytes, hop_guard, want_tls)
        except TimeoutError:
            p.fail(ErrorKind.TIMEOUT_TOTAL, f"timeout after {s.page_timeout:g}s")
            p.truncated = p.status is not None
        except DecodeError as exc:
            p.fail(ErrorKind.DECODE, f"cannot decode body: {exc}")
            p.truncated = True
        except TargetRefused as exc:
            via = f"redirected to {p.current}, " if p.redirects else ""
            p.fail(ErrorKind.BLOCKED_SSRF, f"{via}{exc}")
        except (httpx.InvalidURL, ValueError) as exc:  # a Location no URL parser accepts
            p.fail(ErrorKind.INVALID_URL, f"invalid URL {p.current[:200]!r}: {exc}")
        except (httpx.HTTPError, OSError) as exc:
            kind, message = classify_transport_error(exc, p.current, s)
            p.fail(kind, message)
            p.truncated = p.status is not None  # the connection broke mid-body
            if want_tls and kind is ErrorKind.TLS and p.tls is None:  # not after a handshake
                p.tls = self._failed_tls(exc, p.current)
        if len(self._client.cookies.jar) > MAX_COOKIES:
            self._client.cookies.clear()
        return self._snapshot(p, fetched_at, started)

    async def _exchange(
        self,
        p: _Progress,
        scope_url: str | None,
        max_bytes: int,
        hop_guard: HopGuard | None,
        want_tls: bool = False,
    ) -> None:
        hops = 0
        while True:
            p.status, p.headers, p.tls = None, {}, None
            response = await self._client.send(
                self._client.build_request("GET", strip_userinfo(p.current)), stream=True
            )
            try:
                if want_tls:  # read while the connection is open: only the final hop's stays
                    p.tls = self._tls_of(response, p.current)
                p.status = response.status_code
                p.headers = {k.lower(): v for k, v in response.headers.items()}
                held = response.extensions.get(_HELD_LOCATION)
                location = held.strip() if isinstance(held, str) else ""
                if location:  # recorded without credentials; followed without them too
                    p.headers["location"] = redact_userinfo(location)
                if response.status_code not in REDIRECT_STATUSES or not location:
                    await self._read_body(p, response, max_bytes)
                    return
            finally:
                await response.aclose()
            target = strip_userinfo(_strip_fragment(urljoin(p.current, location)))
            p.redirects.append(p.current)
            if target in p.redirects:  # a loop: following it would only repeat requests
                p.fail(
                    ErrorKind.REDIRECT_LIMIT, f"redirect loop: {p.current} leads back to {target}"
                )
                return
            problem = await self._hop_problem(target, hops, scope_url, hop_guard)
            if problem is not None:
                p.fail(*problem)
                return
            hops += 1
            p.current = target

    async def _hop_problem(
        self, target: str, hops: int, scope_url: str | None, hop_guard: HopGuard | None
    ) -> tuple[ErrorKind, str] | None:
        if hops >= self._settings.max_redirects:
            return (
                ErrorKind.REDIRECT_LIMIT,
                f"too many redirects (more than {self._settings.max_redirects})",
            )
        if urlsplit(target).scheme.lower() not in WEB_SCHEMES:
            return ErrorKind.BLOCKED_SCHEME, f"redirected to a non-web URL {target[:200]}"
        if scope_url is not None and not in_scope(target, scope_url):
            return ErrorKind.OUT_OF_SCOPE, f"redirected out of scope to {target}"
        if hop_guard is not None:
            reason = await hop_guard(target)
            if reason is not None:
                return ErrorKind.BLOCKED, f"redirected to {target}, which {reason}"
        return None

    async def _read_body(self, p: _Progress, response: httpx.Response, max_bytes: int) -> None:
        """Read at most `max_bytes` from the wire and keep at most `max_bytes` decoded bytes;
        beyond either, stop reading and mark the body cut (too_large / decompression_limit)."""
        decoder = BoundedDecoder(p.headers.get("content-encoding"), max_bytes)
        wire = 0
        async for raw in response.aiter_raw():
            wire += len(raw)
            p.body += decoder.feed(raw)
            if decoder.exceeded or wire > max_bytes:
                p.truncated = True
                encoded = decoder.exceeded and decoder.encoded
                p.kind = ErrorKind.DECOMPRESSION_LIMIT if encoded else ErrorKind.TOO_LARGE
                return

    def _snapshot(self, p: _Progress, fetched_at: datetime, started: float) -> Snapshot:
        body = bytes(p.body)
        content_type = effective_content_type(p.headers.get("content-type"))
        text = encoding = None
        if p.status is not None and looks_like_html(content_type, body):
            text, encoding = decode_html(body, content_type)
            if "\x00" in text:  # as the HTML tokenizer does; parsers differ on NUL
                text = text.replace("\x00", "\ufffd")
        return Snapshot(
            url=p.url,
            final_url=p.current,
            status=p.status,
            headers=p.headers,
            body=body,
            content_type=content_type,
            encoding=encoding,
            text=text,
            fetched_at=fetched_at,
            elapsed_ms=round((time.monotonic() - started) * 1000, 1),
            redirects=p.redirects,
            error=p.error,
            truncated=p.truncated,
            sha256=hashlib.sha256(body).hexdigest() if p.status is not None else None,
            error_kind=p.kind,
            tls=p.tls,
        )
