"""The crawl frontier: which URL to fetch next when the page budget is small.

A scan of 60 pages must not spend them on the first 60 links of a mega-menu. The pages that
hold clause 4 and 7 disclosures come first: the home page, then policy pages (licence, about,
contact, help, returns, shipping, privacy, terms, rules, complaints) by discovery depth, then a
small sample of product and category pages, then everything else. A URL found again with a
better link text (an image link first, "隐私政策" later) is moved up.
"""

from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass, field
from enum import IntEnum

from ecq_scan.artifacts.roles import POLICY_ROLES, is_home, link_role
from ecq_scan.models import PageRole


class Tier(IntEnum):
    HOME = 0
    POLICY = 1
    PRODUCT = 2
    CATEGORY = 3
    OTHER = 4


def classify(url: str, text: str) -> tuple[Tier, PageRole]:
    """Priority tier and guessed role of a link, from its text first and its path second."""
    if is_home(url):
        return Tier.HOME, PageRole.HOME
    role = link_role(url, text)
    if role in POLICY_ROLES:
        return Tier.POLICY, role
    if role is PageRole.PRODUCT:
        return Tier.PRODUCT, role
    if role is PageRole.CATEGORY:
        return Tier.CATEGORY, role
    return Tier.OTHER, role or PageRole.OTHER


@dataclass(order=True, slots=True)
class Entry:
    key: tuple[int, int, int]
    url: str = field(compare=False)
    depth: int = field(compare=False)
    tier: Tier = field(compare=False)
    role: PageRole = field(compare=False)
    live: bool = field(default=True, compare=False)


class Frontier:
    """Priority queue of canonical URLs with de-duplication and per-tier sample caps."""

    def __init__(self, sample_products: int, sample_categories: int) -> None:
        self._heap: list[Entry] = []
        self._queued: dict[str, Entry] = {}
        self._done: set[str] = set()
        self._seq = itertools.count()
        self._caps = {Tier.PRODUCT: sample_products, Tier.CATEGORY: sample_categories}
        self._admitted = {Tier.PRODUCT: 0, Tier.CATEGORY: 0}

    def __len__(self) -> int:
        return len(self._queued)

    def known(self, url: str) -> bool:
        """Already fetched, being fetched, or queued."""
        return url in self._done or url in self._queued

    def offer(self, url: str, text: str, depth: int, role: PageRole | None = None) -> str | None:
        """Queue `url` (canonical). Returns why it was not queued when a sample cap is full;
        None when queued, already known, or moved up to a better place."""
        if url in self._done:
            return None
        tier, guessed = classify(url, text)
        role = role or guessed
        old = self._queued.get(url)
        if old is not None and (tier, depth) >= (old.tier, old.depth):
            return None
        if tier in self._caps and (old is None or old.tier != tier):
            if self._admitted[tier] >= self._caps[tier]:
                # keep an existing, worse place rather than reporting a queued URL as skipped
                return (
                    None
                    if old is not None
                    else f"{tier.name.lower()} sample full ({self._caps[tier]} pages)"
                )
            self._admitted[tier] += 1
        if old is not None:
            old.live = False
            if old.tier in self._admitted and old.tier != tier:
                self._admitted[old.tier] -= 1
        entry = Entry((int(tier), depth, next(self._seq)), url, depth, tier, role)
        self._queued[url] = entry
        heapq.heappush(self._heap, entry)
        return None

    def pop(self) -> Entry | None:
        while self._heap:
            entry = heapq.heappop(self._heap)
            if entry.live:
                del self._queued[entry.url]
                self._done.add(entry.url)
                return entry
        return None

    def mark_done(self, url: str) -> None:
        """`url` was fetched some other way (e.g. as a redirect target): never queue it again."""
        old = self._queued.pop(url, None)
        if old is not None:
            old.live = False
        self._done.add(url)

    def drain(self) -> list[Entry]:
        """Everything still queued, best first (for the 'not fetched' list); empties the queue."""
        left = sorted(e for e in self._heap if e.live)
        self._heap.clear()
        self._queued.clear()
        return left
