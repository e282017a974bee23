"""Fixtures of the hostile-site suite and the goal line printed at the end of the session.

Every hostile test carries `@pytest.mark.hostile_case("H07")`; a case counts as survived when
all of its tests passed. The goal line (hostile-sites note §0) is printed once, after the
summary, whenever any hostile case ran:

    hostile 34/34 · ssrf_escapes 0 · unescaped 0 · csv_formula 0 · crawl1k 21s 78MiB (+2%) ·
    chaos 6/6   (one line when printed; notes below it say what was skipped or failed)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from ecq_scan import runner
from ecq_scan.analysis import Analysis
from ecq_scan.config import Settings
from ecq_scan.crawl.ssrf import SSRFGuard
from ecq_scan.report import write_reports

from .harness import GOAL, Canary, CaseRun, RssSampler, hostile_guard, hostile_settings, timed

TOTAL_CASES = 34
TOTAL_CHAOS = 6

_case_of: dict[str, str] = {}
_case_status: dict[str, list[str]] = {}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "hostile: hostile-site suite (loopback servers, in CI)")
    config.addinivalue_line("markers", "hostile_case(id): the hostile-sites case a test covers")
    config.addinivalue_line("markers", "chaos_case(id): the data-safety chaos case a test covers")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        for name in ("hostile_case", "chaos_case"):
            marker = item.get_closest_marker(name)
            if marker is not None:
                _case_of[item.nodeid] = f"{name}:{marker.args[0]}"


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    case = _case_of.get(report.nodeid)
    if case is None:
        return
    if report.failed or hasattr(report, "wasxfail"):  # an expected failure is still unmet
        _case_status.setdefault(case, []).append("failed")
    elif report.when == "call" or report.skipped:
        _case_status.setdefault(case, []).append("skipped" if report.skipped else "passed")


def _survived(prefix: str) -> int:
    return sum(
        1
        for case, states in _case_status.items()
        if case.startswith(prefix) and "failed" not in states and "passed" in states
    )


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not _case_status and GOAL["crawl1k"] is None:
        return
    canary = GOAL.get("canary")
    escapes = canary.hits if canary is not None else 0
    unescaped = GOAL["unescaped"]
    crawl = GOAL["crawl1k"]
    crawl_text = (
        f"{crawl['seconds']:.0f}s {crawl['peak_mib']:.0f}MiB ({crawl['growth_pct']:+.0f}%)"
        if crawl
        else "not run"
    )
    csv_text = "not run" if GOAL["csv_formula"] is None else str(GOAL["csv_formula"])
    line = (
        f"hostile {_survived('hostile_case:')}/{TOTAL_CASES} · ssrf_escapes {escapes} · "
        f"unescaped {'not run' if unescaped is None else unescaped} · csv_formula {csv_text} · "
        f"crawl1k {crawl_text} · chaos {_survived('chaos_case:')}/{TOTAL_CHAOS}"
    )
    terminalreporter.write_sep("=", "goal line")
    terminalreporter.write_line(line)
    notes = []
    via_browser = GOAL.get("browser_escapes", 0)
    if escapes:
        notes.append(
            f"ssrf_escapes: {via_browser} through Chromium (its egress is not guarded yet), "
            f"{escapes - via_browser} through the HTTP path"
        )
    skipped = sorted(
        c.split(":", 1)[1]
        for c, states in _case_status.items()
        if "passed" not in states and "failed" not in states
    )
    if skipped:
        notes.append(f"skipped cases: {', '.join(skipped)}")
    failed = sorted(c.split(":", 1)[1] for c, s in _case_status.items() if "failed" in s)
    if failed:
        notes.append(f"failed cases: {', '.join(failed)}")
    for note in notes:
        terminalreporter.write_line(note)


# ------------------------------------------------------------------------------ fixtures


@pytest.fixture(scope="session")
def canary() -> Iterator[Canary]:
    """One canary for the whole session: its final hit count is the goal line's escapes."""
    c = Canary()
    GOAL["canary"] = c
    yield c
    c.close()


ScanCase = Callable[..., CaseRun]


@pytest.fixture
def scan_case(tmp_path: Path, canary: Canary, monkeypatch: pytest.MonkeyPatch) -> ScanCase:
    """Run the whole pipeline (crawl → analysis → scoring → result.json + report.html)
    in-process on `url` under the test address policy, measuring time and RSS."""
    parsed: list[str] = []  # pages the checks read as complete pages

    class RecordingAnalysis(Analysis):
        def add_page(self, html: str, **kw: Any) -> list[tuple[str, str]]:
            if kw.get("complete", True):
                parsed.append(kw["url"])
            return super().add_page(html, **kw)

    monkeypatch.setattr(runner, "Analysis", RecordingAnalysis)
    runs = iter(range(1_000))

    def run(url: str, settings: Settings | None = None, guard: SSRFGuard | None = None) -> CaseRun:
        out = tmp_path / f"run{next(runs)}"
        parsed.clear()
        before = canary.hits
        with RssSampler() as rss:
            outcome, elapsed = timed(
                lambda: runner.scan(
                    url, settings or hostile_settings(), out, guard=guard or hostile_guard()
                )
            )
            write_reports(outcome.result, out, "en")
        return CaseRun(
            site_url=url,
            result=outcome.result,
            elapsed=elapsed,
            rss_delta_mib=rss.delta_mib,
            parsed=list(parsed),
            canary_hits=canary.hits - before,
            out=out,
            report_html=(out / "report.html").read_text("utf-8"),
        )

    return run
