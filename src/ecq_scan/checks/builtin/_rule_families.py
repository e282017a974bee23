"""Finding published rule documents by family (clause-signals SIG-PLATFORM-RULES), shared by
platform-rules (6.2.5: four families on a third-party platform) and self-built-platform-rules
(6.1.6: the governance subset of a self-built shop).

Both ask the same question — "is there a rule document of this kind?" — and answer it the same
way, so the matching lives here once: a family is seen when a visible link is labelled with it
(any page), when a page's `<h1>` or `<title>` names it, or, on pages whose role holds rule
indexes, when a short heading-like block names it. Only the family patterns and the page roles
whose headings count differ between the two checks.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from typing import Final

from ecq_scan.artifacts import PageArtifacts
from ecq_scan.checks.base import Hit
from ecq_scan.checks.builtin._common import same_url
from ecq_scan.checks.builtin._links import links_labelled
from ecq_scan.models import PageRole

#: a heading-like block on a rules page (a list entry, not a paragraph quoting a rule)
MAX_HEADING_CHARS: Final = 40
MAX_PER_FAMILY_PER_PAGE: Final = 3


def family_hits(
    check_id: str,
    page: PageArtifacts,
    families: Mapping[str, re.Pattern[str]],
    *,
    heading_roles: Collection[PageRole] = (PageRole.RULES,),
    same_page_links: bool = True,
) -> list[Hit]:
    """Hits (signal = family name) for every rule family `page` shows, at most
    `MAX_PER_FAMILY_PER_PAGE` links and heading blocks per family.

    `same_page_links=False` ignores links that lead nowhere else (`#section` anchors of a long
    agreement's table of contents, `javascript:`): a section heading is not a rule document.
    """
    hits: list[Hit] = []
    counts: dict[str, int] = {}
    for family, rx in families.items():
        for link in links_labelled(page, rx):
            if link.hidden or counts.get(family, 0) >= MAX_PER_FAMILY_PER_PAGE:
                continue
            if not same_page_links and (not link.url or same_url(link.url, page.url)):
                continue
            counts[family] = counts.get(family, 0) + 1
            hits.append(
                Hit(
                    check_id,
                    family,
                    page.url,
                    page.role,
                    link.locator,
                    f"{link.text_raw or link.title} → {link.href}",
                    value=link.url or page.url,
                    region=link.region,
                )
            )
        for label, locator in ((page.h1, "h1"), (page.title, "title")):
            if label and rx.search(label):
                hits.append(
                    Hit(check_id, family, page.url, page.role, locator, label, value=page.url)
                )
                break
        if page.role in heading_roles:
            for block in page.blocks:
                if counts.get(family, 0) >= MAX_PER_FAMILY_PER_PAGE:
                    break
                if len(block.norm) <= MAX_HEADING_CHARS and rx.search(block.norm):
                    counts[family] = counts.get(family, 0) + 1
                    hits.append(
                        Hit(
                            check_id,
                            family,
                            page.url,
                            page.role,
                            block.locator,
                            block.raw,
                            value=page.url,
                            region=block.region,
                        )
                    )
    return hits
