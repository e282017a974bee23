"""The crawl loop: politeness, budgets and priorities around the fetcher, and nothing else.

The crawler never parses HTML. The caller's `on_page` parses each snapshot once and hands back
the links it found, so the runner and the crawler cannot disagree about what a page contains.
(Only `browser.RenderPolicy` glances at the static HTML, to decide whether a browser renders the
page; then the snapshot carries the rendered DOM and `on_page` parses that, links included, so a
shop whose links exist only after its scripts ran is still crawled.)

Contract with the caller:
* the start URL must work (answer 2xx with HTML, allowed by robots.txt), otherwise
  `SiteUnscannableError` says in one line what happened — after the store has recorded it;
* every fetched URL, failures included, becomes a `PageRecord` (and goes through `on_page`);
* every URL not fetched for a reason worth knowing becomes a `SkippedUrl`;
* budgets (pages, depth, time) end the crawl cleanly; an interrupt or cancellation re-raises
  after `crawl.json` records status partial, so what was fetched stays usable.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from urllib.parse import urlsplit

import httpx

from ecq_scan.config import Settings
from ecq_scan.crawl.browser import BrowserRenderer, RenderPolicy
from ecq_scan.crawl.fetcher import (
    ErrorKind,
    Fetcher,
    HopGuard,
    Snapshot,
    host_port,
    media_type,
)
from ecq_scan.crawl.frontier import Entry, Frontier
from ecq_scan.crawl.robots import RobotsCache
from ecq_scan.crawl.scope import canonical, in_scope, origin
from ecq_scan.crawl.sitemap import read_sitemaps
from ecq_scan.crawl.snapshots import SnapshotStore, record_for
from ecq_scan.crawl.ssrf import SSRFGuard
from ecq_scan.crawl.urls import non_html_extension, non_web_scheme, trap_reason, validate_start_url
from ecq_scan.errors import SiteUnscannableError
from ecq_scan.models import PageRecord, PageRole, ScanStatus, SkippedUrl

#: (absolute URL, link text) as found by the caller's parser.
Link = tuple[str, str]
OnPage = Callable[[Snapshot], Awaitable[Sequence[Link]]]
Progress = Callable[[int, int, str], None]

#: Skipped URLs listed one by one; beyond this only their number is kept (a shop can link
#: tens of thousands of product pages, and the report needs the reasons, not every URL).
MAX_SKIPPED_LISTED = 2000
#: Share of scan_timeout that reading sitemaps may use before the page crawl starts.
SITEMAP_TIME_SHARE = 0.25
#: Links taken from one page (Nutch keeps 100, Heritrix 6000); a link bomb stops here.
MAX_LINKS_PER_PAGE = 1000
#: Distinct query strings followed per path (after canonicalisation drops session ids).
MAX_QUERY_VARIANTS = 20


@dataclass(slots=True)
class CrawlReport:
    start_url: str
    pages: list[PageRecord]
    skipped: list[SkippedUrl]
    status: ScanStatus
    status_reason: str | None = None
    notes: list[str] = field(default_factory=list)
    skipped_not_listed: int = 0


#: A host that failed this many fetches in a row (429, 5xx, timeouts, resets) is given up:
#: its remaining URLs are skipped (Nutch `fetcher.max.exceptions.per.queue`).
HOST_ERROR_BUDGET = 5
_HOST_TROUBLE = frozenset(
    {
        ErrorKind.TIMEOUT_TOTAL,
        ErrorKind.TIMEOUT_CONNECT,
        ErrorKind.TIMEOUT_IDLE,
        ErrorKind.REFUSED,
        ErrorKind.CONNECT,
        ErrorKind.TLS,
        ErrorKind.PROTOCOL,
        ErrorKind.RATE_LIMITED,
    }
)


def host_trouble(snap: Snapshot) -> bool:
    """Did this fetch fail because the host is struggling or hostile (not a plain 404)?"""
    return snap.error_kind in _HOST_TROUBLE or (snap.status or 0) >= 500


@dataclass(slots=True)
class _Host:
    """Per-host politeness: a concurrency slot count, the earliest next request start, and the
    count of consecutive failures (the host error budget)."""

    slots: asyncio.Semaphore
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    next_start: float = 0.0
    failures: int = 0


_HINT_UP = "check the URL and that the site is up"
_HINT_HOME = "give the shop's home page URL"


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "non-standard status"


def start_failure(snap: Snapshot) -> tuple[str, str] | None:
    """Why the start page cannot anchor a scan, as (message, hint), or None when it can."""
    url, kind, error = snap.url, snap.error_kind, snap.error
    if error is not None:
        if kind is ErrorKind.BLOCKED_SSRF:  # the message already says why and what to do
            return f"{url}: {error}", ""
        if kind is ErrorKind.DNS:
            host = urlsplit(url).hostname
            return f"cannot resolve {host} (DNS lookup failed)", "check the spelling of the URL"
        if kind is ErrorKind.REFUSED:
            return f"cannot connect to {host_port(url)} (connection refused)", _HINT_UP
        if kind in (ErrorKind.CONNECT, ErrorKind.TLS, ErrorKind.TIMEOUT_CONNECT):
            return f"cannot connect to {host_port(url)} ({error})", _HINT_UP
        if kind in (ErrorKind.TIMEOUT_TOTAL, ErrorKind.TIMEOUT_IDLE):
            return (
                f"home page {url} did not load in time ({error})",
                "the site may be down or very slow; try again later or raise page_timeout",
            )
        if kind is ErrorKind.REDIRECT_LIMIT:
            return (
                f"home page {url} redirects too often ({error})",
                "open it in a browser to look for a redirect loop",
            )
        if kind is ErrorKind.OUT_OF_SCOPE:
            target = error.rsplit(" ", 1)[-1]
            return f"{url} {error}, another site", f"scan {target} instead"
        return f"home page {url} could not be fetched ({error})", _HINT_UP
    status = snap.status or 0
    if status >= 400:
        tried = f" after {snap.attempts} attempts" if snap.attempts > 1 else ""
        if status in (401, 403):
            hint = "the site refuses automated clients or needs a login; only public pages are read"
        elif status == 429 or status >= 500:
            hint = "the site is overloaded or down; try again later"
        else:
            hint = _HINT_HOME
        return f"home page {url} answered {status} ({_phrase(status)}){tried}", hint
    if not 200 <= status < 300:
        return f"home page {url} answered {status} without a usable redirect", _HINT_HOME
    if not snap.is_html:
        kind_shown = media_type(snap.content_type) or "no content type"
        return f"{url} is not an HTML page ({kind_shown})", _HINT_HOME
    return None


class Crawler:
    """Crawl one site from its home page; see the module docstring for the contract."""

    def __init__(
        self,
        settings: Settings,
        store: SnapshotStore | None = None,
        progress: Progress | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        guard: SSRFGuard | None = None,
        renderer: BrowserRenderer | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.progress = progress
        self.report: CrawlReport | None = None
        self._transport = transport
        self._guard = guard  # None: the fetcher builds one from settings.allow_private
        # started and closed by the caller (it outlives the crawl: evidence screenshots)
        self.renderer = renderer
        self._render_policy = RenderPolicy(settings.render)
        #: pages of a killed crawl with their links, set by the caller to continue it
        self.resume: Sequence[tuple[PageRecord, Sequence[Link]]] | None = None

    # ------------------------------------------------------------------ entry point

    async def run(self, start_url: str, on_page: OnPage) -> CrawlReport:
        """Crawl from `start_url`; raises InputError for a bad URL, SiteUnscannableError when
        the start page cannot be used."""
        s = self.settings
        start = validate_start_url(start_url)
        self._start = start
        self._on_page = on_page
        self._pages: list[PageRecord] = []
        self._skipped: dict[str, SkippedUrl] = {}  # hard reasons: final
        self._deferred: dict[str, SkippedUrl] = {}  # depth/sample caps: lifted if found again
        self._notes: list[str] = []
        self._frontier = Frontier(s.sample_products, s.sample_categories)
        self._hosts: dict[str, _Host] = {}
        self._active: set[str] = set()
        self._variants: dict[str, int] = {}
        self._global = asyncio.Semaphore(s.concurrency)
        self._cond = asyncio.Condition()
        self._reserved = 0
        self._in_flight = 0
        self._start_done = False
        if self.store is not None:
            self.store.begin(start, append=bool(self.resume))
        status, reason = ScanStatus.COMPLETE, None
        try:
            async with Fetcher(s, self._transport, guard=self._guard) as fetcher:
                self._fetcher = fetcher
                self._robots = RobotsCache(fetcher, start, s.obey_robots)
                try:
                    async with asyncio.timeout(s.scan_timeout):
                        await self._crawl()
                except TimeoutError:
                    if not self._start_done:
                        raise SiteUnscannableError(
                            f"the scan time budget ({s.scan_timeout:g}s) ran out before "
                            f"{start} loaded",
                            "the site is very slow; try again or raise scan_timeout",
                        ) from None
                    status = ScanStatus.PARTIAL
                    reason = (
                        f"scan time budget ({s.scan_timeout:g}s) ran out after "
                        f"{len(self._pages)} pages"
                    )
        except SiteUnscannableError as exc:
            self._finish(ScanStatus.UNSCANNABLE, str(exc), "not fetched: the start page failed")
            raise
        except (asyncio.CancelledError, KeyboardInterrupt):
            self._finish(
                ScanStatus.PARTIAL,
                "interrupted; the pages fetched so far are kept",
                "not fetched: interrupted",
            )
            raise
        except Exception as exc:
            self._finish(
                ScanStatus.PARTIAL,
                f"crawl stopped by an internal error: {type(exc).__name__}: {exc}",
                "not fetched: crawl stopped",
            )
            raise
        if status is ScanStatus.PARTIAL:
            return self._finish(status, reason, "not fetched: scan time budget ran out")
        left = len(self._frontier)
        if left and self._reserved >= s.max_pages:
            reason = f"page budget reached ({s.max_pages} pages); {left} queued URLs not fetched"
        return self._finish(status, reason, self._budget_reason())

    def _budget_reason(self) -> str:
        return f"not fetched: page budget ({self.settings.max_pages}) exhausted"

    # ------------------------------------------------------------------ phases

    async def _crawl(self) -> None:
        start, s = self._start, self.settings
        policy = await self._robots.policy(start)
        if s.obey_robots and not policy.allowed(start):
            rule = policy.deciding_rule(start)
            shown = f" (rule 'Disallow: {rule.pattern}')" if rule is not None else ""
            path = urlsplit(start).path or "/"
            raise SiteUnscannableError(
                f"robots.txt at {policy.url} disallows ecq-scan from {path}{shown}",
                "the site asked not to be crawled; "
                "use --ignore-robots only with the owner's permission",
            )
        self._frontier.mark_done(start)
        if self.resume:
            home = self._restore(self.resume)
        else:
            self._reserved = 1
            snap = await self._fetch_page(start, tls=True)
            # the TLS facts of the home page, even when its handshake failed (the site is then
            # unscannable, but an expired certificate is still a finding: tls-configuration)
            await self._fetcher.complete_tls(snap)
            links = await self._record(snap, PageRole.HOME, 0)
            failure = start_failure(snap)
            if failure is not None:
                raise SiteUnscannableError(*failure)
            self._consider_all(links, 1)
            home = snap.final_url
        self._start_done = True
        if self._reserved < s.max_pages and s.max_depth > 0:
            await self._seed_sitemaps(home)
        workers = [
            asyncio.create_task(self._worker(), name=f"crawl-worker-{i}")
            for i in range(s.concurrency)
        ]
        try:
            await asyncio.gather(*workers)
        finally:
            for task in workers:
                task.cancel()
            await asyncio.gather(*workers, return_exceptions=True)

    def _restore(self, stored: Sequence[tuple[PageRecord, Sequence[Link]]]) -> str:
        """Continue a killed crawl (`--resume`): the stored pages count as fetched and are never
        requested again; their links, re-read from the snapshots, seed the frontier. Returns
        the home page's final URL."""
        for rec, _links in stored:
            self._pages.append(rec)
            for url in {rec.url, rec.final_url}:
                with contextlib.suppress(ValueError):
                    self._frontier.mark_done(canonical(url))
        self._reserved = len(stored)
        for rec, links in stored:
            self._consider_all(links, rec.depth + 1)
        return stored[0][0].final_url

    async def _seed_sitemaps(self, home: str) -> None:
        seeds: list[str] = []
        if self.settings.obey_robots:
            for url in (self._start, home):
                seeds.extend((await self._robots.policy(url)).sitemaps)
        guessed = f"{origin(home)}/sitemap.xml"
        seeds.append(guessed)

        async def accept(url: str) -> str | None:
            if not in_scope(url, self._start):
                return "it is on another site"
            if self.settings.obey_robots and not await self._robots.allowed(url):
                return "robots.txt disallows it"
            return None

        async def fetch(url: str) -> Snapshot:
            return await self._polite_fetch(url, None)

        found = await read_sitemaps(
            list(dict.fromkeys(seeds)),
            fetch,
            accept,
            quiet=frozenset({guessed}),
            max_bytes=self.settings.max_bytes_per_page,
            deadline=time.monotonic() + SITEMAP_TIME_SHARE * self.settings.scan_timeout,
        )
        self._notes.extend(found.notes)
        self._consider_all([(u, "") for u in found.urls], 1, limit=None)

    async def _worker(self) -> None:
        while True:
            entry = await self._next()
            if entry is None:
                return
            try:
                await self._process(entry)
            finally:
                async with self._cond:
                    self._in_flight -= 1
                    self._cond.notify_all()

    async def _next(self) -> Entry | None:
        async with self._cond:
            while True:
                if self._reserved >= self.settings.max_pages:
                    self._cond.notify_all()
                    return None
                entry = self._frontier.pop()
                if entry is not None:
                    self._in_flight += 1
                    return entry
                if self._in_flight == 0:
                    self._cond.notify_all()
                    return None
                await self._cond.wait()

    async def _process(self, entry: Entry) -> None:
        if self.settings.obey_robots and not await self._robots.allowed(entry.url):
            self._skip(entry.url, "robots.txt disallows ecq-scan")
            return
        host = self._host(entry.url)
        if host.failures >= HOST_ERROR_BUDGET:
            self._skip(
                entry.url,
                f"host error budget: {host.failures} fetches in a row failed on this host",
            )
            return
        async with self._cond:
            if self._reserved >= self.settings.max_pages:
                self._defer(entry.url, self._budget_reason())
                return
            self._reserved += 1
        self._active.add(entry.url)  # recorded even if the crawl ends while it is in flight
        snap = await self._fetch_page(entry.url)
        host.failures = host.failures + 1 if host_trouble(snap) else 0
        with contextlib.suppress(ValueError):
            self._frontier.mark_done(canonical(snap.final_url))
        links = await self._record(snap, entry.role, entry.depth)
        self._active.discard(entry.url)
        self._consider_all(links, entry.depth + 1)

    # ------------------------------------------------------------------ fetching

    def _host(self, url: str) -> _Host:
        key = host_port(url)
        if key not in self._hosts:
            self._hosts[key] = _Host(asyncio.Semaphore(self.settings.per_host_concurrency))
        return self._hosts[key]

    async def _hop_guard(self, url: str) -> str | None:
        if self.settings.obey_robots and not await self._robots.allowed(url):
            return "robots.txt disallows"
        return None

    async def _polite_fetch(
        self, url: str, guard: HopGuard | None, *, tls: bool = False
    ) -> Snapshot:
        """Fetch within the per-host and global concurrency limits, spacing request starts to a
        host by max(per_host_delay, robots Crawl-delay capped)."""
        host = self._host(url)
        delay = max(self.settings.per_host_delay, (await self._robots.policy(url)).delay)
        async with host.slots:
            async with host.lock:
                wait = host.next_start - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                host.next_start = time.monotonic() + delay
            async with self._global:
                return await self._fetcher.fetch(
                    url, scope_url=self._start, hop_guard=guard, tls=tls
                )

    async def _fetch_page(self, url: str, *, tls: bool = False) -> Snapshot:
        return await self._polite_fetch(url, self._hop_guard, tls=tls)

    async def _render(self, snap: Snapshot, role: PageRole, depth: int) -> Snapshot:
        """Attach the rendered DOM and RenderInfo when the policy wants this page rendered.

        The browser fetches the page and its scripts from the same host, so a render takes a
        host slot and respects the per-host spacing like a static fetch does."""
        renderer = self.renderer
        if renderer is None or not snap.ok or snap.text is None:
            return snap
        is_home = depth == 0 and snap.url == self._start
        reason = self._render_policy.reason(snap.text, is_home=is_home, role=role)
        if reason is None:
            return snap
        host = self._host(snap.final_url)
        async with host.slots:
            async with host.lock:
                wait = host.next_start - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                host.next_start = time.monotonic() + self.settings.per_host_delay
            rendered = await renderer.render(
                snap.final_url, reason=reason, role=role, is_home=is_home
            )
        snap.rendered_html, snap.render = rendered.html, rendered.info
        return snap

    async def _record(self, snap: Snapshot, role: PageRole, depth: int) -> Sequence[Link]:
        if self.renderer is not None:
            snap = await self._render(snap, role, depth)
        if self.store is not None:
            record = self.store.add(snap, role, depth)
        else:
            record = record_for(snap, role, depth)
        self._pages.append(record)
        if self.progress is not None:
            known = len(self._pages) + len(self._frontier) + max(self._in_flight - 1, 0)
            self.progress(len(self._pages), min(self.settings.max_pages, known), snap.url)
        return await self._on_page(snap)

    # ------------------------------------------------------------------ links

    def _consider_all(
        self, links: Sequence[Link], depth: int, limit: int | None = MAX_LINKS_PER_PAGE
    ) -> None:
        for url, text in links if limit is None else links[:limit]:
            self._consider(url, text or "", depth)
        if limit is not None and len(links) > limit:
            self._notes.append(
                f"pages with more than {limit} links: only the first {limit} followed"
            )

    def _consider(self, url: str, text: str, depth: int) -> None:
        scheme = non_web_scheme(url)
        if scheme is not None:
            self._skip(url, f"not a web link ({scheme}:)")
            return
        try:
            key = canonical(url)
        except ValueError:
            self._skip(url, "malformed URL")
            return
        if self._frontier.known(key) or key in self._skipped:
            if self._frontier.known(key):
                self._frontier.offer(key, text, depth)  # may move it up the queue
            return
        if not in_scope(key, self._start):
            self._skip(key, "out of scope (another site)")
            return
        ext = non_html_extension(key)
        if ext is not None:
            self._skip(key, f"not an HTML page ({ext})")
            return
        trap = trap_reason(key) or self._too_many_variants(key)
        if trap is not None:
            self._skip(key, f"looks like a crawler trap: {trap}")
            return
        if depth > self.settings.max_depth:
            self._defer(key, f"deeper than max_depth ({self.settings.max_depth})")
            return
        refused = self._frontier.offer(key, text, depth)
        if refused is not None:
            self._defer(key, refused)
        else:
            self._deferred.pop(key, None)

    def _too_many_variants(self, key: str) -> str | None:
        """Facets, sort orders and page numbers make one path into unbounded URLs; after
        MAX_QUERY_VARIANTS distinct queries of a path, further ones are a trap (R3)."""
        path, sep, _query = key.partition("?")
        if not sep:
            return None
        seen = self._variants.setdefault(path, 0)
        if seen >= MAX_QUERY_VARIANTS:
            return f"more than {MAX_QUERY_VARIANTS} query variants of {urlsplit(path).path}"
        self._variants[path] = seen + 1
        return None

    def _skip(self, url: str, reason: str) -> None:
        if url not in self._skipped:
            self._skipped[url] = SkippedUrl(url=url, reason=reason)

    def _defer(self, url: str, reason: str) -> None:
        self._deferred.setdefault(url, SkippedUrl(url=url, reason=reason))

    # ------------------------------------------------------------------ end

    def _finish(self, status: ScanStatus, reason: str | None, leftover_reason: str) -> CrawlReport:
        for entry in self._frontier.drain():
            self._defer(entry.url, leftover_reason)
        for url in getattr(self, "_active", ()):  # in flight when the crawl stopped
            self._defer(url, leftover_reason)
        every = list(self._skipped.values())
        every += [v for k, v in self._deferred.items() if k not in self._skipped]
        listed, hidden = every[:MAX_SKIPPED_LISTED], max(0, len(every) - MAX_SKIPPED_LISTED)
        notes = list(dict.fromkeys(self._robots_notes() + self._notes))
        self.report = CrawlReport(
            self._start, list(self._pages), listed, status, reason, notes, hidden
        )
        if self.store is not None:
            self.store.write_summary(self._start, status, reason, listed, notes, hidden)
            self.store.close()
        return self.report

    def _robots_notes(self) -> list[str]:
        robots = getattr(self, "_robots", None)
        return list(robots.notes) if robots is not None else []
