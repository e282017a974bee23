"""G · SSRF on the HTTP path (H29–H32): the scanner is pointed at, redirected to, or rebound
onto internal addresses; the canary on 127.0.0.1 must never see a connection (R5).

Addresses that cannot be exercised on loopback (169.254.169.254, 10/8, fd00::, NAT64, 6to4 …)
are covered by the classifier table at the end, which never connects.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import shutil
import ssl
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import httpx
import pytest

from ecq_scan import runner
from ecq_scan.crawl.fetcher import Fetcher
from ecq_scan.crawl.ssrf import (
    AddressKind,
    AddressPolicy,
    GuardedTransport,
    IPAddress,
    SSRFGuard,
    classify,
    literal_address,
)
from ecq_scan.errors import InputError
from ecq_scan.models import ScanStatus
from tests.conftest import run_cli

from .conftest import ScanCase
from .harness import (
    INTERNAL_HOST,
    PUBLIC_HOST,
    SECOND_PUBLIC_HOST,
    Canary,
    HostileServer,
    Site,
    hostile_guard,
    hostile_settings,
    html_reply,
    redirect,
    serving,
)

pytestmark = pytest.mark.hostile

INTERNAL_FORMS = [
    "127.0.0.1",
    "localhost",
    "[::1]",
    "[::ffff:127.0.0.1]",
    "2130706433",
    "0x7f000001",
    "017700000001",
    "127.1",
    "0x7f.1",
    "0",
]


class FakeDNS:
    """A scripted resolver (Scrapy's mock-DNS pattern, without sockets): each name answers a
    list of address lists, one per query; the last list repeats. Counts queries per name."""

    def __init__(self, answers: dict[str, list[list[str]]]) -> None:
        self.answers = answers
        self.queries: dict[str, int] = {}

    async def __call__(self, host: str, port: int) -> list[IPAddress]:
        n = self.queries.get(host, 0)
        self.queries[host] = n + 1
        script = self.answers.get(host)
        if script is None:
            raise OSError(f"NXDOMAIN {host}")
        return [ipaddress.ip_address(a) for a in script[min(n, len(script) - 1)]]


@pytest.mark.hostile_case("H29")
@pytest.mark.parametrize("form", INTERNAL_FORMS)
def test_h29_internal_targets_submitted_directly(form: str, canary: Canary, tmp_path: Path) -> None:
    """Scanning an internal address directly is refused before any socket opens, with a
    sentence that says why and how to scan an intranet site on purpose."""
    before = canary.hits
    url = f"http://{form}:{canary.port}/"
    outcome = runner.scan(url, hostile_settings(), tmp_path / "run")  # the default guard
    assert canary.hits == before
    assert outcome.unscannable is not None and outcome.result.status is ScanStatus.UNSCANNABLE
    message = str(outcome.unscannable)
    assert "refused:" in message and "SSRF guard" in message, message
    assert "--allow-private" in message
    pages = outcome.result.pages
    assert pages and all(p.error_kind == "blocked_ssrf" for p in pages), pages


@pytest.mark.hostile_case("H29")
def test_h29_a_name_that_resolves_inward_is_refused(canary: Canary, tmp_path: Path) -> None:
    dns = FakeDNS({"127.0.0.1.nip.test": [["127.0.0.1"]], "shop.intra.test": [["10.1.2.3"]]})
    before = canary.hits
    for host in ("127.0.0.1.nip.test", "shop.intra.test"):
        outcome = runner.scan(
            f"http://{host}:{canary.port}/",
            hostile_settings(),
            tmp_path / host,
            guard=SSRFGuard(AddressPolicy(), dns),
        )
        assert outcome.unscannable is not None
        assert f"{host} resolves to" in str(outcome.unscannable)
    assert canary.hits == before


@pytest.mark.hostile_case("H29")
@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "gopher://127.0.0.1:70/_GET",
        "ftp://127.0.0.2/",
        "dict://127.0.0.1:11211/stat",
        "http://user:pass@127.0.0.2:8080/",
    ],
)
def test_h29_non_web_schemes_and_credentials_are_input_errors(url: str, tmp_path: Path) -> None:
    with pytest.raises(InputError):
        runner.scan(url, hostile_settings(), tmp_path / "run")


@pytest.mark.hostile_case("H29")
def test_h29_cli_exit_codes_and_message(canary: Canary, tmp_path: Path) -> None:
    """Through the real CLI: a refused target exits 3 with one clear line, no traceback, and
    `--allow-private` (or ECQ_ALLOW_PRIVATE=1) is the documented way through."""
    before = canary.hits
    run = run_cli(
        "scan",
        f"http://127.0.0.1:{canary.port}/",
        "--out",
        tmp_path / "o",
        "-q",
        env={"ECQ_ALLOW_PRIVATE": "0"},
    )
    assert run.code == 3, run.stderr
    assert "refused: 127.0.0.1 is a loopback address (SSRF guard)" in run.stderr
    assert "use --allow-private to scan an intranet site on purpose" in run.stderr
    assert "Traceback" not in run.stderr
    assert canary.hits == before
    bad = run_cli("scan", "gopher://127.0.0.1/", "-q", env={"ECQ_ALLOW_PRIVATE": "0"})
    assert bad.code == 2 and "Traceback" not in bad.stderr


def _fetch(url: str, guard: SSRFGuard) -> tuple[str | None, str | None]:
    async def go() -> tuple[str | None, str | None]:
        async with Fetcher(hostile_settings(), guard=guard) as f:
            snap = await f.fetch(url)  # no scope: only the guard stands in the way
            return (None if snap.error_kind is None else str(snap.error_kind)), snap.error

    return asyncio.run(go())


@pytest.mark.hostile_case("H30")
def test_h30_redirect_pivots_to_internal(canary: Canary) -> None:
    """Every redirect hop is re-checked at connect time, whatever spelling the target uses."""
    c = canary.port
    targets = {
        "/302": redirect(f"http://127.0.0.1:{c}/latest/meta-data/", 302),
        "/307": redirect(f"http://127.0.0.1:{c}/latest/meta-data/", 307),
        "/308": redirect(f"http://127.0.0.1:{c}/latest/meta-data/", 308),
        "/mapped": redirect(f"http://[::ffff:127.0.0.1]:{c}/"),
        "/decimal": redirect(f"http://2130706433:{c}/"),
        "/localhost": redirect(f"http://localhost:{c}/"),
        **{f"/hop/{i}": redirect(f"/hop/{i + 1}") for i in range(4)},
        "/hop/4": redirect(f"http://127.0.0.1:{c}/"),
    }
    server = HostileServer(targets).start()
    before = canary.hits
    with serving(server):
        for path in [*[*targets][:6], "/hop/0"]:
            kind, error = _fetch(server.url(path), hostile_guard())
            assert kind == "blocked_ssrf", (path, kind, error)
            assert error is not None and "redirected to" in error and "SSRF guard" in error
    assert canary.hits == before


@pytest.fixture
def same_port_canary() -> Iterator[tuple[Site, Canary]]:
    """A site on 127.0.0.2:P and a canary on 127.0.0.1:P, so a name that flips from one
    address to the other hits the canary if the guard lets it."""
    for _ in range(20):
        site = Site()
        try:
            canary = Canary(site.server.port)
        except OSError:
            site.close()
            continue
        yield site, canary
        canary.close()
        site.close()
        return
    pytest.skip("no port free on both 127.0.0.1 and 127.0.0.2")


@pytest.mark.hostile_case("H30")
def test_h30_in_scope_names_that_resolve_inward(
    same_port_canary: tuple[Site, Canary], scan_case: ScanCase
) -> None:
    """Redirects and links to names of the same shop that resolve to loopback: scope allows
    them, the guard refuses them; the page itself is still scanned."""
    site, canary = same_port_canary
    port = site.server.port
    dns = FakeDNS(
        {
            "shop.evil.test": [[PUBLIC_HOST]],
            "internal.evil.test": [[INTERNAL_HOST]],
            "mapped.evil.test": [["::ffff:127.0.0.1"]],
            "mixed.evil.test": [[PUBLIC_HOST, INTERNAL_HOST]],
        }
    )
    routes = {
        "/to-internal": redirect(f"http://internal.evil.test:{port}/admin"),
        "/to-mapped": redirect(f"http://mapped.evil.test:{port}/"),
        "/to-mixed": redirect(f"http://mixed.evil.test:{port}/"),
    }
    site.server.routes.update(routes)
    base = f"http://shop.evil.test:{port}"
    links = "".join(
        f'<a href="{u}">x</a>'
        for u in [*(base + p for p in routes), f"http://internal.evil.test:{port}/direct"]
    )
    home = (
        '<a href="/ok/1">营业执照</a><a href="/ok/2">隐私政策</a><a href="/ok/3">关于我们</a>'
        + links
        + f'<meta http-equiv="refresh" content="0;url=http://internal.evil.test:{port}/meta">'
    )
    site.server.routes["/"] = html_reply(f"<!doctype html><body>{home}</body>")
    run = scan_case(base + "/", guard=SSRFGuard(hostile_guard().policy, dns))
    assert canary.hits == 0
    for path in routes:
        assert run.outcome_of(base + path) == "blocked_ssrf", path
    assert run.outcome_of(f"http://internal.evil.test:{port}/direct") == "blocked_ssrf"
    run.assert_invariants(time_budget=8)


@pytest.mark.hostile_case("H31")
def test_h31_dns_rebinding(same_port_canary: tuple[Site, Canary], scan_case: ScanCase) -> None:
    """The name answers 127.0.0.2 first and 127.0.0.1 ever after (TTL 0): the guard resolves
    once, pins the checked address, and every request lands on 127.0.0.2."""
    site, canary = same_port_canary
    port = site.server.port
    site.server.routes["/self"] = redirect("/self?again=1")
    dns = FakeDNS({"shop.rebind.test": [[PUBLIC_HOST], [INTERNAL_HOST]]})
    url = f"http://shop.rebind.test:{port}/"
    run = scan_case(url, guard=SSRFGuard(hostile_guard().policy, dns))
    assert canary.hits == 0
    assert dns.queries["shop.rebind.test"] == 1
    assert len(site.server.log) >= 4  # robots.txt, home and the honest pages all reached .2
    run.assert_invariants(time_budget=8)


@pytest.mark.hostile_case("H31")
def test_h31_first_answer_with_an_internal_address_fails_closed(
    same_port_canary: tuple[Site, Canary], tmp_path: Path
) -> None:
    site, canary = same_port_canary
    dns = FakeDNS({"shop.rebind.test": [[PUBLIC_HOST, INTERNAL_HOST]]})
    outcome = runner.scan(
        f"http://shop.rebind.test:{site.server.port}/",
        hostile_settings(),
        tmp_path / "run",
        guard=SSRFGuard(hostile_guard().policy, dns),
    )
    assert outcome.unscannable is not None and "127.0.0.1" in str(outcome.unscannable)
    assert canary.hits == 0 and not site.server.log


@pytest.mark.hostile_case("H32")
def test_h32_credentials_in_urls_are_never_sent(scan_case: ScanCase) -> None:
    echo = HostileServer({}, host=SECOND_PUBLIC_HOST).start()
    site = Site(
        {
            "/cred-redirect": redirect("/landing"),
            "/landing": html_reply("<!doctype html><p>landing</p>"),
            "/cross": redirect(f"http://user:xsecret@{SECOND_PUBLIC_HOST}:{echo.port}/echo"),
        },
        links=["/cred-redirect", "/cross"],
    )
    port = site.server.port
    site.server.routes["/cred-redirect"] = redirect(
        f"http://alice:s3cret@{PUBLIC_HOST}:{port}/landing"
    )
    site.server.routes["/"] = html_reply(
        "<!doctype html><body>"
        '<a href="/ok/1">营业执照</a><a href="/ok/2">隐私政策</a><a href="/ok/3">关于我们</a>'
        f'<a href="http://bob:hunter2@{PUBLIC_HOST}:{port}/landing?x=1">login</a>'
        '<a href="/cred-redirect">a</a><a href="/cross">b</a></body>'
    )
    with serving(site, echo):
        run = scan_case(site.url)
        headers = [r.headers for r in site.server.log]
    assert not echo.log, "a cross-site redirect must not be followed"
    assert all("authorization" not in h for h in headers), "credentials were sent"
    # the scanner's own artefacts (result, report, manifest) never repeat a credential; the
    # stored page bodies are the site's bytes as served and are left as they are
    for secret in ("s3cret", "hunter2", "xsecret"):
        for path in run.out.rglob("*"):
            if path.is_file() and path.suffix != ".body":
                assert secret.encode() not in path.read_bytes(), f"{secret} in {path}"
    run.assert_invariants(time_budget=8)


# ------------------------------------------------------------------------------ classifier

#: (address, refused by default?, kind) — one row per deny-table range, with its edges
TABLE = [
    ("0.0.0.0", True, AddressKind.UNSPECIFIED),
    ("0.255.255.255", True, AddressKind.RESERVED),
    ("1.0.0.0", False, AddressKind.PUBLIC),
    ("9.255.255.255", False, AddressKind.PUBLIC),
    ("10.0.0.0", True, AddressKind.PRIVATE),
    ("10.255.255.255", True, AddressKind.PRIVATE),
    ("11.0.0.0", False, AddressKind.PUBLIC),
    ("100.63.255.255", False, AddressKind.PUBLIC),
    ("100.64.0.0", True, AddressKind.SHARED),
    ("100.127.255.255", True, AddressKind.SHARED),
    ("100.128.0.0", False, AddressKind.PUBLIC),
    ("100.100.100.200", True, AddressKind.METADATA),
    ("126.255.255.255", False, AddressKind.PUBLIC),
    ("127.0.0.1", True, AddressKind.LOOPBACK),
    ("127.255.255.255", True, AddressKind.LOOPBACK),
    ("128.0.0.0", False, AddressKind.PUBLIC),
    ("169.254.169.254", True, AddressKind.METADATA),
    ("169.254.170.2", True, AddressKind.METADATA),
    ("169.254.0.1", True, AddressKind.LINK_LOCAL),
    ("172.15.255.255", False, AddressKind.PUBLIC),
    ("172.16.0.0", True, AddressKind.PRIVATE),
    ("172.31.255.255", True, AddressKind.PRIVATE),
    ("172.32.0.0", False, AddressKind.PUBLIC),
    ("192.0.0.1", True, AddressKind.RESERVED),
    ("192.0.2.1", True, AddressKind.DOCUMENTATION),
    ("192.88.99.1", True, AddressKind.RESERVED),
    ("192.167.255.255", False, AddressKind.PUBLIC),
    ("192.168.0.0", True, AddressKind.PRIVATE),
    ("192.168.255.255", True, AddressKind.PRIVATE),
    ("192.169.0.0", False, AddressKind.PUBLIC),
    ("198.17.255.255", False, AddressKind.PUBLIC),
    ("198.18.0.0", True, AddressKind.BENCHMARKING),
    ("198.19.255.255", True, AddressKind.BENCHMARKING),
    ("198.20.0.0", False, AddressKind.PUBLIC),
    ("198.51.100.7", True, AddressKind.DOCUMENTATION),
    ("203.0.113.9", True, AddressKind.DOCUMENTATION),
    ("223.255.255.255", False, AddressKind.PUBLIC),
    ("224.0.0.1", True, AddressKind.MULTICAST),
    ("239.255.255.255", True, AddressKind.MULTICAST),
    ("240.0.0.1", True, AddressKind.RESERVED),
    ("255.255.255.255", True, AddressKind.BROADCAST),
    ("8.8.8.8", False, AddressKind.PUBLIC),
    ("::", True, AddressKind.UNSPECIFIED),
    ("::1", True, AddressKind.LOOPBACK),
    ("::ffff:127.0.0.1", True, AddressKind.LOOPBACK),
    ("::ffff:10.0.0.1", True, AddressKind.PRIVATE),
    ("::ffff:169.254.169.254", True, AddressKind.METADATA),
    ("::ffff:8.8.8.8", False, AddressKind.PUBLIC),
    ("::7f00:1", True, AddressKind.TUNNEL),
    ("64:ff9b::a00:1", True, AddressKind.PRIVATE),
    ("64:ff9b::7f00:1", True, AddressKind.LOOPBACK),
    ("64:ff9b::808:808", False, AddressKind.PUBLIC),
    ("64:ff9b:1::1", True, AddressKind.TUNNEL),
    ("100::1", True, AddressKind.RESERVED),
    ("2001::1", True, AddressKind.TUNNEL),
    ("2001:0:4136:e378:8000:63bf:3fff:fdd2", True, AddressKind.TUNNEL),
    ("2001:2::1", True, AddressKind.BENCHMARKING),
    ("2001:db8::1", True, AddressKind.DOCUMENTATION),
    ("2002:a00:1::1", True, AddressKind.TUNNEL),
    ("2002:808:808::1", True, AddressKind.TUNNEL),
    ("3fff::1", True, AddressKind.DOCUMENTATION),
    ("5f00::1", True, AddressKind.RESERVED),
    ("fc00::1", True, AddressKind.PRIVATE),
    ("fd00:ec2::254", True, AddressKind.METADATA),
    ("fdff:ffff::1", True, AddressKind.PRIVATE),
    ("fe80::1", True, AddressKind.LINK_LOCAL),
    ("febf::1", True, AddressKind.LINK_LOCAL),
    ("fec0::1", True, AddressKind.PRIVATE),
    ("ff02::1", True, AddressKind.MULTICAST),
    ("2606:4700:4700::1111", False, AddressKind.PUBLIC),
    ("2400:3200::1", False, AddressKind.PUBLIC),
]


@pytest.mark.hostile_case("H29")
@pytest.mark.parametrize(("address", "refused", "kind"), TABLE)
def test_classifier_table(address: str, refused: bool, kind: AddressKind) -> None:
    assert classify(address).kind is kind
    refusal = AddressPolicy().refusal(address, ipaddress.ip_address(address))
    assert (refusal is not None) is refused
    if refusal is not None:
        assert str(refusal).startswith("refused: ") and "(SSRF guard)" in str(refusal)


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("2130706433", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("017700000001", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("127.0.1", "127.0.0.1"),
        ("0", "0.0.0.0"),
        ("127.0.0.1.", "127.0.0.1"),
        ("[::ffff:127.0.0.1]", "::ffff:7f00:1"),
        ("fe80::1%25eth0", "fe80::1"),
        ("shop.example.com", None),
        ("08.0.0.1", None),
        ("256.0.0.1", None),
        ("1.2.3.4.5", None),
    ],
)
def test_numeric_host_forms_mean_what_inet_aton_says(host: str, address: str | None) -> None:
    got = literal_address(host)
    assert (None if got is None else str(got)) == (
        None if address is None else str(ipaddress.ip_address(address))
    )


@pytest.mark.parametrize(
    "allowed", ["127.0.0.1", "10.0.0.5", "fd12::1", "100.64.1.1", "::ffff:192.168.1.1"]
)
def test_allow_private_lets_intranet_addresses_through(allowed: str) -> None:
    policy = AddressPolicy(allow_private=True)
    assert policy.refusal(allowed, ipaddress.ip_address(allowed)) is None


@pytest.mark.parametrize(
    "never", ["169.254.169.254", "fd00:ec2::254", "224.0.0.1", "0.0.0.0", "2002:7f00:1::1"]
)
def test_allow_private_still_refuses_metadata_multicast_and_tunnels(never: str) -> None:
    refusal = AddressPolicy(allow_private=True).refusal(never, ipaddress.ip_address(never))
    assert refusal is not None and "even with --allow-private" in str(refusal)


def test_the_test_policy_hook_is_not_reachable_from_settings() -> None:
    """`extra_public` exists for tests only: no setting, environment variable or flag sets it."""
    from ecq_scan.config import Settings

    assert not any("public" in name for name in Settings.model_fields)
    fetcher_guard = Fetcher(hostile_settings()).guard
    assert fetcher_guard.policy == AddressPolicy(allow_private=False)
    assert json.dumps(hostile_settings().model_dump()).find("extra_public") == -1


@pytest.mark.hostile_case("H31")
def test_h31_pinned_address_still_verifies_tls_by_host_name(tmp_path: Path) -> None:
    """The guard dials the checked IP, but TLS is negotiated for the host name: SNI carries
    the name and the certificate is verified against it (not against 127.0.0.2)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=shop.tls.test", "-addext", "subjectAltName=DNS:shop.tls.test",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    seen_sni: list[str | None] = []
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(cert, key)
    server_ctx.sni_callback = lambda sock, name, ctx: seen_sni.append(name)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            return

        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

    httpd = HTTPServer((PUBLIC_HOST, 0), Handler)
    httpd.socket = server_ctx.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    port = httpd.server_address[1]
    client_ctx = ssl.create_default_context(cafile=str(cert))
    dns = FakeDNS({"shop.tls.test": [[PUBLIC_HOST]]})

    async def get(url: str) -> int:
        transport = GuardedTransport(
            SSRFGuard(hostile_guard().policy, dns), limits=httpx.Limits(), verify=client_ctx
        )
        async with httpx.AsyncClient(transport=transport) as client:
            return (await client.get(url)).status_code

    try:
        assert asyncio.run(get(f"https://shop.tls.test:{port}/")) == 200
        assert seen_sni == ["shop.tls.test"]
        with pytest.raises(httpx.ConnectError):  # an IP URL does not match the certificate
            asyncio.run(get(f"https://{PUBLIC_HOST}:{port}/"))
    finally:
        httpd.shutdown()
        httpd.server_close()
