"""Shared pieces of the browser tests: the Chromium to drive (or a clean skip), and settings.

Tests marked `browser` drive a real Chromium through Playwright against real servers on
127.0.0.1. Without a browser they are skipped with the reason, never failed: the rest of the
suite (and `tests/browser/test_render_units.py`) still runs.
"""

from __future__ import annotations

from typing import Any

import pytest

from ecq_scan.config import Settings
from ecq_scan.crawl.browser import find_browser
from ecq_scan.errors import InputError


def _browser() -> str | None:
    try:
        found = find_browser()
    except InputError:
        return None
    return found.path if found else None


BROWSER = _browser()
NO_BROWSER_REASON = "no Chromium found (install Debian's chromium or set ECQ_BROWSER)"


@pytest.fixture(scope="session")
def browser_path() -> str:
    if BROWSER is None:
        pytest.skip(NO_BROWSER_REASON)
    return BROWSER


def loopback_settings(**overrides: Any) -> Settings:
    """Test-sized settings for a loopback site (the SSRF guard is told 127.0.0.1 is wanted)."""
    base: dict[str, Any] = {"per_host_delay": 0.0, "retries": 0, "scan_timeout": 60.0}
    if "allow_private" in Settings.model_fields:
        base["allow_private"] = True
    base.update(overrides)
    return Settings(**base)
