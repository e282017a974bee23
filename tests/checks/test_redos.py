"""The ReDoS guard: every rule pattern is refused at load time if it could backtrack for ever.

Known-evil patterns (OWASP's ReDoS page and the classic examples) are refused with the
sub-pattern named; look-alikes that are linear are accepted; every built-in rule passes; a
`--rules` folder holding an evil pattern stops the CLI with exit 2, naming the file and field.
"""

from __future__ import annotations

import re
import textwrap
import time
from pathlib import Path

import pytest
import yaml

from ecq_scan.checks.redos import MAX_BOUNDED_REPEAT, UnsafePatternError, check_pattern
from ecq_scan.checks.registry import packaged_rules_dir
from ecq_scan.checks.yaml_rules import load_rule, load_rules
from ecq_scan.errors import RuleError
from tests.conftest import run_cli

REGEX_FIELDS = ("text", "link_text", "link_url", "title", "image_alt", "url", "pattern", "exclude")

EMAIL = (
    r"^([a-zA-Z0-9])(([\-.]|[_]+)?([a-zA-Z0-9]+))*(@){1}[a-z0-9]+[.]{1}"
    r"(([a-z]{2,3})|([a-z]{2,3}[.]{1}[a-z]{2,3}))$"
)

#: pattern → the sub-pattern the error must name
EVIL: dict[str, str] = {
    # OWASP "Regular expression Denial of Service - ReDoS" examples
    r"(a+)+": r"(a+)+",
    r"([a-zA-Z]+)*": r"([a-zA-Z]+)*",
    r"(a|aa)+": r"(a|aa)+",
    r"(a|a?)+": r"(a|a?)+",
    r"(.*a){11}": r"(.*a){11}",
    EMAIL: r"(([\-.]|[_]+)?([a-zA-Z0-9]+))*",
    # classics
    r"^(\w+\s?)*$": r"(\w+\s?)*",
    r"(\d+)*x": r"(\d+)*",
    r"(a*)*": r"(a*)*",
    r"(?:\w+\s?)*": r"(?:\w+\s?)*",
    r"((ab)*c)*": r"((ab)*c)*",
    r"(a{1,2})+": r"(a{1,2})+",
    r"(?:a?a?)+$": r"(?:a?a?)+",
    r"(?:\w{1,5}){1,10}!": r"(?:\w{1,5}){1,10}",
    r"(?:\.\w+){1,1000}": r"(?:\.\w+){1,1000}",
    r"(?>a+)+": r"(?>a+)+",
    r"(?:a+?)+?": r"(?:a+?)+?",
    # overlapping alternatives under repetition
    r"(a|a)*": r"(a|a)*",
    r"(\w|\d)+": r"(\w|\d)+",
    r"(a|ab)*": r"(a|ab)*",
    r"(?:x(?:a|ab)y)+": r"(?:x(?:a|ab)y)+",
    r"(?:\s|[\t ])*": r"(?:\s|[\t ])*",
    r"(?i:A|a)+": r"(?i:A|a)+",
    # bounded repeats with too many ways to split the text
    r"(a|a){1,50}": r"(a|a){1,50}",
    r"(?:a?a?){1,30}": r"(?:a?a?){1,30}",
    r"(?:\s+\w?){1,50}": r"(?:\s+\w?){1,50}",  # the run `\s+` continues into the next copy
    # verbose mode: whitespace between a group and its quantifier
    "(?x) ( a + ) +  # comment": "( a + ) +",
    # backreferences and conditionals
    r"(a)\1": r"\1",
    r"(?P<x>a)(?P=x)": r"(?P=x)",
    r"(a)?(?(1)b|c)": r"(?(1)",
}

SAFE = [
    r"[ab]+",
    r"(?:ab)+",
    r"a+b+",
    r"(?:\d{3}-){2}\d{4}",
    r"(?:\w{1,5}\s){0,3}",
    r"(?:\.[\w-]{1,63}){1,4}",  # delimited: each copy starts with the one `.`
    r"(?:\.(?:com|cn)){1,2}",  # `re` factors the `c`: alternatives `om` / `n` differ
    r"(?<!\d)12315(?!\d)",
    r"(?:foo|bar)+",
    r"(?:ab?)+",
    r"(a{3})+",
    r"(?:x|y)+",
    r"(?:[a-f]|[0-9])+",
    r"(?:\S|\s)+",
    r"(?:\d+-)?\d+",
    r"\d{1,3}(?:,\d{3})*",
    r"[(|)]+",  # `|` and parens inside a class
    r"\(a|b\)+",  # escaped parens are no group
    r"(?-i:\u00e9|\u00c9)+",  # case-sensitive: é and É differ
    r"(?:a|b|c|d)*+",
    r"[\1]x",  # octal escape in a class, not a backreference
    # bounded repeats: few ways to split (a constant per position), or delimited copies
    r"(?:[\s.-]?\d{2,4}){1,4}",  # the built-in phone pattern: 1,554 ways
    r"(?:a|ab){1,4}",
    r"(?:a?b?){1,4}",
    r"(?:\d{1,3}){1,3}",
    r"(?:\w+\s+){1,50}",  # delimited by a whitespace run
    r"(?:[\w'’-]+\s+){0,3}?",
    r"(?:\.\w?){1,50}",
    r"(?:\s+\w){1,50}",
]


def _builtin_patterns() -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for path in sorted(packaged_rules_dir().rglob("*.yaml")):
        raw = yaml.safe_load(path.read_text("utf-8"))
        for signal, matcher in raw["signals"].items():
            for key in REGEX_FIELDS:
                if matcher.get(key) is not None:
                    where = f"{path.parent.name}/{path.name} {signal}.{key}"
                    out.append((where, matcher[key]))
    return out


BUILTIN = _builtin_patterns()


def test_builtin_rules_hold_patterns() -> None:
    assert len(BUILTIN) >= 40, "the rule folder moved or the walk above broke"


@pytest.mark.parametrize(("where", "pattern"), BUILTIN, ids=[w for w, _ in BUILTIN])
def test_every_builtin_pattern_passes_the_guard(where: str, pattern: str) -> None:
    check_pattern(pattern, re.I)
    check_pattern(pattern, re.I | re.M)  # link patterns compile with MULTILINE too


def test_packaged_rules_load_with_the_guard() -> None:
    assert load_rules(packaged_rules_dir())


@pytest.mark.parametrize(("pattern", "sub"), list(EVIL.items()), ids=list(EVIL))
def test_evil_patterns_are_refused(pattern: str, sub: str) -> None:
    re.compile(pattern)  # valid Python regexes: the guard, not the compiler, refuses them
    with pytest.raises(UnsafePatternError) as err:
        check_pattern(pattern, re.I)
    assert err.value.sub_pattern == sub
    assert f"`{sub}`" in str(err.value)


@pytest.mark.parametrize("pattern", SAFE)
def test_safe_look_alikes_are_accepted(pattern: str) -> None:
    re.compile(pattern)
    check_pattern(pattern, re.I)


def test_bound_limit_separates_bounded_from_unbounded() -> None:
    # a delimited group may repeat up to the limit; past it the strict star-height rule applies
    check_pattern(rf"(?:\.\w+){{1,{MAX_BOUNDED_REPEAT}}}")
    with pytest.raises(UnsafePatternError, match="nested repetition"):
        check_pattern(rf"(?:\.\w+){{1,{MAX_BOUNDED_REPEAT + 1}}}")


def test_path_count_separates_small_from_large_bounded_repeats() -> None:
    check_pattern(r"(?:\w{1,5}){1,5}")  # 3,905 ways
    with pytest.raises(UnsafePatternError, match="no delimiter"):
        check_pattern(r"(?:\w{1,5}){1,6}")  # 19,530 ways > MAX_PATHS


def test_messages_say_what_to_do() -> None:
    with pytest.raises(UnsafePatternError) as err:
        check_pattern(r"(a+)+$")
    assert "rewrite without nested repetition" in str(err.value)
    assert "`(?:a|b)+` → `[ab]+`" in str(err.value)
    with pytest.raises(UnsafePatternError, match="match the text itself"):
        check_pattern(r"(a)\1")


def _rule(tmp_path: Path, signals: str, rule_id: str = "evil-rule") -> Path:
    body = f"""\
        id: {rule_id}
        title_pass: {{zh: 通过, en: Passed}}
        title_fail: {{zh: 未通过, en: Failed}}
        description: {{zh: 说明, en: Description}}
        severity: minor
        clauses: ["4.2"]
        signals:
        {signals}
        pass_when: {{any: [greeting]}}
        """
    path = tmp_path / f"{rule_id}.yaml"
    path.write_text(textwrap.dedent(body), "utf-8")
    return path


@pytest.mark.parametrize(
    ("matcher", "field", "sub"),
    [
        (r"{text: '^(\w+\s?)*$'}", "text", r"(\w+\s?)*"),
        (r"{text: 'ok', exclude: '(a|a)*'}", "exclude", "(a|a)*"),
        (r"{link_text: '(\d+)*x'}", "link_text", r"(\d+)*"),
        (r"{header: x-shop, pattern: '(a)\1'}", "pattern", r"\1"),
    ],
)
def test_load_rule_names_file_field_and_sub_pattern(
    tmp_path: Path, matcher: str, field: str, sub: str
) -> None:
    path = _rule(tmp_path, f"  greeting: {matcher}")
    with pytest.raises(RuleError) as err:
        load_rule(path)
    message = str(err.value)
    assert str(path) in message
    assert "field signals.greeting" in message
    assert f"{field}: regular expression open to catastrophic backtracking" in message
    assert f"`{sub}`" in message


def test_cli_refuses_an_evil_rules_folder(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    path = _rule(rules, r"  greeting: {text: '^(\w+\s?)*$'}")
    run = run_cli("checks", "list", "--rules", rules)
    assert run.code == 2, run
    assert str(path) in run.stderr
    assert "field signals.greeting" in run.stderr
    assert r"`(\w+\s?)*`" in run.stderr
    assert "Traceback" not in run.stderr


def test_guard_is_cheap_on_the_builtin_rules() -> None:
    started = time.perf_counter()
    for _where, pattern in BUILTIN:
        check_pattern(pattern, re.I)
    assert time.perf_counter() - started < 2.0


def test_bench_cost_of_an_evil_pattern_before_the_guard() -> None:
    """Not an assertion on speed: prints what the guard saves (run with -s to see it)."""
    bait = "a" * 29 + "!"
    evil = r"(a|aa)+$"
    started = time.perf_counter()
    re.search(evil, bait)
    unguarded = time.perf_counter() - started
    started = time.perf_counter()
    with pytest.raises(UnsafePatternError):
        check_pattern(evil, re.I)
    guard = time.perf_counter() - started
    doubling: list[str] = []
    for n in (18, 20, 22):
        started = time.perf_counter()
        re.search(r"(a+)+$", "a" * n + "!")
        doubling.append(f"{n + 1} chars {time.perf_counter() - started:.3f}s")
    print(
        f"\nbench redos: {evil} on {len(bait)} chars of bait: {unguarded:.3f}s unguarded; "
        f"the guard refuses it in {guard * 1000:.2f} ms; "
        f"(a+)+$ doubles per character: {', '.join(doubling)}"
    )
