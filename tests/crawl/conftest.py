from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urljoin

import pytest

from ecq_scan.config import Settings
from ecq_scan.crawl import Snapshot

_A = re.compile(r"""<a\s[^>]*?href=["']([^"']*)["'][^>]*>(.*?)</a>""", re.I | re.S)
_TAG = re.compile(r"<[^>]+>")


def extract_links(snap: Snapshot) -> list[tuple[str, str]]:
    """A stand-in for the runner's parser: absolute hrefs with their text, mailto: included."""
    if snap.text is None:
        return []
    out = []
    for href, inner in _A.findall(snap.text):
        text = " ".join(_TAG.sub(" ", inner).split())
        out.append((urljoin(snap.final_url, href.replace("&amp;", "&")), text))
    return out


class PageLog:
    """An `on_page` callback that records what it was given and returns the page's links."""

    def __init__(self) -> None:
        self.snaps: list[Snapshot] = []

    async def __call__(self, snap: Snapshot) -> Sequence[tuple[str, str]]:
        self.snaps.append(snap)
        return extract_links(snap)

    @property
    def urls(self) -> list[str]:
        return [s.url for s in self.snaps]


@pytest.fixture
def settings() -> Callable[..., Settings]:
    """Test-sized limits: no politeness delay, tiny backoff, short deadlines; the fixture
    servers live on 127.0.0.1, so the SSRF guard is told to allow private addresses."""

    def make(**overrides: Any) -> Settings:
        base: dict[str, Any] = {
            "per_host_delay": 0.0,
            "backoff": 0.01,
            "retries": 1,
            "page_timeout": 3.0,
            "connect_timeout": 2.0,
            "scan_timeout": 20.0,
            "concurrency": 4,
            "max_pages": 30,
            "allow_private": True,
        }
        base.update(overrides)
        return Settings(**base)

    return make
