"""robots.txt (RFC 9309): fetched once per origin, matched by longest rule, our token `ecq-scan`.

We parse it ourselves because `urllib.robotparser` applies the first matching rule in file
order, while RFC 9309 says the most specific (longest) match wins and `Allow` wins a tie —
`Disallow: /` + `Allow: /help/` must allow `/help/`. Wildcards are matched with a linear
two-pointer matcher, not regexes, so a hostile `/*a*a*a*…` pattern cannot stall the crawl.

Deliberate deviation: RFC 9309 says an unreachable robots.txt (5xx, network error) means
"disallow everything for now". A compliance scan run once cannot wait for the server to
recover, so we crawl as if allowed and record a note saying so; 4xx means allow-all per the RFC.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

from ecq_scan.crawl.fetcher import Fetcher
from ecq_scan.crawl.scope import origin

#: Our product token; groups for `ecq-scan` apply to us, else groups for `*`.
USER_AGENT_TOKEN = "ecq-scan"
#: RFC 9309 §2.5: parse at least 500 KiB; we parse exactly that much.
ROBOTS_MAX_BYTES = 500 * 1024
#: A Crawl-delay above this is honoured only up to this many seconds.
CRAWL_DELAY_CAP = 10.0

_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_HEX = "0123456789abcdefABCDEF"


def _normalise(s: str) -> str:
    """RFC 9309 §2.2.2 comparison form: non-ASCII percent-encoded as UTF-8, escapes of
    unreserved characters decoded, other escapes upper-cased."""
    s = quote(s, safe="".join(chr(c) for c in range(0x21, 0x7F)))
    out: list[str] = []
    i = 0
    while i < len(s):
        if s[i] == "%" and i + 2 < len(s) and s[i + 1] in _HEX and s[i + 2] in _HEX:
            ch = chr(int(s[i + 1 : i + 3], 16))
            out.append(ch if ch in _UNRESERVED else "%" + s[i + 1 : i + 3].upper())
            i += 3
        else:
            out.append(s[i])
            i += 1
    return "".join(out)


def pattern_matches(pattern: str, path: str) -> bool:
    """Does the robots `pattern` (with `*` and a trailing `$`) match the start of `path`?"""
    if pattern.endswith("$"):
        pattern = pattern[:-1]
    else:
        pattern += "*"  # rules are prefixes unless anchored
    p = s = 0
    star, mark = -1, 0
    while s < len(path):
        if p < len(pattern) and pattern[p] == "*":
            star, mark, p = p, s, p + 1
        elif p < len(pattern) and pattern[p] == path[s]:
            p, s = p + 1, s + 1
        elif star >= 0:
            mark += 1
            p, s = star + 1, mark
        else:
            return False
    while p < len(pattern) and pattern[p] == "*":
        p += 1
    return p == len(pattern)


@dataclass(frozen=True, slots=True)
class Rule:
    allow: bool
    pattern: str

    @property
    def specificity(self) -> int:
        return len(self.pattern.encode("utf-8"))


@dataclass(slots=True)
class _Group:
    agents: list[str] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    crawl_delay: float | None = None


def _agent_token(value: str) -> str:
    return value.strip().split("/", 1)[0].split()[0].lower() if value.strip() else ""


@dataclass(slots=True)
class RobotsTxt:
    """The rules that apply to us, the sitemaps the file lists, and how it was obtained."""

    rules: list[Rule] = field(default_factory=list)
    crawl_delay: float | None = None
    sitemaps: list[str] = field(default_factory=list)
    note: str | None = None
    url: str | None = None

    @classmethod
    def allow_all(cls, note: str | None = None, url: str | None = None) -> RobotsTxt:
        return cls(note=note, url=url)

    @classmethod
    def parse(cls, text: str, token: str = USER_AGENT_TOKEN, url: str | None = None) -> RobotsTxt:
        groups: list[_Group] = []
        sitemaps: list[str] = []
        current: _Group | None = None
        in_rules = False
        for raw in text.splitlines():
            line = raw.split("#", 1)[0].strip()
            if ":" not in line:
                continue
            key, value = (part.strip() for part in line.split(":", 1))
            key = key.lower()
            if key == "sitemap":
                if value:
                    sitemaps.append(value)
            elif key in ("user-agent", "useragent"):
                if current is None or in_rules:
                    current = _Group()
                    groups.append(current)
                    in_rules = False
                current.agents.append(_agent_token(value))
            elif current is None:
                continue  # rules before any user-agent line belong to no group
            elif key in ("allow", "disallow"):
                in_rules = True
                if value:
                    pattern = value if value.startswith(("/", "*")) else "/" + value
                    current.rules.append(Rule(key == "allow", _normalise(pattern)))
            elif key == "crawl-delay":
                in_rules = True
                with contextlib.suppress(ValueError):  # a non-numeric delay is ignored
                    current.crawl_delay = max(0.0, float(value))
        token = token.lower()
        mine = [g for g in groups if token in g.agents] or [g for g in groups if "*" in g.agents]
        delays = [g.crawl_delay for g in mine if g.crawl_delay is not None]
        return cls(
            rules=[r for g in mine for r in g.rules],
            crawl_delay=max(delays) if delays else None,
            sitemaps=sitemaps,
            url=url,
        )

    def deciding_rule(self, url: str) -> Rule | None:
        """The longest matching rule (Allow wins a tie), or None when no rule matches."""
        parts = urlsplit(url)
        if parts.path == "/robots.txt":
            return None
        path = _normalise((parts.path or "/") + (f"?{parts.query}" if parts.query else ""))
        best: Rule | None = None
        for rule in self.rules:
            if not pattern_matches(rule.pattern, path):
                continue
            if (
                best is None
                or rule.specificity > best.specificity
                or (rule.specificity == best.specificity and rule.allow and not best.allow)
            ):
                best = rule
        return best

    def allowed(self, url: str) -> bool:
        rule = self.deciding_rule(url)
        return rule is None or rule.allow

    @property
    def delay(self) -> float:
        """Crawl-delay in seconds, capped at CRAWL_DELAY_CAP; 0 when none was asked for."""
        return min(self.crawl_delay or 0.0, CRAWL_DELAY_CAP)


def _drop_partial_line(body: bytes, truncated: bool) -> bytes:
    if truncated and b"\n" in body:
        return body[: body.rindex(b"\n") + 1]
    return body


class RobotsCache:
    """robots.txt per origin, fetched at most once even when many tasks ask at the same time."""

    def __init__(self, fetcher: Fetcher | None, scope_url: str, obey: bool = True) -> None:
        self._fetcher = fetcher
        self._scope_url = scope_url
        self._obey = obey and fetcher is not None
        self._cache: dict[str, RobotsTxt] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self.notes: list[str] = []

    async def policy(self, url: str) -> RobotsTxt:
        key = origin(url)
        if key in self._cache:
            return self._cache[key]
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            if key not in self._cache:
                self._cache[key] = await self._load(key) if self._obey else RobotsTxt.allow_all()
                if self._cache[key].note:
                    self.notes.append(str(self._cache[key].note))
            return self._cache[key]

    async def allowed(self, url: str) -> bool:
        return (await self.policy(url)).allowed(url)

    async def _load(self, key: str) -> RobotsTxt:
        assert self._fetcher is not None
        url = f"{key}/robots.txt"
        snap = await self._fetcher.fetch(url, scope_url=self._scope_url, max_bytes=ROBOTS_MAX_BYTES)
        if snap.status is not None and 200 <= snap.status < 300 and snap.error is None:
            body = _drop_partial_line(snap.body, snap.truncated)
            text = body.decode("utf-8", "replace").lstrip("\ufeff")
            note = (
                f"{url} is larger than {ROBOTS_MAX_BYTES} bytes; only the start was read"
                if snap.truncated
                else None
            )
            parsed = RobotsTxt.parse(text, url=url)
            parsed.note = note
            return parsed
        if snap.error is None and snap.status is not None and 400 <= snap.status < 500:
            note = (
                None
                if snap.status in (404, 410)
                else f"{url} answered {snap.status}; treated as allow-all (RFC 9309)"
            )
            return RobotsTxt.allow_all(note, url)
        why = snap.error or f"answered {snap.status}"
        return RobotsTxt.allow_all(
            f"{url} could not be read ({why}); crawled as if it allowed everything", url
        )
