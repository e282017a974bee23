"""What a real browser saw on a page: the contract between the browser fetcher (crawl/) and the
checks that need rendering (accessibility, privacy-before-consent, screenshots).

The browser fetcher fills a `RenderInfo` per rendered page and stores it with the snapshot, so
`ecq-scan audit` replays rendered evidence offline exactly as the static kind.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Impact = Literal["minor", "moderate", "serious", "critical"]


class CookieRecord(BaseModel):
    """A cookie present after the first load, before any interaction (no consent given)."""

    model_config = ConfigDict(extra="forbid")

    name: str
    domain: str
    path: str = "/"
    secure: bool = False
    http_only: bool = False
    same_site: str | None = None
    expires: float | None = Field(default=None, description="epoch seconds; None = session")
    third_party: bool = False


class AxeNode(BaseModel):
    model_config = ConfigDict(extra="forbid")

    target: str = Field(description="CSS selector axe-core reports for the element")
    html: str = Field(default="", description="the element's outer HTML, bounded")
    summary: str = ""


class AxeRule(BaseModel):
    """One axe-core rule result (violation or incomplete) with its WCAG tags."""

    model_config = ConfigDict(extra="forbid")

    id: str
    impact: Impact | None = None
    help: str = ""
    help_url: str = ""
    tags: list[str] = Field(default_factory=list)
    nodes: list[AxeNode] = Field(default_factory=list)


class AxeResults(BaseModel):
    model_config = ConfigDict(extra="forbid")

    engine_version: str = ""
    violations: list[AxeRule] = Field(default_factory=list)
    incomplete: list[AxeRule] = Field(default_factory=list)
    passes: int = 0
    error: str | None = None


class RenderInfo(BaseModel):
    """Rendering facts for one page; `error` set means the page could not be rendered."""

    model_config = ConfigDict(extra="forbid")

    mode: Literal["auto", "always"] = "auto"
    reason: str = Field(default="", description="why this page was rendered (auto mode)")
    browser_version: str | None = None
    error: str | None = None
    elapsed_ms: float = 0.0
    dom_snapshot: str | None = Field(
        default=None, description="rendered DOM file, relative to the run dir"
    )
    dom_sha256: str | None = None
    screenshot: str | None = Field(default=None, description="full-page PNG, relative to run dir")
    screenshot_sha256: str | None = None
    cookies_before_consent: list[CookieRecord] = Field(default_factory=list)
    third_party_hosts: list[str] = Field(default_factory=list)
    consent_notice: bool | None = Field(
        default=None, description="a cookie/privacy consent notice was visible on first load"
    )
    scrolled_steps: int = 0
    axe: AxeResults | None = None
