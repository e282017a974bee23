"""Typed views of one fetched page. Checks read only these, never raw bytes or the network."""

from __future__ import annotations

import bisect
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from ecq_scan.artifacts.selector import css_path
from ecq_scan.models import PageRole, RenderInfo, TlsInfo

Region = Literal["header", "nav", "main", "footer"]
LinkField = Literal["label", "url"]
#: sub-resources a page loads or submits to: active ones (script, stylesheet, iframe, object,
#: form) can read or send the page's data; media is passive (images live in `PageArtifacts.images`)
ResourceKind = Literal["script", "stylesheet", "iframe", "object", "form", "media"]


@dataclass(slots=True)
class TextBlock:
    """A run of visible text inside one block-level element.

    `norm` is what patterns match; `raw` is what evidence quotes. `start` is the offset of `norm`
    inside `PageArtifacts.text`.
    """

    raw: str
    norm: str
    region: Region
    node: Any = field(repr=False)
    start: int = 0
    _locator: str | None = field(default=None, repr=False)

    @property
    def locator(self) -> str:
        """Computed on first use (most blocks never become evidence), then kept."""
        if self._locator is None:
            self._locator = css_path(self.node)
        return self._locator


@dataclass(slots=True)
class Link:
    """An `<a href>` with its visible text; `url` is absolute without fragment ('' if unusable)."""

    url: str
    href: str
    text: str
    text_raw: str
    title: str
    region: Region
    node: Any = field(repr=False)
    hidden: bool = False

    @property
    def locator(self) -> str:
        return css_path(self.node)


@dataclass(slots=True)
class Image:
    src: str
    alt: str
    title: str
    region: Region
    node: Any = field(repr=False)
    link_url: str | None = None

    @property
    def locator(self) -> str:
        return css_path(self.node)


@dataclass(frozen=True, slots=True)
class StruckText:
    """Visible text drawn struck through: inside `<del>`, `<s>` or `<strike>`, or an element with
    an inline `text-decoration: line-through` or the utility class `line-through`.

    Shops strike out the reference price a sale price is compared with (明码标价和禁止价格欺诈规定
    第19、20条), and the flattened `text` cannot show which amount was struck. `text` is normalised
    like a block's `norm`; `start` is its offset in `PageArtifacts.text`.
    """

    text: str
    start: int
    region: Region


@dataclass(slots=True)
class Resource:
    """A `<script src>`, stylesheet `<link>`, `<iframe src>`, `<object>`/`<embed>`, `<form action>`
    or `<audio>`/`<video>`/`<source>` URL, anywhere in the document (head included).

    `raw` is the attribute as written (mixed content is decided on it: `http://…` on an HTTPS
    page). `url` — absolute, without fragment, '' when not a web URL (`javascript:` …) — is
    resolved against `base` on first use: most resources are never looked at closely, and
    resolving every one would cost parse time on script-heavy pages.
    """

    kind: ResourceKind
    raw: str
    base: str
    node: Any = field(repr=False)
    _url: str | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        if self._url is None:
            self._url = _absolute(self.base, self.raw)
        return self._url

    @property
    def locator(self) -> str:
        return css_path(self.node)


def _absolute(base: str, href: str) -> str:
    from ecq_scan.artifacts.html import absolute_url  # html imports this module

    return absolute_url(base, href)


@dataclass(slots=True)
class PageArtifacts:
    """Everything a check may look at for one page, parsed once."""

    url: str
    requested_url: str
    status: int | None
    headers: Mapping[str, str]
    content_type: str
    title: str
    lang: str | None
    meta_description: str
    blocks: list[TextBlock]
    links: list[Link]
    images: list[Image]
    jsonld: list[Any]
    role: PageRole = PageRole.OTHER
    h1: str = ""
    text: str = ""
    render: RenderInfo | None = None
    #: the TLS connection the page came over (recorded for the start page only; crawl/tls.py)
    tls: TlsInfo | None = None
    #: sub-resources (scripts, stylesheets, frames, forms, media) in document order
    resources: list[Resource] = field(default_factory=list)
    #: `<meta http-equiv>` values by lower-cased name (`content-security-policy`, `refresh` …),
    #: plus `referrer` from `<meta name="referrer">`: policies a page may set without headers
    http_equiv: dict[str, str] = field(default_factory=dict)
    #: struck-through visible text (reference prices), in document order
    struck: list[StruckText] = field(default_factory=list)
    #: where the HTML was cut before parsing because its tree would nest too deep or re-create
    #: too many elements (artifacts/depth.py); None when the whole document was parsed
    cut_at: int | None = None
    _starts: list[int] = field(default_factory=list, repr=False)
    _link_index: dict[str, tuple[str, list[int]]] = field(default_factory=dict, repr=False)
    _lower: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if not self.text:
            self.text = "\n".join(b.norm for b in self.blocks)
        self._starts = [b.start for b in self.blocks]

    def _index(self, what: LinkField) -> tuple[str, list[int]]:
        """Every link's label ("text title") or URL joined one per line, with line offsets.

        Rules test a pattern against every link of every page; one regex pass over this string
        (C speed) finds the few candidate links instead of one Python-level search per link.
        """
        cached = self._link_index.get(what)
        if cached is None:
            parts = [
                (f"{ln.text} {ln.title}".strip() if what == "label" else ln.url or ln.href).replace(
                    "\n", " "
                )
                for ln in self.links
            ]
            starts, pos = [], 0
            for part in parts:
                starts.append(pos)
                pos += len(part) + 1
            cached = self._link_index[what] = ("\n".join(parts), starts)
        return cached

    def links_matching(self, pattern: re.Pattern[str], what: LinkField = "label") -> list[Link]:
        """Links whose label (text and title) or URL matches `pattern`, in document order."""
        joined, starts = self._index(what)
        out: list[Link] = []
        last = -1
        for m in pattern.finditer(joined):
            i = bisect.bisect_right(starts, m.start()) - 1
            if i == last or i < 0:
                continue
            line_end = starts[i + 1] - 1 if i + 1 < len(starts) else len(joined)
            if m.end() > line_end and not pattern.search(joined[starts[i] : line_end]):
                continue  # the match ran across two lines and this line alone does not match
            out.append(self.links[i])
            last = i
        return out

    @property
    def lower_text(self) -> str:
        """`text.lower()`, computed once: prefilters test literal words against it."""
        if self._lower is None:
            self._lower = self.text.lower()
        return self._lower

    def region_text(self, *regions: Region) -> str:
        return "\n".join(b.norm for b in self.blocks if b.region in regions)

    def block_at(self, offset: int) -> TextBlock | None:
        """The block that holds character `offset` of `text` (for evidence locators)."""
        if not self.blocks:
            return None
        i = bisect.bisect_right(self._starts, offset) - 1
        return self.blocks[max(i, 0)]

    def snippet_at(self, start: int, end: int, context: int = 60) -> str:
        """Text around a match for evidence: the original wording when one short block holds
        the match, otherwise a bounded window of the normalised text."""
        block = self.block_at(start)
        if (
            block is not None
            and block.start <= start
            and end <= block.start + len(block.norm)
            and len(block.raw) <= 2 * context + (end - start)
        ):
            return block.raw
        lo = max(0, start - context)
        hi = min(len(self.text), end + context)
        prefix = "…" if lo > 0 else ""
        suffix = "…" if hi < len(self.text) else ""
        return prefix + self.text[lo:hi].replace("\n", " ") + suffix

    def locator_at(self, offset: int) -> str | None:
        block = self.block_at(offset)
        return block.locator if block is not None else None
