"""The pre-parse nesting bound (hostile-sites H22; artifacts/depth.py).

A page whose tree would nest past the bound is parsed only up to the tag that passes it: the work
Lexbor does is bounded (asserted here on the depth and the element count of what gets parsed, not
on time, which CI machines make noisy), what came before the bomb is still read, and the page is
marked incomplete. Honest markup — every HTML file of the fixtures — is never cut, and the model
is never deeper than Lexbor's own tree on it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from selectolax.lexbor import LexborHTMLParser

from ecq_scan.analysis import Analysis
from ecq_scan.artifacts import parse_html
from ecq_scan.artifacts.depth import (
    MAX_HTML_DEPTH,
    RECONSTRUCTED_PER_LEVEL,
    depth_cut,
    estimate_depth,
)
from ecq_scan.config import Settings
from ecq_scan.models import EnterpriseType

ROOT = Path(__file__).resolve().parents[2]
HONEST = "<!doctype html><html lang=zh><body><p>隐私政策</p><footer>京ICP备2024077296号-1</footer>"


def _dom_depth(html: str) -> int:
    """Lexbor's tree depth below <body> (iterative: the trees here are deep)."""
    tree = LexborHTMLParser(html)
    body = tree.body
    if body is None:
        return 0
    deepest, todo = 0, [(body, 0)]
    while todo:
        node, depth = todo.pop()
        deepest = max(deepest, depth)
        child = node.child
        while child is not None:
            if not (child.tag or "-").startswith("-"):
                todo.append((child, depth + 1))
            child = child.next
    return deepest


BOMBS = {
    "divs": "<div>" * 100_000 + "deep",
    "unclosed-tables": "<table><tr><td>" * 100_000,
    "sections-and-lists": "<section><ul><li>" * 50_000,
    "foreign": "<svg><math><b><table><svg><p><i><a><svg>" * 20_000 + "<p>end",
    "spans": "<span>" * 200_000,
    "misnested-forms": "<form><div></form>" * 50_000,
    # found by a search over repeated units, each once seen by an earlier model as shallow
    "optgroups": "<optgroup>" * 100_000,
    "bold-links": "<b><a>" * 100_000,
    "items-in-definitions": "<li><dd>" * 60_000,
    "forms-in-selects": "<form><select></form>" * 50_000,
    "svg-not-mathml": "<svg><mi><font a=2><optgroup><textarea>" * 10_000,
    "breakout-paragraphs": "</p><caption><object><h1><svg>" * 20_000,
    "br-end-tags": "</br></div><p><font a=2><h2>" * 20_000,
}


@pytest.mark.parametrize("name", list(BOMBS))
def test_a_nesting_bomb_is_cut_and_the_text_before_it_is_read(name: str) -> None:
    html = HONEST + BOMBS[name]
    page = parse_html(html, url="http://shop.example.cn/deep")
    assert page.cut_at is not None and len(HONEST) <= page.cut_at < len(html)
    assert "京ICP备2024077296号-1" in page.text and "隐私政策" in page.text
    assert "deep" not in page.text and "end" not in page.text
    kept = html[: page.cut_at]
    assert estimate_depth(kept) <= MAX_HTML_DEPTH
    # what Lexbor actually built from the kept part (plus html/body and implied elements)
    assert _dom_depth(kept) <= MAX_HTML_DEPTH + 4


def test_a_100k_deep_page_is_bounded_whatever_the_limit() -> None:
    html = "<p>before</p>" + "<div>" * 100_000 + "deep"
    for limit in (256, 1024, MAX_HTML_DEPTH):
        cut = depth_cut(html, limit)
        assert cut is not None
        assert _dom_depth(html[:cut]) <= limit + 1
        assert "before" in parse_html(html, url="http://x.cn/", max_depth=limit).text


def test_re_created_formatting_elements_are_bounded() -> None:
    """2,000 unclosed <font>s with distinct attributes are re-created in every later paragraph
    (measured: 5,000 paragraphs, a 65 KB page, make 10 million elements and 4.4 GiB in Lexbor).
    The depth never passes 2,001, so it is the re-creation budget that cuts."""
    fonts = "".join(f"<font a={i}>" for i in range(2000))
    html = HONEST + "<div>" + fonts + "</div>" + "<p>x</p>" * 5000
    page = parse_html(html, url="http://shop.example.cn/fonts")
    assert page.cut_at is not None and "京ICP备2024077296号-1" in page.text
    created = len(LexborHTMLParser(html[: page.cut_at]).css("font"))
    assert created <= MAX_HTML_DEPTH * RECONSTRUCTED_PER_LEVEL + 2 * 2000


def test_honest_fixture_pages_are_never_cut_and_never_overestimated() -> None:
    files = sorted((ROOT / "fixtures").rglob("*.html")) + sorted((ROOT / "tests").rglob("*.html"))
    assert len(files) > 50
    for path in files:
        html = path.read_text("utf-8", errors="replace")
        assert depth_cut(html) is None, path
        # the model's stack never gets deeper than Lexbor's tree (which adds html and body)
        assert estimate_depth(html) <= _dom_depth(html) + 1, path


@pytest.mark.parametrize(
    "html",
    [
        "<div><span></div>" * 10_000,  # an end tag closes what was left open inside
        "<p><font color=red>x</p>" * 10_000,  # identical formatting: at most three re-created
        "<table><tr><td><font>x<td>y</table>" * 5_000,  # cells end formatting and rows
        "<ul><li><b>a<li>b</ul>" * 10_000,  # list items close their siblings
        "<div><a href=/x>link<div>text</div></div>" * 10_000,  # an unclosed link, adopted
        "<select><option>a<option>b</select>" * 10_000,
        "<svg><path d='M0 0'/><g/><circle r=1 /></svg>" * 10_000,  # self-closing in SVG
        "<svg><title>icon</title><use href=#i /></svg><i class=icon></i>" * 10_000,
        "<p><font color=red><font size=2>x</p><table>\n" + "<tr>\n<td>a</td>\n</tr>\n" * 20_000,
        "<p class=MsoNormal><span lang=EN-US><o:p>&nbsp;</o:p></span></p>" * 10_000,
        "<script>var s = '" + "<div>" * 10_000 + "';</script><p>after",  # markup in a script
        '<p title="' + "<div>" * 10_000 + '">x</p>',  # markup in an attribute value
        "<!--" + "<div>" * 10_000 + "-->",
    ],
    ids=[
        "span",
        "font",
        "cells",
        "li",
        "a",
        "select",
        "svg",
        "icons",
        "table-after-font",
        "word",
        "script",
        "attribute",
        "comment",
    ],
)
def test_sloppy_but_shallow_markup_is_not_cut(html: str) -> None:
    assert depth_cut(html) is None
    assert estimate_depth(html) <= _dom_depth(html) + 1


def test_a_cut_page_counts_as_incomplete() -> None:
    analysis = Analysis([], EnterpriseType.TRANSACTIONAL, max_html_depth=256)
    url = "http://shop.example.cn/deep"
    analysis.add_page(
        HONEST + "<div>" * 1000,
        url=url,
        requested_url=url,
        status=200,
        headers={},
        content_type="text/html",
    )
    summary = analysis.summaries[url]
    assert not summary.ok and summary.error is not None and "256 levels" in summary.error
    assert url in analysis.cut_pages


def test_the_setting_and_the_default_agree() -> None:
    assert Settings().max_html_depth == MAX_HTML_DEPTH


_soup = st.lists(
    st.sampled_from(
        ["<div>", "</div>", "<span>", "</span>", "<b>", "</b>", "<font a=1>", "<font a=2>",
         "</font>", "<a href=x>", "</a>", "<p>", "</p>", "<li>", "<table>", "<tr>", "<td>",
         "</td>", "</table>", "<svg>", "<g/>", "</svg>", "<select>", "<option>", "<form>",
         "</form>", "<template>", "</template>", "<script>", "</script>", "<!--", "-->",
         "<p title='", "'>", "x", " ", "\n"]
    ),
    max_size=300,
)  # fmt: skip


@given(_soup, st.sampled_from([4, 16, 64]))
def test_the_kept_prefix_stays_within_the_bound(pieces: list[str], limit: int) -> None:
    html = "".join(pieces)
    cut = depth_cut(html, limit)
    if cut is None:
        assert estimate_depth(html) <= limit
        return
    assert 0 <= cut < len(html)
    assert estimate_depth(html[:cut]) <= limit
