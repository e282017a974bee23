"""The SSRF guard: ecq-scan fetches URLs chosen by the sites it scans, so it must never be
turned against the machine it runs on or the network around it.

A hostile page can link, redirect or point its sitemap at `http://127.0.0.1:6379/`,
`http://169.254.169.254/latest/meta-data/` or a DNS name that resolves to 10.0.0.5. Checking the
URL's text is not enough (hostile-sites note §1.3, §1.8): `2130706433`, `0x7f.1`, `127.1`,
`[::ffff:127.0.0.1]` and a name that resolves inward all reach loopback, and a name checked once
and resolved again at connect time can be re-pointed in between (DNS rebinding). So the guard
sits where the connection is made:

* `GuardedBackend` is an httpcore network backend. For every new connection it resolves the
  host once (numeric forms are parsed here, names go to getaddrinfo), classifies **every**
  address, refuses the whole host if any address is not allowed (fail closed), and dials the
  address it checked — never the name, so there is no second lookup to rebind. TLS still uses
  the host name for SNI and certificate checks, because httpcore passes `server_hostname`
  separately to `start_tls`.
* `GuardedTransport` is `httpx.AsyncHTTPTransport` with that backend. Every request the fetcher
  sends (pages, robots.txt, sitemaps, each redirect hop it follows itself) opens connections
  through it, so each hop is re-checked.
* `classify` knows what Python's `ipaddress` gets wrong (measured in the note): IPv4-mapped
  addresses are judged as the IPv4 address they carry, NAT64 (`64:ff9b::/96`) likewise, and
  6to4, Teredo and IPv4-compatible forms are refused outright (they tunnel to an IPv4 address
  the IPv6 checks never see). Anything left must be `is_global` and outside the deny table.

`AddressPolicy(allow_private=True)` (setting `allow_private`, `--allow-private`) lets an
intranet site, the demo shop or a test fixture on 127.0.0.1 be scanned on purpose; cloud
metadata, multicast, broadcast and unspecified addresses stay refused even then, because no
web shop lives there. `extra_public` exists for tests only (127.0.0.2 plays "the internet"
while 127.0.0.1 stays internal); nothing in config, environment or CLI reaches it.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
import ssl
import time
import typing
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum

import httpcore
import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
#: `async resolve(host, port) -> addresses`; the system one wraps getaddrinfo.
Resolver = Callable[[str, int], Awaitable[list[IPAddress]]]

ALLOW_PRIVATE_HINT = "use --allow-private to scan an intranet site on purpose"


class AddressKind(StrEnum):
    """Why an address is (not) a place a public web shop can be."""

    PUBLIC = "public"
    LOOPBACK = "loopback"
    PRIVATE = "private"
    LINK_LOCAL = "link-local"
    SHARED = "carrier-grade NAT"
    METADATA = "cloud metadata"
    MULTICAST = "multicast"
    BROADCAST = "broadcast"
    UNSPECIFIED = "unspecified"
    BENCHMARKING = "benchmarking"
    DOCUMENTATION = "documentation"
    RESERVED = "reserved"
    TUNNEL = "tunnel"


#: Kinds that `allow_private` lets through: addresses an intranet shop can really have.
PRIVATE_KINDS = frozenset(
    {
        AddressKind.LOOPBACK,
        AddressKind.PRIVATE,
        AddressKind.LINK_LOCAL,
        AddressKind.SHARED,
        AddressKind.BENCHMARKING,
        AddressKind.DOCUMENTATION,
        AddressKind.RESERVED,
    }
)

_K = AddressKind
#: The deny table (R5 of the hostile-sites note), most specific first: the first match names
#: the kind. Metadata addresses come before the ranges that contain them.
DENY_TABLE: tuple[tuple[IPNetwork, AddressKind], ...] = tuple(
    (ipaddress.ip_network(net), kind)
    for net, kind in (
        ("169.254.169.254/32", _K.METADATA),  # AWS, GCP, Azure, OpenStack …
        ("169.254.170.2/32", _K.METADATA),  # AWS ECS task metadata
        ("100.100.100.200/32", _K.METADATA),  # Alibaba Cloud
        ("fd00:ec2::254/128", _K.METADATA),  # AWS over IPv6
        ("0.0.0.0/32", _K.UNSPECIFIED),
        ("0.0.0.0/8", _K.RESERVED),  # "this network"; 0.x connects to the local host on Linux
        ("10.0.0.0/8", _K.PRIVATE),
        ("100.64.0.0/10", _K.SHARED),
        ("127.0.0.0/8", _K.LOOPBACK),
        ("169.254.0.0/16", _K.LINK_LOCAL),
        ("172.16.0.0/12", _K.PRIVATE),
        ("192.0.0.0/24", _K.RESERVED),  # IETF protocol assignments
        ("192.0.2.0/24", _K.DOCUMENTATION),
        ("192.88.99.0/24", _K.RESERVED),  # former 6to4 relay anycast
        ("192.168.0.0/16", _K.PRIVATE),
        ("198.18.0.0/15", _K.BENCHMARKING),
        ("198.51.100.0/24", _K.DOCUMENTATION),
        ("203.0.113.0/24", _K.DOCUMENTATION),
        ("224.0.0.0/4", _K.MULTICAST),
        ("255.255.255.255/32", _K.BROADCAST),
        ("240.0.0.0/4", _K.RESERVED),
        ("::/128", _K.UNSPECIFIED),
        ("::1/128", _K.LOOPBACK),
        ("64:ff9b:1::/48", _K.TUNNEL),  # local-use NAT64 (RFC 8215): embedding not fixed
        ("100::/64", _K.RESERVED),  # discard-only
        ("2001::/32", _K.TUNNEL),  # Teredo
        ("2001:2::/48", _K.BENCHMARKING),
        ("2001:db8::/32", _K.DOCUMENTATION),
        ("2002::/16", _K.TUNNEL),  # 6to4
        ("3fff::/20", _K.DOCUMENTATION),
        ("5f00::/16", _K.RESERVED),  # SRv6 SIDs
        ("fc00::/7", _K.PRIVATE),  # unique local
        ("fe80::/10", _K.LINK_LOCAL),
        ("fec0::/10", _K.PRIVATE),  # deprecated site-local; ipaddress calls it global
        ("ff00::/8", _K.MULTICAST),
    )
)
_MAPPED = ipaddress.IPv6Network("::ffff:0:0/96")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_COMPAT = ipaddress.IPv6Network("::/96")
_GLOBAL_UNICAST_V6 = ipaddress.IPv6Network("2000::/3")

_ARTICLE = {_K.UNSPECIFIED: "an", _K.RESERVED: "a"}


@dataclass(frozen=True, slots=True)
class Classification:
    """What an address is. `embedded` is the IPv4 address a mapped/NAT64/tunnel form carries,
    `form` names that form ("IPv4-mapped"), and `kind` is the verdict for the whole thing."""

    address: IPAddress
    kind: AddressKind
    embedded: ipaddress.IPv4Address | None = None
    form: str | None = None

    @property
    def public(self) -> bool:
        return self.kind is AddressKind.PUBLIC

    def describe(self) -> str:
        """'10.0.0.5 is a private address', or for embedded forms
        '::ffff:7f00:1 is the IPv4-mapped form of 127.0.0.1, a loopback address'."""
        what = f"{_ARTICLE.get(self.kind, 'a')} {self.kind.value} address"
        if self.kind is AddressKind.TUNNEL:
            form = f" ({self.form})" if self.form else ""
            carried = f" carrying {self.embedded}" if self.embedded is not None else ""
            return f"{self.address} is a tunnel address{form}{carried}"
        if self.embedded is not None:
            return f"{self.address} is the {self.form} form of {self.embedded}, {what}"
        return f"{self.address} is {what}"


def _table_kind(addr: IPAddress) -> AddressKind | None:
    for net, kind in DENY_TABLE:
        if addr.version == net.version and addr in net:
            return kind
    return None


def _plain_kind(addr: IPAddress) -> AddressKind:
    kind = _table_kind(addr)
    if kind is not None:
        return kind
    if isinstance(addr, ipaddress.IPv6Address) and addr not in _GLOBAL_UNICAST_V6:
        return AddressKind.RESERVED
    # `is_global` catches what the table leaves out (IANA special-purpose registries)
    return AddressKind.PUBLIC if addr.is_global else AddressKind.RESERVED


def classify(address: IPAddress | str) -> Classification:
    """Classify one address. IPv4-mapped and NAT64 forms are judged as the IPv4 address they
    carry; 6to4, Teredo and IPv4-compatible forms are refused outright."""
    addr = ipaddress.ip_address(address) if isinstance(address, str) else address
    if isinstance(addr, ipaddress.IPv6Address):
        addr = ipaddress.IPv6Address(addr.packed)  # drop a zone id: it changes nothing here
        v4 = ipaddress.IPv4Address(addr.packed[-4:])
        if addr in _MAPPED:
            return Classification(addr, _plain_kind(v4), v4, "IPv4-mapped")
        if addr in _NAT64:
            return Classification(addr, _plain_kind(v4), v4, "NAT64")
        if addr.sixtofour is not None:
            return Classification(addr, AddressKind.TUNNEL, addr.sixtofour, "6to4")
        if addr.teredo is not None:
            return Classification(addr, AddressKind.TUNNEL, addr.teredo[1], "Teredo")
        if addr in _COMPAT and int(addr) > 1:
            return Classification(addr, AddressKind.TUNNEL, v4, "IPv4-compatible")
    return Classification(addr, _plain_kind(addr))


# ---------------------------------------------------------------------------- host names

_NUM_PART = re.compile(r"0[xX][0-9a-fA-F]*|0[0-7]*|[1-9][0-9]*")


def _number(part: str) -> int:
    if part[:2].lower() == "0x":
        return int(part[2:] or "0", 16)
    if len(part) > 1 and part[0] == "0":
        return int(part, 8)
    return int(part)


def _inet_aton(host: str) -> ipaddress.IPv4Address | None:
    """The IPv4 address `host` means to the C library's inet_aton (which getaddrinfo uses):
    1 to 4 dot-separated parts in decimal, octal (`0177`) or hex (`0x7f`), the last part
    filling the remaining bytes (`127.1`, `2130706433`). None when it is not such a number."""
    parts = host.split(".")
    if not 1 <= len(parts) <= 4 or any(len(p) > 12 for p in parts):
        return None  # no part of an address is longer than "037777777777"; the resolver decides
    if not all(_NUM_PART.fullmatch(p) for p in parts):
        return None
    *head, last = (_number(p) for p in parts)
    if any(v > 255 for v in head) or last >= 256 ** (4 - len(head)):
        return None
    value = last
    for i, v in enumerate(head):
        value |= v << (8 * (3 - i))
    return ipaddress.IPv4Address(value)


def literal_address(host: str) -> IPAddress | None:
    """The address a numeric host means (`[::1]`, `fe80::1%25eth0`, `0x7f.1`, `127.0.0.1.`),
    or None for a name that needs DNS."""
    h = host.strip()
    if h.startswith("[") and h.endswith("]"):
        h = h[1:-1]
    if ":" in h:
        try:
            return ipaddress.IPv6Address(h.split("%", 1)[0])
        except ValueError:
            return None
    return _inet_aton(h[:-1] if h.endswith(".") else h)


async def system_resolve(host: str, port: int) -> list[IPAddress]:
    """All addresses getaddrinfo gives for `host` (run off the event loop by asyncio)."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    out: list[IPAddress] = []
    for _family, _type, _proto, _canon, sockaddr in infos:
        addr = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if addr not in out:
            out.append(addr)
    return out


class TargetRefused(Exception):
    """The guard refused to connect. `str()` is the one line shown to people."""

    def __init__(self, host: str, verdict: Classification | None, message: str) -> None:
        super().__init__(message)
        self.host = host
        self.verdict = verdict


@dataclass(frozen=True, slots=True)
class AddressPolicy:
    """Which addresses may be connected to. `extra_public` is a test hook only."""

    allow_private: bool = False
    extra_public: tuple[IPNetwork, ...] = ()

    @classmethod
    def for_tests(cls, *public: str, allow_private: bool = False) -> AddressPolicy:
        """A policy under which `public` networks (e.g. "127.0.0.2/32") count as the internet."""
        return cls(allow_private, tuple(ipaddress.ip_network(p) for p in public))

    def _extra(self, addr: IPAddress) -> bool:
        return any(addr.version == n.version and addr in n for n in self.extra_public)

    def refusal(self, host: str, address: IPAddress) -> TargetRefused | None:
        """None when `address` (which `host` resolved to) may be dialled, else why not."""
        verdict = classify(address)
        if verdict.public or self._extra(verdict.address):
            return None
        tunnel = verdict.kind is AddressKind.TUNNEL
        if verdict.embedded is not None and not tunnel and self._extra(verdict.embedded):
            return None
        if self.allow_private and verdict.kind in PRIVATE_KINDS:
            return None
        what = verdict.describe()
        if literal_address(host) is None:
            what = f"{host} resolves to {what.replace(' is ', ', ', 1)}"
        elif _as_written(host) != verdict.address:
            what = f"{host} means {what.replace(' is ', ', ', 1)}"
        if verdict.kind in PRIVATE_KINDS:
            advice = ALLOW_PRIVATE_HINT
        else:
            advice = "never scanned, even with --allow-private"
        return TargetRefused(host, verdict, f"refused: {what} (SSRF guard); {advice}")


def _as_written(host: str) -> IPAddress | None:
    """The address when `host` is already an address in standard notation (`10.0.0.5`)."""
    try:
        return ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return None


class SSRFGuard:
    """Resolve once and decide: the addresses a connection to `host` may use, or TargetRefused.

    One guard serves one crawl, and a host is resolved once per crawl: the first answer is
    checked and then pinned, so a name whose DNS flips to 127.0.0.1 after the first lookup (DNS
    rebinding, TTL 0) keeps reaching the address that was checked. A crawl lasts minutes, so
    pinning cannot outlive a legitimate DNS change by much."""

    def __init__(self, policy: AddressPolicy | None = None, resolver: Resolver | None = None):
        self.policy = policy or AddressPolicy()
        self._resolve = resolver or system_resolve
        self._pinned: dict[str, list[IPAddress] | TargetRefused] = {}

    async def addresses(self, host: str, port: int) -> list[IPAddress]:
        """Every address `host` resolves to, all checked; refuses the whole host when any one
        is not allowed (a rebinding name that answers public + loopback is refused)."""
        key = host.lower()
        pinned = self._pinned.get(key)
        if pinned is None:
            pinned = await self._decide(host, port)
            self._pinned[key] = pinned
        if isinstance(pinned, TargetRefused):  # a fresh exception: tracebacks must not pile up
            raise TargetRefused(pinned.host, pinned.verdict, str(pinned))
        return list(pinned)

    async def _decide(self, host: str, port: int) -> list[IPAddress] | TargetRefused:
        literal = literal_address(host)
        found = [literal] if literal is not None else await self._resolve(host, port)
        if not found:
            return TargetRefused(host, None, f"refused: {host} resolved to no address")
        for address in found:
            refused = self.policy.refusal(host, address)
            if refused is not None:
                return refused
        return found

    async def check_url(self, url: str) -> str | None:
        """Why `url` must not be fetched (scheme, credentials, address), or None. For early,
        socket-free decisions such as a start URL; fetching is guarded again at connect time."""
        try:
            parsed = httpx.URL(url)
        except httpx.InvalidURL as exc:
            return f"invalid URL: {exc}"
        if parsed.scheme not in ("http", "https"):
            return f"refused: only http and https URLs are fetched, not {parsed.scheme or '?'}:"
        try:
            port = parsed.port or (443 if parsed.scheme == "https" else 80)
            await self.addresses(parsed.host, port)
        except TargetRefused as exc:
            return str(exc)
        except OSError:
            return None  # DNS failure: the fetch will report it in its own words
        return None


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """An httpcore network backend that dials only addresses the guard has checked."""

    def __init__(self, guard: SSRFGuard, inner: httpcore.AsyncNetworkBackend | None = None):
        self.guard = guard
        self._inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        started = time.monotonic()
        try:
            async with asyncio.timeout(timeout):
                found = await self.guard.addresses(host, port)
        except TimeoutError:
            raise httpcore.ConnectTimeout(f"DNS lookup of {host} timed out") from None
        except OSError as exc:  # socket.gaierror and friends
            raise httpcore.ConnectError(f"DNS lookup failed for {host}: {exc}") from exc
        last: Exception | None = None
        for address in found:
            left = None if timeout is None else max(0.001, timeout - (time.monotonic() - started))
            try:
                return await self._inner.connect_tcp(
                    str(address),
                    port,
                    timeout=left,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        assert last is not None
        raise last

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise TargetRefused(path, None, "refused: Unix sockets are never used (SSRF guard)")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """`httpx.AsyncHTTPTransport` whose connections go through `GuardedBackend`.

    httpx has no public switch for the network backend, so the connection pool it builds is
    replaced by an identical one with ours (httpx is pinned < 0.29; `tests/hostile` proves the
    wiring with a canary server that must never be reached).
    """

    def __init__(
        self,
        guard: SSRFGuard,
        *,
        limits: httpx.Limits,
        verify: ssl.SSLContext | bool = True,
        trust_env: bool = False,
    ) -> None:
        super().__init__(verify=verify, trust_env=trust_env, limits=limits)
        self.guard = guard
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(verify=verify, trust_env=trust_env),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            http1=True,
            http2=False,
            network_backend=GuardedBackend(guard),
        )


_USERINFO = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*://)[^/?#]*@")


def redact_userinfo(url: str) -> str:
    """`url` with `user:password@` replaced by `REDACTED@`, for what is recorded (a Location
    header in result.json): the report shows that credentials were there, never what they were."""
    return _USERINFO.sub(r"\1REDACTED@", url)


def strip_userinfo(url: str) -> str:
    """`url` without `user:password@`: credentials from a page or a redirect are never sent."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        return url
    if not parsed.userinfo:
        return url
    return str(parsed.copy_with(username=None, password=None))
