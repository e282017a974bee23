"""Dates in page text and the scan date, for checks that compare the two (terms-version-date,
expired-promotions). Pure: the scan date comes from the `Date` response header of a fetched page
(what the server said when it answered), never from the clock, so `audit` replays the same
verdict years later.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date
from email.utils import parsedate_to_datetime
from typing import Final

from ecq_scan.artifacts import PageArtifacts
from ecq_scan.checks.base import Hit

MONTHS: Final = {
    m: i
    for i, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for m in names
}
MONTH_NAME: Final = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
#: 2025年1月17日, 2025-01-17, 2025.1.17, 2025/01/17
YMD: Final = (
    r"(?P<y>(?:19|20)\d{2})\s*[年./-]\s*(?P<m>\d{1,2})\s*[月./-]\s*(?P<d>\d{1,2})\s*[日号]?"
)
#: 17 January 2025, January 17, 2025
DMY_EN: Final = (
    rf"(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<mon2>{MONTH_NAME})\s+(?P<y2>(?:19|20)\d{{2}})"
)
MDY_EN: Final = (
    rf"(?P<mon3>{MONTH_NAME})\s+(?P<d3>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y3>(?:19|20)\d{{2}})"
)
ANY_DATE: Final = re.compile(rf"{YMD}|{DMY_EN}|{MDY_EN}", re.I)


def make_date(y: str | int, m: str | int, d: str | int) -> date | None:
    try:
        return date(int(y), int(m), int(d))
    except (ValueError, TypeError):
        return None


def date_of(match: re.Match[str]) -> date | None:
    """The date an `ANY_DATE` match names (None for impossible dates such as 2025-02-30)."""
    g = match.groupdict()
    if g.get("y"):
        return make_date(g["y"], g["m"], g["d"])
    if g.get("y2"):
        return make_date(g["y2"], MONTHS.get(g["mon2"].lower().rstrip("."), 0), g["d2"])
    if g.get("y3"):
        return make_date(g["y3"], MONTHS.get(g["mon3"].lower().rstrip("."), 0), g["d3"])
    return None


def header_date(headers: Mapping[str, str]) -> date | None:
    """The `Date` response header as a calendar date (UTC), or None."""
    value = next((v for k, v in headers.items() if k.lower() == "date"), None)
    if not value:
        return None
    try:
        return parsedate_to_datetime(value).date()
    except (TypeError, ValueError, IndexError):
        return None


def scan_date_hits(check_id: str, page: PageArtifacts) -> list[Hit]:
    """A "scan-date" hit from the page's `Date` header (none without one): checks are pure, so
    "today" is the date the site's server stamped on the page, never the wall clock; `latest`
    picks the scan date from these hits in `conclude`."""
    scan = header_date(page.headers)
    if scan is None:
        return []
    return [
        Hit(check_id, "scan-date", page.url, page.role, "header:date", str(scan),
            value=scan.isoformat())
    ]  # fmt: skip


def latest(values: Iterable[str | None]) -> date | None:
    """The latest ISO date among hit values (the scan date when pages span midnight)."""
    found = [date.fromisoformat(v) for v in values if v]
    return max(found, default=None)
