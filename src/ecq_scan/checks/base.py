"""The check interface: a pure `observe` per page, a pure `conclude` per site.

Checks never see the network. The runner parses each page once, calls `observe(page)` on every
check that looks at that page's role, keeps only the small `Hit`s (so memory does not grow with the
site), and after the crawl calls `conclude(hits, site)` once per check. `ecq-scan audit` replays the
same two steps from saved snapshots.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar

from ecq_scan.artifacts import PageArtifacts
from ecq_scan.models import (
    CheckMeta,
    Disclosure,
    DisclosureKey,
    EnterpriseType,
    Evidence,
    Finding,
    I18nText,
    Outcome,
    PageRole,
    TlsInfo,
)

#: evidence items kept per finding; more are summarised by count
MAX_EVIDENCE = 5


@dataclass(frozen=True, slots=True)
class Hit:
    """One observation on one page: which signal, where, what it said, and any extracted value."""

    check_id: str
    signal: str
    url: str
    role: PageRole
    locator: str | None
    snippet: str
    value: str | None = None
    region: str | None = None
    valid: bool | None = None
    note: str | None = None

    def evidence(self) -> Evidence:
        return Evidence(url=self.url, locator=self.locator, snippet=self.snippet)


@dataclass(frozen=True, slots=True)
class PageSummary:
    """What the site context knows about one page after the crawl (no body, no tree)."""

    url: str
    role: PageRole
    ok: bool
    chinese: bool = False
    error: str | None = None
    link_role: PageRole | None = None


@dataclass(frozen=True, slots=True)
class Probe:
    """One visit to the home page at `at`: its HTTP status, None when nothing answered. Earlier
    probes come from scans recorded in the history database; the newest is this scan's."""

    at: datetime
    status: int | None

    @property
    def ok(self) -> bool:
        return self.status is not None and self.status < 400


@dataclass(frozen=True, slots=True)
class SiteContext:
    """Facts about the whole scan that `conclude` may use."""

    home_url: str
    enterprise_type: EnterpriseType
    pages: tuple[PageSummary, ...]
    home_ok: bool = True
    probes: tuple[Probe, ...] = ()
    #: the home page's TLS connection, also when the page itself failed (a bad certificate)
    home_tls: TlsInfo | None = None

    @property
    def chinese_market(self) -> bool:
        """True when the site addresses mainland consumers (Chinese text on a fetched page).

        Chinese-law disclosure duties (ICP, 公安备案, 亮照) are not_applicable to a site with no
        Chinese content at all (clause-signals §11.1). A page parsed but counted as not loaded
        (cut at the byte cap, or a JavaScript shell no browser rendered) still says which
        language it speaks; pages that failed outright never set `chinese`.
        """
        return any(p.chinese for p in self.pages)

    def searched(self, roles: Sequence[PageRole] = ()) -> list[str]:
        """URLs of the pages that were fetched and looked at for `roles` (all roles if empty)."""
        return [p.url for p in self.pages if p.ok and (not roles or p.role in roles)]

    def failed_candidates(self, roles: Sequence[PageRole] = ()) -> list[PageSummary]:
        """Pages that could have held the item (by role or link text) but failed to load."""
        return [
            p
            for p in self.pages
            if not p.ok and (not roles or p.role in roles or (p.link_role in roles))
        ]


@dataclass(slots=True)
class Verdict:
    findings: list[Finding] = field(default_factory=list)
    disclosures: list[Disclosure] = field(default_factory=list)


class Check(ABC):
    """Base class for Python checks; YAML rules compile to the same interface."""

    meta: CheckMeta
    #: True for a check whose evidence outlives a site that cannot be scanned (the home page's
    #: TLS handshake is recorded even when the page failed): it concludes as usual instead of
    #: the blanket `error`, and must itself say `error` when its evidence is missing.
    judges_unscannable: ClassVar[bool] = False

    def applies_to_page(self, page: PageArtifacts) -> bool:
        return not self.meta.page_roles or page.role in self.meta.page_roles

    @abstractmethod
    def observe(self, page: PageArtifacts) -> list[Hit]:
        """Pure: what this check sees on one page."""

    @abstractmethod
    def conclude(self, hits: Sequence[Hit], site: SiteContext) -> Verdict:
        """Pure: the verdict(s) for the site, from every hit collected."""

    # helpers shared by checks --------------------------------------------------------------

    def hit(
        self,
        page: PageArtifacts,
        signal: str,
        start: int,
        end: int,
        *,
        value: str | None = None,
        valid: bool | None = None,
        note: str | None = None,
    ) -> Hit:
        """A hit for a match at text offsets [start, end) of `page.text`."""
        block = page.block_at(start)
        return Hit(
            check_id=self.meta.id,
            signal=signal,
            url=page.url,
            role=page.role,
            locator=block.locator if block is not None else None,
            snippet=page.snippet_at(start, end),
            value=value,
            region=block.region if block is not None else None,
            valid=valid,
            note=note,
        )

    def finding(
        self,
        outcome: Outcome,
        message: I18nText | None = None,
        *,
        hits: Sequence[Hit] = (),
        url: str | None = None,
        pages_searched: Sequence[str] = (),
    ) -> Finding:
        if message is None:
            message = self.meta.title_pass if outcome is Outcome.PASS else self.meta.title_fail
        return Finding(
            check_id=self.meta.id,
            outcome=outcome,
            message=message,
            url=url,
            evidence=[h.evidence() for h in _dedupe(hits)[:MAX_EVIDENCE]],
            pages_searched=list(pages_searched),
        )

    def not_applicable(self, reason: I18nText) -> Verdict:
        return Verdict([self.finding(Outcome.NOT_APPLICABLE, reason)])

    def absent(
        self, site: SiteContext, roles: Sequence[PageRole] = (), what: I18nText | None = None
    ) -> Verdict:
        """Verdict when nothing was found: fail only if the law requires the item on the site,
        the home page loaded, and no page that could hold it failed to load."""
        searched = site.searched(roles) or site.searched()
        failed = site.failed_candidates(roles)
        if not site.home_ok or failed:
            urls = ", ".join(p.url for p in failed[:5]) or site.home_url
            return Verdict(
                [
                    self.finding(
                        Outcome.ERROR,
                        I18nText(
                            zh=f"无法判断：可能包含该信息的页面加载失败（{urls}）",
                            en=f"Could not decide: pages that may hold it failed to load ({urls})",
                        ),
                        pages_searched=searched,
                    )
                ]
            )
        outcome = Outcome.FAIL if self.meta.absence_is_failure else Outcome.NEEDS_REVIEW
        msg = what or self.meta.title_fail
        if outcome is Outcome.NEEDS_REVIEW:
            msg = I18nText(
                zh=f"{msg.zh}（在已检索的 {len(searched)} 个页面中未发现；"
                "可能位于 App 或登录后页面，请人工确认）",
                en=f"{msg.en} (not seen on the {len(searched)} pages searched; it may be in an app "
                "or behind login — confirm by hand)",
            )
        return Verdict([self.finding(outcome, msg, pages_searched=searched)])

    def disclose(self, key: DisclosureKey, hits: Sequence[Hit]) -> list[Disclosure]:
        """One disclosure per distinct value (or per page for value-less hits)."""
        out: list[Disclosure] = []
        seen: set[str] = set()
        for h in hits:
            value = h.value or h.url
            if value in seen:
                continue
            seen.add(value)
            out.append(
                Disclosure(
                    key=key,
                    value=value,
                    url=h.url,
                    locator=h.locator,
                    snippet=h.snippet,
                    valid=h.valid,
                    note=h.note,
                )
            )
        return out


def _dedupe(hits: Sequence[Hit]) -> list[Hit]:
    seen: set[tuple[str, str | None, str]] = set()
    out: list[Hit] = []
    for h in hits:
        key = (h.url, h.locator, h.snippet)
        if key not in seen:
            seen.add(key)
            out.append(h)
    return out
