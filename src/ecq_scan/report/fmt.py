"""Formatting shared by every renderer: numbers, grades, dates, URLs.

Only presentation lives here. Scores, bounds and grades are read from the `Scorecard` exactly as
the scorer wrote them; nothing in this module derives a number the result does not hold.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from ecq_scan.models import CheckMeta, Finding, Grade, Scorecard
from ecq_scan.report.i18n import OUTCOME_ORDER, Lang, t

GRADES: tuple[Grade, ...] = ("A", "AA", "AAA", "AAAA", "AAAAA")
# T/EJCCSE Table 1 thresholds, shown as a reference scale next to the grade (not used to grade).
GRADE_THRESHOLDS: dict[Grade, int] = {"A": 50, "AA": 60, "AAA": 70, "AAAA": 80, "AAAAA": 90}

SEVERITY_ORDER: tuple[str, ...] = ("critical", "serious", "moderate", "minor", "info")

_SAFE_SCHEMES = frozenset({"http", "https"})
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def grade_label(grade: Grade | None, lang: Lang) -> str:
    """A grade, or the explicit "no grade" wording for a null grade (total below 50)."""
    return t("no_grade", lang) if grade is None else grade


def grade_range(card: Scorecard, lang: Lang) -> str:
    """`grade_min … grade_max`, collapsed to one grade only when both bounds agree."""
    low, high = grade_label(card.grade_min, lang), grade_label(card.grade_max, lang)
    return low if card.grade_min == card.grade_max else f"{low} … {high}"


def grade_rank(grade: Grade | None) -> int:
    """Position on the Table 1 scale; 0 is "no grade". Used only to highlight the scale."""
    return 0 if grade is None else GRADES.index(grade) + 1


def score(value: float) -> str:
    """Scores on the 0–100 scale, one decimal: tells 49.9 from 50 without false precision."""
    return f"{value:.1f}"


def points(value: float) -> str:
    """Indicator weights and item points: up to two decimals, trailing zeros dropped."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def score_range(card: Scorecard) -> str:
    return f"{score(card.min_score)}–{score(card.max_score)}"


def percent(share: float) -> str:
    """A 0–1 share as a whole percentage, rounded down and clamped.

    Rounded down so that "100%" coverage means everything is decided: 99.6 % must not read as
    "nothing left to supply".
    """
    return f"{math.floor(min(max(share, 0.0), 1.0) * 100 + 1e-9)}%"


def percent_width(share: float) -> str:
    """CSS width for a 0–1 share (a number we format, never text from the site)."""
    return f"{min(max(share, 0.0), 1.0) * 100:.1f}%"


def when(moment: datetime) -> str:
    return moment.isoformat(sep=" ", timespec="seconds")


def duration(start: datetime, end: datetime) -> str:
    try:
        span = end - start
    except TypeError:  # one naive, one aware: not comparable, so say nothing rather than guess
        return "—"
    if span < timedelta(0):
        return "—"
    total = int(span.total_seconds())
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    if minutes:
        return f"{minutes} min {seconds:02d} s"
    return f"{span.total_seconds():.1f} s"


def safe_url(url: object) -> str | None:
    """The URL, stripped, if it may become an `href`; otherwise None (render it as text).

    Evidence URLs come from the scanned site. Only absolute http(s) URLs are links: a
    `javascript:`, `data:` or `vbscript:` URL, or one hiding a scheme behind control characters
    (`java\\tscript:` is `javascript:` to a browser), must never become clickable.
    """
    if not isinstance(url, str):
        return None
    candidate = url.strip()
    if not candidate or _CONTROL.search(candidate):
        return None
    try:
        parts = urlsplit(candidate)
    except ValueError:
        return None
    if parts.scheme.lower() not in _SAFE_SCHEMES or not parts.netloc:
        return None
    return candidate


def safe_src(path: object) -> str | None:
    """An image source we may emit: a relative path inside the run directory, else None.

    Screenshots are recorded relative to the run directory. Anything with a scheme (`http:`
    would make opening the report call out to a third party; `javascript:`, `data:`, `file:`),
    an absolute path or one climbing out with `..` is refused.
    """
    if not isinstance(path, str):
        return None
    candidate = path.strip()
    if not candidate or _CONTROL.search(candidate):
        return None
    try:
        parts = urlsplit(candidate)
    except ValueError:
        return None
    if parts.scheme or parts.netloc or candidate.startswith(("/", "\\")) or ":" in candidate:
        return None
    if ".." in candidate.replace("\\", "/").split("/"):
        return None
    return candidate


def plain(text: str) -> str:
    """Text safe to print on a terminal: control characters (ANSI escapes, bells) removed.

    Site text reaches the console summary; an embedded escape sequence must not repaint the
    user's terminal.
    """
    cleaned = "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in text)
    return " ".join(cleaned.split())


def clause_key(clause: str) -> tuple[int, ...]:
    """Sort clause numbers numerically (7.10 after 7.9); unparseable ones sort last."""
    try:
        return tuple(int(part) for part in clause.split("."))
    except ValueError:
        return (10_000,)


def outcome_rank(outcome: str) -> int:
    return OUTCOME_ORDER.index(outcome) if outcome in OUTCOME_ORDER else len(OUTCOME_ORDER)


def severity_rank(severity: str) -> int:
    return SEVERITY_ORDER.index(severity) if severity in SEVERITY_ORDER else len(SEVERITY_ORDER)


def finding_title(finding: Finding, meta: CheckMeta | None, lang: Lang) -> str:
    """The check's fail title for a fail, its pass title otherwise (Lighthouse's convention).

    A needs-review or error verdict has not established a failure, so it is headed by the neutral,
    affirmative statement of the requirement rather than an accusation.
    """
    if meta is None:
        return finding.check_id
    title = meta.title_fail if finding.outcome == "fail" else meta.title_pass
    return title.get(lang)


def finding_url(finding: Finding) -> str | None:
    """Where to look first: the page of a page-scope finding, else the first evidence."""
    if finding.url:
        return finding.url
    return finding.evidence[0].url if finding.evidence else None


def outcome_counts(findings: Iterable[Finding]) -> dict[str, int]:
    """Findings per outcome, in display order, every outcome present (zero included)."""
    counts = dict.fromkeys(OUTCOME_ORDER, 0)
    for finding in findings:
        counts[str(finding.outcome)] = counts.get(str(finding.outcome), 0) + 1
    return counts
