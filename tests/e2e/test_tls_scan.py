"""End to end over real TLS: `ecq-scan scan` against HTTPS shops on 127.0.0.1 whose certificates
a throwaway CA issued (the scanner is told to trust it with ECQ_CA_BUNDLE). The negotiated
version and the certificate's real dates must arrive in result.json, `tls-configuration` must
judge them, and `audit` must give the same verdict offline from the stored page record."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import run_cli
from tests.crawl.tls_servers import Pki, make_pki, openssl_serves_tls10, serve_https

pytestmark = pytest.mark.e2e

_decode = getattr(getattr(ssl, "_ssl", None), "_test_decode_cert", None)


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pki]:
    yield make_pki(tmp_path_factory.mktemp("pki"))


def _scan(url: str, out: Path, ca: Path | None) -> tuple[int, dict[str, Any], str]:
    env = {"ECQ_CA_BUNDLE": str(ca)} if ca is not None else {}
    run = run_cli(
        "scan", url, "--out", out, "--quiet", "--delay", "0", "--render", "never",
        "--max-pages", "3", env=env,
    )  # fmt: skip
    return run.code, run.result(out), run.stderr


def _finding(result: dict[str, Any], check_id: str) -> dict[str, Any]:
    found = [f for f in result["findings"] if f["check_id"] == check_id]
    assert len(found) == 1, found
    return found[0]


def _cert_dates(cert: Path) -> tuple[str, str]:
    """notBefore/notAfter as OpenSSL reads the PEM, in result.json's ISO form."""
    assert _decode is not None
    decoded = _decode(str(cert))
    fmt = "%b %d %H:%M:%S %Y %Z"
    return tuple(  # type: ignore[return-value]
        datetime.strptime(decoded[k], fmt).replace(tzinfo=UTC).isoformat().replace("+00:00", "Z")
        for k in ("notBefore", "notAfter")
    )


def test_a_sound_https_shop_passes_with_its_real_handshake_in_the_result(
    pki: Pki, tmp_path: Path
) -> None:
    cert, key = pki.leaf(days_after=200)
    out = tmp_path / "scan"
    with serve_https(cert, key) as srv:
        code, result, stderr = _scan(srv.base, out, pki.ca)
        negotiated = srv.versions[0]
    assert code == 0, stderr
    home = result["pages"][0]
    tls = home["tls"]
    assert tls["version"] == negotiated == "TLSv1.3"
    assert tls["verified"] is True and tls["trust_store"] == str(pki.ca)
    if _decode is not None:
        assert (tls["certificate"]["not_before"], tls["certificate"]["not_after"]) == _cert_dates(
            cert
        )
    assert tls["certificate"]["issuer_cn"] == "ecq-scan test CA"
    assert all(p.get("tls") is None for p in result["pages"][1:])
    finding = _finding(result, "tls-configuration")
    assert finding["outcome"] == "pass", finding["message"]
    assert "TLS 1.3" in finding["message"]["en"]
    assert {e["locator"] for e in finding["evidence"]} >= {"tls:handshake", "tls:certificate"}
    # loopback: the HTTP-level transport checks stay not applicable, the TLS facts are judged
    assert _finding(result, "https-transport")["outcome"] == "not_applicable"
    assert result["provenance"]["settings"]["ca_bundle"] == str(pki.ca)

    audit = run_cli("audit", out, "--out", tmp_path / "audit", "--quiet")
    assert audit.code == 0, audit.stderr
    again = _finding(audit.result(tmp_path / "audit"), "tls-configuration")
    assert (again["outcome"], again["message"]) == (finding["outcome"], finding["message"])


@pytest.mark.skipif(openssl_serves_tls10() is not None, reason=str(openssl_serves_tls10()))
def test_a_shop_that_still_accepts_tls10_fails(pki: Pki, tmp_path: Path) -> None:
    cert, key = pki.leaf()
    with serve_https(cert, key, legacy=True) as srv:
        code, result, stderr = _scan(srv.base, tmp_path / "scan", pki.ca)
        assert "TLSv1" in srv.versions  # the server really completed a TLS 1.0 handshake
    assert code == 0, stderr
    probes = {p["version"]: p["result"] for p in result["pages"][0]["tls"]["legacy"]}
    assert probes == {"TLSv1": "accepted", "TLSv1.1": "accepted"}
    finding = _finding(result, "tls-configuration")
    assert finding["outcome"] == "fail"
    assert "deprecated TLS 1.0" in finding["message"]["en"]
    assert any(
        e["locator"] == "tls:probe:TLSv1" and "handshake completed" in e["snippet"]
        for e in finding["evidence"]
    )


def test_an_expired_certificate_is_unscannable_yet_fails_tls_with_its_dates(
    pki: Pki, tmp_path: Path
) -> None:
    cert, key = pki.leaf(days_before=400, days_after=-10)
    out = tmp_path / "scan"
    with serve_https(cert, key) as srv:
        code, result, _stderr = _scan(srv.base, out, pki.ca)
    assert code == 3 and result["status"] == "unscannable"
    assert "certificate has expired" in result["status_reason"]
    finding = _finding(result, "tls-configuration")
    assert finding["outcome"] == "fail"
    assert "expired on" in finding["message"]["en"]
    assert result["pages"][0]["tls"]["verify_code"] == 10
    # every other check could not see a page: error, never a pass or a fail
    others = {f["outcome"] for f in result["findings"] if f["check_id"] != "tls-configuration"}
    assert others <= {"error", "not_applicable"}
    # offline, from the stored (failed) home page record: the same verdict
    audit = run_cli("audit", out, "--out", tmp_path / "audit", "--quiet")
    again = _finding(audit.result(tmp_path / "audit"), "tls-configuration")
    assert (again["outcome"], again["message"]) == (finding["outcome"], finding["message"])


def test_a_certificate_we_cannot_verify_is_review_not_an_accusation(
    pki: Pki, tmp_path: Path
) -> None:
    """Without the test CA in the trust store the chain cannot be built (code 20): that may be
    our trust store, so the verdict is needs_review, never fail."""
    cert, key = pki.leaf()
    with serve_https(cert, key) as srv:
        code, result, _stderr = _scan(srv.base, tmp_path / "scan", None)
    assert code == 3
    finding = _finding(result, "tls-configuration")
    assert finding["outcome"] == "needs_review"
    assert "unable to get local issuer certificate" in finding["message"]["en"]
