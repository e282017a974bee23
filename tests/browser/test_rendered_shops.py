"""The JavaScript-built fixture shops, scanned with the real CLI and a real Chromium.

js-shop builds everything (footer, policy links, prices) in the browser; lazy-footer-shop loads
its footer only when it scrolls into view. With `--render auto` both must come out as their
expected.yaml says; with `--render never` the footer items must not pass, and every check that
needs a browser must say that rendering was turned off. An audit of a rendered run replays the
stored DOM offline and reproduces the findings.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
import yaml

from ecq_scan.crawl.browser import RENDER_OFF
from ecq_scan.devserver import serve_directory
from tests.conftest import SITES, CliRun, run_cli

pytestmark = pytest.mark.browser
SEVERITY = ["error", "fail", "needs_review", "pass", "not_applicable"]
Scan = tuple[dict[str, Any], dict[str, Any], Path]


def _outcome(findings: list[dict[str, Any]], check_id: str) -> str | None:
    got = [f["outcome"] for f in findings if f["check_id"] == check_id]
    return min(got, key=SEVERITY.index) if got else None


def _scan(shop: str, out: Path, browser: str, *flags: str) -> tuple[dict[str, Any], CliRun]:
    expected = yaml.safe_load((SITES / shop / "expected.yaml").read_text("utf-8"))
    with serve_directory(SITES / shop) as base:
        run = run_cli(
            "scan",
            base,
            "--out",
            out,
            "--delay",
            "0",
            "--quiet",
            "--type",
            expected["enterprise_type"],
            *flags,
            env={"ECQ_BROWSER": browser},
        )
    assert run.code == 0, run.stderr
    assert "Traceback" not in run.stderr
    return expected, run


@pytest.fixture(scope="module")
def js_auto(browser_path: str, tmp_path_factory: pytest.TempPathFactory) -> Scan:
    out = tmp_path_factory.mktemp("js-auto") / "run"
    expected, run = _scan("js-shop", out, browser_path, "--render", "auto")
    return expected, run.result(out), out


@pytest.fixture(scope="module")
def js_never(browser_path: str, tmp_path_factory: pytest.TempPathFactory) -> Scan:
    out = tmp_path_factory.mktemp("js-never") / "run"
    expected, run = _scan("js-shop", out, browser_path, "--render", "never")
    return expected, run.result(out), out


@pytest.fixture(scope="module")
def lazy_auto(browser_path: str, tmp_path_factory: pytest.TempPathFactory) -> Scan:
    out = tmp_path_factory.mktemp("lazy-auto") / "run"
    expected, run = _scan("lazy-footer-shop", out, browser_path)  # --render auto by default
    return expected, run.result(out), out


def _assert_expected(expected: dict[str, Any], result: dict[str, Any]) -> None:
    wrong = {
        check: (want, _outcome(result["findings"], check))
        for check, want in expected["outcomes"].items()
        if _outcome(result["findings"], check) != want
    }
    assert not wrong, f"check: (expected, got) = {wrong}"
    got = result["disclosures"]
    for want in expected.get("disclosures", []):
        same = [d for d in got if d["key"] == want["key"]]
        if "value" in want:
            assert any(d["value"] == want["value"] for d in same), (want, same)
        else:
            assert any(want["value_contains"] in d["value"] for d in same), (want, same)
    for key in expected.get("absent_disclosures", []):
        assert not [d for d in got if d["key"] == key], key


def test_js_shop_passes_when_rendered(js_auto: Scan) -> None:
    expected, result, _ = js_auto
    assert expected["render"] == "auto"
    _assert_expected(expected, result)


def test_js_shop_links_come_from_the_rendered_dom(js_auto: Scan) -> None:
    _, result, _ = js_auto
    urls = {p["url"].split("/", 3)[3] for p in result["pages"]}
    # the static HTML links nothing: every one of these was found in the rendered DOM
    assert {"", "help/returns.html", "privacy.html", "terms.html", "licence.html"} <= urls
    for page in result["pages"]:
        render = page["render"]
        assert render is not None and render["error"] is None, page["url"]
        assert "#app" in render["reason"] or render["reason"] == "home page", render["reason"]
        assert render["dom_sha256"] and render["dom_snapshot"]
    assert result["provenance"]["browser_version"]


def test_rendered_dom_is_stored_with_its_hash(js_auto: Scan) -> None:
    _, result, out = js_auto
    for page in result["pages"]:
        render = page["render"]
        data = (out / render["dom_snapshot"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == render["dom_sha256"]
        assert b'id="app"' in data and b"<footer" in data  # the DOM after the script ran


def test_home_screenshot_and_axe(js_auto: Scan) -> None:
    _, result, out = js_auto
    home = next(p for p in result["pages"] if p["role"] == "home")
    render = home["render"]
    png = (out / render["screenshot"]).read_bytes()
    assert png.startswith(b"\x89PNG")
    assert hashlib.sha256(png).hexdigest() == render["screenshot_sha256"]
    assert render["axe"]["engine_version"] and render["axe"]["error"] is None
    assert render["cookies_before_consent"] == [] and render["third_party_hosts"] == []
    assert render["consent_notice"] is False
    others = [p for p in result["pages"] if p["role"] != "home"]
    assert all(p["render"]["screenshot"] is None for p in others)  # home page only


def test_js_shop_without_rendering(js_never: Scan) -> None:
    expected, result, _ = js_never
    assert [p["render"] for p in result["pages"]] == [None]  # one empty page, no links
    for check, want in expected["outcomes_without_browser"].items():
        assert _outcome(result["findings"], check) == want, check
    footer_checks = ("icp-filing", "public-security-filing", "business-licence", "price-display")
    for check in footer_checks:
        assert _outcome(result["findings"], check) != "pass", check
    needing = [c["id"] for c in result["checks"] if c["requires_browser"]]
    for check in needing:
        found = [f for f in result["findings"] if f["check_id"] == check]
        assert [f["outcome"] for f in found] == ["error"], check
        assert RENDER_OFF in found[0]["message"]["en"], found[0]["message"]
    assert result["provenance"]["browser_version"] is None


def test_lazy_footer_found_after_scrolling(lazy_auto: Scan) -> None:
    expected, result, out = lazy_auto
    _assert_expected(expected, result)
    home = next(p for p in result["pages"] if p["role"] == "home")
    assert home["render"]["scrolled_steps"] >= 1
    static = (out / home["snapshot"]).read_text("utf-8")
    rendered = (out / home["render"]["dom_snapshot"]).read_text("utf-8")
    assert "沪ICP备2022018834号-1" not in static  # only the scrolled-to footer holds it
    assert "沪ICP备2022018834号-1" in rendered


def test_audit_replays_a_rendered_run_offline(js_auto: Scan) -> None:
    _, result, out = js_auto
    audit_out = out.parent / "audit"
    # no browser can be found or started: the audit must not need one
    run = run_cli("audit", out, "--out", audit_out, "--quiet", env={"PATH": "/nonexistent"})
    assert run.code == 0, run.stderr
    audited = run.result(audit_out)
    assert audited["provenance"]["offline_audit"] is True
    assert audited["provenance"]["browser_version"] == result["provenance"]["browser_version"]

    def key(findings: list[dict[str, Any]]) -> list[tuple[str, str, str | None]]:
        return sorted((f["check_id"], f["outcome"], f["url"]) for f in findings)

    assert key(audited["findings"]) == key(result["findings"])
    assert audited["disclosures"] == result["disclosures"]

    def shots(findings: list[dict[str, Any]]) -> list[str]:
        return sorted(e["screenshot"] for f in findings for e in f["evidence"] if e["screenshot"])

    assert shots(audited["findings"]) == shots(result["findings"])
