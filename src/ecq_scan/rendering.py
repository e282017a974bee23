"""Glue between the runner and the browser layer: which browser a scan uses, what rendering
did (`snapshots/render.json`), and screenshots of the evidence behind fail / needs_review.

Kept out of runner.py so the runner stays a readable list of stages. `RenderSession.run` holds
the one browser for the whole online part of a scan (crawl, conclusion, evidence screenshots),
because the evidence is only known after every check concluded, and starting a second browser
for it would cost a launch. `audit` reads back what a session wrote and never starts a browser.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ecq_scan.analysis import Analysis, Conclusion
from ecq_scan.config import Settings
from ecq_scan.crawl.browser import (
    NO_BROWSER,
    RENDER_OFF,
    SCREENSHOT_DIR,
    BrowserRenderer,
    BrowserStartError,
    Shot,
    find_browser,
)
from ecq_scan.crawl.crawler import Crawler, CrawlReport, OnPage
from ecq_scan.crawl.ssrf import SSRFGuard
from ecq_scan.models import Evidence, Finding, Outcome, PageRecord

RENDER_FILE = "render.json"
EVIDENCE_INDEX = "evidence.json"
#: Locators that are not CSS selectors of a visible element (or that would shoot the whole page).
_NOT_ELEMENTS = ("header:", "cookie:", "tls:", "history:")  # facts, not elements on the page
_WHOLE_PAGE = frozenset({"", "html", "body", ":root"})


class RenderStatus(BaseModel):
    """What the browser layer did in a scan; `snapshots/render.json`."""

    model_config = ConfigDict(extra="forbid")

    mode: str
    browser: str | None = None
    browser_version: str | None = None
    unavailable: str | None = Field(
        default=None, description="why no page could be rendered; checks needing a browser error"
    )
    rendered: int = 0
    failed: int = 0
    restarts: int = 0
    first_error: str | None = None


class _ShotEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str
    locator: str
    screenshot: str
    sha256: str


@dataclass(slots=True)
class RenderSession:
    """The browser side of one scan: planned before the crawl, run around it."""

    settings: Settings
    url: str
    run_dir: Path
    executable: str | None = None
    unavailable: str | None = None
    renderer: BrowserRenderer | None = field(default=None, repr=False)
    guard: SSRFGuard | None = field(default=None, repr=False)

    @classmethod
    def plan(cls, settings: Settings, url: str, run_dir: Path) -> RenderSession:
        """Find the browser (InputError for an explicitly named one that does not exist)."""
        if settings.render == "never":
            return cls(settings, url, run_dir, unavailable=RENDER_OFF)
        found = find_browser(settings.browser)
        if found is None:
            return cls(settings, url, run_dir, unavailable=NO_BROWSER)
        return cls(settings, url, run_dir, executable=found.path)

    @property
    def version(self) -> str | None:
        return self.renderer.version if self.renderer is not None else None

    async def run(
        self, crawler: Crawler, on_page: OnPage, analysis: Analysis
    ) -> tuple[CrawlReport, Conclusion]:
        """Start the browser (a failure to start leaves a static scan that says so), crawl,
        conclude, and shoot the evidence; the browser is closed however this ends."""
        try:
            async with contextlib.AsyncExitStack() as stack:
                if self.executable is not None:
                    renderer = BrowserRenderer(
                        self.settings,
                        self.executable,
                        site_url=self.url,
                        run_dir=self.run_dir,
                        guard=self.guard,
                    )
                    try:
                        await renderer.start()
                    except BrowserStartError as exc:
                        self.unavailable = f"the browser could not start: {exc}"
                        analysis.render_unavailable = self.unavailable
                    else:
                        stack.push_async_callback(renderer.close)
                        self.renderer = renderer
                crawler.renderer = self.renderer
                report = await crawler.run(self.url, on_page)
                conclusion = analysis.conclude()
                if self.renderer is not None and self.renderer.running:
                    shots = await self.renderer.element_screenshots(
                        evidence_targets(conclusion.findings, rendered_urls(report.pages))
                    )
                    conclusion.findings = attach_shots(conclusion.findings, shots)
                    write_shot_index(self.run_dir, shots)
                return report, conclusion
        finally:
            self.write_status()

    def status(self) -> RenderStatus:
        r = self.renderer
        return RenderStatus(
            mode=self.settings.render,
            browser=self.executable,
            browser_version=self.version,
            unavailable=self.unavailable,
            rendered=r.rendered if r else 0,
            failed=r.failed if r else 0,
            restarts=r.restarts if r else 0,
            first_error=r.first_error if r else None,
        )

    def write_status(self) -> None:
        path = self.run_dir / "snapshots" / RENDER_FILE
        with contextlib.suppress(OSError):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(self.status().model_dump_json(indent=2), "utf-8")


def read_status(run_dir: Path, settings: Settings, records: Sequence[PageRecord]) -> RenderStatus:
    """The stored render status; for a run that predates it, a status inferred from the
    records (rendered pages present or not) and the saved `render` setting."""
    path = run_dir / "snapshots" / RENDER_FILE
    with contextlib.suppress(OSError, ValidationError):
        return RenderStatus.model_validate_json(path.read_bytes())
    versions = [r.render.browser_version for r in records if r.render and r.render.browser_version]
    if settings.render == "never":
        return RenderStatus(mode="never", unavailable=RENDER_OFF)
    if versions:
        return RenderStatus(mode=settings.render, browser_version=versions[0])
    return RenderStatus(mode=settings.render, unavailable="this run holds no rendered page")


def rendered_urls(pages: Iterable[PageRecord]) -> set[str]:
    """URLs (requested and final) of pages a browser rendered without error."""
    out: set[str] = set()
    for rec in pages:
        if rec.render is not None and rec.render.error is None and rec.render.dom_snapshot:
            out.update((rec.url, rec.final_url))
    return out


def _shootable(locator: str | None) -> bool:
    if locator is None:
        return False
    loc = locator.strip()
    return loc not in _WHOLE_PAGE and not loc.startswith(_NOT_ELEMENTS)


def evidence_targets(findings: Sequence[Finding], rendered: set[str]) -> list[tuple[str, str]]:
    """(page URL, CSS selector) of fail and needs_review evidence on rendered pages, fails
    first, in finding order, without repeats."""
    order = (Outcome.FAIL, Outcome.NEEDS_REVIEW)
    out: list[tuple[str, str]] = []
    for outcome in order:
        for f in findings:
            if f.outcome is not outcome:
                continue
            for ev in f.evidence:
                if ev.screenshot is None and ev.url in rendered and _shootable(ev.locator):
                    assert ev.locator is not None
                    key = (ev.url, ev.locator.strip())
                    if key not in out:
                        out.append(key)
    return out


def attach_shots(findings: list[Finding], shots: dict[tuple[str, str], Shot]) -> list[Finding]:
    """Findings whose fail / needs_review evidence points at a shot element get its path and
    SHA-256 (Evidence is frozen: rebuilt with model_copy)."""
    if not shots:
        return findings
    out: list[Finding] = []
    for f in findings:
        if f.outcome not in (Outcome.FAIL, Outcome.NEEDS_REVIEW):
            out.append(f)
            continue
        evidence: list[Evidence] = []
        for ev in f.evidence:
            shot = shots.get((ev.url, (ev.locator or "").strip()))
            if shot is not None and ev.screenshot is None:
                ev = ev.model_copy(
                    update={"screenshot": shot.path, "screenshot_sha256": shot.sha256}
                )
            evidence.append(ev)
        out.append(f.model_copy(update={"evidence": evidence}))
    return out


def write_shot_index(run_dir: Path, shots: dict[tuple[str, str], Shot]) -> None:
    """`screenshots/evidence.json`, so `audit` re-attaches the same screenshots offline."""
    if not shots:
        return
    entries = [
        _ShotEntry(url=u, locator=loc, screenshot=s.path, sha256=s.sha256).model_dump()
        for (u, loc), s in shots.items()
    ]
    path = run_dir / SCREENSHOT_DIR / EVIDENCE_INDEX
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(entries, ensure_ascii=False, indent=2), "utf-8")


def read_shot_index(run_dir: Path) -> dict[tuple[str, str], Shot]:
    """The stored evidence screenshots whose files are still there with the same SHA-256."""
    path = run_dir / SCREENSHOT_DIR / EVIDENCE_INDEX
    try:
        raw = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    root = run_dir.resolve()
    shots: dict[tuple[str, str], Shot] = {}
    for item in raw if isinstance(raw, list) else []:
        try:
            entry = _ShotEntry.model_validate(item)
        except ValidationError:
            continue
        file = (root / entry.screenshot).resolve()
        if not file.is_relative_to(root) or not file.is_file():
            continue
        if hashlib.sha256(file.read_bytes()).hexdigest() != entry.sha256:
            continue
        shots[(entry.url, entry.locator)] = Shot(entry.screenshot, entry.sha256)
    return shots
