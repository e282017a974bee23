"""Scope, canonical URLs and start-URL validation: pure functions, no network."""

from __future__ import annotations

import pytest

from ecq_scan.crawl import canonical, in_scope, registrable_domain, validate_start_url
from ecq_scan.crawl.urls import non_html_extension, non_web_scheme, trap_reason
from ecq_scan.errors import InputError


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("www.x.com.cn", "x.com.cn"),
        ("help.x.com.cn", "x.com.cn"),
        ("x.com.cn", "x.com.cn"),
        ("shop.example.co.uk", "example.co.uk"),
        ("a.b.taobao.com", "taobao.com"),
        ("alice.github.io", "alice.github.io"),  # private suffix: each user is a site
        ("WWW.Example.COM.", "example.com"),
        ("localhost", "localhost"),
        ("127.0.0.1", "127.0.0.1"),
        ("com.cn", "com.cn"),
    ],
)
def test_registrable_domain(host: str, expected: str) -> None:
    assert registrable_domain(host) == expected


@pytest.mark.parametrize(
    ("url", "start", "expected"),
    [
        ("https://help.x.com.cn/faq", "https://www.x.com.cn/", True),
        ("http://x.com.cn/", "https://www.x.com.cn/", True),
        ("https://www.y.com.cn/", "https://www.x.com.cn/", False),
        ("https://x.com.cn.evil.com/", "https://www.x.com.cn/", False),
        ("https://bob.github.io/", "https://alice.github.io/", False),
        ("http://127.0.0.1:9000/a", "http://127.0.0.1:8000/", True),  # IPs: host only, any port
        ("http://127.0.0.2:8000/a", "http://127.0.0.1:8000/", False),
        ("http://localhost:1/", "http://localhost:2/", True),
        ("http://other/", "http://localhost/", False),
        ("mailto:a@x.com.cn", "https://www.x.com.cn/", False),
        ("ftp://www.x.com.cn/", "https://www.x.com.cn/", False),
    ],
)
def test_in_scope(url: str, start: str, expected: bool) -> None:
    assert in_scope(url, start) is expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTP://WWW.X.COM:80", "http://www.x.com/"),
        ("https://x.com:443/a#frag", "https://x.com/a"),
        ("https://x.com:8443/a", "https://x.com:8443/a"),
        ("https://x.com/p?b=2&a=1", "https://x.com/p?a=1&b=2"),
        ("https://x.com/p?a=1&utm_source=x&PHPSESSID=abc&sid=1&b=2", "https://x.com/p?a=1&b=2"),
        ("https://x.com/cart;jsessionid=ABC123?x=1", "https://x.com/cart?x=1"),
        ("https://x.com/p?utm_campaign=z", "https://x.com/p"),
        ("https://user:pw@x.com/", "https://x.com/"),
        ("https://x.com/商品/1", "https://x.com/%E5%95%86%E5%93%81/1"),
        ("https://x.com/%E5%95%86%E5%93%81/1", "https://x.com/%E5%95%86%E5%93%81/1"),
        ("http://[::1]:8080/a", "http://[::1]:8080/a"),
    ],
)
def test_canonical(url: str, expected: str) -> None:
    assert canonical(url) == expected


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("shop.example.com", "https://shop.example.com/"),
        ("  https://Shop.Example.com  ", "https://shop.example.com/"),
        ("localhost:8080/", "https://localhost:8080/"),
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000/"),
    ],
)
def test_validate_start_url_accepts(given: str, expected: str) -> None:
    assert validate_start_url(given) == expected


@pytest.mark.parametrize(
    ("given", "fragment"),
    [
        ("", "empty"),
        ("ftp://shop.example.com/", "scheme"),
        ("mailto:boss@shop.example.com", "scheme"),
        ("javascript:alert(1)", "scheme"),
        ("http:///path-only", "no host"),
        ("https://shop.example.com/a b", "spaces"),
        ("https://user:pw@shop.example.com/", "user name or password"),
        ("https://shop.example.com:99999/", "does not parse"),
        ("https://shop<script>.com/", "invalid host"),
    ],
)
def test_validate_start_url_rejects(given: str, fragment: str) -> None:
    with pytest.raises(InputError) as info:
        validate_start_url(given)
    assert fragment in str(info.value)


def test_url_filters() -> None:
    assert non_html_extension("https://x.com/a/manual.PDF") == ".pdf"
    assert non_html_extension("https://x.com/img/logo.png?v=2") == ".png"
    assert non_html_extension("https://x.com/help.html") is None
    assert non_html_extension("https://x.com/v1.2/about") is None
    assert non_web_scheme("javascript:void(0)") == "javascript"
    assert non_web_scheme("https://x.com/") is None
    assert trap_reason("https://x.com/a/a/a/") is not None
    assert trap_reason("https://x.com/a/a/b/") is None
    assert trap_reason("https://x.com/" + "/".join(str(i) for i in range(25))) is not None
    assert trap_reason("https://x.com/?q=" + "x" * 3000) is not None
