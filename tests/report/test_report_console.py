"""Console summary lines, rich printing, and the crawl progress display."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console

from ecq_scan.models import Finding, I18nText, Outcome, ScanResult
from ecq_scan.report import ProgressReporter, print_summary, summary_lines
from ecq_scan.report.fmt import percent


def test_summary_en(result: ScanResult) -> None:
    lines = summary_lines(
        result, "en", {"result.json": Path("out/result.json"), "report.html": "out/report.html"}
    )
    text = "\n".join(lines)
    assert "Provisional grade range: no grade (below 50) … AAAA" in lines
    assert "33.3–83.3 / 100" in text and "50%" in text
    assert "Website evidence sub-score — not a T/EJCCSE grade: 66.7" in lines
    counts = next(line for line in lines if line.startswith("Findings: "))
    for part in ("Fail 2", "Error 1", "Needs review 2", "Pass 3", "Not applicable 1"):
        assert part in counts
    assert "Partial (time budget exhausted after 6 pages)" in lines[0]
    assert "  result.json: out/result.json" in lines
    assert "  report.html: out/report.html" in lines


def test_top_fails_have_where_to_look(result: ScanResult) -> None:
    lines = summary_lines(result, "en")
    start = lines.index("Top fails:")
    fails = lines[start + 1 :]
    assert fails[0] == (
        "  ✗ [4.1] Unified social credit code fails its check digit — "
        "https://shop.example.cn/licence"
    )
    assert fails[1] == "  ✗ [4.2] No return policy found — 4 pages searched"


def test_summary_zh(result: ScanResult) -> None:
    lines = summary_lines(result, "zh")
    assert "暂定等级区间：未达级 … AAAA" in lines
    assert "网站证据分项得分 — 不是 T/EJCCSE 等级：66.7" in lines
    assert any("不符合 2" in line for line in lines)
    assert "  ✗ [4.2] 未找到退换货政策 — 已检索 4 个页面" in lines


def test_top_fails_are_capped(result: ScanResult) -> None:
    extra = [
        Finding(check_id=f"extra-{i}", outcome=Outcome.FAIL, message=I18nText(zh="x", en="x"))
        for i in range(7)
    ]
    lines = summary_lines(result.model_copy(update={"findings": [*result.findings, *extra]}), "en")
    fails = [line for line in lines if line.startswith("  ✗")]
    assert len(fails) == 5
    assert "  … and 4 more" in lines


def test_control_characters_do_not_reach_the_terminal(result: ScanResult) -> None:
    hostile = result.model_copy(update={"target": "https://x.example/\x1b[2J\x07[bold]pwn"})
    lines = summary_lines(hostile, "en")
    assert all("\x1b" not in line and "\x07" not in line for line in lines)
    out = io.StringIO()
    print_summary(hostile, "en", Console(file=out, force_terminal=False, width=200))
    assert "[bold]pwn" in out.getvalue()  # rich markup is not interpreted


def test_print_summary_plain_when_not_a_terminal(result: ScanResult) -> None:
    out = io.StringIO()
    print_summary(result, "en", Console(file=out, force_terminal=False, width=300), {"a": "b"})
    printed = out.getvalue()
    assert "\x1b[" not in printed
    assert "Provisional grade range: no grade (below 50) … AAAA" in printed
    assert printed.splitlines() == summary_lines(result, "en", {"a": "b"})


def test_print_summary_styles_on_a_terminal(result: ScanResult) -> None:
    out = io.StringIO()
    print_summary(result, "en", Console(file=out, force_terminal=True, width=300))
    assert "\x1b[" in out.getvalue()


# --- progress -------------------------------------------------------------------------------------


def test_progress_is_silent_when_not_a_tty(capsys: pytest.CaptureFixture[str]) -> None:
    with ProgressReporter() as progress:  # pytest's stderr is not a terminal
        assert progress.enabled is False
        progress(1, 10, "https://x.example/")
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_progress_is_silent_when_quiet() -> None:
    out = io.StringIO()
    with ProgressReporter(quiet=True, console=Console(file=out, force_terminal=True)) as p:
        p(3, 10, "https://x.example/a")
    assert out.getvalue() == ""


def test_progress_draws_on_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=160)
    progress = ProgressReporter(console=console)
    assert progress.enabled
    progress(0, 0, "https://x.example/")  # total unknown yet
    progress(2, 60, "https://x.example/" + "very-long-path/" * 10 + "[red]markup")
    progress(60, 60, "https://x.example/last")
    progress.close()
    progress.close()  # idempotent
    assert out.getvalue()  # something was drawn to the given (stderr) console
    assert capsys.readouterr().out == ""  # never stdout


def test_progress_can_restart_after_close() -> None:
    out = io.StringIO()
    progress = ProgressReporter(console=Console(file=out, force_terminal=True))
    progress(1, 2, "https://x.example/")
    progress.close()
    progress(2, 2, "https://x.example/b")
    progress.close()


@pytest.mark.parametrize(
    ("share", "text"), [(0.0, "0%"), (0.5, "50%"), (0.996, "99%"), (1.0, "100%"), (1.2, "100%")]
)
def test_coverage_never_overstated(share: float, text: str) -> None:
    assert percent(share) == text
