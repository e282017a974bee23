"""Pages in, verdicts out: the part of a scan that is the same online and offline.

`Analysis` parses each page once, lets every applicable check observe it, keeps only the small
hits (the parse tree is dropped with the page, so memory does not grow with the site), and at the
end asks every check for its conclusion. `scan` feeds it from the crawler; `audit` feeds it from
saved snapshots, so both produce the same findings from the same pages.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from ecq_scan.artifacts import PageArtifacts, link_role, parse_html
from ecq_scan.artifacts.depth import MAX_HTML_DEPTH
from ecq_scan.checks.base import Check, Hit, PageSummary, Probe, SiteContext
from ecq_scan.models import (
    CheckMeta,
    Disclosure,
    EnterpriseType,
    Finding,
    I18nText,
    Outcome,
    PageRole,
    RenderInfo,
    TlsInfo,
)

_CJK = re.compile(r"[\u4e00-\u9fff]")
#: a page "speaks Chinese" with this many CJK characters of visible text (or a zh lang attribute);
#: a lone "中文" language-switcher link on an English site stays below it
CHINESE_MIN_CJK = 20
HTML_TYPES = ("text/html", "application/xhtml+xml")
#: a site-scope check keeps this many hits per signal (evidence shows at most five) …
HITS_PER_SIGNAL = 10
#: … plus any hit that carries a value not seen before, up to this many values per signal
VALUES_PER_SIGNAL = 50


def is_html(content_type: str | None) -> bool:
    return (content_type or "").split(";")[0].strip().lower() in HTML_TYPES


def speaks_chinese(page: PageArtifacts) -> bool:
    lang = (page.lang or "").lower()
    if lang.startswith("zh"):
        return True
    return len(_CJK.findall(page.text[:20000])) >= CHINESE_MIN_CJK


@dataclass(slots=True)
class Conclusion:
    findings: list[Finding]
    disclosures: list[Disclosure]


class Analysis:
    """Accumulates hits from pages; concludes once at the end."""

    def __init__(
        self,
        checks: Sequence[Check],
        enterprise_type: EnterpriseType,
        *,
        render_unavailable: str | None = None,
        probes: Sequence[Probe] = (),
        probe_at: datetime | None = None,
        max_html_depth: int = MAX_HTML_DEPTH,
    ) -> None:
        """`render_unavailable` says why no browser rendered pages (none found, rendering turned
        off, the browser would not start); then every check that needs one reports `error` with
        that reason instead of judging from missing data. It may be set after construction
        (a browser that fails to start is only known once the crawl begins).

        `probes` are the home-page results of earlier recorded scans of the site (history);
        with `probe_at`, this scan's home page becomes the newest probe (service-availability).

        `max_html_depth` (Settings.max_html_depth) bounds how deep a page's tree may nest; a page
        past it is read up to that point and counts as incomplete, like a body cut at the byte
        cap; `cut_pages` lists those pages (final and requested URLs) for the page records."""
        self.checks = list(checks)
        self.enterprise_type = enterprise_type
        # a check that does not apply to this enterprise type is concluded not_applicable;
        # observing pages for it would only cost time
        self._observing = [c for c in self.checks if enterprise_type in c.meta.enterprise_types]
        self.render_unavailable = render_unavailable
        self.hits: dict[str, list[Hit]] = defaultdict(list)
        self._signal_counts: dict[tuple[str, str], int] = defaultdict(int)
        self._signal_values: dict[tuple[str, str], set[str]] = defaultdict(set)
        self.errors: dict[str, list[tuple[str, str]]] = defaultdict(list)
        self.summaries: dict[str, PageSummary] = {}
        self.roles: dict[str, PageRole] = {}
        self.home_url: str | None = None
        self.home_ok = False
        self.home_status: int | None = None
        self.home_tls: TlsInfo | None = None
        self.probes = tuple(probes)
        self.probe_at = probe_at
        self._link_roles: dict[str, PageRole] = {}
        self.max_html_depth = max_html_depth
        self.cut_pages: set[str] = set()

    @property
    def metas(self) -> list[CheckMeta]:
        return [c.meta for c in self.checks]

    def add_failed(
        self,
        url: str,
        error: str,
        *,
        is_home: bool = False,
        status: int | None = None,
        tls: TlsInfo | None = None,
    ) -> None:
        """A URL that could not be fetched or is not HTML: a page the checks could not read.
        `status` is the HTTP status when the server answered at all; `tls` the home page's TLS
        facts (a failed certificate check is what made it fail, sometimes)."""
        if is_home and self.home_url is None:
            self.home_url = url
            self.home_status = status
            self.home_tls = tls
        self.summaries.setdefault(
            url,
            PageSummary(
                url=url,
                role=self._link_roles.get(url, PageRole.OTHER),
                ok=False,
                error=error,
                link_role=self._link_roles.get(url),
            ),
        )

    def add_page(
        self,
        html: str,
        *,
        url: str,
        requested_url: str,
        status: int | None,
        headers: Mapping[str, str],
        content_type: str,
        is_home: bool = False,
        render: RenderInfo | None = None,
        complete: bool = True,
        tls: TlsInfo | None = None,
    ) -> list[tuple[str, str]]:
        """Parse one HTML page, run every applicable check's `observe`, return its links.

        `complete=False` (a body cut at the byte cap): what the prefix shows is still evidence,
        but the page counts as not loaded, so no check fails the site for an item that may sit
        beyond the cut (R4: a truncated page is inconclusive, never a fail). A page the parser
        cut at the nesting bound is treated the same way."""
        page = parse_html(
            html,
            url=url,
            requested_url=requested_url,
            status=status,
            headers=headers,
            content_type=content_type,
            max_depth=self.max_html_depth,
        )
        incomplete = None if complete else "the body was cut at the byte cap (incomplete page)"
        if page.cut_at is not None:
            complete = False
            incomplete = (
                f"the HTML nests deeper than {self.max_html_depth} levels; only the part before "
                "that was read (incomplete page)"
            )
            self.cut_pages.update((url, requested_url))
        page.render = render
        page.tls = tls
        if is_home:
            page.role = PageRole.HOME
            if self.home_url is None:
                self.home_url = url
                self.home_ok = True
                self.home_status = status
                self.home_tls = tls
        self.roles[url] = page.role
        self.roles[requested_url] = page.role
        self.summaries[url] = PageSummary(
            url=url,
            role=page.role,
            ok=complete,
            chinese=speaks_chinese(page),
            error=incomplete,
        )
        for check in self._observing:
            if not check.applies_to_page(page):
                continue
            try:
                found = check.observe(page)
            except Exception as exc:  # a crashing check is an error outcome, never a silent pass
                self.errors[check.meta.id].append((url, f"{type(exc).__name__}: {exc}"))
                continue
            if check.meta.scope == "page":
                self.hits[check.meta.id].extend(found)
            else:
                self._keep_site_hits(check.meta.id, found)
        links: list[tuple[str, str]] = []
        known = self._link_roles
        for link in page.links:
            if link.url:
                label = link.text or link.title
                links.append((link.url, label))
                if link.url not in known:
                    known[link.url] = link_role(link.url, label) or PageRole.OTHER
        return links

    def mark_incomplete(self, url: str, reason: str) -> None:
        """A page that was parsed but cannot be trusted to show everything (its content is built
        by JavaScript and no browser rendered it): what it shows stays evidence, but it counts
        as not loaded, so a missing item is "could not decide" (error), never fail."""
        summary = self.summaries.get(url)
        if summary is not None:
            self.summaries[url] = replace(summary, ok=False, error=reason)
        if url == self.home_url:
            self.home_ok = False

    def _keep_site_hits(self, check_id: str, found: Sequence[Hit]) -> None:
        """Bound what a site-scope check keeps: a footer link found on all 2,000 pages of a shop
        is evidence enough after ten pages, and keeping every copy would grow memory with the
        site. Hits with a new value (a different licence number) are always kept, up to a cap."""
        kept = self.hits[check_id]
        for h in found:
            key = (check_id, h.signal)
            values = self._signal_values[key]
            new_value = (
                h.value is not None and h.value not in values and len(values) < VALUES_PER_SIGNAL
            )
            if self._signal_counts[key] < HITS_PER_SIGNAL or new_value:
                kept.append(h)
                self._signal_counts[key] += 1
                if h.value is not None:
                    values.add(h.value)

    def site_context(self) -> SiteContext:
        return SiteContext(
            home_url=self.home_url or "",
            enterprise_type=self.enterprise_type,
            pages=tuple(self.summaries.values()),
            home_ok=self.home_ok,
            probes=self.probes
            + ((Probe(self.probe_at, self.home_status),) if self.probe_at is not None else ()),
            home_tls=self.home_tls,
        )

    def conclude(self, unscannable_reason: str | None = None) -> Conclusion:
        site = self.site_context()
        findings: list[Finding] = []
        disclosures: list[Disclosure] = []
        for check in self.checks:
            meta = check.meta
            # getattr: a plugin check need not derive from Check (duck-typed interface)
            if unscannable_reason is not None and not getattr(check, "judges_unscannable", False):
                findings.append(
                    _error(
                        meta,
                        I18nText(
                            zh=f"网站无法扫描，未作判断：{unscannable_reason}",
                            en=f"The site could not be scanned; no verdict: {unscannable_reason}",
                        ),
                    )
                )
                continue
            if self.enterprise_type not in meta.enterprise_types:
                findings.append(
                    Finding(
                        check_id=meta.id,
                        outcome=Outcome.NOT_APPLICABLE,
                        message=I18nText(
                            zh=f"不适用于企业类型 {self.enterprise_type.value}",
                            en=f"Does not apply to enterprise type {self.enterprise_type.value}",
                        ),
                    )
                )
                continue
            if meta.requires_browser and self.render_unavailable is not None:
                findings.append(
                    _error(
                        meta,
                        I18nText(
                            zh=f"此项检查需要浏览器渲染页面，未能进行：{_zh_render(self.render_unavailable)}",
                            en=f"This check needs a browser to render pages and could not run: "
                            f"{self.render_unavailable}",
                        ),
                    )
                )
                continue
            errs = self.errors.get(meta.id)
            if errs:
                url, cause = errs[0]
                findings.append(
                    _error(
                        meta,
                        I18nText(
                            zh=f"检查在 {len(errs)} 个页面上出错（首个：{url}：{cause}）",
                            en=f"The check crashed on {len(errs)} page(s) (first: {url}: {cause})",
                        ),
                        url,
                    )
                )
                continue
            try:
                verdict = check.conclude(self.hits.get(meta.id, []), site)
            except Exception as exc:
                findings.append(
                    _error(
                        meta,
                        I18nText(
                            zh=f"检查出错：{type(exc).__name__}: {exc}",
                            en=f"The check crashed: {type(exc).__name__}: {exc}",
                        ),
                    )
                )
                continue
            findings.extend(verdict.findings)
            disclosures.extend(verdict.disclosures)
        return Conclusion(findings, disclosures)


#: Chinese wording of the fixed reasons from crawl/browser.py (other reasons are shown as they are)
_ZH_RENDER = {
    "no browser available (install Debian's chromium or set ECQ_BROWSER)": (
        "没有可用的浏览器（请安装 Debian 的 chromium 软件包，或设置 ECQ_BROWSER）"
    ),
    "rendering turned off (--render never)": "渲染已关闭（--render never）",
}


def _zh_render(reason: str) -> str:
    return _ZH_RENDER.get(reason, reason)


def _error(meta: CheckMeta, message: I18nText, url: str | None = None) -> Finding:
    return Finding(check_id=meta.id, outcome=Outcome.ERROR, message=message, url=url)
