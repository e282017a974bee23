"""Literal prefilters for regular expressions: skip a page when a pattern cannot match it.

Most rule patterns need at least one of a few literal words (`退货`, `ICP`, `privacy` …). Testing
`word in text` runs at C speed over a whole page, while a regex without a literal prefix is tried
at every position. `required_literals` reads a pattern's syntax tree and returns a set of
literals such that every match contains at least one of them (or None when it cannot tell);
`PatternGate` applies that test before running the regex. The answer only ever skips pages the
pattern could not match, so verdicts are unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from re import _constants as _c  # type: ignore[attr-defined]  # private, stable since 3.11
from re import _parser as _p  # type: ignore[attr-defined]
from typing import Any

#: a set with more alternatives than this is not worth testing one by one
MAX_LITERALS = 24

Literals = frozenset[str]


def _better(a: Literals | None, b: Literals | None) -> Literals | None:
    """The more selective of two sets: longer shortest literal, then fewer alternatives."""
    if a is None:
        return b
    if b is None:
        return a
    ka = (min(map(len, a)), -len(a))
    kb = (min(map(len, b)), -len(b))
    return a if ka >= kb else b


def _seq(items: Any, fold: bool) -> Literals | None:
    best: Literals | None = None
    run: list[str] = []

    def close_run() -> None:
        nonlocal best, run
        if run:
            word = "".join(run)
            best = _better(best, frozenset({word.lower() if fold else word}))
            run = []

    for op, av in items:
        if op is _c.LITERAL:
            run.append(chr(av))
            continue
        close_run()
        best = _better(best, _node(op, av, fold))
    close_run()
    return best


def _node(op: Any, av: Any, fold: bool) -> Literals | None:
    if op is _c.SUBPATTERN:
        return _seq(av[-1], fold)
    if op is _c.BRANCH:
        out: set[str] = set()
        for branch in av[1]:
            sub = _seq(branch, fold)
            if sub is None:
                return None
            out |= sub
        return frozenset(out) if len(out) <= MAX_LITERALS else None
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", None)):
        low, _high, body = av
        return _seq(body, fold) if low >= 1 else None
    if op is getattr(_c, "ATOMIC_GROUP", None):
        return _seq(av, fold)
    return None


def required_literals(pattern: re.Pattern[str]) -> Literals | None:
    """Literals one of which every match contains (lower-cased for IGNORECASE patterns)."""
    try:
        tree = _p.parse(pattern.pattern, pattern.flags)
    except Exception:  # any parser surprise means "no prefilter", never a wrong skip
        return None
    fold = bool(pattern.flags & re.IGNORECASE)
    found = _seq(list(tree), fold)
    if found is None or "" in found:
        return None
    return found


_GATES: dict[re.Pattern[str], PatternGate] = {}


def finditer(pattern: re.Pattern[str], text: str, lowered: str) -> Iterator[re.Match[str]]:
    """`pattern.finditer(text)`, or nothing at once when the prefilter rules a match out."""
    gate = _GATES.get(pattern)
    if gate is None:
        gate = _GATES[pattern] = PatternGate(pattern)
    if gate.may_match(text, lowered):
        yield from pattern.finditer(text)


class PatternGate:
    """`may_match(text, lowered)`: False only when the pattern cannot match `text`."""

    __slots__ = ("fold", "literals", "pattern")

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        self.literals = required_literals(pattern)
        self.fold = bool(pattern.flags & re.IGNORECASE)

    def may_match(self, text: str, lowered: str) -> bool:
        if self.literals is None:
            return True
        hay = lowered if self.fold else text
        return any(lit in hay for lit in self.literals)
