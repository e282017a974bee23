"""Bad input gets one clear line, the documented exit code, no traceback — and nothing lost."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from ecq_scan.devserver import serve_directory
from tests.conftest import run_cli

pytestmark = pytest.mark.e2e


def _assert_clean_error(run_stderr: str) -> None:
    assert "Traceback" not in run_stderr
    assert "ecq-scan: error:" in run_stderr or "Error:" in run_stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _site(tmp_path: Path, files: dict[str, str | bytes]) -> Path:
    root = tmp_path / "site"
    for name, body in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body.encode() if isinstance(body, str) else body)
    return root


@pytest.mark.parametrize(
    "url", ["ftp://example.com/", "http://", "http://exa mple.com/", "javascript:alert(1)"]
)
def test_invalid_url_is_usage_error(url: str, tmp_path: Path) -> None:
    run = run_cli("scan", url, "--out", tmp_path / "r", "--quiet")
    assert run.code == 2, run.stderr
    _assert_clean_error(run.stderr)


def test_refused_connection_is_unscannable(tmp_path: Path) -> None:
    out = tmp_path / "r"
    run = run_cli(
        "scan",
        f"http://127.0.0.1:{_free_port()}/",
        "--out",
        out,
        "--quiet",
        "--delay",
        "0",
        "--page-timeout",
        "5",
    )
    assert run.code == 3, run.stderr
    _assert_clean_error(run.stderr)
    result = json.loads((out / "result.json").read_text("utf-8"))
    assert result["status"] == "unscannable"
    assert {f["outcome"] for f in result["findings"]} == {"error"}  # blocked is not failed


def test_unknown_host_is_unscannable(tmp_path: Path) -> None:
    run = run_cli(
        "scan",
        "http://no-such-shop.invalid/",
        "--out",
        tmp_path / "r",
        "--quiet",
        "--page-timeout",
        "5",
        "--delay",
        "0",
    )
    assert run.code == 3, run.stderr
    _assert_clean_error(run.stderr)


def test_home_page_404_is_unscannable(tmp_path: Path) -> None:
    root = _site(tmp_path, {"other.html": "<p>x</p>"})
    with serve_directory(root) as base:
        run = run_cli(
            "scan", base + "missing.html", "--out", tmp_path / "r", "--quiet", "--delay", "0"
        )
    assert run.code == 3, run.stderr
    assert "404" in run.stderr
    _assert_clean_error(run.stderr)


def test_home_page_not_html_is_unscannable(tmp_path: Path) -> None:
    root = _site(tmp_path, {"doc.pdf": b"%PDF-1.4 fake"})
    with serve_directory(root) as base:
        run = run_cli("scan", base + "doc.pdf", "--out", tmp_path / "r", "--quiet", "--delay", "0")
    assert run.code == 3, run.stderr
    _assert_clean_error(run.stderr)


def test_robots_disallow_all_is_unscannable(tmp_path: Path) -> None:
    root = _site(
        tmp_path, {"robots.txt": "User-agent: *\nDisallow: /\n", "index.html": "<p>hi</p>"}
    )
    with serve_directory(root) as base:
        run = run_cli("scan", base, "--out", tmp_path / "r", "--quiet", "--delay", "0")
    assert run.code == 3, run.stderr
    assert "robots" in run.stderr.lower()
    _assert_clean_error(run.stderr)


def test_malformed_config_file_is_usage_error(tmp_path: Path) -> None:
    cfg = tmp_path / "bad.toml"
    cfg.write_text("max_pages = [unclosed\n")
    run = run_cli("scan", "http://127.0.0.1:9/", "--config", cfg, "--quiet")
    assert run.code == 2
    assert str(cfg) in run.stderr
    _assert_clean_error(run.stderr)


def test_bad_setting_value_names_the_source(tmp_path: Path) -> None:
    run = run_cli("scan", "http://127.0.0.1:9/", "--quiet", env={"ECQ_MAX_PAGES": "many"})
    assert run.code == 2
    assert "ECQ_MAX_PAGES" in run.stderr
    _assert_clean_error(run.stderr)


def test_malformed_rule_file_names_file_and_field(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "broken-rule.yaml").write_text("id: broken-rule\nseverity: loud\n", "utf-8")
    run = run_cli("checks", "list", "--rules", rules)
    assert run.code == 2
    assert "broken-rule.yaml" in run.stderr
    _assert_clean_error(run.stderr)


def test_audit_of_a_folder_without_snapshots(tmp_path: Path) -> None:
    run = run_cli("audit", tmp_path)
    assert run.code == 2
    _assert_clean_error(run.stderr)


def test_page_failing_mid_scan_is_error_not_fail(tmp_path: Path) -> None:
    """The returns page answers 500: return-policy must be `error`, and the rest is reported."""
    home = """<html lang="zh-CN"><head><title>测试店</title></head><body>
    <p>欢迎光临测试店，本店经营各类茶叶与茶具，欢迎选购，我们提供优质的服务与商品。</p>
    <a href="/help/returns.html">退换货政策</a>
    <a href="/privacy.html">隐私政策</a></body></html>"""
    root = _site(
        tmp_path,
        {
            "index.html": home,
            "help/returns.html": "x",
            "privacy.html": "<h1>隐私政策</h1><p>我们如何收集和使用您的个人信息。</p>",
            "_status.json": json.dumps({"/help/returns.html": 500}),
        },
    )
    out = tmp_path / "r"
    with serve_directory(root) as base:
        run = run_cli("scan", base, "--out", out, "--quiet", "--delay", "0")
    assert run.code == 0, run.stderr
    result = json.loads((out / "result.json").read_text("utf-8"))
    outcomes = {f["check_id"]: f["outcome"] for f in result["findings"]}
    assert outcomes["return-policy"] == "error"
    assert outcomes["privacy-policy"] == "pass"
    assert any(
        p["url"].endswith("/help/returns.html") and (p["error"] or (p["status"] or 0) >= 500)
        for p in result["pages"]
    )


def test_fail_under_gate_exits_1(tmp_path: Path) -> None:
    root = _site(tmp_path, {"index.html": "<html><body><p>shop</p></body></html>"})
    with serve_directory(root) as base:
        run = run_cli(
            "scan", base, "--out", tmp_path / "r", "--quiet", "--delay", "0", "--fail-under", "A"
        )
    assert run.code == 1, run.stderr
    assert "fail-under" in run.stderr
