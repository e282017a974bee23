"""Bounded content decoding: never hold more decoded bytes than the caller's cap.

httpx's own decoders are not bomb-safe: `aiter_bytes()` inflates each raw chunk completely
before yielding, so a 93-byte brotli body arrives as one 50 MiB chunk (hostile-sites note §1.6,
measured). We read `aiter_raw()` and decode here, pulling at most `PULL_BYTES` of output at a
time (Scrapy's `_compression.py` loop), so a bomb costs at most cap + one pull of memory.
"""

from __future__ import annotations

import zlib
from typing import Protocol

import brotli

#: Largest piece of output pulled from a decompressor at once.
PULL_BYTES = 64 * 1024


class DecodeError(Exception):
    """The body is not valid for its Content-Encoding, or the encoding is not one we can bound."""


def brotli_bounded() -> bool:
    """True when the installed brotli can cap its output (`output_buffer_limit`, brotli ≥ 1.2)."""
    return hasattr(brotli.Decompressor(), "can_accept_more_data")


def accept_encoding() -> str:
    """Advertise only encodings we can decode with bounded output (R2)."""
    return "gzip, deflate, br" if brotli_bounded() else "gzip, deflate"


class _Stage(Protocol):
    def push(self, data: bytes) -> None: ...

    def pull(self, n: int) -> bytes: ...


class _Identity:
    def __init__(self) -> None:
        self._buf = bytearray()

    def push(self, data: bytes) -> None:
        self._buf += data

    def pull(self, n: int) -> bytes:
        out = bytes(self._buf[:n])
        del self._buf[:n]
        return out


class _Zlib:
    """gzip (with concatenated members) and deflate (zlib-wrapped, or raw as some servers send)."""

    def __init__(self, kind: str) -> None:
        self._kind = kind
        self._d: zlib._Decompress | None = None
        self._tail = b""
        self._done = False

    def _new(self, first: bytes) -> zlib._Decompress:
        if self._kind == "gzip":
            return zlib.decompressobj(16 + zlib.MAX_WBITS)
        wrapped = len(first) >= 2 and first[0] & 0x0F == 8 and (first[0] << 8 | first[1]) % 31 == 0
        return zlib.decompressobj(zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS)

    def push(self, data: bytes) -> None:
        if not self._done:
            self._tail += data

    def pull(self, n: int) -> bytes:
        if self._done or not self._tail:
            return b""
        if self._d is None:
            if self._kind == "deflate" and len(self._tail) < 2:
                return b""
            self._d = self._new(self._tail)
        try:
            out = self._d.decompress(self._tail, n)
        except zlib.error as exc:
            raise DecodeError(f"invalid {self._kind} data: {exc}") from exc
        self._tail = self._d.unconsumed_tail
        if self._d.eof:
            rest = self._d.unused_data
            if self._kind == "gzip" and rest.startswith(b"\x1f\x8b"):
                self._d, self._tail = None, rest  # another gzip member follows
            else:
                self._done, self._tail = True, b""  # trailing junk after the stream is ignored
        return out


class _Brotli:
    def __init__(self) -> None:
        if not brotli_bounded():
            raise DecodeError("brotli body, but the installed brotli cannot bound its output")
        self._d = brotli.Decompressor()
        self._pending = b""

    def push(self, data: bytes) -> None:
        self._pending += data

    def pull(self, n: int) -> bytes:
        # brotli keeps input it cannot yet turn into output; more input may only be given once
        # `can_accept_more_data()` says so, and until then we drain with empty input.
        while not self._d.is_finished():
            data = b""
            if self._pending and self._d.can_accept_more_data():
                data, self._pending = self._pending, b""
            try:
                out: bytes = self._d.process(data, output_buffer_limit=n)
            except brotli.error as exc:
                raise DecodeError(f"invalid br data: {exc}") from exc
            if out:
                return out
            if not data and (not self._pending or not self._d.can_accept_more_data()):
                return b""  # needs more input
        return b""


def _stage(name: str) -> _Stage:
    if name in ("identity", ""):
        return _Identity()
    if name in ("gzip", "x-gzip"):
        return _Zlib("gzip")
    if name == "deflate":
        return _Zlib("deflate")
    if name == "br":
        return _Brotli()
    raise DecodeError(f"unsupported content-encoding {name!r}")


class BoundedDecoder:
    """Decode a body through its Content-Encoding list, producing at most `limit` bytes.

    `feed` returns the newly decoded bytes; once output would pass `limit`, it returns only up
    to the limit and sets `exceeded`, and the caller stops reading.
    """

    def __init__(self, content_encoding: str | None, limit: int) -> None:
        names = [n.strip().lower() for n in (content_encoding or "").split(",") if n.strip()]
        # Content-Encoding lists codings in the order they were applied; undo them in reverse.
        self._stages: list[_Stage] = [_stage(n) for n in reversed(names)] or [_Identity()]
        #: True when a content coding is applied (a cap hit then means a decompression bomb)
        self.encoded = any(n != "identity" for n in names)
        self.limit = limit
        self.total = 0
        self.exceeded = False

    def _pull(self, i: int, n: int) -> bytes:
        out = self._stages[i].pull(n)
        while not out and i > 0:
            upstream = self._pull(i - 1, PULL_BYTES)
            if not upstream:
                return b""
            self._stages[i].push(upstream)
            out = self._stages[i].pull(n)
        return out

    def feed(self, chunk: bytes) -> bytes:
        if self.exceeded:
            return b""
        self._stages[0].push(chunk)
        parts: list[bytes] = []
        last = len(self._stages) - 1
        while True:
            room = self.limit - self.total
            piece = self._pull(last, min(PULL_BYTES, room + 1))
            if not piece:
                break
            if len(piece) > room:
                piece, self.exceeded = piece[:room], True
            parts.append(piece)
            self.total += len(piece)
            if self.exceeded:
                break
        return b"".join(parts)


def decompress_bounded(data: bytes, encoding: str, limit: int) -> tuple[bytes, bool]:
    """Decode a whole in-memory body (e.g. `sitemap.xml.gz`); returns (output, truncated)."""
    dec = BoundedDecoder(encoding, limit)
    out = dec.feed(data)
    return out, dec.exceeded
