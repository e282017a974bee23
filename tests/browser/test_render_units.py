"""The browser layer's decisions that need no browser: discovery, which pages to render, what a
scan without a browser reports, evidence-screenshot bookkeeping, and the stored rendered DOM.

These run everywhere (no `browser` mark); the end-to-end "no browser at all" scan hides every
browser from the CLI through PATH and PLAYWRIGHT_BROWSERS_PATH.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from ecq_scan.analysis import Analysis
from ecq_scan.artifacts import PageArtifacts
from ecq_scan.checks.base import Check, Hit, SiteContext, Verdict
from ecq_scan.crawl.browser import (
    NO_BROWSER,
    RENDER_OFF,
    RenderPolicy,
    Shot,
    find_browser,
    js_shell_reason,
    static_shape,
)
from ecq_scan.crawl.fetcher import Snapshot
from ecq_scan.crawl.snapshots import SnapshotStore, read_rendered
from ecq_scan.devserver import serve_directory
from ecq_scan.errors import InputError
from ecq_scan.models import (
    CheckMeta,
    EnterpriseType,
    Evidence,
    Finding,
    I18nText,
    Outcome,
    PageRole,
    RenderInfo,
    Severity,
)
from ecq_scan.rendering import (
    attach_shots,
    evidence_targets,
    read_shot_index,
    write_shot_index,
)
from tests.conftest import SITES, run_cli

SHELL = (
    "<!doctype html><html lang='zh-CN'><head><title>店</title></head><body>"
    "<div id='app'></div><script src='app.js'></script></body></html>"
)
TEXT = "<p>" + "这是一段服务器渲染的正文，足够长，不是脚本外壳。" * 12 + "</p>"
WITH_FOOTER = (
    f"<html><body>{TEXT}<div id='footer'>京ICP备2024077296号-1 版权所有</div></body></html>"
)
NO_FOOTER = f"<html><body>{TEXT}<script>var x = 1;</script></body></html>"
EMPTY_FOOTER = (
    f"<html><body>{TEXT}<footer id='lazy-footer'></footer><script src='f.js'></script>"
    "</body></html>"
)


# ------------------------------------------------------------------ discovery


def _fake_exe(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\nexit 0\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def _no_playwright(tmp_path: Path) -> dict[str, str]:
    empty = tmp_path / "no-playwright-browsers"
    empty.mkdir(exist_ok=True)
    return {"PLAYWRIGHT_BROWSERS_PATH": str(empty)}


def test_find_browser_on_path_in_order(tmp_path: Path) -> None:
    chrome = _fake_exe(tmp_path / "bin" / "google-chrome")
    env = {"PATH": str(tmp_path / "bin"), **_no_playwright(tmp_path)}
    found = find_browser(env=env)
    assert found is not None and found.path == str(chrome) and found.source == "PATH"
    chromium = _fake_exe(tmp_path / "bin" / "chromium")
    found = find_browser(env=env)
    assert found is not None and found.path == str(chromium)


def test_find_browser_none(tmp_path: Path) -> None:
    env = {"PATH": str(tmp_path / "empty"), **_no_playwright(tmp_path)}
    assert find_browser(env=env) is None


def test_explicit_browser_wins_and_must_exist(tmp_path: Path) -> None:
    mine = _fake_exe(tmp_path / "opt" / "my-chrome")
    _fake_exe(tmp_path / "bin" / "chromium")
    env = {"PATH": str(tmp_path / "bin"), "ECQ_BROWSER": str(mine), **_no_playwright(tmp_path)}
    found = find_browser(env=env)
    assert found is not None and found.path == str(mine) and found.source == "ECQ_BROWSER"
    setting = find_browser(str(tmp_path / "bin" / "chromium"), env=env)
    assert setting is not None and setting.source == "setting"
    with pytest.raises(InputError, match="not an executable"):
        find_browser(str(tmp_path / "nope"), env=env)


def test_playwright_managed_browser_is_found(tmp_path: Path) -> None:
    import playwright

    package = Path(playwright.__file__).parent / "driver" / "package"
    browsers = json.loads((package / "browsers.json").read_text("utf-8"))["browsers"]
    rev = next(b["revision"] for b in browsers if b["name"] == "chromium")
    chrome = _fake_exe(tmp_path / "pw" / f"chromium-{rev}" / "chrome-linux64" / "chrome")
    _fake_exe(tmp_path / "bin" / "chromium")
    env = {"PATH": str(tmp_path / "bin"), "PLAYWRIGHT_BROWSERS_PATH": str(tmp_path / "pw")}
    found = find_browser(env=env)
    assert found is not None and found.path == str(chrome) and found.source == "playwright"


# ------------------------------------------------------------------ which pages


def test_static_shape() -> None:
    shell = static_shape(SHELL)
    assert shell.empty_mount == "app" and shell.scripts == 1 and not shell.footer
    full = static_shape(WITH_FOOTER)
    assert full.footer and full.empty_mount is None and full.text_chars > 200
    lazy = static_shape(EMPTY_FOOTER)
    assert lazy.empty_footer and not lazy.footer


def test_js_shell_reason() -> None:
    assert js_shell_reason(SHELL) is not None
    assert js_shell_reason(EMPTY_FOOTER) is not None
    assert js_shell_reason(WITH_FOOTER) is None
    assert js_shell_reason(NO_FOOTER) is None
    tiny = "<html><body><p>Hello</p><script>go()</script></body></html>"
    assert "JavaScript shell" in (js_shell_reason(tiny) or "")
    big = "<html><body>" + "<span>x</span>" * 700 + "<div id='app'></div><script></script>"
    assert js_shell_reason(big) is None  # many tags: not a shell, decided without parsing


def test_auto_policy() -> None:
    policy = RenderPolicy("auto")
    assert policy.reason(WITH_FOOTER, is_home=True, role=PageRole.HOME) == "home page"
    assert "mount" in (policy.reason(SHELL, is_home=False, role=PageRole.OTHER) or "")
    assert "no footer" in (policy.reason(NO_FOOTER, is_home=False, role=PageRole.OTHER) or "")
    assert "empty footer" in (policy.reason(EMPTY_FOOTER, is_home=False, role=None) or "")
    # one sample per role for axe-core, then static pages of that role stay static
    assert "sample privacy" in (
        policy.reason(WITH_FOOTER, is_home=False, role=PageRole.PRIVACY) or ""
    )
    assert policy.reason(WITH_FOOTER, is_home=False, role=PageRole.PRIVACY) is None
    assert policy.reason(WITH_FOOTER, is_home=False, role=PageRole.ABOUT) is None


def test_no_footer_rule_needs_a_home_footer() -> None:
    policy = RenderPolicy("auto")
    policy.reason(NO_FOOTER, is_home=True, role=PageRole.HOME)
    assert policy.reason(NO_FOOTER, is_home=False, role=PageRole.OTHER) is None


def test_always_and_never() -> None:
    assert RenderPolicy("always").reason(WITH_FOOTER, is_home=False, role=None) is not None
    assert RenderPolicy("never").reason(SHELL, is_home=True, role=PageRole.HOME) is None


# ------------------------------------------------------------------ without a browser


class _NeedsBrowser(Check):
    meta = CheckMeta(
        id="needs-browser",
        title_pass=I18nText(zh="通过", en="passes"),
        title_fail=I18nText(zh="未通过", en="fails"),
        description=I18nText(zh="测试", en="test"),
        severity=Severity.MINOR,
        clauses=["7.4.1"],
        requires_browser=True,
    )

    def observe(self, page: PageArtifacts) -> list[Hit]:
        return []

    def conclude(self, hits: Sequence[Hit], site: SiteContext) -> Verdict:
        return Verdict([self.finding(Outcome.PASS)])


def _add(analysis: Analysis, html: str) -> None:
    analysis.add_page(
        html,
        url="http://s/",
        requested_url="http://s/",
        status=200,
        headers={},
        content_type="text/html",
        is_home=True,
    )


@pytest.mark.parametrize("reason", [NO_BROWSER, RENDER_OFF, "the browser could not start: x"])
def test_checks_needing_a_browser_error_with_the_reason(reason: str) -> None:
    analysis = Analysis([_NeedsBrowser()], EnterpriseType.TRANSACTIONAL, render_unavailable=reason)
    _add(analysis, WITH_FOOTER)
    [finding] = analysis.conclude().findings
    assert finding.outcome is Outcome.ERROR
    assert reason in finding.message.en and finding.message.zh


def test_with_a_browser_the_check_concludes() -> None:
    analysis = Analysis([_NeedsBrowser()], EnterpriseType.TRANSACTIONAL)
    [finding] = analysis.conclude().findings
    assert finding.outcome is Outcome.PASS


def test_unrendered_shell_counts_as_not_loaded() -> None:
    analysis = Analysis([], EnterpriseType.TRANSACTIONAL)
    _add(analysis, SHELL)
    analysis.mark_incomplete("http://s/", "not rendered")
    site = analysis.site_context()
    assert not site.home_ok and not site.pages[0].ok
    assert site.chinese_market  # it still says it speaks Chinese


def test_scan_without_any_browser(tmp_path: Path) -> None:
    """No browser anywhere: the scan completes statically and every check that needs one
    reports error with the install hint — never a silent pass or fail."""
    out = tmp_path / "run"
    env = {"PATH": str(tmp_path / "empty-path"), **_no_playwright(tmp_path)}
    with serve_directory(SITES / "good-zh") as base:
        run = run_cli("scan", base, "--out", out, "--delay", "0", "--quiet", env=env)
    assert run.code == 0, run.stderr
    result = run.result(out)
    assert result["provenance"]["browser_version"] is None
    assert all(p["render"] is None for p in result["pages"])
    needing = [c["id"] for c in result["checks"] if c["requires_browser"]]
    if not needing:
        pytest.skip("no check in this catalogue needs a browser")
    for check in needing:
        found = [f for f in result["findings"] if f["check_id"] == check]
        assert [f["outcome"] for f in found] == ["error"], check
        assert NO_BROWSER in found[0]["message"]["en"]
    status = json.loads((out / "snapshots" / "render.json").read_text("utf-8"))
    assert status["unavailable"] == NO_BROWSER
    # the static checks still ran
    assert any(f["check_id"] == "icp-filing" and f["outcome"] == "pass" for f in result["findings"])


def test_a_named_browser_that_does_not_exist_is_a_usage_error(tmp_path: Path) -> None:
    with serve_directory(SITES / "good-zh") as base:
        run = run_cli(
            "scan", base, "--out", tmp_path / "run", "--quiet", "--browser", "/no/such/chrome"
        )
    assert run.code == 2
    assert "not an executable" in run.stderr and "Traceback" not in run.stderr


# ------------------------------------------------------------------ evidence screenshots


def _finding(outcome: Outcome, *evidence: Evidence) -> Finding:
    return Finding(
        check_id="x", outcome=outcome, message=I18nText(zh="x", en="x"), evidence=list(evidence)
    )


def test_evidence_targets_and_attach() -> None:
    rendered = {"http://s/"}
    findings = [
        _finding(Outcome.PASS, Evidence(url="http://s/", locator="div.ok")),
        _finding(
            Outcome.NEEDS_REVIEW,
            Evidence(url="http://s/", locator="p.claim"),
            Evidence(url="http://s/", locator="header:server"),
            Evidence(url="http://s/", locator="html"),
            Evidence(url="http://other/", locator="p.claim"),
        ),
        _finding(
            Outcome.FAIL,
            Evidence(url="http://s/", locator="footer > a"),
            Evidence(url="http://s/", locator="p.shot", screenshot="screenshots/page.png"),
        ),
    ]
    targets = evidence_targets(findings, rendered)
    assert targets == [("http://s/", "footer > a"), ("http://s/", "p.claim")]  # fails first
    shots = {("http://s/", "p.claim"): Shot("screenshots/evidence-1.png", "ab" * 32)}
    out = attach_shots(findings, shots)
    assert out[1].evidence[0].screenshot == "screenshots/evidence-1.png"
    assert out[1].evidence[0].screenshot_sha256 == "ab" * 32
    assert out[0].evidence[0].screenshot is None  # pass findings are left alone
    assert out[2].evidence[1].screenshot == "screenshots/page.png"


def test_shot_index_round_trip_checks_hashes(tmp_path: Path) -> None:
    good = tmp_path / "screenshots" / "evidence-a.png"
    good.parent.mkdir()
    good.write_bytes(b"\x89PNG good")
    bad = tmp_path / "screenshots" / "evidence-b.png"
    bad.write_bytes(b"\x89PNG changed")
    digest = hashlib.sha256(good.read_bytes()).hexdigest()
    shots = {
        ("http://s/", "p"): Shot("screenshots/evidence-a.png", digest),
        ("http://s/", "q"): Shot("screenshots/evidence-b.png", "0" * 64),
        ("http://s/", "r"): Shot("../outside.png", "0" * 64),
    }
    write_shot_index(tmp_path, shots)
    assert set(read_shot_index(tmp_path)) == {("http://s/", "p")}


# ------------------------------------------------------------------ stored rendered DOM


def test_snapshot_store_keeps_the_rendered_dom(tmp_path: Path) -> None:
    store = SnapshotStore(tmp_path)
    store.begin("http://s/")
    snap = Snapshot(
        url="http://s/",
        final_url="http://s/",
        status=200,
        headers={},
        body=SHELL.encode(),
        content_type="text/html",
        encoding="utf-8",
        text=SHELL,
        fetched_at=datetime.now(UTC),
        elapsed_ms=1.0,
        rendered_html="<html><body><div id='app'><p>渲染后的页面</p></div></body></html>",
        render=RenderInfo(reason="home page"),
    )
    record = store.add(snap, PageRole.HOME, 0)
    store.close()
    assert record.render is not None and record.render.dom_snapshot
    data = (tmp_path / record.render.dom_snapshot).read_bytes()
    assert hashlib.sha256(data).hexdigest() == record.render.dom_sha256
    [stored] = list(SnapshotStore.records(tmp_path))
    assert read_rendered(tmp_path, stored) == snap.rendered_html
    escaped = stored.model_copy(
        update={"render": stored.render.model_copy(update={"dom_snapshot": "../../etc/passwd"})}  # type: ignore[union-attr]
    )
    assert read_rendered(tmp_path, escaped) is None


# ------------------------------------------------------------------ fixture shops


@pytest.mark.parametrize(
    "site", sorted(p.parent.name for p in SITES.glob("*/expected.yaml")), ids=str
)
def test_render_keys_of_expected_yaml(site: str) -> None:
    data: dict[str, Any] = yaml.safe_load((SITES / site / "expected.yaml").read_text("utf-8"))
    if "render" not in data:
        assert "outcomes_without_browser" not in data
        return
    assert data["render"] in ("auto", "always")
    for check, outcome in data.get("outcomes_without_browser", {}).items():
        assert outcome != "pass", (check, "a JavaScript-only item cannot pass without a browser")
    static = (SITES / site / "index.html").read_text("utf-8")
    assert js_shell_reason(static) is not None, "a render fixture must need the browser"
    assert not os.path.isabs(site)
