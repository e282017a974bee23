r"""A static ReDoS guard for rule patterns: refuse, at load time, what could backtrack for ever.

Rule patterns run on Python's backtracking `re` over text a hostile site chose. A pattern such
as `(a+)+$` or `^(\w+\s?)*$` takes time exponential in the length of a run like `aaaa…!`
(measured: `(a+)+$` on 30 characters, 38 s, doubling with each further character), and `re`
cannot be interrupted. The built-in rules rely on lookarounds (`(?<!\d)12315(?!\d)`), which
RE2-style linear engines lack, so rather than change the engine every pattern is checked when
its rule loads (built-in and `--rules` alike) and a risky one is a `RuleError` naming the file,
the field and the sub-pattern.

`check_pattern` reads Python's own parse tree (`re._parser`, 3.11+; the project needs 3.11, so
the deprecated `sre_parse` alias is never imported) plus a light scan of the source for the
group boundaries the tree does not keep. It refuses:

- **backreferences and conditionals** (`\1`, `(?P=name)`, `(?(1)…)`): matching with them is
  NP-hard and no rule needs them;
- **nested repetition** (star height 2): a group repeated without a bound (`*`, `+`, `{n,}`,
  or an upper bound over `MAX_BOUNDED_REPEAT`) that itself holds a repetition of variable count:
  `(a+)+`, `(a*)*`, `(?:\w+\s?)*`, `((ab)*c)*`, `(a{1,2})+`. Each way of sharing a run of
  characters among the copies is a path the engine may try;
- **a repeated group that can match empty text** (`(?:a?a?)+`, `(a|a?)+`, `(a?)*`): empty
  copies are extra ways to split the text (`(?:a?a?)+$` takes 0.9 s on 17 characters);
- **alternatives that can begin with the same character** inside a repeated group:
  `(a|a)*`, `(a|aa)+`, `(a|ab)*`, `(\w|\d)+`. Under an unbounded repeat this is judged on the
  source as written (a conservative approximation by first-character sets), whatever `re` makes
  of it (it folds `(\w|\d)` into `[\w\d]` and factors common prefixes itself);
- **a bounded repeat whose copies can split the text in more than `MAX_PATHS` ways** and that
  can match empty text, has alternatives that begin alike or has a variable-length part with
  no delimiter between the copies: `(.*a){11}` is 11 copies of `.*a`, O(n¹¹) work;
  `(?:\w{1,5}){1,10}` has 12 million splits. A group that starts or ends with a character (or a
  run such as `\s+`) nothing else in it can match has its copies' boundaries fixed by the text
  and is allowed (`(?:\.[\w-]{1,63}){1,4}`, `(?:\w+\s+){0,3}`); so is a small one like the
  phone pattern `(?:[\s.-]?\d{2,4}){1,4}` (1,554 ways: a constant per position, like a plain
  sequence). Alternatives are judged here on the tree `re` runs, so `(?:\.(?:com|cn)){1,2}` is
  fine.

What it does not do: adjacent quantifiers over overlapping characters in a plain sequence
(`\s*:?\s*`) are polynomial, not exponential, and are left to the H23 bait test, which times
every built-in pattern on hostile text.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import cache
from itertools import pairwise
from re import _constants as _c  # type: ignore[attr-defined]  # private, stable since 3.11
from re import _parser as _p  # type: ignore[attr-defined]
from typing import Any

#: a repeat allowing more copies than this is treated as unbounded (the strict star-height rule).
#: Below it a repeat is a fixed run of copies, judged by how many ways they can split the text
#: (`MAX_PATHS`) and by delimiters. No compliance phrase needs a group more than 100 times, and
#: the counts the built-in rules use (`{1,4}` domain labels) sit far inside it
MAX_BOUNDED_REPEAT = 100
#: a bounded repeat whose copies can split the text in at most this many ways is accepted as it
#: is: work per start position is then a constant, no worse than a plain sequence such as
#: `\d{1,100}\d{1,100}` (10,000 ways), which nothing here refuses. The built-in phone pattern
#: `(?:[\s.-]?\d{2,4}){1,4}` has 1,554; `(?:\w{1,5}){1,10}` has 12 million and must be delimited
MAX_PATHS = 10_000
_CAP = 10**9

HOW_TO_FIX = (
    "rewrite without nested repetition, e.g. `(?:a|b)+` → `[ab]+`, `(a+)+` → `a+`, "
    "`(?:\\w+\\s?)*` → `[\\w\\s]*`"
)

_REPEATS = frozenset(
    op
    for op in (_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", None))
    if op is not None
)
_ZERO_WIDTH = frozenset({_c.AT, _c.ASSERT, _c.ASSERT_NOT})
_CHAR_OPS = frozenset({_c.LITERAL, _c.NOT_LITERAL, _c.ANY, _c.IN})
_CATEGORIES = {
    _c.CATEGORY_DIGIT: r"\d",
    _c.CATEGORY_NOT_DIGIT: r"\D",
    _c.CATEGORY_SPACE: r"\s",
    _c.CATEGORY_NOT_SPACE: r"\S",
    _c.CATEGORY_WORD: r"\w",
    _c.CATEGORY_NOT_WORD: r"\W",
}
_ATOMIC = getattr(_c, "ATOMIC_GROUP", None)
_QUANTIFIER = re.compile(r"(?:[*+?]|\{\d*(?:,\d*)?\})[?+]?")
_FLAG_GROUP = re.compile(r"\(\?[aiLmsux]*(?:-[imsx]+)?:")
_GLOBAL_FLAGS = re.compile(r"\(\?[aiLmsux]+\)")
_GROUP_OPEN = re.compile(r"\((?:\?(?::|>|=|!|<=|<!|P<\w+>|[aiLmsux]*(?:-[imsx]+)?:))?")
#: the stand-in for "any character" in first-character sets
_ANYTHING = "(?s:.)"
_BACKREF = re.compile(r"\\[1-9]\d?")


class UnsafePatternError(ValueError):
    """A pattern the guard refuses; `sub_pattern` is the offending part as written."""

    def __init__(self, sub_pattern: str, reason: str, fix: str = HOW_TO_FIX) -> None:
        super().__init__(
            f"regular expression open to catastrophic backtracking (ReDoS): `{sub_pattern}` "
            f"{reason} — {fix}"
        )
        self.sub_pattern = sub_pattern
        self.reason = reason


def check_pattern(pattern: str, flags: int = 0) -> None:
    """Raise `UnsafePatternError` if `pattern` could backtrack exponentially (or with a high
    polynomial degree) on hostile text; `flags` are those the pattern is compiled with.

    The pattern must already compile. A fragment that does not parse on its own is skipped:
    after backreferences are refused, none is expected."""
    tree = _p.parse(pattern, flags)
    gflags = int(tree.state.flags)
    groups, refs = _scan(pattern, bool(gflags & re.X) or "x" in _inline_flags(pattern))
    if _has_reference(tree):
        ref = refs[0] if refs else "a group reference"
        raise UnsafePatternError(
            ref,
            "refers back to a group (backreference or conditional): matching it can take "
            "exponential time, and rule patterns never need it",
            "match the text itself instead of referring back to a group",
        )
    for g in groups:
        if g.quant_end is not None:
            _check_group(pattern, g, groups, gflags)


# --- the source scan ------------------------------------------------------------------------


@dataclass
class _Group:
    """One `( … )` of the source: where it opens, its body, its top-level `|` and quantifier."""

    start: int
    body_start: int
    end: int = -1
    bars: list[int] = field(default_factory=list)
    quant_end: int | None = None  # index after the quantifier, when one follows


def _inline_flags(pattern: str) -> str:
    return "".join(m.group(1) for m in re.finditer(r"\(\?([aiLmsux]+)[-:)]", pattern))


def _skip_class(p: str, i: int) -> int:
    """Index after the character class opening at `p[i] == '['`."""
    j = i + 1
    if p.startswith("^", j):
        j += 1
    if p.startswith("]", j):
        j += 1  # a leading `]` is literal
    while j < len(p):
        if p[j] == "\\":
            j += 2
        elif p[j] == "]":
            return j + 1
        else:
            j += 1
    return j


def _skip_blank(p: str, i: int, verbose: bool) -> int:
    while verbose and i < len(p):
        if p[i].isspace():
            i += 1
        elif p[i] == "#":
            nl = p.find("\n", i)
            i = len(p) if nl < 0 else nl + 1
        else:
            break
    return i


def _scan(p: str, verbose: bool) -> tuple[list[_Group], list[str]]:
    """Groups in order of their `(`, and the text of any backreference, found by a small scanner
    that knows escapes, character classes, group prefixes and (in verbose mode) comments."""
    groups: list[_Group] = []
    refs: list[str] = []
    stack: list[_Group] = []
    i = 0
    while i < len(p):
        i = _skip_blank(p, i, verbose)
        if i >= len(p):
            break
        ch = p[i]
        if ch == "\\":
            m = _BACKREF.match(p, i)
            if m:
                refs.append(m.group())
            i += 2
        elif ch == "[":
            i = _skip_class(p, i)
        elif ch == "(":
            close = p.find(")", i)
            close = len(p) - 1 if close < 0 else close
            if p.startswith("(?#", i) or _GLOBAL_FLAGS.match(p, i):
                i = close + 1  # a comment or `(?i)`: no group
            elif p.startswith("(?P=", i):
                refs.append(p[i : close + 1])
                i = close + 1
            elif p.startswith("(?(", i):
                refs.append(p[i : close + 1])  # a conditional; its body is a group
                stack.append(_Group(i, close + 1))
                groups.append(stack[-1])
                i = close + 1
            else:
                m = _GROUP_OPEN.match(p, i)
                length = len(m.group()) if m else 1
                stack.append(_Group(i, i + length))
                groups.append(stack[-1])
                i += length
        elif ch == ")":
            if stack:
                g = stack.pop()
                g.end = i
                j = _skip_blank(p, i + 1, verbose)
                q = _QUANTIFIER.match(p, j)
                if q:
                    g.quant_end = q.end()
            i += 1
        elif ch == "|":
            if stack:
                stack[-1].bars.append(i)
            i += 1
        else:
            i += 1
    return [g for g in groups if g.end >= 0], refs


# --- the checks -----------------------------------------------------------------------------


def _parse(text: str, flags: int) -> Any:
    try:
        return _p.parse(text, flags)
    except (re.error, RecursionError, OverflowError):
        return None


def _check_group(pattern: str, g: _Group, groups: list[_Group], gflags: int) -> None:
    """Apply the rules to one quantified group; raise on the first that it breaks."""
    if g.quant_end is None:
        return
    text = pattern[g.start : g.quant_end]
    tree = _parse(text, gflags)
    if tree is None or len(tree) != 1 or tree[0][0] not in _REPEATS:
        return  # `{…}` that is not a quantifier, or a fragment that only parses in context
    low, high, body = tree[0][1]
    if high < 2:
        return
    flags = gflags & (re.I | re.A)
    if high == _c.MAXREPEAT or high > MAX_BOUNDED_REPEAT:
        if _has_varying(body):
            raise UnsafePatternError(
                text, "repeats without bound a group that itself repeats (nested repetition)"
            )
        if _nullable(body):
            raise _empty_copies(text)
        # as written first (clearer labels); then as `re` runs it, after its prefix factoring
        pair = _source_overlap(pattern, g, groups, gflags) or _tree_overlap(body, flags)
        if pair is not None:
            raise _overlapping(text, pair)
        return
    # a bounded repeat: a fixed run of copies, harmless when they can split a run of text in few
    # ways (work per start position is then a small constant, as for a plain sequence)
    if _repeat_paths(low, high, _paths(body)) <= MAX_PATHS:
        return
    if _nullable(body):
        raise _empty_copies(text)
    if _has_varying(body) and not _delimited(body, flags):
        raise UnsafePatternError(
            text,
            "repeats a group holding a variable-length part with no delimiter between the copies",
            "start or end the group with a character nothing else in it can match, e.g. "
            "`(?:\\.[\\w-]{1,63}){1,4}`, or " + HOW_TO_FIX,
        )
    pair = _tree_overlap(body, flags)
    if pair is not None:  # named as written when the source shows it
        raise _overlapping(text, _source_overlap(pattern, g, groups, gflags) or pair)


def _empty_copies(text: str) -> UnsafePatternError:
    return UnsafePatternError(
        text,
        "repeats a group that can match empty text",
        "make part of the group required, e.g. `(a?)*` → `a*`, `(?:a?b?)+` → `(?:ab?|b)+`",
    )


def _overlapping(text: str, pair: str) -> UnsafePatternError:
    return UnsafePatternError(
        text,
        f"repeats alternatives that can begin with the same character ({pair})",
        "rewrite without nested repetition: merge the alternatives or make them start "
        "differently, e.g. `(?:a|b)+` → `[ab]+`, `(?:a|ab)+` → `(?:ab?)+`",
    )


def _paths(items: Any) -> int:
    """An upper bound on the ways `items` can match from one position (saturating at `_CAP`):
    a product over a sequence, a sum over alternatives, a sum of powers over a repeat."""
    total = 1
    for op, av in items:
        if op is _c.SUBPATTERN:
            each = _paths(av[-1])
        elif op is _ATOMIC:
            each = _paths(av)
        elif op is _c.BRANCH:
            each = min(_CAP, sum(_paths(b) for b in av[1]))
        elif op in (_c.ASSERT, _c.ASSERT_NOT):
            each = _paths(av[1])
        elif op in _REPEATS:
            each = _repeat_paths(av[0], av[1], _paths(av[2]))
        else:
            each = 1
        total = min(_CAP, total * each)
    return total


def _repeat_paths(low: int, high: int, each: int) -> int:
    """Ways for `low` to `high` copies of something matching in `each` ways (saturating)."""
    if high == _c.MAXREPEAT:
        return _CAP
    if each <= 1:
        return min(_CAP, high - low + 1)
    if low * math.log(each) > math.log(_CAP):
        return _CAP
    total, power = 0, each**low
    for _ in range(low, high + 1):
        total += power
        if total >= _CAP:
            return _CAP
        power *= each
    return total


def _has_reference(items: Any) -> bool:
    for op, av in items:
        if op in (_c.GROUPREF, _c.GROUPREF_EXISTS):
            return True
        if any(_has_reference(sub) for sub in _children(op, av)):
            return True
    return False


def _children(op: Any, av: Any) -> list[Any]:
    """The sub-sequences of one node."""
    if op is _c.SUBPATTERN:
        return [av[-1]]
    if op in _REPEATS:
        return [av[2]]
    if op is _c.BRANCH:
        return list(av[1])
    if op in (_c.ASSERT, _c.ASSERT_NOT):
        return [av[1]]
    if op is _ATOMIC:
        return [av]
    if op is _c.GROUPREF_EXISTS:
        return [av[1]] + ([av[2]] if av[2] is not None else [])
    return []


def _has_varying(items: Any) -> bool:
    """Whether any repeat inside takes a variable number (≥ 2 possible) of copies."""
    for op, av in items:
        if op in _REPEATS and av[1] >= 2 and av[1] > av[0]:
            return True
        if any(_has_varying(sub) for sub in _children(op, av)):
            return True
    return False


def _nullable(items: Any) -> bool:
    return all(_node_nullable(op, av) for op, av in items)


def _node_nullable(op: Any, av: Any) -> bool:
    if op in _CHAR_OPS:
        return False
    if op is _c.SUBPATTERN:
        return _nullable(av[-1])
    if op is _ATOMIC:
        return _nullable(av)
    if op is _c.BRANCH:
        return any(_nullable(b) for b in av[1])
    if op in _REPEATS:
        return bool(av[0] == 0 or _nullable(av[2]))
    return True  # anchors, lookarounds, references: zero-width (or refused elsewhere)


# --- first characters and overlaps ----------------------------------------------------------


@dataclass(frozen=True)
class _Atom:
    """One character position as a stand-alone regex (with its case flags), and the character
    itself when it is a plain literal. `exact`: that character is the only one it matches (no
    IGNORECASE, or a caseless character such as `.`, a digit or a CJK ideograph: checked over all
    of Unicode, no character's simple lower case is a caseless character other than itself)."""

    src: str
    char: str | None = None
    exact: bool = False


def _esc(code: int) -> str:
    return f"\\U{code:08x}"


def _atom(op: Any, av: Any, flags: int) -> _Atom:
    mods = ("i" if flags & re.I else "") + ("a" if flags & re.A else "")
    wrap = f"(?{mods}{'' if flags & re.I else '-i'}:{{}})"
    if op is _c.LITERAL:
        char = chr(av)
        caseless = char.lower() == char == char.upper()
        return _Atom(wrap.format(_esc(av)), char, not flags & re.I or caseless)
    if op is _c.NOT_LITERAL:
        return _Atom(wrap.format(f"[^{_esc(av)}]"))
    if op is _c.IN:
        parts: list[str] = []
        for iop, iav in av:
            if iop is _c.NEGATE:
                parts.append("^")
            elif iop is _c.LITERAL:
                parts.append(_esc(iav))
            elif iop is _c.RANGE:
                parts.append(f"{_esc(iav[0])}-{_esc(iav[1])}")
            elif iop is _c.CATEGORY and iav in _CATEGORIES:
                parts.append(_CATEGORIES[iav])
            else:
                return _Atom(_ANYTHING)  # unknown set item: assume it could be anything
        return _Atom(wrap.format(f"[{''.join(parts)}]"))
    return _Atom(_ANYTHING)  # ANY (counted with DOTALL: a conservative choice)


def _first(items: Any, flags: int) -> tuple[list[_Atom], bool]:
    """The characters a match of `items` can begin with, and whether it can match empty."""
    atoms: list[_Atom] = []
    for op, av in items:
        if op in _CHAR_OPS:
            atoms.append(_atom(op, av, flags))
            return atoms, False
        if op in _ZERO_WIDTH:
            continue
        if op is _c.SUBPATTERN:
            sub, nullable = _first(av[-1], (flags | av[1]) & ~av[2])
        elif op is _ATOMIC:
            sub, nullable = _first(av, flags)
        elif op is _c.BRANCH:
            sub, nullable = [], False
            for branch in av[1]:
                b_atoms, b_null = _first(branch, flags)
                sub += b_atoms
                nullable = nullable or b_null
        elif op in _REPEATS:
            sub, nullable = _first(av[2], flags)
            nullable = nullable or av[0] == 0
        else:
            sub, nullable = [_Atom(_ANYTHING)], True
        atoms += sub
        if not nullable:
            return atoms, False
    return atoms, True


def _all_atoms(items: Any, flags: int) -> list[_Atom]:
    out: list[_Atom] = []
    for op, av in items:
        if op in _CHAR_OPS:
            out.append(_atom(op, av, flags))
        elif op is _c.SUBPATTERN:
            out += _all_atoms(av[-1], (flags | av[1]) & ~av[2])
        else:
            for sub in _children(op, av):
                out += _all_atoms(sub, flags)
    return out


@cache
def _every_character() -> str:
    return "".join(map(chr, range(0x110000)))


@cache
def _rx(src: str) -> re.Pattern[str]:
    return re.compile(src, re.S)


def _overlap(a: tuple[_Atom, ...], b: tuple[_Atom, ...]) -> bool:
    """Whether some character matches one of `a` and one of `b`."""
    if not a or not b:
        return False
    if any(x.src == _ANYTHING for x in a + b):
        return True
    if all(x.char is not None for x in a + b):  # literals: compare with their case flags
        return any(
            _rx(x.src).fullmatch(y.char or "") or _rx(y.src).fullmatch(x.char or "")
            for x in a
            for y in b
        )
    for exact, other in ((a, b), (b, a)):  # one side a few known characters: test just those
        if all(x.exact for x in exact):
            return any(_rx(y.src).fullmatch(x.char or "") for x in exact for y in other)
    return _overlap_sets(a, b)


@cache
def _overlap_sets(a: tuple[_Atom, ...], b: tuple[_Atom, ...]) -> bool:
    """The exact test: one scan of every code point (about 20 ms; the string takes 0.1 s to build
    once), needed only when both sides hold character classes or case-folded letters."""
    either = "|".join(x.src for x in a)
    other = "|".join(y.src for y in b)
    return _rx(f"(?=(?:{either}))(?:{other})").search(_every_character()) is not None


def _delimited(body: Any, flags: int) -> bool:
    r"""Whether the group starts or ends with a character (or a run of one class, `\s+`) that
    nothing else in it can match, so that the text fixes where each copy begins."""
    items = list(body)
    while len(items) == 1 and items[0][0] in (_c.SUBPATTERN, _ATOMIC):
        op, av = items[0]
        if op is _c.SUBPATTERN:
            flags = (flags | av[1]) & ~av[2]
            items = list(av[-1])
        else:
            items = list(av)
    while items and items[0][0] in _ZERO_WIDTH:
        items = items[1:]
    while items and items[-1][0] in _ZERO_WIDTH:
        items = items[:-1]
    for idx in sorted({0, len(items) - 1}) if items else []:
        op, av = items[idx]
        others = items[:idx] + items[idx + 1 :]
        if op in _REPEATS and av[0] >= 1 and len(av[2]) == 1 and not _nullable(others):
            # a run such as `\s+` delimits as well as one character, when something the run
            # cannot match separates it from the next copy's run
            op, av = av[2][0]
        if op in (_c.LITERAL, _c.NOT_LITERAL, _c.IN):
            rest = _all_atoms(others, flags)
            if not _overlap((_atom(op, av, flags),), tuple(rest)):
                return True
    return False


def _branch_pair(branches: list[tuple[str, Any]], flags: int) -> str | None:
    """The first two alternatives that can begin alike, as "`x` and `y`", or None."""
    firsts = [(label, *_first(tree, flags)) for label, tree in branches]
    for i, (la, atoms_a, null_a) in enumerate(firsts):
        for lb, atoms_b, null_b in firsts[i + 1 :]:
            if null_a or null_b or _overlap(tuple(atoms_a), tuple(atoms_b)):
                return f"{_label(la)} and {_label(lb)}"
    return None


def _label(text: str) -> str:
    return f"`{text}`" if text else "an empty alternative"


def _tree_overlap(items: Any, flags: int) -> str | None:
    """Overlapping alternatives in the tree `re` runs (after its own prefix factoring)."""
    for op, av in items:
        if op is _c.BRANCH:
            labels = [(_unparse(b), b) for b in av[1]]
            pair = _branch_pair(labels, flags)
            if pair is not None:
                return pair
        sub_flags = (flags | av[1]) & ~av[2] if op is _c.SUBPATTERN else flags
        for sub in _children(op, av):
            pair = _tree_overlap(sub, sub_flags)
            if pair is not None:
                return pair
    return None


def _unparse(items: Any) -> str:
    """A short label for an alternative of the parsed tree (exact for literal text)."""
    if not len(items):
        return ""
    if all(op is _c.LITERAL for op, _ in items):
        return "".join(chr(av) for _, av in items)
    return "…"


def _source_overlap(pattern: str, g: _Group, groups: list[_Group], gflags: int) -> str | None:
    """Overlapping alternatives as written, in `g` or any group inside it."""
    for inner in groups:
        if not (g.start <= inner.start and inner.end <= g.end) or not inner.bars:
            continue
        cuts = [inner.body_start - 1, *inner.bars, inner.end]
        prefix = pattern[inner.start : inner.body_start]
        scoped = bool(_FLAG_GROUP.fullmatch(prefix))
        branches: list[tuple[str, Any]] = []
        for lo, hi in pairwise(cuts):
            text = pattern[lo + 1 : hi]
            tree = _parse(f"{prefix}{text})" if scoped else text, gflags)
            if tree is None:
                return None
            branches.append((text, tree))
        pair = _branch_pair(branches, gflags & (re.I | re.A))
        if pair is not None:
            return pair
    return None
