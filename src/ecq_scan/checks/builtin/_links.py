"""A cheap test before searching every link label of a page with a regular expression.

`PageArtifacts.links_matching` runs one regex over all link labels joined; on a page of 100,000
links (hostile-sites H19) each such pass costs tens of milliseconds. A link's label is its
visible text (already part of `page.text`), its `title`, and the `alt` of an image inside it;
when the pattern's required literals (checks/prefilter) occur in none of them, no label can
match and the pass is skipped. The answer only ever skips pages the pattern could not match.
"""

from __future__ import annotations

import re

from ecq_scan.artifacts import Link, PageArtifacts
from ecq_scan.checks.prefilter import PatternGate

_GATES: dict[re.Pattern[str], PatternGate] = {}


def labels_may_match(page: PageArtifacts, pattern: re.Pattern[str]) -> bool:
    gate = _GATES.get(pattern)
    if gate is None:
        gate = _GATES[pattern] = PatternGate(pattern)
    if gate.may_match(page.text, page.lower_text):
        return True
    extra = " ".join(
        [ln.title for ln in page.links if ln.title]
        + [
            f"{img.alt} {img.title}"
            for img in page.images
            if img.link_url and (img.alt or img.title)
        ]
    )
    return bool(extra) and gate.may_match(extra, extra.lower())


def links_labelled(page: PageArtifacts, pattern: re.Pattern[str]) -> list[Link]:
    """`page.links_matching(pattern)`, skipped when no label can contain the pattern."""
    return page.links_matching(pattern) if labels_may_match(page, pattern) else []
