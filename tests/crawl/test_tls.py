"""TLS facts of the home page (crawl/tls.py): the live connection, the unverified look after a
failed verification, the TLS 1.0/1.1 probes — against real HTTPS servers on 127.0.0.1 — and the
small DER reader, checked against Python's own certificate decoder."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import certifi
import pytest

from ecq_scan.config import Settings
from ecq_scan.crawl import Crawler, Fetcher, Snapshot
from ecq_scan.crawl import tls as tls_facts
from ecq_scan.crawl.fetcher import ErrorKind, verify_context
from ecq_scan.crawl.ssrf import AddressPolicy, SSRFGuard
from ecq_scan.errors import InputError
from ecq_scan.models import TlsInfo
from tests.crawl.servers import html_reply, page, serve_routes
from tests.crawl.tls_servers import (
    Pki,
    free_port,
    make_pki,
    openssl_serves_tls10,
    serve_https,
)

_decode = getattr(getattr(ssl, "_ssl", None), "_test_decode_cert", None)


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pki]:
    yield make_pki(tmp_path_factory.mktemp("pki"))


def _fetch(settings: Settings, url: str) -> Snapshot:
    async def go() -> Snapshot:
        async with Fetcher(settings) as fetcher:
            snap = await fetcher.fetch(url, tls=True)
            await fetcher.complete_tls(snap)
            return snap

    return asyncio.run(go())


def _expected_dates(cert: Path) -> tuple[datetime, datetime]:
    assert _decode is not None
    decoded = _decode(str(cert))
    fmt = "%b %d %H:%M:%S %Y %Z"
    return (
        datetime.strptime(decoded["notBefore"], fmt).replace(tzinfo=UTC),
        datetime.strptime(decoded["notAfter"], fmt).replace(tzinfo=UTC),
    )


# ---------------------------------------------------------------- the DER reader


@pytest.mark.skipif(_decode is None, reason="this Python has no ssl._ssl._test_decode_cert")
def test_der_reader_agrees_with_pythons_decoder_on_every_mozilla_root(tmp_path: Path) -> None:
    """~150 real certificates of every vintage (RSA, EC, UTCTime and GeneralizedTime, T61 and
    BMP strings): names and dates read by our reader equal those of OpenSSL via Python."""
    pems = Path(certifi.where()).read_text("ascii").split("-----END CERTIFICATE-----")
    checked = 0
    for i, chunk in enumerate(p for p in pems if "BEGIN CERTIFICATE" in p):
        pem = chunk[chunk.index("-----BEGIN") :] + "-----END CERTIFICATE-----\n"
        path = tmp_path / f"c{i}.pem"
        path.write_text(pem)
        info = tls_facts.parse_certificate(ssl.PEM_cert_to_DER_cert(pem))
        assert info.error is None, (path, info.error)
        expected = _decode(str(path))
        subject = dict(kv for rdn in expected["subject"] for kv in rdn)
        issuer = dict(kv for rdn in expected["issuer"] for kv in rdn)
        assert info.subject_cn == subject.get("commonName")
        assert info.subject_o == subject.get("organizationName")
        assert info.issuer_cn == issuer.get("commonName")
        assert (info.not_before, info.not_after) == _expected_dates(path)
        assert info.serial == expected["serialNumber"]
        assert info.key_type in ("RSA", "EC"), info.key_type
        assert info.key_bits is not None and info.key_bits >= 256
        assert info.self_issued  # roots
        checked += 1
    assert checked > 100


def test_der_reader_reads_a_leaf_with_san_and_chinese_organisation(pki: Pki) -> None:
    cert, _key = pki.leaf(san="DNS:shop.example.cn,DNS:*.example.cn,IP:127.0.0.1,IP:::1")
    info = tls_facts.parse_certificate(ssl.PEM_cert_to_DER_cert(cert.read_text()))
    assert info.error is None
    assert info.subject_o == "青禾优选科技有限公司"
    assert info.issuer_cn == "ecq-scan test CA" and not info.self_issued
    assert info.san == ["shop.example.cn", "*.example.cn", "127.0.0.1", "::1"]
    assert (info.key_type, info.key_bits) == ("RSA", 2048)
    if _decode is not None:
        assert (info.not_before, info.not_after) == _expected_dates(cert)


@pytest.mark.parametrize(
    "der",
    [
        b"",
        b"\x30",
        b"\x30\x84\xff\xff\xff\xff",
        b"\x04\x03abc",
        b"\x30\x03\x30\x01\x00",
        b"\x00" * 64,
    ],
)
def test_der_reader_never_raises_on_garbage(der: bytes) -> None:
    info = tls_facts.parse_certificate(der)
    assert info.error and info.sha256


def test_der_reader_keeps_what_it_read_before_a_cut(pki: Pki) -> None:
    cert, _key = pki.leaf()
    der = ssl.PEM_cert_to_DER_cert(cert.read_text())
    info = tls_facts.parse_certificate(der[: len(der) // 2])
    assert info.error  # the outer length runs past the cut


# ---------------------------------------------------------------- live connections


def test_a_verified_home_page_records_version_cipher_and_certificate(
    pki: Pki, settings: Callable[..., Settings]
) -> None:
    cert, key = pki.leaf(days_after=90)
    with serve_https(cert, key) as srv:
        snap = _fetch(settings(ca_bundle=str(pki.ca)), srv.base)
    assert snap.ok and snap.tls is not None
    tls = snap.tls
    assert (tls.host, tls.port, tls.verified) == ("127.0.0.1", srv.port, True)
    assert tls.version == "TLSv1.3" and srv.versions[0] == "TLSv1.3"
    assert tls.cipher and tls.trust_store == str(pki.ca)
    assert tls.certificate is not None and tls.certificate.san == ["127.0.0.1", "localhost"]
    if _decode is not None:
        assert (tls.certificate.not_before, tls.certificate.not_after) == _expected_dates(cert)
    assert [(p.version, p.result) for p in tls.legacy] == [
        ("TLSv1", "refused"),
        ("TLSv1.1", "refused"),
    ] or all(p.result == "not_probed" for p in tls.legacy)


def test_plain_http_and_untracked_fetches_record_no_tls(
    pki: Pki, settings: Callable[..., Settings]
) -> None:
    cert, key = pki.leaf()
    with serve_https(cert, key) as srv:

        async def go() -> Snapshot:
            async with Fetcher(settings(ca_bundle=str(pki.ca))) as fetcher:
                return await fetcher.fetch(srv.base)  # tls=False: every page but the home page

        assert asyncio.run(go()).tls is None
    with serve_routes({"/": html_reply(page("shop"))}) as plain:
        snap = _fetch(settings(), plain.base)  # tls=True over http://: nothing to record
    assert snap.ok and snap.tls is None


@pytest.mark.skipif(openssl_serves_tls10() is not None, reason=str(openssl_serves_tls10()))
def test_a_server_accepting_tls10_and_tls11_is_caught_by_the_probes(
    pki: Pki, settings: Callable[..., Settings]
) -> None:
    cert, key = pki.leaf()
    with serve_https(cert, key, legacy=True) as srv:
        started = time.monotonic()
        snap = _fetch(settings(ca_bundle=str(pki.ca)), srv.base)
        elapsed = time.monotonic() - started
    assert snap.tls is not None and snap.tls.version == "TLSv1.3"  # the page itself: modern
    results = {p.version: p for p in snap.tls.legacy}
    assert results["TLSv1"].result == "accepted" and "TLSv1" in srv.versions
    assert results["TLSv1.1"].result == "accepted" and "TLSv1.1" in srv.versions
    assert "handshake completed" in results["TLSv1"].detail
    assert elapsed < 5  # loopback handshakes: milliseconds (figures: bench, not asserted)


def test_an_expired_certificate_fails_the_fetch_but_its_facts_are_kept(
    pki: Pki, settings: Callable[..., Settings]
) -> None:
    cert, key = pki.leaf(days_before=400, days_after=-3)
    with serve_https(cert, key) as srv:
        snap = _fetch(settings(ca_bundle=str(pki.ca)), srv.base)
    assert snap.error_kind is ErrorKind.TLS and snap.status is None
    assert "certificate has expired" in (snap.error or "")
    tls = snap.tls
    assert tls is not None and tls.verified is False and tls.verify_code == 10
    assert tls.version == "TLSv1.3"  # from the unverified look, which sends no request
    assert tls.certificate is not None and tls.certificate.not_after is not None
    assert tls.certificate.not_after < datetime.now(UTC) - timedelta(days=2)


def test_an_unknown_issuer_is_code_20_against_the_default_roots(
    pki: Pki, settings: Callable[..., Settings]
) -> None:
    cert, key = pki.leaf()
    with serve_https(cert, key) as srv:
        snap = _fetch(settings(), srv.base)  # our test CA is not among Mozilla's roots
    assert snap.tls is not None and snap.tls.verified is False
    assert snap.tls.verify_code == 20 and snap.tls.trust_store.startswith("default")
    assert snap.tls.certificate is not None and snap.tls.certificate.issuer_cn == "ecq-scan test CA"


def test_probes_that_cannot_be_offered_are_not_probed_and_send_nothing(
    pki: Pki, settings: Callable[..., Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ssl, "HAS_TLSv1", False)

    def no_tls11(minimum: ssl.TLSVersion, maximum: ssl.TLSVersion | None) -> ssl.SSLContext:
        if maximum is ssl.TLSVersion.TLSv1_1:
            raise ssl.SSLError("NO_PROTOCOLS_AVAILABLE")
        return real(minimum, maximum)

    real = tls_facts._unverified_context
    monkeypatch.setattr(tls_facts, "_unverified_context", no_tls11)
    cert, key = pki.leaf()
    with serve_https(cert, key) as srv:
        snap = _fetch(settings(ca_bundle=str(pki.ca)), srv.base)
        handshakes = len(srv.versions) + srv.failed
    assert snap.tls is not None
    assert [p.result for p in snap.tls.legacy] == ["not_probed", "not_probed"]
    assert all("nothing was sent" in p.detail for p in snap.tls.legacy)
    assert handshakes == len(srv.versions)  # only the page's own connections reached the server


def test_a_probe_with_no_answer_is_inconclusive_never_refused() -> None:
    info = TlsInfo(host="127.0.0.1", port=free_port(), observed_at=datetime.now(UTC), version="x")
    guard = SSRFGuard(AddressPolicy(allow_private=True))
    done = asyncio.run(tls_facts.complete(info, guard, timeout=1.0))
    assert [p.result for p in done.legacy] == ["inconclusive", "inconclusive"] or all(
        p.result == "not_probed" for p in done.legacy
    )


def test_a_stalled_probe_is_inconclusive_at_the_timeout() -> None:
    """A server that reads the ClientHello and says nothing (hostile-sites H01, for the probe)."""
    stop = threading.Event()
    listener = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                conn, _ = listener.accept()
                held.append(conn)  # read nothing back, answer nothing

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    port = listener.getsockname()[1]
    info = TlsInfo(host="127.0.0.1", port=port, observed_at=datetime.now(UTC), version="TLSv1.3")
    started = time.monotonic()
    try:
        done = asyncio.run(
            tls_facts.complete(info, SSRFGuard(AddressPolicy(allow_private=True)), timeout=0.5)
        )
    finally:
        stop.set()
        thread.join(timeout=2)
        for conn in held:
            conn.close()
        listener.close()
    assert time.monotonic() - started < 2.0  # both probes side by side, each bounded
    for probe in done.legacy:
        assert probe.result in ("inconclusive", "not_probed"), probe


def test_probes_go_through_the_ssrf_guard(pki: Pki) -> None:
    """With private addresses refused, the probe to 127.0.0.1 is never dialled."""
    cert, key = pki.leaf()
    with serve_https(cert, key) as srv:
        info = TlsInfo(
            host="127.0.0.1", port=srv.port, observed_at=datetime.now(UTC), version="TLSv1.3"
        )
        done = asyncio.run(tls_facts.complete(info, SSRFGuard(AddressPolicy()), timeout=1.0))
        time.sleep(0.1)
        assert srv.versions == [] and srv.failed == 0
    assert all(p.result == "inconclusive" and "SSRF" in p.detail for p in done.legacy)


def test_the_crawler_records_tls_on_the_home_record_only(
    pki: Pki, settings: Callable[..., Settings]
) -> None:
    cert, key = pki.leaf()

    async def on_page(snap: Snapshot) -> list[tuple[str, str]]:
        return [(snap.final_url.rstrip("/") + "/about.html", "关于我们")]

    with serve_https(cert, key) as srv:
        crawler = Crawler(settings(ca_bundle=str(pki.ca), max_pages=3))
        report = asyncio.run(crawler.run(srv.base, on_page))
    home, *rest = report.pages
    assert home.tls is not None and home.tls.verified is True
    assert rest and all(p.tls is None for p in rest)


def test_an_unusable_ca_bundle_is_an_input_error(
    tmp_path: Path, settings: Callable[..., Settings]
) -> None:
    for bundle in (tmp_path / "missing.pem", tmp_path / "empty.pem"):
        if bundle.name == "empty.pem":
            bundle.write_text("not a certificate\n")
        with pytest.raises(InputError, match="cannot use CA bundle"):
            verify_context(settings(ca_bundle=str(bundle)))
    assert verify_context(settings()) is True
