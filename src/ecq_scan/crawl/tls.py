"""TLS facts of the home page (standard 7.8.1; clause-signals SIG-TLS): what the connection was,
what certificate the server presented, and whether it still speaks TLS 1.0 or 1.1.

Three sources, all for the start page only (one site, one set of facts):

* **the page fetch itself.** The fetcher verifies certificates (Mozilla's roots from certifi, or
  the `ca_bundle` setting). When the home page arrives over `https://`, `connection_info` reads
  the live connection: negotiated version, cipher, and the leaf certificate — `verified=True`.
* **an unverified look, only after verification failed.** The scanner never reads pages over a
  connection it could not verify, so an expired or mismatched certificate makes the home page an
  error (the scan is unscannable). `inspect` then makes one handshake with verification off,
  sends no request, and records what the server offered: the best protocol version it accepts
  and the certificate, so the verdict can show the dates and names instead of only OpenSSL's
  one-line reason.
* **legacy probes.** One handshake per deprecated version (RFC 8996), offering only that version
  with `@SECLEVEL=0` ciphers (otherwise OpenSSL 3 would not offer TLS 1.0/1.1 at all) and
  `OP_LEGACY_SERVER_CONNECT` (an old server without secure renegotiation would otherwise be
  rejected by *our* side and look like a refusal). The result is `accepted` only when the
  handshake completed at that version, `refused` only when the server answered with an alert or
  a different version or hung up after our ClientHello, `not_probed` when this machine's OpenSSL
  cannot offer the version (nothing was sent), and `inconclusive` otherwise (no connection, no
  answer in time, a local error after the server answered). No claim without evidence.

Every handshake here dials an address the SSRF guard has already checked and pinned for the
host, as page fetches do, with SNI set to the host name, and is bounded by `connect_timeout`. No
HTTP request is sent on these connections; they are aborted as soon as the handshake is over.

The certificate is parsed from its DER bytes by a small reader (`parse_certificate`): Python's
`getpeercert()` returns nothing useful for an unverified connection, and `cryptography` is not a
dependency. It reads only what the check and the report show (names, dates, subjectAltName, key
type and size) and never raises: what it cannot read becomes `CertificateInfo.error`.
"""

from __future__ import annotations

import asyncio
import hashlib
import ipaddress
import ssl
import time
import warnings
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from ecq_scan.crawl.ssrf import IPAddress, SSRFGuard, TargetRefused
from ecq_scan.models import CertificateInfo, LegacyProbe, ProbeResult, TlsInfo
from ecq_scan.models.tls import LegacyVersion

#: subjectAltName entries kept; CDN certificates list hundreds, the count is kept separately
MAX_SAN = 50
#: cipher string that lets OpenSSL 3 offer TLS 1.0/1.1 at all (their suites need SECLEVEL 0)
LEGACY_CIPHERS = "DEFAULT:@SECLEVEL=0"
#: SSL_OP_LEGACY_SERVER_CONNECT (named in the ssl module from Python 3.12)
_OP_LEGACY_SERVER_CONNECT = getattr(ssl, "OP_LEGACY_SERVER_CONNECT", 0x4)
LEGACY_VERSIONS: tuple[tuple[LegacyVersion, str, ssl.TLSVersion], ...] = (
    ("TLSv1", "HAS_TLSv1", ssl.TLSVersion.TLSv1),
    ("TLSv1.1", "HAS_TLSv1_1", ssl.TLSVersion.TLSv1_1),
)
#: OpenSSL reasons raised on our side before anything is sent: the version cannot be offered
_CANNOT_OFFER = frozenset({"NO_PROTOCOLS_AVAILABLE", "NO_CIPHERS_AVAILABLE", "NO_CIPHER_MATCH"})
#: OpenSSL reasons that mean the server did not agree to the offered version
_VERSION_REFUSED = frozenset({"WRONG_VERSION_NUMBER", "UNSUPPORTED_PROTOCOL", "VERSION_TOO_LOW"})

SslConnection = ssl.SSLObject | ssl.SSLSocket


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


# ---------------------------------------------------------------------------- DER reading


class DerError(ValueError):
    """The certificate bytes are not the DER this reader expects."""


_Node = tuple[int, int, int]  # tag, start of content, end of content


def _tlv(data: bytes, pos: int, limit: int) -> _Node:
    if pos + 2 > limit:
        raise DerError("truncated element")
    tag, length = data[pos], data[pos + 1]
    if tag & 0x1F == 0x1F:
        raise DerError("multi-byte tags are not used in certificates")
    pos += 2
    if length & 0x80:
        n = length & 0x7F
        if not 1 <= n <= 4 or pos + n > limit:
            raise DerError("bad length")
        length = int.from_bytes(data[pos : pos + n], "big")
        pos += n
    if pos + length > limit:
        raise DerError("element runs past its container")
    return tag, pos, pos + length


def _children(data: bytes, node: _Node) -> list[_Node]:
    _tag, pos, end = node
    out: list[_Node] = []
    while pos < end:
        child = _tlv(data, pos, end)
        out.append(child)
        pos = child[2]
    return out


def _oid(raw: bytes) -> str:
    if not raw:
        raise DerError("empty OID")
    arcs: list[int] = []
    value = 0
    for byte in raw:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            arcs.append(value)
            value = 0
    first = arcs[0]
    head = [0, first] if first < 40 else [1, first - 40] if first < 80 else [2, first - 80]
    return ".".join(str(a) for a in head + arcs[1:])


_STRING_CODECS = {
    0x0C: "utf-8",  # UTF8String
    0x12: "ascii",  # NumericString
    0x13: "ascii",  # PrintableString
    0x14: "latin-1",  # T61String (as browsers read it)
    0x16: "ascii",  # IA5String
    0x1C: "utf-32-be",  # UniversalString
    0x1E: "utf-16-be",  # BMPString
}


def _string(data: bytes, node: _Node) -> str:
    tag, start, end = node
    codec = _STRING_CODECS.get(tag, "utf-8")
    return data[start:end].decode(codec, errors="replace")


def _time(data: bytes, node: _Node) -> datetime:
    tag, start, end = node
    text = data[start:end].decode("ascii", errors="replace")
    if tag == 0x17:  # UTCTime YYMMDDHHMM[SS]Z; RFC 5280: years 50-99 are 19xx
        fmt = "%y%m%d%H%M%SZ" if len(text) == 13 else "%y%m%d%H%MZ"
        parsed = datetime.strptime(text, fmt)
        if parsed.year >= 2050:
            parsed = parsed.replace(year=parsed.year - 100)
    elif tag == 0x18:  # GeneralizedTime YYYYMMDDHHMMSSZ
        parsed = datetime.strptime(text[:14] + "Z", "%Y%m%d%H%M%SZ")
    else:
        raise DerError(f"not a time (tag {tag:#x})")
    return parsed.replace(tzinfo=UTC)


_CN, _O = "2.5.4.3", "2.5.4.10"


def _name(data: bytes, node: _Node) -> dict[str, str]:
    """The first value of each attribute type of a Name (CN, O …), by OID."""
    out: dict[str, str] = {}
    for rdn in _children(data, node):
        for atv in _children(data, rdn):
            parts = _children(data, atv)
            if len(parts) >= 2 and parts[0][0] == 0x06:
                oid = _oid(data[parts[0][1] : parts[0][2]])
                out.setdefault(oid, _string(data, parts[1]))
    return out


_SAN_OID = "2.5.29.17"


def _san(data: bytes, extensions: _Node) -> list[str]:
    for ext in _children(data, _children(data, extensions)[0]):
        parts = _children(data, ext)
        if not parts or parts[0][0] != 0x06 or _oid(data[parts[0][1] : parts[0][2]]) != _SAN_OID:
            continue
        value = parts[-1]
        if value[0] != 0x04:
            raise DerError("subjectAltName is not an OCTET STRING")
        inner = data[value[1] : value[2]]
        names = _tlv(inner, 0, len(inner))
        out: list[str] = []
        for tag, start, end in _children(inner, names):
            if tag == 0x82:  # dNSName
                out.append(inner[start:end].decode("ascii", errors="replace"))
            elif tag == 0x87 and end - start in (4, 16):  # iPAddress
                out.append(str(ipaddress.ip_address(inner[start:end])))
        return out
    return []


_CURVES = {
    "1.2.840.10045.3.1.7": ("EC", 256),  # P-256
    "1.3.132.0.34": ("EC", 384),  # P-384
    "1.3.132.0.35": ("EC", 521),  # P-521
    "1.2.156.10197.1.301": ("SM2", 256),  # 国密 SM2
}
_KEY_ALGORITHMS = {
    "1.2.840.113549.1.1.1": "RSA",
    "1.2.840.113549.1.1.10": "RSA",  # RSASSA-PSS key
    "1.2.840.10045.2.1": "EC",
    "1.3.101.112": "Ed25519",
    "1.3.101.113": "Ed448",
    "1.2.840.10040.4.1": "DSA",
}


def _public_key(data: bytes, node: _Node) -> tuple[str | None, int | None]:
    algorithm, bits = _children(data, node)[:2]
    alg_parts = _children(data, algorithm)
    oid = _oid(data[alg_parts[0][1] : alg_parts[0][2]])
    kind = _KEY_ALGORITHMS.get(oid)
    key = data[bits[1] + 1 : bits[2]]  # a BIT STRING starts with its unused-bits count
    if kind == "RSA":
        seq = _tlv(key, 0, len(key))
        modulus = _children(key, seq)[0]
        return kind, int.from_bytes(key[modulus[1] : modulus[2]], "big").bit_length()
    if kind == "EC":
        if len(alg_parts) > 1 and alg_parts[1][0] == 0x06:
            curve = _oid(data[alg_parts[1][1] : alg_parts[1][2]])
            if curve in _CURVES:
                return _CURVES[curve]
        if key[:1] == b"\x04":  # uncompressed point: 04 ‖ X ‖ Y
            return kind, (len(key) - 1) // 2 * 8
        return kind, None
    if kind in ("Ed25519", "Ed448"):
        return kind, 256 if kind == "Ed25519" else 456
    return kind or oid, None


def parse_certificate(der: bytes) -> CertificateInfo:
    """Names, validity, subjectAltName and key of an X.509 certificate; never raises (what it
    cannot read is named in `error`, with every field read before it kept)."""
    fields: dict[str, Any] = {"sha256": hashlib.sha256(der).hexdigest()}
    try:
        cert = _tlv(der, 0, len(der))
        tbs = _children(der, cert)[0]
        parts = _children(der, tbs)
        if parts and parts[0][0] == 0xA0:  # [0] version
            parts = parts[1:]
        if len(parts) < 6:
            raise DerError("TBSCertificate is missing fields")
        serial, _sig, issuer, validity, subject, spki = parts[:6]
        fields["serial"] = der[serial[1] : serial[2]].lstrip(b"\x00").hex().upper() or "00"
        issuer_name, subject_name = _name(der, issuer), _name(der, subject)
        fields.update(
            issuer_cn=issuer_name.get(_CN),
            issuer_o=issuer_name.get(_O),
            subject_cn=subject_name.get(_CN),
            subject_o=subject_name.get(_O),
            self_issued=der[issuer[1] : issuer[2]] == der[subject[1] : subject[2]],
        )
        start, end = _children(der, validity)[:2]
        fields["not_before"], fields["not_after"] = _time(der, start), _time(der, end)
        fields["key_type"], fields["key_bits"] = _public_key(der, spki)
        extensions = next((p for p in parts[6:] if p[0] == 0xA3), None)
        if extensions is not None:
            names = _san(der, extensions)
            fields["san"], fields["san_count"] = names[:MAX_SAN], len(names)
    except (DerError, ValueError, IndexError) as exc:
        fields["error"] = f"certificate not fully read: {exc}"
    return CertificateInfo.model_validate(fields)


# ---------------------------------------------------------------------------- connections


def connection_info(
    conn: SslConnection,
    *,
    host: str,
    port: int,
    verified: bool | None,
    trust_store: str,
    observed_at: datetime | None = None,
) -> TlsInfo:
    """What an open TLS connection negotiated and the certificate it carries."""
    der = conn.getpeercert(binary_form=True)
    cipher = conn.cipher()
    return TlsInfo(
        host=host,
        port=port,
        observed_at=observed_at or now(),
        version=conn.version(),
        cipher=cipher[0] if cipher else None,
        verified=verified,
        trust_store=trust_store,
        certificate=parse_certificate(der) if der else None,
    )


def failed_info(error: ssl.SSLError, *, host: str, port: int, trust_store: str) -> TlsInfo:
    """The facts of a verifying handshake that failed: OpenSSL's code and reason. A failed
    certificate check is `verified=False`; any other TLS failure (no common version, a broken
    handshake) happened before verification and leaves `verified` unknown."""
    if isinstance(error, ssl.SSLCertVerificationError):
        return TlsInfo(
            host=host,
            port=port,
            observed_at=now(),
            verified=False,
            verify_code=error.verify_code,
            handshake_error=str(error.verify_message or error.reason or error),
            trust_store=trust_store,
        )
    return TlsInfo(
        host=host,
        port=port,
        observed_at=now(),
        verified=None,
        handshake_error=str(error.reason or error),
        trust_store=trust_store,
    )


def _unverified_context(minimum: ssl.TLSVersion, maximum: ssl.TLSVersion | None) -> ssl.SSLContext:
    """A client context that verifies nothing and offers `minimum`…`maximum` with every cipher
    OpenSSL still has. Raises ValueError/ssl.SSLError when this OpenSSL cannot do that."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.options |= _OP_LEGACY_SERVER_CONNECT
    with warnings.catch_warnings():  # the ssl module deprecates naming TLS 1.0/1.1 at all
        warnings.simplefilter("ignore", DeprecationWarning)
        ctx.minimum_version = minimum
        if maximum is not None:
            ctx.maximum_version = maximum
    ctx.set_ciphers(LEGACY_CIPHERS)
    return ctx


async def _handshake(
    ctx: ssl.SSLContext, host: str, port: int, addresses: Sequence[IPAddress], timeout: float
) -> tuple[str | None, str | None, bytes | None]:
    """Connect to the first reachable checked address, complete a TLS handshake with SNI `host`
    and abort the connection. Returns (version, cipher, DER certificate). A TLS error or a hang-up
    after connecting is the server's answer and is raised at once; an address that cannot be
    reached gives way to the next."""
    deadline = time.monotonic() + timeout
    last: BaseException = OSError(f"no address to dial for {host}")
    for address in addresses:
        left = max(0.001, deadline - time.monotonic())
        try:
            async with asyncio.timeout(left):
                _reader, writer = await asyncio.open_connection(
                    str(address),
                    port,
                    ssl=ctx,
                    server_hostname=host,
                    ssl_handshake_timeout=left,
                )
        except (ssl.SSLError, ConnectionResetError, BrokenPipeError):
            raise
        except (OSError, TimeoutError) as exc:  # refused, unreachable, no answer in time
            last = exc
            continue
        try:
            conn = writer.get_extra_info("ssl_object")
            cipher = conn.cipher() if conn is not None else None
            return (
                conn.version() if conn is not None else None,
                cipher[0] if cipher else None,
                conn.getpeercert(binary_form=True) if conn is not None else None,
            )
        finally:
            writer.transport.abort()
    raise last


async def inspect(info: TlsInfo, guard: SSRFGuard, timeout: float) -> TlsInfo:
    """After the verifying handshake failed: the best version the server accepts and the
    certificate it presents, from one handshake that verifies nothing and sends no request."""
    try:
        ctx = _unverified_context(ssl.TLSVersion.MINIMUM_SUPPORTED, None)
    except (ValueError, ssl.SSLError):
        ctx = _unverified_context(ssl.TLSVersion.TLSv1_2, None)
    try:
        addresses = await guard.addresses(info.host, info.port)
        version, cipher, der = await _handshake(ctx, info.host, info.port, addresses, timeout)
    except TargetRefused as exc:
        return info.model_copy(update={"error": f"unverified handshake not made: {exc}"})
    except (OSError, TimeoutError) as exc:
        detail = getattr(exc, "reason", None) or str(exc) or type(exc).__name__
        return info.model_copy(update={"error": f"unverified handshake failed too: {detail}"})
    return info.model_copy(
        update={
            "version": version,
            "cipher": cipher,
            "certificate": parse_certificate(der) if der else None,
        }
    )


def _refusal(exc: BaseException) -> ProbeResult:
    if isinstance(exc, ssl.SSLEOFError | ConnectionResetError | BrokenPipeError):
        return "refused"  # the server read our ClientHello and hung up
    if isinstance(exc, ssl.SSLError):
        reason = str(exc.reason or "")
        if reason in _CANNOT_OFFER:
            return "not_probed"
        if reason.startswith(("TLSV1_ALERT", "SSLV3_ALERT")) or reason in _VERSION_REFUSED:
            return "refused"
    return "inconclusive"


def _label(version: LegacyVersion) -> str:
    return "TLS 1.0" if version == "TLSv1" else "TLS 1.1"


async def probe_legacy(
    version: LegacyVersion,
    tls_version: ssl.TLSVersion,
    has_flag: str,
    host: str,
    port: int,
    addresses: Sequence[IPAddress],
    timeout: float,
) -> LegacyProbe:
    """Offer only `version`; say whether the server completed the handshake at it."""
    label = _label(version)
    if not getattr(ssl, has_flag, False):
        detail = f"this machine's OpenSSL was built without {label}; nothing was sent"
        return LegacyProbe(version=version, result="not_probed", detail=detail)
    try:
        ctx = _unverified_context(tls_version, tls_version)
    except (ValueError, ssl.SSLError) as exc:
        detail = f"this machine's OpenSSL cannot offer {label} ({exc}); nothing was sent"
        return LegacyProbe(version=version, result="not_probed", detail=detail)
    started = time.monotonic()
    try:
        got, cipher, _der = await _handshake(ctx, host, port, addresses, timeout)
    except (OSError, TimeoutError) as exc:
        elapsed = round((time.monotonic() - started) * 1000, 1)
        result = _refusal(exc)
        why = getattr(exc, "reason", None) or str(exc) or type(exc).__name__
        if isinstance(exc, TimeoutError):
            why = f"no answer within {timeout:g}s"
        if result == "not_probed":
            detail = f"this machine's OpenSSL cannot offer {label} ({why}); nothing was sent"
        elif result == "refused":
            detail = f"{label} refused by the server ({why})"
        else:
            detail = f"{label} probe inconclusive ({why})"
        return LegacyProbe(version=version, result=result, detail=detail, elapsed_ms=elapsed)
    elapsed = round((time.monotonic() - started) * 1000, 1)
    if got == version:
        detail = f"{label} handshake completed ({cipher or 'cipher unknown'})"
        return LegacyProbe(version=version, result="accepted", detail=detail, elapsed_ms=elapsed)
    detail = f"{label} probe negotiated {got or 'nothing'} instead"
    return LegacyProbe(version=version, result="inconclusive", detail=detail, elapsed_ms=elapsed)


async def complete(info: TlsInfo, guard: SSRFGuard, timeout: float) -> TlsInfo:
    """Fill in what the page fetch could not see: after a failed verification, the unverified
    look; then one probe per deprecated version (run side by side, each bounded by `timeout`)."""
    if info.version is None:
        info = await inspect(info, guard, timeout)
    try:
        addresses = await guard.addresses(info.host, info.port)
    except (TargetRefused, OSError) as exc:
        probes = [
            LegacyProbe(version=v, result="inconclusive", detail=f"not dialled: {exc}")
            for v, _flag, _tv in LEGACY_VERSIONS
        ]
        return info.model_copy(update={"legacy": probes})
    probes = await asyncio.gather(
        *(
            probe_legacy(v, tv, flag, info.host, info.port, addresses, timeout)
            for v, flag, tv in LEGACY_VERSIONS
        )
    )
    return info.model_copy(update={"legacy": list(probes)})


def trust_store_label(ca_bundle: str | None) -> str:
    """How `TlsInfo.trust_store` names the CA certificates verification used."""
    return ca_bundle or "default (certifi, Mozilla's roots)"
