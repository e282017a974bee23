"""The whole sample shops (fixtures/sites/*) through the checks alone — no server, no crawler.

The end-to-end tests scan the same shops over HTTP; this one pins the checks' part of the result
(outcomes and disclosures, schema in fixtures/sites/README.md) so a check regression shows up
here, fast and with the check named, rather than as a changed grade.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from ecq_scan.artifacts import parse_html
from ecq_scan.checks.base import PageSummary, SiteContext, Verdict
from ecq_scan.checks.registry import load_catalogue
from ecq_scan.models import Disclosure, EnterpriseType

SITES = Path(__file__).resolve().parents[2] / "fixtures" / "sites"
BASE = "http://127.0.0.1:8000/"
_CJK = re.compile(r"[\u4e00-\u9fff]")
_RANK = {"error": 4, "fail": 3, "needs_review": 2, "pass": 1, "not_applicable": 0}
CATALOGUE = {c.meta.id: c for c in load_catalogue()}
#: shops whose outcomes need a browser (`render:` in expected.yaml) are asserted by tests/browser
SITE_DIRS = sorted(
    p.parent
    for p in SITES.glob("*/expected.yaml")
    if "render" not in (yaml.safe_load(p.read_text("utf-8")) or {})
)


def _fold(s: str | None) -> str:
    return unicodedata.normalize("NFKC", s or "").casefold()


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("gb18030")  # help/shipping.html in good-zh is GBK on purpose


@cache
def scan(name: str) -> tuple[dict[str, Any], dict[str, Verdict]]:
    root = SITES / name
    expected: dict[str, Any] = yaml.safe_load((root / "expected.yaml").read_text("utf-8"))
    pages = []
    for path in sorted(root.rglob("*.html")):
        rel = path.relative_to(root).as_posix()
        url = BASE + ("" if rel == "index.html" else rel)
        pages.append(parse_html(_decode(path.read_bytes()), url=url))
    site = SiteContext(
        BASE,
        EnterpriseType(expected["enterprise_type"]),
        tuple(
            PageSummary(p.url, p.role, ok=True, chinese=bool(_CJK.search(p.text))) for p in pages
        ),
    )
    verdicts = {}
    for check_id, check in CATALOGUE.items():
        hits = [h for p in pages if check.applies_to_page(p) for h in check.observe(p)]
        verdicts[check_id] = check.conclude(hits, site)
    return expected, verdicts


def _disclosures(verdicts: dict[str, Verdict]) -> list[Disclosure]:
    return [d for v in verdicts.values() for d in v.disclosures]


@pytest.mark.parametrize("site_dir", SITE_DIRS, ids=lambda p: p.name)
def test_site_outcomes(site_dir: Path) -> None:
    expected, verdicts = scan(site_dir.name)
    got = {
        check_id: max((f.outcome.value for f in verdicts[check_id].findings), key=_RANK.__getitem__)
        for check_id in expected.get("outcomes", {})
        if check_id in verdicts
    }
    want = {k: v for k, v in expected.get("outcomes", {}).items() if k in verdicts}
    assert got == want


@pytest.mark.parametrize("site_dir", SITE_DIRS, ids=lambda p: p.name)
def test_site_disclosures(site_dir: Path) -> None:
    expected, verdicts = scan(site_dir.name)
    found = _disclosures(verdicts)
    for item in expected.get("disclosures", []):
        same_key = [d for d in found if d.key == item["key"]]
        if "value" in item:
            ok = any(d.value == item["value"] for d in same_key)
        else:
            needle = _fold(item["value_contains"])
            ok = any(needle in _fold(d.value) or needle in _fold(d.snippet) for d in same_key)
        assert ok, (item, [(d.value, d.snippet) for d in same_key])
    for key in expected.get("absent_disclosures", []):
        assert [d.value for d in found if d.key == key] == [], key
    for item in expected.get("forbidden_disclosures", []):
        needle = _fold(item["value_contains"])
        assert not [d for d in found if d.key == item["key"] and needle in _fold(d.value)], item
