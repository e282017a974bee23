"""What the TLS connection to the home page was: the contract between the crawler, which makes
the handshakes (crawl/tls.py), and the `tls-configuration` check, which judges them.

The crawler fills one `TlsInfo` for the start page when it is fetched over `https://` and stores
it with that page's record (`PageRecord.tls`), so `ecq-scan audit` replays the same verdict
offline. `observed_at` is the clock the certificate's validity is judged against: a replay
months later still says what the certificate looked like on the day of the scan.

Version names are Python's (`ssl.SSLObject.version()`): `TLSv1`, `TLSv1.1`, `TLSv1.2`, `TLSv1.3`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

#: accepted: the handshake completed at that version (evidence: the server agreed to it);
#: refused: the server answered with an alert or hung up after our ClientHello;
#: not_probed: this machine's OpenSSL cannot offer the version (nothing was sent);
#: inconclusive: no answer either way (timeout, connection refused, network trouble)
ProbeResult = Literal["accepted", "refused", "not_probed", "inconclusive"]
LegacyVersion = Literal["TLSv1", "TLSv1.1"]


class CertificateInfo(BaseModel):
    """The leaf certificate the server presented, as parsed from its DER bytes."""

    model_config = ConfigDict(extra="forbid")

    subject_cn: str | None = None
    subject_o: str | None = Field(default=None, description="organisation (OV/EV certificates)")
    issuer_cn: str | None = None
    issuer_o: str | None = None
    self_issued: bool = Field(default=False, description="subject and issuer are the same name")
    not_before: datetime | None = None
    not_after: datetime | None = None
    san: list[str] = Field(
        default_factory=list, description="subjectAltName DNS names and IP addresses (bounded)"
    )
    san_count: int = Field(default=0, description="how many names the certificate lists in all")
    key_type: str | None = Field(default=None, description="RSA, EC, Ed25519, SM2 …")
    key_bits: int | None = None
    serial: str | None = Field(default=None, description="serial number, hex")
    sha256: str = Field(description="SHA-256 fingerprint of the DER certificate, hex")
    error: str | None = Field(default=None, description="what could not be parsed, if anything")


class LegacyProbe(BaseModel):
    """One extra handshake offering only a deprecated version (RFC 8996), nothing else."""

    model_config = ConfigDict(extra="forbid")

    version: LegacyVersion
    result: ProbeResult
    detail: str = ""
    elapsed_ms: float = 0.0


class TlsInfo(BaseModel):
    """The home page's TLS connection as the scanner saw it."""

    model_config = ConfigDict(extra="forbid")

    host: str = Field(description="the name sent as SNI and verified against the certificate")
    port: int
    observed_at: datetime
    version: str | None = Field(
        default=None,
        description="negotiated protocol; after a failed verification, the best version the "
        "server offered in an unverified handshake",
    )
    cipher: str | None = None
    verified: bool | None = Field(
        default=None,
        description="True: the chain and host name verified; False: verification failed; "
        "None: the handshake failed before verification (e.g. no common protocol version)",
    )
    verify_code: int | None = Field(default=None, description="OpenSSL X509_V_ERR_* code")
    handshake_error: str | None = Field(
        default=None, description="why the scanner's own (verifying) handshake failed"
    )
    trust_store: str = Field(
        default="default", description="the CA certificates verification used: default or a path"
    )
    certificate: CertificateInfo | None = None
    legacy: list[LegacyProbe] = Field(default_factory=list)
    error: str | None = Field(
        default=None, description="why facts are missing (the unverified handshake failed too)"
    )
