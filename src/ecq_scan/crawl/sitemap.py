"""Sitemaps: extra seeds for pages no link reaches (policy pages are often only in the footer
of JavaScript-built shops, and the sitemap still lists them).

Sitemaps are untrusted XML, so: DOCTYPE and ENTITY declarations are refused outright (no entity
expansion, no external fetches), documents are read with `iterparse` and stop at the URL cap,
gzip files are inflated with the bounded decoder, and a malformed or cut-off file still yields
the `<loc>` values a regex can see. Index nesting, files fetched and URLs kept are all capped
(sitemaps.org allows 50,000 URLs per file; one file's worth is plenty for a focused scan).
"""

from __future__ import annotations

import html
import io
import re
import time
import xml.etree.ElementTree as ET
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Literal

from ecq_scan.crawl.decompress import DecodeError, decompress_bounded
from ecq_scan.crawl.fetcher import Snapshot
from ecq_scan.crawl.scope import canonical

#: Page URLs kept from all sitemaps of one crawl together.
SITEMAP_MAX_URLS = 50_000
#: How many levels of <sitemapindex> are followed below a seed sitemap.
SITEMAP_MAX_INDEX_DEPTH = 2
#: Sitemap files fetched per crawl, so an index listing thousands of files costs little.
SITEMAP_MAX_FILES = 20
#: Default decoded size cap for one gzipped sitemap file (the crawler passes its page cap).
SITEMAP_MAX_BYTES = 10 * 1024 * 1024

_DECLARATION = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.I)
_LOC = re.compile(
    r"<(?:\w+:)?loc\b[^>]*>\s*(?:<!\[CDATA\[)?\s*(.*?)\s*(?:\]\]>)?\s*</(?:\w+:)?loc>", re.I | re.S
)
_INDEX = re.compile(r"<(?:\w+:)?sitemapindex\b", re.I)

SitemapKind = Literal["urlset", "index", "text"]


class SitemapError(ValueError):
    """The file is not a sitemap we are willing to read."""


@dataclass(slots=True)
class SitemapDoc:
    kind: SitemapKind
    locs: list[str]
    truncated: bool = False


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].lower()


def _parse_xml(data: bytes, limit: int) -> SitemapDoc:
    kind: SitemapKind | None = None
    locs: list[str] = []
    try:
        for event, elem in ET.iterparse(io.BytesIO(data), events=("start", "end")):
            name = _local(elem.tag)
            if event == "start":
                if kind is None:
                    if name not in ("urlset", "sitemapindex"):
                        raise SitemapError(
                            f"root element <{name}> is not <urlset> or <sitemapindex>"
                        )
                    kind = "index" if name == "sitemapindex" else "urlset"
                continue
            if name == "loc" and elem.text and elem.text.strip():
                locs.append(elem.text.strip())
                if len(locs) >= limit:
                    return SitemapDoc(kind or "urlset", locs, truncated=True)
            if name in ("url", "sitemap"):
                elem.clear()  # keep memory flat on big files
    except ET.ParseError:
        text = data.decode("utf-8", "replace")
        found = [html.unescape(m) for m in _LOC.findall(text) if m.strip()]
        return SitemapDoc(
            "index" if _INDEX.search(text) else "urlset", found[:limit], len(found) > limit
        )
    return SitemapDoc(kind or "urlset", locs)


def parse_sitemap(
    body: bytes, limit: int = SITEMAP_MAX_URLS, max_bytes: int = SITEMAP_MAX_BYTES
) -> SitemapDoc:
    """The `<loc>` values of a sitemap, sitemap index or plain-text sitemap (gzip accepted)."""
    data = body
    if data.startswith(b"\x1f\x8b"):
        try:
            data, _ = decompress_bounded(data, "gzip", max_bytes)
        except DecodeError as exc:
            raise SitemapError(f"broken gzip: {exc}") from exc
    data = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if _DECLARATION.search(data):
        raise SitemapError("DOCTYPE/ENTITY declarations are not allowed in a sitemap")
    if data.startswith(b"<"):
        return _parse_xml(data, limit)
    lines = [ln.strip() for ln in data.decode("utf-8", "replace").splitlines()]
    urls = [ln for ln in lines if ln.lower().startswith(("http://", "https://"))]
    return SitemapDoc("text", urls[:limit], len(urls) > limit)


@dataclass(slots=True)
class SitemapResult:
    urls: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


async def read_sitemaps(
    seeds: list[str],
    fetch: Callable[[str], Awaitable[Snapshot]],
    accept: Callable[[str], Awaitable[str | None]],
    max_urls: int = SITEMAP_MAX_URLS,
    max_files: int = SITEMAP_MAX_FILES,
    quiet: frozenset[str] = frozenset(),
    max_bytes: int = SITEMAP_MAX_BYTES,
    deadline: float | None = None,
) -> SitemapResult:
    """Breadth-first over seeds and their indexes. `accept(url)` returns why a sitemap file must
    not be fetched (scope, robots) or None; `quiet` seeds (the guessed /sitemap.xml) may be
    missing without a note. No new file is fetched after `deadline` (time.monotonic()), so slow
    sitemaps cannot eat the time meant for pages."""
    result = SitemapResult()
    queue: deque[tuple[str, int]] = deque((s, 0) for s in seeds)
    seen: set[str] = set()
    seen_pages: set[str] = set()
    while queue and len(result.urls) < max_urls:
        url, depth = queue.popleft()
        try:
            key = canonical(url)
        except ValueError:
            continue
        if key in seen:
            continue
        seen.add(key)
        if deadline is not None and time.monotonic() > deadline:
            result.notes.append(f"sitemaps took too long; {url} and later files not read")
            break
        if len(result.files) >= max_files:
            result.notes.append(
                f"sitemap file limit ({max_files}) reached; {url} and later files not read"
            )
            break
        refusal = await accept(url)
        if refusal is not None:
            result.notes.append(f"sitemap {url} not read: {refusal}")
            continue
        snap = await fetch(url)
        result.files.append(url)
        if snap.error is not None or snap.status is None or not 200 <= snap.status < 300:
            if url not in quiet:
                result.notes.append(
                    f"sitemap {url} not read: {snap.error or f'answered {snap.status}'}"
                )
            continue
        try:
            doc = parse_sitemap(snap.body, max_urls - len(result.urls), max_bytes)
        except SitemapError as exc:
            result.notes.append(f"sitemap {url} not read: {exc}")
            continue
        if doc.kind == "index":
            if depth >= SITEMAP_MAX_INDEX_DEPTH:
                result.notes.append(
                    f"sitemap index {url} is nested more than {SITEMAP_MAX_INDEX_DEPTH} deep"
                )
                continue
            queue.extend((loc, depth + 1) for loc in doc.locs)
            continue
        for loc in doc.locs:
            if loc not in seen_pages:
                seen_pages.add(loc)
                result.urls.append(loc)
        if len(result.urls) >= max_urls:
            result.notes.append(f"sitemap URL limit ({max_urls}) reached; the rest were not read")
    return result
