"""Structure of the fixture shops in fixtures/sites/ (not the scan: tests/e2e does that).

Every expected.yaml parses and uses known vocabulary; every internal link, image, stylesheet and
form action resolves to a file, relatively (so a site works on any port); the GBK page really is GBK
bytes and the devserver labels it `charset=gb2312` once; the English shop holds no Chinese text.
"""

from __future__ import annotations

import json
import posixpath
import re
import urllib.request
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from ecq_scan.devserver import serve_directory
from ecq_scan.models import DISCLOSURE_KEYS, EnterpriseType, Outcome

SITES = Path(__file__).resolve().parents[2] / "fixtures" / "sites"
REQUIRED_SITES = {"good-zh", "bad-zh", "good-en"}
SHOPS = sorted(p.name for p in SITES.iterdir() if (p / "expected.yaml").is_file())

#: The checks every whole-shop fixture states an outcome for.
CORE_CHECKS = {
    "icp-filing",
    "telecom-licence",
    "public-security-filing",
    "business-licence",
    "return-policy",
    "delivery-commitment",
    "after-sales-commitment",
    "complaint-channel",
    "terms-of-service",
    "privacy-policy",
    "shipping-fee",
    "price-display",
    "absolute-ad-terms",
}
CHECK_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")
GBK_PAGE = ("good-zh", "help/shipping.html")

# (tag, attribute) pairs that point at another file of the site
_LINK_ATTRS = {
    ("a", "href"),
    ("link", "href"),
    ("img", "src"),
    ("script", "src"),
    ("iframe", "src"),
    ("source", "src"),
    ("form", "action"),
}
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w-]+)""", re.I)


class _Refs(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.refs: list[tuple[str, str]] = []
        self.tags: list[str] = []
        self.lang: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for name, value in attrs:
            if (tag, name) in _LINK_ATTRS and value is not None:
                self.refs.append((tag, value))
            if tag == "html" and name == "lang":
                self.lang = value


def _pages(site: str) -> list[Path]:
    return sorted((SITES / site).rglob("*.html"))


def _rel(site: str, path: Path) -> str:
    return path.relative_to(SITES / site).as_posix()


def _decode(raw: bytes) -> str:
    m = _CHARSET.search(raw[:2048])
    return raw.decode(m.group(1).decode("ascii") if m else "utf-8")


def _parse(path: Path) -> _Refs:
    parser = _Refs()
    parser.feed(_decode(path.read_bytes()))
    parser.close()
    return parser


def _load(site: str) -> dict[str, Any]:
    data = yaml.safe_load((SITES / site / "expected.yaml").read_text("utf-8"))
    assert isinstance(data, dict)
    return data


def _json(site: str, name: str) -> dict[str, Any]:
    path = SITES / site / name
    return json.loads(path.read_text("utf-8")) if path.is_file() else {}


def test_the_three_shops_exist() -> None:
    assert set(SHOPS) >= REQUIRED_SITES


@pytest.mark.parametrize("site", SHOPS)
def test_expected_yaml_is_well_formed(site: str) -> None:
    exp = _load(site)
    assert exp["name"] == site
    assert exp["enterprise_type"] in {t.value for t in EnterpriseType}
    assert exp["lang"] in ("zh", "en")
    assert isinstance(exp["description"], str) and exp["description"].strip()

    outcomes = exp["outcomes"]
    assert isinstance(outcomes, dict) and outcomes
    for check, outcome in outcomes.items():
        assert CHECK_ID.match(check), f"check id {check!r} is not kebab-case"
        assert outcome in {o.value for o in Outcome}, f"{check}: unknown outcome {outcome!r}"
    if site in REQUIRED_SITES:
        assert set(outcomes) >= CORE_CHECKS, sorted(CORE_CHECKS - set(outcomes))
        assert outcomes["absolute-ad-terms"] != "fail", "absolute terms are never auto-failed"

    for item in exp.get("disclosures", []):
        assert item["key"] in DISCLOSURE_KEYS, item
        assert set(item) in ({"key", "value"}, {"key", "value_contains"}), item
        wanted = item.get("value", item.get("value_contains"))
        assert isinstance(wanted, str) and wanted, item
    absent = exp.get("absent_disclosures", [])
    assert all(isinstance(k, str) and k in DISCLOSURE_KEYS for k in absent), absent
    present = {d["key"] for d in exp.get("disclosures", [])}
    assert not present & set(absent), "a key cannot be both expected and absent"
    for item in exp.get("forbidden_disclosures", []):
        assert item["key"] in DISCLOSURE_KEYS and set(item) == {"key", "value_contains"}, item


@pytest.mark.parametrize("site", SHOPS)
def test_pages_are_html5_documents(site: str) -> None:
    exp = _load(site)
    pages = _pages(site)
    assert any(_rel(site, p) == "index.html" for p in pages)
    for page in pages:
        raw = page.read_bytes()
        assert raw.lstrip().lower().startswith(b"<!doctype html>"), _rel(site, page)
        parsed = _parse(page)
        assert parsed.lang is not None and parsed.lang.startswith(exp["lang"]), _rel(site, page)
        assert {"title", "body"} <= set(parsed.tags), _rel(site, page)


@pytest.mark.parametrize("site", SHOPS)
def test_internal_links_resolve_relatively(site: str) -> None:
    root = SITES / site
    broken: list[str] = []
    for page in _pages(site):
        rel = _rel(site, page)
        for tag, ref in _parse(page).refs:
            parts = urlsplit(ref.strip())
            if parts.scheme in ("mailto", "tel", "data", "javascript"):
                continue
            if parts.scheme or parts.netloc:
                host = (parts.hostname or "").lower()
                assert host not in ("127.0.0.1", "localhost"), f"{rel}: absolute local {ref}"
                continue  # an external site
            if not parts.path:
                continue  # "#fragment" or "?query" on the same page
            assert not parts.path.startswith("/"), f"{rel}: root-relative {ref}"
            target = posixpath.normpath(posixpath.join(posixpath.dirname(rel), parts.path))
            assert not target.startswith(".."), f"{rel}: {ref} leaves the site"
            if target == "." or parts.path.endswith("/"):
                target = posixpath.join(target, "index.html")
            if not (root / target).is_file():
                broken.append(f"{rel}: <{tag}> {ref}")
    assert not broken, broken


@pytest.mark.parametrize("site", SHOPS)
def test_robots_txt_allows_all_without_sitemap(site: str) -> None:
    robots = (SITES / site / "robots.txt").read_text("utf-8")
    assert "User-agent: *" in robots
    assert not re.search(r"(?im)^\s*disallow\s*:\s*/\s*$", robots)
    assert "sitemap" not in robots.lower(), "the port is unknown: no absolute sitemap URLs"


@pytest.mark.parametrize("site", SHOPS)
def test_devserver_maps_point_at_files(site: str) -> None:
    for name in ("_headers.json", "_status.json"):
        for url_path in _json(site, name):
            assert url_path.startswith("/"), (name, url_path)
            if name == "_headers.json":
                assert (SITES / site / url_path.lstrip("/")).is_file(), (name, url_path)


def test_gbk_page_is_gbk_bytes() -> None:
    site, rel = GBK_PAGE
    raw = (SITES / site / rel).read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    text = raw.decode("gbk")
    assert '<meta charset="gb2312">' in text
    assert "配送说明" in text and "48小时内发货" in text and "满99元包邮" in text
    # every character is in GB2312, so gb2312, gbk and gb18030 decoders all read the same text
    assert text.encode("gb2312") == raw
    headers = _json(site, "_headers.json")["/" + rel]
    assert headers == {"Content-type": "text/html; charset=gb2312"}


def test_devserver_labels_the_gbk_page_once() -> None:
    site, rel = GBK_PAGE
    with serve_directory(SITES / site) as base:
        with urllib.request.urlopen(base + rel, timeout=10) as resp:
            content_types = resp.headers.get_all("Content-Type")
            body = resp.read()
        with urllib.request.urlopen(base, timeout=10) as home:
            home_type = home.headers.get("Content-Type")
    assert content_types == ["text/html; charset=gb2312"]
    assert body == (SITES / site / rel).read_bytes()
    assert home_type == "text/html; charset=utf-8"


def test_english_shop_has_no_chinese_text() -> None:
    for path in sorted((SITES / "good-en").rglob("*")):
        if path.is_file() and path.suffix in (".html", ".txt", ".css", ".svg"):
            found = CJK.findall(path.read_text("utf-8"))
            assert not found, (path.name, found[:5])
