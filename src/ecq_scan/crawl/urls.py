"""URL-level gatekeeping: is the start URL usable, and is a discovered URL worth a request.

These checks need no network and no HTML; they run before a URL enters the frontier, so a trap
(`/a/a/a/…`, ever-growing URLs) or a download link never costs a request (R3 in the
hostile-sites note: Heritrix `PathologicalPath` / `TooManyPathSegments`, Scrapy
`URLLENGTH_LIMIT`).
"""

from __future__ import annotations

import itertools
import posixpath
import re
from urllib.parse import urlsplit

from ecq_scan.crawl.scope import WEB_SCHEMES, canonical
from ecq_scan.errors import InputError

#: Scrapy's URLLENGTH_LIMIT (the old Internet Explorer limit); longer URLs are almost always traps.
MAX_URL_LENGTH = 2083
#: Heritrix TooManyPathSegmentsDecideRule.
MAX_PATH_SEGMENTS = 20
#: Heritrix PathologicalPathDecideRule: `/a/a/a/` (three identical consecutive segments) is a trap.
MAX_SEGMENT_REPEATS = 2

_IMAGES = {".jpg", ".jpeg", ".png", ".gif", ".webp", ".bmp", ".ico", ".svg", ".tif", ".avif"}
_ASSETS = {".css", ".js", ".mjs", ".map", ".woff", ".woff2", ".ttf", ".otf", ".eot"}
_DOCUMENTS = {".pdf", ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".csv", ".txt"}
_ARCHIVES = {".zip", ".rar", ".7z", ".gz", ".tgz", ".tar", ".bz2", ".xz", ".iso", ".bin"}
_PROGRAMS = {".apk", ".ipa", ".exe", ".dmg", ".msi"}
_MEDIA = {".mp4", ".mp3", ".avi", ".mov", ".wmv", ".flv", ".webm", ".m4a", ".wav", ".ogg", ".m3u8"}
_FEEDS = {".json", ".xml", ".rss", ".atom"}
#: Extensions whose URLs are downloads or page assets, never the HTML pages the checks read.
NON_HTML_EXTENSIONS = frozenset(
    _IMAGES | _ASSETS | _DOCUMENTS | _ARCHIVES | _PROGRAMS | _MEDIA | _FEEDS | {".tiff"}
)

_HAS_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
#: `mailto:x`, `javascript:…` — but not `localhost:8080`, which is a host and a port.
_OTHER_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):(?!\d+(?:[/?#]|$))")


def validate_start_url(s: str) -> str:
    """The canonical http(s) URL to start from, or InputError saying what is wrong with `s`.

    A bare host (`shop.example.com`, `localhost:8080/`) gets `https://`: that is what a browser
    would try first and what a shop should answer on.
    """
    raw = s.strip()
    if not raw:
        raise InputError(
            "the start URL is empty", "give the shop's home page, e.g. https://shop.example.com/"
        )
    if any(ch.isspace() for ch in raw):
        raise InputError(
            f"start URL {raw!r} contains spaces", "percent-encode them or check the copy-paste"
        )
    if not _HAS_SCHEME.match(raw):
        other = _OTHER_SCHEME.match(raw)
        if other:
            raise InputError(
                f"start URL {raw!r} uses the scheme {other.group(1)!r}",
                "only http and https sites can be scanned",
            )
        raw = "https://" + raw.lstrip("/")
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError as exc:
        raise InputError(f"start URL {raw!r} does not parse: {exc}") from exc
    if parts.scheme.lower() not in WEB_SCHEMES:
        raise InputError(
            f"start URL {raw!r} uses the scheme {parts.scheme!r}",
            "only http and https sites can be scanned",
        )
    if not parts.hostname:
        raise InputError(
            f"start URL {raw!r} has no host name", "give a URL like https://shop.example.com/"
        )
    if parts.username is not None or parts.password is not None:
        raise InputError(
            f"start URL {raw!r} contains a user name or password",
            "scan the public site without credentials",
        )
    if port == 0:
        raise InputError(f"start URL {raw!r} has port 0")
    if not re.fullmatch(r"[A-Za-z0-9.\-\[\]:_\u0080-\U0010ffff]+", parts.hostname):
        raise InputError(f"start URL {raw!r} has an invalid host name {parts.hostname!r}")
    try:
        url = canonical(raw)
    except ValueError as exc:
        raise InputError(f"start URL {raw!r} does not parse: {exc}") from exc
    if len(url) > MAX_URL_LENGTH:
        raise InputError(f"start URL is longer than {MAX_URL_LENGTH} characters")
    return url


def non_web_scheme(url: str) -> str | None:
    """The scheme of a link the crawler cannot follow (`mailto`, `javascript` …), else None."""
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return "invalid"
    return None if scheme in WEB_SCHEMES else (scheme or "relative")


def non_html_extension(url: str) -> str | None:
    """The file extension when the path names a download or an asset (`.pdf`, `.jpg` …)."""
    path = urlsplit(url).path.lower()
    ext = posixpath.splitext(path.rsplit("/", 1)[-1])[1]
    return ext if ext in NON_HTML_EXTENSIONS else None


def trap_reason(url: str) -> str | None:
    """Why `url` looks like a crawler trap (too long, too deep, a repeating path), else None."""
    if len(url) > MAX_URL_LENGTH:
        return f"URL longer than {MAX_URL_LENGTH} characters"
    segments = [s for s in urlsplit(url).path.split("/") if s]
    if len(segments) > MAX_PATH_SEGMENTS:
        return f"more than {MAX_PATH_SEGMENTS} path segments"
    run = 1
    for prev, cur in itertools.pairwise(segments):
        run = run + 1 if cur == prev else 1
        if run > MAX_SEGMENT_REPEATS:
            return f"path segment {cur!r} repeats more than {MAX_SEGMENT_REPEATS} times"
    return None
