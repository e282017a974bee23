"""HTTPS on 127.0.0.1 for the TLS tests: a throwaway CA made with the `openssl` CLI, leaf
certificates with chosen names and dates (`openssl ca` can back-date, `openssl x509` cannot),
and a threaded HTTPS server that records the protocol version of every handshake it completes.

The CLI is used rather than the `cryptography` package because Debian always has it (the package
is not among ecq-scan's dependencies); tests skip with the reason when it is missing.
"""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

HOME_HTML = (
    "<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'><title>青禾优选</title>"
    "</head><body><h1>青禾优选 茶叶商城</h1><p>欢迎光临，本店经营各类茶叶。</p>"
    "<a href='/about.html'>关于我们</a></body></html>"
).encode()

_CA_CONFIG = """\
[ ca ]
default_ca = CA_default
[ CA_default ]
database = index.txt
new_certs_dir = .
serial = serial
default_md = sha256
policy = policy_any
unique_subject = no
email_in_dn = no
[ policy_any ]
commonName = supplied
organizationName = optional
[ leaf ]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = {san}
"""


def need_openssl() -> None:
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is needed to make test certificates")


def _run(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def _stamp(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y%m%d%H%M%SZ")


@dataclass
class Pki:
    """A test CA in `root`; `ca` is the PEM file the scanner is told to trust (ca_bundle)."""

    root: Path
    ca: Path
    ca_key: Path
    issued: int = 0

    def leaf(
        self,
        *,
        days_before: float = 1,
        days_after: float = 90,
        san: str = "IP:127.0.0.1,DNS:localhost",
        cn: str = "127.0.0.1",
        org: str = "青禾优选科技有限公司",
    ) -> tuple[Path, Path]:
        """A leaf (cert, key) valid from `days_before` days ago to `days_after` days from now
        (negative `days_after`: already expired)."""
        self.issued += 1
        name = f"leaf{self.issued}"
        now = datetime.now(UTC)
        (self.root / "ca.cnf").write_text(_CA_CONFIG.format(san=san), "utf-8")
        _run(
            "req", "-newkey", "rsa:2048", "-nodes", "-utf8",
            "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", f"/CN={cn}/O={org}",
            cwd=self.root,
        )  # fmt: skip
        _run(
            "ca", "-batch", "-utf8", "-notext", "-config", "ca.cnf", "-extensions", "leaf",
            "-cert", str(self.ca), "-keyfile", str(self.ca_key),
            "-startdate", _stamp(now - timedelta(days=days_before)),
            "-enddate", _stamp(now + timedelta(days=days_after)),
            "-in", f"{name}.csr", "-out", f"{name}.pem",
            cwd=self.root,
        )  # fmt: skip
        return self.root / f"{name}.pem", self.root / f"{name}.key"


def make_pki(root: Path) -> Pki:
    need_openssl()
    root.mkdir(parents=True, exist_ok=True)
    _run(
        "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", "ca.key", "-out", "ca.pem", "-days", "30",
        "-subj", "/CN=ecq-scan test CA/O=ecq-scan tests",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        cwd=root,
    )  # fmt: skip
    (root / "index.txt").write_text("")
    (root / "serial").write_text("1000\n")
    return Pki(root, root / "ca.pem", root / "ca.key")


def server_context(cert: Path, key: Path, *, legacy: bool = False) -> ssl.SSLContext:
    """A server context for `cert`; `legacy` also accepts TLS 1.0 and 1.1 (and still 1.3)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    if legacy:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            ctx.minimum_version = ssl.TLSVersion.TLSv1
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    return ctx


def openssl_serves_tls10() -> str | None:
    """Why this machine cannot complete a TLS 1.0 handshake with itself, or None when it can."""
    if not getattr(ssl, "HAS_TLSv1", False):
        return "this Python's OpenSSL was built without TLS 1.0"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            ctx.minimum_version = ctx.maximum_version = ssl.TLSVersion.TLSv1
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    except (ValueError, ssl.SSLError) as exc:
        return f"this OpenSSL cannot offer TLS 1.0: {exc}"
    return None


@dataclass
class TlsServer:
    base: str
    port: int
    versions: list[str] = field(default_factory=list)  # of completed handshakes
    failed: int = 0


def _handler(body: bytes) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def do_GET(self) -> None:
            if self.path.startswith("/robots.txt") or self.path.startswith("/sitemap"):
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            with suppress(OSError):
                self.wfile.write(body)

    return Handler


class _Server(ThreadingHTTPServer):
    """Handshakes happen in the request thread, so a slow or refused client never stalls the
    accept loop (wrapping the listening socket would handshake inside `accept()`)."""

    daemon_threads = True

    def __init__(self, handler: type[BaseHTTPRequestHandler], ctx: ssl.SSLContext) -> None:
        super().__init__(("127.0.0.1", 0), handler)
        self.ctx = ctx
        self.state = TlsServer("", 0)

    def finish_request(self, request: Any, client_address: Any) -> None:
        try:
            conn = self.ctx.wrap_socket(request, server_side=True)
        except (OSError, ssl.SSLError):
            self.state.failed += 1
            return
        try:
            self.state.versions.append(str(conn.version()))
            self.RequestHandlerClass(conn, client_address, self)
        finally:
            with suppress(OSError):
                conn.close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        return  # clients that hang up mid-request are expected here


@contextmanager
def serve_https(
    cert: Path, key: Path, *, legacy: bool = False, body: bytes = HOME_HTML
) -> Iterator[TlsServer]:
    httpd = _Server(_handler(body), server_context(cert, key, legacy=legacy))
    port = int(httpd.server_address[1])
    httpd.state.base, httpd.state.port = f"https://127.0.0.1:{port}/", port
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
    )
    thread.start()
    try:
        yield httpd.state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
