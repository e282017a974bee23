"""A shared shape for "claims to verify" checks (trust-claims, innovation-signals): families of
phrases that, when a site states them, an assessor should verify with the issuer — never a pass on
the site's word, never a fail for silence.

Each family is one pattern over the visible text of the pages the check reads. Hits → needs
review, listing every family found with its sentences as evidence; none → not applicable (the
clauses behind them say 宜/可, or ask for documents the site need not publish).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from ecq_scan.artifacts import PageArtifacts
from ecq_scan.checks.base import Check, Hit, SiteContext, Verdict
from ecq_scan.checks.builtin._common import context, t
from ecq_scan.checks.prefilter import finditer
from ecq_scan.models import I18nText, Outcome, PageRole

#: hits kept per family per page
MAX_PER_FAMILY = 3
CONTEXT_CHARS = 30


class ClaimsCheck(Check):
    """Base for claim-candidate checks; subclasses set `families`, `names`, `roles`, `none`."""

    families: Mapping[str, re.Pattern[str]]
    names: Mapping[str, tuple[str, str]]
    roles: Sequence[PageRole]
    none: I18nText
    #: a hit inside one of these spans is dropped (partner logos, news about others …)
    traps: re.Pattern[str] | None = None

    def observe(self, page: PageArtifacts) -> list[Hit]:
        if page.role not in self.roles:
            return []
        text = page.text
        trap_spans = [m.span() for m in self.traps.finditer(text)] if self.traps else []
        hits: list[Hit] = []
        for family, rx in self.families.items():
            kept = 0
            for m in finditer(rx, text, page.lower_text):
                if kept >= MAX_PER_FAMILY:
                    break
                block = page.block_at(m.start())
                if block is not None and block.region == "nav":
                    continue
                if any(s <= m.start() < e for s, e in trap_spans):
                    continue
                kept += 1
                hits.append(
                    Hit(
                        self.meta.id,
                        family,
                        page.url,
                        page.role,
                        block.locator if block is not None else None,
                        context(text, m.start(), m.end(), CONTEXT_CHARS),
                        value=m.group(0),
                        region=block.region if block is not None else None,
                    )
                )
        return hits

    def conclude(self, hits: Sequence[Hit], site: SiteContext) -> Verdict:
        found = [h for h in hits if h.signal in self.families]
        if not found:
            return Verdict(
                [
                    self.finding(
                        Outcome.NOT_APPLICABLE, self.none, pages_searched=site.searched(self.roles)
                    )
                ]
            )
        families = list(dict.fromkeys(h.signal for h in found))
        zh = "、".join(self.names[f][0] for f in families)
        en = ", ".join(self.names[f][1] for f in families)
        said = "、".join(dict.fromkeys(h.value or "" for h in found[:8]))
        msg = t(
            f"网站声明了{zh}（{said}），请向发证或认定机构核实",
            f"The site claims {en} ({said}); verify with the issuer",
        )
        ordered = sorted(found, key=lambda h: families.index(h.signal))
        return Verdict([self.finding(Outcome.NEEDS_REVIEW, msg, hits=ordered)])
