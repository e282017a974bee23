"""decode_html: the WHATWG order plus the Chinese-hosting exceptions, on fixed byte strings."""

from __future__ import annotations

import pytest

from ecq_scan.crawl import decode_html
from ecq_scan.crawl.encoding import codec_for, meta_charset

# 囧 and 镕 are GBK-only (not in GB2312); 𠀀 needs GB18030's four-byte form.
TEXT = (
    "<html><head><title>隐私政策</title></head>"
    "<body>营业执照 囧镕𠀀 京ICP备12345678号</body></html>"
)
GB = TEXT.encode("gb18030")


@pytest.mark.parametrize("label", ["gb2312", "GBK", "x-gbk", "gb_2312-80", "chinese", "csgb2312"])
def test_gbk_family_labels_decode_as_gb18030(label: str) -> None:
    text, enc = decode_html(GB, f"text/html; charset={label}")
    assert (text, enc) == (TEXT, "gb18030")


def test_label_mapping() -> None:
    assert codec_for("ISO-8859-1") == "cp1252"
    assert codec_for("ascii") == "cp1252"
    assert codec_for("big5-hkscs") == "big5"
    assert codec_for('"utf-8"') == "utf-8"
    assert codec_for("x-unknown-1234") is None


def test_header_utf8_but_meta_gbk_uses_meta() -> None:
    body = b'<meta charset="gbk">' + GB
    text, enc = decode_html(body, "text/html; charset=utf-8")
    assert enc == "gb18030"
    assert "营业执照" in text and "囧镕𠀀" in text


def test_meta_http_equiv_without_header() -> None:
    body = b'<meta http-equiv="Content-Type" content="text/html; charset=gb2312">' + GB
    text, enc = decode_html(body, "text/html")
    assert enc == "gb18030" and "隐私政策" in text


def test_header_that_decodes_wins_over_meta() -> None:
    utf8 = '<meta charset="gbk"><p>隐私政策</p>'.encode()
    text, enc = decode_html(utf8, "text/html; charset=utf-8")
    assert enc == "utf-8" and "隐私政策" in text


def test_bom_beats_header() -> None:
    text, enc = decode_html(b"\xef\xbb\xbf" + TEXT.encode(), "text/html; charset=gbk")
    assert (text, enc) == (TEXT, "utf-8")
    text, enc = decode_html(b"\xff\xfe" + TEXT.encode("utf-16-le"), None)
    assert (text, enc) == (TEXT, "utf-16le")


def test_no_declaration_sniffs_utf8_then_gb18030() -> None:
    assert decode_html(TEXT.encode(), None) == (TEXT, "utf-8")
    assert decode_html(GB, None) == (TEXT, "gb18030")
    assert decode_html(GB, "text/html; charset=x-unknown-1234") == (TEXT, "gb18030")


def test_truncated_multibyte_tail_keeps_the_declared_encoding() -> None:
    cut = TEXT.encode()[:-30]
    cut = cut[: len(cut) - 1]  # may end inside a multi-byte character
    text, enc = decode_html(cut, "text/html; charset=utf-8")
    assert enc == "utf-8" and text.startswith("<html><head><title>隐私政策")


def test_wrong_header_without_meta_falls_back_to_gb18030() -> None:
    text, enc = decode_html(GB, 'text/html; charset="utf-8"')
    assert enc == "gb18030" and text == TEXT  # hostile-sites H21 (f)
    decode_html(b"\x81\x8d\x8f\x90\x9d" * 100, "text/html; charset=iso-8859-1")


def test_meta_prescan_only_reads_2048_bytes() -> None:
    late = b"<html>" + b" " * 3000 + b'<meta charset="gbk">'
    assert meta_charset(late) is None
    assert meta_charset(b"<?xml version='1.0' encoding='GB2312'?><html/>") == "GB2312"
