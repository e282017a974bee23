"""Struck-through text collected by the parser, and the amounts reference-price compares."""

from __future__ import annotations

from decimal import Decimal

from ecq_scan.artifacts import parse_html
from ecq_scan.checks.builtin.reference_price import ReferencePrice, _amount

_PAGE = """<html><body><main><h1>茶杯</h1>
<div class="price"><span>¥68.00</span> <del>¥ 128.00</del>
<s style="text-decoration:none">not struck</s></div>
<div style="display:none"><del>¥199.00</del></div>
<p><span style="text-decoration-line: line-through">￥159</span> <b class="line-through">$5</b></p>
<p><del>旧款<del>纸盒</del></del></p>
</main><footer><strike>¥1.00</strike></footer></body></html>"""


def test_struck_spans_are_visible_text_with_offsets() -> None:
    page = parse_html(_PAGE, url="http://shop.example.cn/goods/1.html")
    got = [(s.text, s.region) for s in page.struck]
    assert got == [
        ("¥ 128.00", "main"),
        ("¥159", "main"),  # NFKC folds the full-width ￥
        ("$5", "main"),
        ("旧款纸盒", "main"),  # nested strikes are one span
        ("¥1.00", "footer"),
    ]
    for s in page.struck:
        assert page.text[s.start : s.start + len(s.text)] == s.text


def test_amounts() -> None:
    assert _amount("¥1,299.00") == ("CNY", Decimal("1299.00"))
    assert _amount("88元") == ("CNY", Decimal("88"))
    assert _amount("19,99 €") == ("€", Decimal("19.99"))
    assert _amount("US$19.99") == ("US$", Decimal("19.99"))
    assert _amount("¥0.00") is None
    assert _amount("旧款") is None


def test_was_in_a_sentence_is_not_a_label() -> None:
    assert ReferencePrice._labelled("Now £25 Was £40", 12)
    assert not ReferencePrice._labelled("It was $15 there", 7)
    assert ReferencePrice._labelled("¥68 原价:¥128", 7)
