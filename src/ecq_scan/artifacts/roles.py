"""Guess what a page is for (home, returns, privacy …) and score how promising a link is.

One vocabulary (`vocab.yaml`) serves both: the crawler follows links whose text or path looks like
the pages clauses 4 and 7 ask about first, and checks restrict themselves to page roles.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from urllib.parse import urlsplit

import yaml

from ecq_scan.models import PageRole

#: Roles that hold the disclosures clauses 4 and 7 ask for; the crawler fetches these first.
POLICY_ROLES: frozenset[PageRole] = frozenset(
    {
        PageRole.LICENCE,
        PageRole.PRIVACY,
        PageRole.TERMS,
        PageRole.RETURNS,
        PageRole.SHIPPING,
        PageRole.COMPLAINTS,
        PageRole.RULES,
        PageRole.ABOUT,
        PageRole.CONTACT,
        PageRole.HELP,
    }
)


@dataclass(frozen=True, slots=True)
class RoleVocab:
    role: PageRole
    words: tuple[str, ...]
    paths: frozenset[str]


@cache
def vocabulary() -> tuple[RoleVocab, ...]:
    raw = yaml.safe_load(
        resources.files("ecq_scan.artifacts").joinpath("vocab.yaml").read_text("utf-8")
    )
    out = []
    for name, spec in raw["roles"].items():
        words = tuple(sorted((w.lower() for w in spec.get("words", [])), key=len, reverse=True))
        out.append(
            RoleVocab(PageRole(name), words, frozenset(p.lower() for p in spec.get("paths", [])))
        )
    return tuple(out)


_SEG = re.compile(r"[/._-]+")


def _path_tokens(url: str) -> list[str]:
    path = urlsplit(url).path.lower()
    segs = [s for s in path.split("/") if s]
    tokens: list[str] = []
    for s in segs:
        stem = s.rsplit(".", 1)[0] if "." in s else s
        tokens.append(stem)
        tokens.extend(t for t in _SEG.split(stem) if t)
    return tokens


def role_from_words(text: str) -> PageRole | None:
    """The first role whose keyword occurs in `text` (already normalised)."""
    low = text.lower()
    if not low:
        return None
    for v in vocabulary():
        for w in v.words:
            if w in low:
                return v.role
    return None


def role_from_path(url: str) -> PageRole | None:
    tokens = _path_tokens(url)
    if not tokens:
        return None
    for v in vocabulary():
        if any(t in v.paths for t in tokens):
            return v.role
    return None


def is_home(url: str) -> bool:
    path = urlsplit(url).path
    return path in ("", "/") or path.lower() in (
        "/index.html",
        "/index.htm",
        "/index.php",
        "/default.html",
    )


def guess_role(url: str, title: str, h1: str) -> PageRole:
    """Role from URL path first (stable), then <h1>, then <title> (site-name noise comes last)."""
    if is_home(url):
        return PageRole.HOME
    return (
        role_from_path(url)
        or role_from_words(h1)
        or role_from_words(title.split("-")[0].split("|")[0].split("_")[0])
        or PageRole.OTHER
    )


def link_role(url: str, text: str) -> PageRole | None:
    """What a link probably leads to, from its text first and its path second."""
    return role_from_words(text) or role_from_path(url)
