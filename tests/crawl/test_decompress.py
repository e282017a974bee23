"""Bounded decoding: a compression bomb never yields more than the cap."""

from __future__ import annotations

import gzip
import zlib

import brotli
import pytest

from ecq_scan.crawl.decompress import BoundedDecoder, DecodeError, accept_encoding

ZEROS = b"\0" * (4 * 1024 * 1024)
CAP = 256 * 1024


def _feed_all(dec: BoundedDecoder, data: bytes, step: int = 4096) -> int:
    total = 0
    for i in range(0, len(data), step):
        total += len(dec.feed(data[i : i + step]))
        if dec.exceeded:
            break
    return total


@pytest.mark.parametrize(
    ("encoding", "body"),
    [
        ("gzip", gzip.compress(ZEROS)),
        ("deflate", zlib.compress(ZEROS)),
        ("deflate", zlib.compress(ZEROS)[2:-4]),  # raw deflate, as some servers send it
        ("br", brotli.compress(ZEROS, quality=11)),
        ("gzip, gzip", gzip.compress(gzip.compress(ZEROS))),
        ("br, gzip", gzip.compress(brotli.compress(ZEROS))),
    ],
)
def test_bombs_stop_at_the_cap(encoding: str, body: bytes) -> None:
    dec = BoundedDecoder(encoding, CAP)
    assert _feed_all(dec, body) == CAP
    assert dec.exceeded


def test_small_bodies_round_trip_in_tiny_chunks() -> None:
    text = "隐私政策 privacy ".encode() * 500
    for encoding, body in [
        ("gzip", gzip.compress(text) + gzip.compress(text)),  # two gzip members
        ("br", brotli.compress(text)),
        ("deflate", zlib.compress(text)),
        (None, text),
    ]:
        dec = BoundedDecoder(encoding, 10 * len(text))
        out = b"".join(dec.feed(body[i : i + 7]) for i in range(0, len(body), 7))
        expected = text * 2 if encoding == "gzip" else text
        assert out == expected and not dec.exceeded


def test_unknown_and_broken_encodings_raise() -> None:
    with pytest.raises(DecodeError, match="x-evil"):
        BoundedDecoder("x-evil", CAP)
    with pytest.raises(DecodeError):
        BoundedDecoder("gzip", CAP).feed(b"this is not gzip at all")


def test_accept_encoding_advertises_only_bounded_codings() -> None:
    assert accept_encoding().startswith("gzip, deflate")
