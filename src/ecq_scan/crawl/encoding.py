"""Bytes → text for HTML, the way browsers do it, tuned for Chinese shop sites.

Order (WHATWG Encoding Standard, as w3lib implements it): byte-order mark, HTTP charset,
`<meta>` prescan of the first 2048 bytes, then UTF-8 if the bytes are valid UTF-8, else GB18030.
Labels are mapped as browsers map them: `gb2312`/`gbk` pages are decoded as GB18030 because
real "GB2312" pages contain GBK characters (`囧`, `镕`) that Python's gb2312 codec rejects, and
`iso-8859-1` means windows-1252.

Deviations, on purpose: a declared label is used only if the bytes decode cleanly with it. When
the header's label fails and the `<meta>` label works, the meta wins (Chinese hosting often adds
a default `charset=utf-8` header to GBK pages); a `latin-1`/`windows-1252` header also loses to a
`<meta>` that fits, since single-byte Western codecs "decode" anything. When both fail, valid
UTF-8 wins, then GB18030 if the bytes fit it; otherwise the first declared label is used.
Decoding never fails: undecodable bytes become U+FFFD.
"""

from __future__ import annotations

import codecs
import re
from email.message import Message

#: The WHATWG prescan only looks this far for a <meta> charset.
PRESCAN_BYTES = 2048

_BOMS: tuple[tuple[bytes, str, str], ...] = (
    (codecs.BOM_UTF8, "utf-8-sig", "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16", "utf-16le"),
    (codecs.BOM_UTF16_BE, "utf-16", "utf-16be"),
)

#: Python codec → the WHATWG labels (lower-case) that mean it.
_LABEL_GROUPS: dict[str, str] = {
    "utf-8": "utf-8 utf8 unicode-1-1-utf-8 unicode11utf8 unicode20utf8 x-unicode20utf8",
    "gb18030": (
        "gb18030 gb2312 gbk x-gbk gb_2312 gb_2312-80 chinese csgb2312 iso-ir-58 cp936 "
        "windows-936 ms936 euc-cn zh_cn"
    ),
    "big5": "big5 big5-hkscs cn-big5 csbig5 x-x-big5",
    "cp1252": (
        "windows-1252 cp1252 x-cp1252 iso-8859-1 iso8859-1 iso_8859-1 iso88591 latin1 "
        "latin-1 l1 ascii us-ascii ansi_x3.4-1968 cp819 ibm819 csisolatin1 iso-ir-100 "
        "iso_8859-1:1987"
    ),
    "cp932": "shift_jis shift-jis sjis ms932 windows-31j csshiftjis x-sjis ms_kanji",
    "euc-jp": "euc-jp cseucpkdfmtjapanese x-euc-jp",
    "iso-2022-jp": "iso-2022-jp csiso2022jp",
    "cp949": "euc-kr cseuckr ks_c_5601-1987 korean windows-949 ksc5601 ksc_5601",
    "utf-16le": "utf-16 utf-16le csunicode ucs-2 unicode iso-10646-ucs-2",
    "utf-16be": "utf-16be unicodefffe",
    "koi8_r": "koi8-r koi8_r koi8 cskoi8r",
    "koi8_u": "koi8-u koi8-ru",
    "cp1251": "windows-1251 cp1251 x-cp1251",
    "cp1250": "windows-1250 cp1250 x-cp1250",
    "cp1253": "windows-1253 cp1253",
    "cp1254": "windows-1254 cp1254 iso-8859-9 latin5 l5",
    "cp1255": "windows-1255 cp1255",
    "cp1256": "windows-1256 cp1256",
    "cp1257": "windows-1257 cp1257",
    "cp1258": "windows-1258 cp1258",
    "cp874": "windows-874 tis-620 iso-8859-11 dos-874",
    "iso8859_2": "iso-8859-2 latin2 l2",
    "iso8859_5": "iso-8859-5 cyrillic",
    "iso8859_7": "iso-8859-7 greek",
    "iso8859_15": "iso-8859-15 latin9 l9",
}
#: WHATWG label → Python codec name.
LABELS: dict[str, str] = {
    label: codec for codec, labels in _LABEL_GROUPS.items() for label in labels.split()
}

_META_CHARSET = re.compile(rb"""<meta\b[^>]*?\bcharset\s*=\s*["']?\s*([A-Za-z0-9._:\-]+)""", re.I)
_XML_DECL = re.compile(rb"""^\s*<\?xml\b[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9._:\-]+)""", re.I)


def codec_for(label: str | None) -> str | None:
    """The Python codec for a charset label, or None for an unknown or missing label."""
    if not label:
        return None
    return LABELS.get(label.strip().strip("\"'").lower())


_SECOND_TYPE = re.compile(r",\s*(?=[\w.+-]+/[\w.+-]+)")


def effective_content_type(value: str | None) -> str | None:
    """The Content-Type that counts when a server sent several (httpx joins them with ', '):
    the last one, as browsers do."""
    if not value:
        return None
    return _SECOND_TYPE.split(value)[-1].strip() or None


def header_charset(content_type: str | None) -> str | None:
    """The raw `charset` parameter of a Content-Type header value."""
    content_type = effective_content_type(content_type)
    if not content_type:
        return None
    msg = Message()
    msg["content-type"] = content_type
    value = msg.get_param("charset")
    return value.strip() if isinstance(value, str) and value.strip() else None


def meta_charset(body: bytes) -> str | None:
    """The label declared by `<meta charset>`, `<meta http-equiv content=…charset=>` or an XML
    declaration within the first PRESCAN_BYTES bytes."""
    head = body[:PRESCAN_BYTES]
    found = _XML_DECL.search(head) or _META_CHARSET.search(head)
    return found.group(1).decode("ascii", "replace") if found else None


def _decodes(body: bytes, codec: str) -> bool:
    """Strict decode that tolerates a multi-byte character cut off at the end (a body truncated
    at the byte cap must not look like the wrong encoding)."""
    try:
        codecs.getincrementaldecoder(codec)("strict").decode(body, final=False)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def _bom(body: bytes) -> tuple[str, str] | None:
    for mark, codec, name in _BOMS:
        if body.startswith(mark):
            return codec, name
    return None


def decode_html(body: bytes, content_type_header: str | None) -> tuple[str, str]:
    """Decode an HTML body; returns (text, name of the encoding used)."""
    bom = _bom(body)
    if bom is not None:
        codec, name = bom
        return body.decode(codec, "replace"), name

    header = codec_for(header_charset(content_type_header))
    meta = codec_for(meta_charset(body))
    if meta in ("utf-16le", "utf-16be"):
        meta = "utf-8"  # WHATWG: a <meta> that could be read as ASCII cannot be UTF-16

    declared = [c for c in dict.fromkeys((header, meta)) if c is not None]
    if header == "cp1252" and meta not in (None, "cp1252") and _decodes(body, str(meta)):
        # windows-1252 decodes almost any bytes, so a latin-1 header (a server default) never
        # "fails"; a <meta> naming another charset that fits is the author's real choice
        declared.remove("cp1252")
    chosen = next((c for c in declared if _decodes(body, c)), None)
    if chosen is None:
        # Valid UTF-8 is a strong signal (other encodings almost never validate as UTF-8);
        # next GB18030, the usual real encoding of a mislabelled Chinese page; only then the
        # declared label with replacement characters.
        for guess in ("utf-8", "gb18030"):
            if _decodes(body, guess):
                chosen = guess
                break
        else:
            chosen = declared[0] if declared else "gb18030"
    return body.decode(chosen, "replace"), chosen
