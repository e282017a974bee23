"""Property and fuzz tests (hostile-sites note §6): P1 URL canonicalisation, P2 the SSRF
address classifier, P3 decoding, and a short fuzz of HTML → artifacts.

Each property states something that must hold for every input, not just the examples we
thought of: canonicalisation is idempotent and never raises anything but its documented
ValueError; every address inside a refused network is refused in every spelling (plain,
IPv4-mapped, NAT64, 6to4, Teredo, IPv4-compatible); decoding always returns text; the parser
never raises on any text.
"""

from __future__ import annotations

import contextlib
import ipaddress
import string

import httpx
from hypothesis import assume, example, given
from hypothesis import strategies as st

from ecq_scan.artifacts import parse_html
from ecq_scan.crawl.encoding import LABELS, decode_html
from ecq_scan.crawl.scope import SESSION_PARAMS, canonical
from ecq_scan.crawl.ssrf import (
    DENY_TABLE,
    PRIVATE_KINDS,
    AddressKind,
    AddressPolicy,
    classify,
    literal_address,
)

# ------------------------------------------------------------------------------ P1 URLs

_label = st.text(string.ascii_lowercase + string.digits + "-", min_size=1, max_size=12).filter(
    lambda s: not s.startswith("-") and not s.endswith("-")
)
_hosts = st.one_of(
    st.lists(_label, min_size=1, max_size=4).map(lambda parts: ".".join([*parts, "cn"])),
    st.ip_addresses(v=4).map(str),
    st.ip_addresses(v=6).map(lambda a: f"[{a}]"),
    st.sampled_from(["localhost", "xn--fiqs8s.cn", "例子.中国", "Shop.Example.COM.", "0x7f.1"]),
)
_segment = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="/?#"), max_size=10
)
_param = st.tuples(
    st.one_of(
        st.sampled_from([*sorted(SESSION_PARAMS), "utm_source", "color", "page", "q"]), _label
    ),
    st.text(string.ascii_letters + string.digits + "%-_.~+", max_size=33),
)


@st.composite
def urls(draw: st.DrawFn) -> str:
    scheme = draw(st.sampled_from(["http", "https", "HTTP", "HtTpS"]))
    host = draw(_hosts)
    port = draw(st.one_of(st.none(), st.integers(1, 65535)))
    path = "/".join(draw(st.lists(_segment, max_size=5)))
    params = draw(st.lists(_param, max_size=6))
    query = "&".join(f"{k}={v}" for k, v in params)
    frag = draw(st.one_of(st.none(), _segment))
    session = draw(st.sampled_from(["", ";jsessionid=ABCDEF0123456789", ";sid=x"]))
    netloc = host + (f":{port}" if port is not None else "")
    url = f"{scheme}://{netloc}/{path}{session}"
    if query:
        url += "?" + query
    if frag is not None:
        url += "#" + frag
    return url


@given(urls())
@example("http://shop.example.cn/a;jsessionid=XYZ?b=2&a=1&utm_source=x#top")
def test_p1_canonical_is_idempotent_and_drops_sessions(url: str) -> None:
    try:
        once = canonical(url)
    except ValueError:
        return  # documented: a URL that does not parse (an invalid port …)
    assert canonical(once) == once
    query = once.partition("?")[2]
    names = {p.split("=", 1)[0].lower() for p in query.split("&") if p}
    assert not names & SESSION_PARAMS
    assert not any(n.startswith("utm_") for n in names)
    assert "#" not in once and ";jsessionid=" not in once.lower()


@given(st.text(max_size=200))
def test_p1_canonical_never_raises_other_than_value_error(text: str) -> None:
    with contextlib.suppress(ValueError):
        canonical(text)


@given(urls())
def test_p1_canonical_host_is_the_host_httpx_connects_to(url: str) -> None:
    """Differential: the host ecq-scan reasons about (scope, guard) is httpx's host."""
    try:
        once = canonical(url)
        ours = httpx.URL(once).host
        theirs = httpx.URL(url).host
    except (ValueError, httpx.InvalidURL):
        return
    assume(theirs)
    assert ours.rstrip(".") == theirs.rstrip(".").lower() or ours == str(
        ipaddress.ip_address(theirs.strip("[]"))
    )


# ------------------------------------------------------------------------------ P2 addresses

_REFUSED_NETS = [net for net, _kind in DENY_TABLE]


@st.composite
def refused_v4(draw: st.DrawFn) -> ipaddress.IPv4Address:
    net = draw(st.sampled_from([n for n in _REFUSED_NETS if n.version == 4]))
    offset = draw(st.integers(0, net.num_addresses - 1))
    return ipaddress.IPv4Address(int(net.network_address) + offset)


@st.composite
def refused_v6(draw: st.DrawFn) -> ipaddress.IPv6Address:
    net = draw(st.sampled_from([n for n in _REFUSED_NETS if n.version == 6]))
    offset = draw(st.integers(0, min(net.num_addresses, 2**64) - 1))
    return ipaddress.IPv6Address(int(net.network_address) + offset)


def _refused(addr: ipaddress.IPv4Address | ipaddress.IPv6Address, policy: AddressPolicy) -> bool:
    return policy.refusal(str(addr), addr) is not None


def _embeddings(v4: ipaddress.IPv4Address) -> list[ipaddress.IPv6Address]:
    n = int(v4)
    return [
        ipaddress.IPv6Address((0xFFFF << 32) | n),  # ::ffff:a.b.c.d
        ipaddress.IPv6Address((0x0064FF9B << 96) | n),  # 64:ff9b::a.b.c.d (NAT64)
        ipaddress.IPv6Address((0x2002 << 112) | (n << 80)),  # 2002:aabb:ccdd:: (6to4)
        ipaddress.IPv6Address((0x20010000 << 96) | (n ^ 0xFFFFFFFF)),  # Teredo client
        ipaddress.IPv6Address(n if n > 1 else n + 2),  # ::a.b.c.d (IPv4-compatible)
    ]


@given(refused_v4())
def test_p2_every_address_of_a_refused_v4_network_is_refused_in_every_spelling(
    v4: ipaddress.IPv4Address,
) -> None:
    policy = AddressPolicy()
    assert _refused(v4, policy)
    for v6 in _embeddings(v4):
        assert _refused(v6, policy), f"{v6} (carrying {v4}) was allowed"


@given(refused_v6())
def test_p2_every_address_of_a_refused_v6_network_is_refused(v6: ipaddress.IPv6Address) -> None:
    assert _refused(v6, AddressPolicy())


@given(st.integers(0, 2**32 - 1))
def test_p2_mapped_and_nat64_forms_are_judged_as_their_ipv4(n: int) -> None:
    v4 = ipaddress.IPv4Address(n)
    mapped = ipaddress.IPv6Address((0xFFFF << 32) | n)
    nat64 = ipaddress.IPv6Address((0x0064FF9B << 96) | n)
    assert classify(mapped).kind is classify(v4).kind
    assert classify(nat64).kind is classify(v4).kind
    for policy in (AddressPolicy(), AddressPolicy(allow_private=True)):
        assert _refused(mapped, policy) == _refused(v4, policy)


@given(st.ip_addresses())
def test_p2_classifier_agrees_with_a_naive_reference(
    addr: ipaddress.IPv4Address | ipaddress.IPv6Address,
) -> None:
    """Reference: refused iff in the deny table (after unwrapping mapped/NAT64), or in a
    tunnel form, or not globally routable."""
    kind = classify(addr).kind
    probe: ipaddress.IPv4Address | ipaddress.IPv6Address = addr
    if isinstance(addr, ipaddress.IPv6Address) and (
        addr.ipv4_mapped is not None or addr in ipaddress.IPv6Network("64:ff9b::/96")
    ):
        probe = ipaddress.IPv4Address(addr.packed[-4:])
    in_table = any(probe.version == n.version and probe in n for n in _REFUSED_NETS)
    global_v6 = probe.version == 4 or probe in ipaddress.IPv6Network("2000::/3")
    tunnel = isinstance(addr, ipaddress.IPv6Address) and (
        addr.sixtofour is not None
        or addr.teredo is not None
        or (addr in ipaddress.IPv6Network("::/96") and int(addr) > 1)
    )
    naive_refused = in_table or tunnel or not global_v6 or not probe.is_global
    assert (kind is not AddressKind.PUBLIC) == naive_refused
    allowed_private = kind in PRIVATE_KINDS
    assert _refused(addr, AddressPolicy(allow_private=True)) == (
        naive_refused and not allowed_private
    )


@given(st.integers(0, 2**32 - 1), st.sampled_from(["dec", "hex", "oct", "short", "dotted"]))
def test_p2_numeric_host_spellings_mean_the_same_address(n: int, form: str) -> None:
    a, b, c, d = ipaddress.IPv4Address(n).packed
    spelled = {
        "dec": str(n),
        "hex": hex(n),
        "oct": "0" + oct(n)[2:],
        "short": f"{a}.{(b << 16) | (c << 8) | d}",
        "dotted": f"0x{a:x}.0{b:o}.{c}.{d}",
    }[form]
    assert literal_address(spelled) == ipaddress.IPv4Address(n)


# ------------------------------------------------------------------------------ P3 decoding

_labels = st.one_of(
    st.sampled_from(sorted(LABELS)),
    st.text(string.ascii_letters + string.digits + "-_:.\"' ", max_size=20),
)


@given(st.binary(max_size=3000), _labels, st.booleans())
def test_p3_decoding_never_raises_and_always_returns_text(
    body: bytes, label: str, with_meta: bool
) -> None:
    if with_meta:
        body = f'<meta charset="{label}">'.encode("ascii", "replace") + body
    text, codec = decode_html(body, f"text/html; charset={label}")
    assert isinstance(text, str) and isinstance(codec, str)
    assert len(text) <= 2 * len(body) + 3


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300))
def test_p3_gbk_labels_decode_like_gb18030(text: str) -> None:
    body = text.encode("gb18030")
    want, _ = decode_html(body, "text/html; charset=gb18030")
    for label in ("gb2312", "gbk", "GBK", "x-gbk"):
        got, _ = decode_html(body, f"text/html; charset={label}")
        assert got == want


# ------------------------------------------------------------------------------ HTML fuzz

_tags = st.sampled_from(
    ["<div>", "</div>", "<a href='", "'>", "</a>", "<table><tr><td>", "<script>", "</script>",
     "<!--", "-->", "<svg><math>", "<base href='javascript:x'>", "<meta charset=gbk>", "&#0;",
     "&amp", "<p title=\"", "\"", "<title>", "</title>", "<footer>", "京ICP备12345678号", "\x00"]
)  # fmt: skip


@given(st.lists(st.one_of(_tags, st.text(max_size=20)), max_size=60))
def test_fuzz_parse_html_never_raises_on_tag_soup(pieces: list[str]) -> None:
    page = parse_html(
        "".join(pieces),
        url="http://shop.example.cn/p",
        status=200,
        headers={},
        content_type="text/html",
    )
    assert isinstance(page.text, str)


@given(st.binary(max_size=4000))
def test_fuzz_parse_html_never_raises_on_random_bytes(data: bytes) -> None:
    text, _codec = decode_html(data, "text/html")
    page = parse_html(
        text, url="http://shop.example.cn/", status=200, headers={}, content_type="text/html"
    )
    assert isinstance(page.text, str)
