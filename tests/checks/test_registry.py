"""The check catalogue: loads, ids unique, metadata complete, fixtures present, checks pure."""

from __future__ import annotations

import time
from functools import cache
from pathlib import Path

import pytest
import yaml

from ecq_scan.artifacts import PageArtifacts, parse_html
from ecq_scan.checks.base import Check, PageSummary, SiteContext
from ecq_scan.checks.registry import BUILTIN_CHECKS, load_catalogue
from ecq_scan.models import EnterpriseType, PageRole

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "checks"

#: id → (kind, clauses, Annex A indicators, absence_is_failure), as specified for this release
EXPECTED = {
    "icp-filing": ("python", ["4.1", "6.2.4"], [1], True),
    "telecom-licence": ("python", ["4.1", "6.2.4"], [1], False),
    "public-security-filing": ("python", ["4.1", "6.2.4"], [1], True),
    "business-licence": ("python", ["4.1", "6.2.4"], [1, 16], True),
    "return-policy": ("yaml", ["4.2", "6.1.8"], [16, 20], True),
    "delivery-commitment": ("yaml", ["4.2", "6.1.10"], [14, 16], True),
    "after-sales-commitment": ("yaml", ["4.2", "6.1.8"], [20], True),
    "complaint-channel": ("yaml", ["4.5", "6.1.9"], [17, 20], True),
    "terms-of-service": ("yaml", ["7.2.1", "6.1.5"], [16, 17], True),
    "privacy-policy": ("yaml", ["7.8.6"], [22], True),
    "shipping-fee": ("yaml", ["7.2.2"], [14, 16], True),
    "price-display": ("python", ["7.2.2"], [16], False),
    "absolute-ad-terms": ("python", ["7.7.1"], [16, 23], False),
}

CATALOGUE = load_catalogue()
BY_ID = {c.meta.id: c for c in CATALOGUE}


def test_catalogue_ids_unique() -> None:
    ids = [c.meta.id for c in CATALOGUE]
    assert len(ids) == len(set(ids))


def test_builtin_checks_are_classes_with_meta() -> None:
    for cls in BUILTIN_CHECKS:
        assert isinstance(cls.__dict__.get("meta"), type(BY_ID["icp-filing"].meta)), cls
        assert cls.meta.source == "builtin"
        assert cls.__doc__ and cls.__module__.startswith("ecq_scan.checks.builtin.")


@pytest.mark.parametrize("check_id", sorted(EXPECTED))
def test_expected_metadata(check_id: str) -> None:
    kind, clauses, indicators, absence = EXPECTED[check_id]
    meta = BY_ID[check_id].meta
    assert meta.source == ("builtin" if kind == "python" else f"yaml:{check_id}.yaml")
    assert meta.clauses == clauses
    assert meta.indicators == indicators
    assert meta.absence_is_failure is absence


@pytest.mark.parametrize("check", CATALOGUE, ids=lambda c: c.meta.id)
def test_every_check_is_bilingual_and_cited(check: Check) -> None:
    meta = check.meta
    for text in (meta.title_pass, meta.title_fail, meta.description):
        assert text.zh.strip() and text.en.strip()
        assert any("\u4e00" <= ch <= "\u9fff" for ch in text.zh), text.zh
    assert meta.legal_basis, "cite the law or clause the check rests on"
    assert meta.enterprise_types


@pytest.mark.parametrize("check", CATALOGUE, ids=lambda c: c.meta.id)
def test_every_check_has_fixtures(check: Check) -> None:
    case_dir = FIXTURES / check.meta.id
    expected_file = case_dir / "expected.yaml"
    assert expected_file.is_file(), f"missing {expected_file}"
    cases = yaml.safe_load(expected_file.read_text("utf-8"))
    assert any(name.startswith("pass") for name in cases), "needs a pass*.html case"
    assert any(name.startswith("fail") for name in cases), "needs a fail*.html case"
    used = set(cases)
    for spec in cases.values():
        used |= {p["file"] for p in spec.get("pages", [])}
    on_disk = {p.name for p in case_dir.glob("*.html")}
    assert used <= on_disk, f"expected.yaml names missing files: {sorted(used - on_disk)}"
    assert on_disk <= used, f"fixture files not used by any case: {sorted(on_disk - used)}"


# --- purity and hostile text ------------------------------------------------------------------

SAMPLE = (FIXTURES / "business-licence" / "pass-gsxt.html").read_text("utf-8")


@pytest.mark.parametrize("check", CATALOGUE, ids=lambda c: c.meta.id)
def test_observe_and_conclude_are_pure(check: Check) -> None:
    page = parse_html(SAMPLE, url="https://www.yunqi.example.cn/")
    first = check.observe(page)
    assert check.observe(page) == first
    site = SiteContext(
        "https://www.yunqi.example.cn/",
        EnterpriseType.PLATFORM,
        (PageSummary(page.url, page.role, ok=True, chinese=True),),
    )
    frozen = list(first)
    a = check.conclude(first, site)
    b = check.conclude(first, site)
    assert first == frozen
    assert a.findings == b.findings and a.disclosures == b.disclosures


BAIT_BODIES = [
    "<p>" + "1" * 40_000 + "</p>",
    "<p>" + "京ICP备" * 20_000 + "</p>",
    "<p>" + "a" * 50_000 + "!</p>",
    "<p>" + "@" * 20_000 + "a" * 20_000 + "</p>",
    "<p>" + "统一社会信用代码" * 5_000 + "9" * 20_000 + "</p>",
    "<p>" + "最第一" * 10_000 + "</p>",
    "<p>" + "投诉电话" * 10_000 + "</p>",
    "<p>" + "第一次第一名" * 10_000 + "</p>",
    "<footer>" + '<a href="/x">营业执照</a>' * 2_000 + "</footer>",
    "<footer>" + '<a href="/x">我要投诉 隐私政策 用户协议 退换货政策</a>' * 2_000 + "</footer>",
    "<main>" + "<p>¥1 满99元包邮 48小时内发货 24小时内响应</p>" * 3_000 + "</main>",
]


@cache
def bait_pages() -> list[tuple[PageArtifacts, PageRole]]:
    out = []
    for body in BAIT_BODIES:
        for url, role in (
            ("http://bait.example.cn/", PageRole.HOME),
            ("http://bait.example.cn/product/1.html", PageRole.PRODUCT),
        ):
            page = parse_html(f"<html><body>{body}</body></html>", url=url)
            assert page.role is role
            out.append((page, role))
    return out


@pytest.mark.parametrize("check", CATALOGUE, ids=lambda c: c.meta.id)
def test_checks_stay_fast_on_hostile_text(check: Check) -> None:
    """hostile-sites H23: a page built to defeat the regexes must not stall a check. The bound
    is loose on purpose: it catches super-linear patterns, not small slowdowns."""
    for page, role in bait_pages():
        site = SiteContext(
            page.url,
            EnterpriseType.PLATFORM,
            (PageSummary(page.url, role, ok=True, chinese=True),),
        )
        started = time.perf_counter()
        check.conclude(check.observe(page), site)
        elapsed = time.perf_counter() - started
        assert elapsed < 2.0, f"{check.meta.id} took {elapsed:.2f}s on {page.text[:30]!r}"
