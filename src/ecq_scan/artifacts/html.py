"""HTML → PageArtifacts, with one parser (selectolax/Lexbor) behind one function.

Visible text leaves out script/style/template/noscript and hidden subtrees (`hidden`, inline
`display:none` / `visibility:hidden`): real storefronts keep old filing numbers and JSON blobs in
hidden nodes, and reading them produces false positives. Traversal is iterative so a hostile,
deeply nested page cannot exhaust the Python stack, and a page that would nest deeper than a
bound is cut before Lexbor sees it (artifacts/depth.py), so it cannot exhaust the time either.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

from selectolax.lexbor import LexborHTMLParser

from ecq_scan.artifacts.depth import MAX_HTML_DEPTH, depth_cut
from ecq_scan.artifacts.model import (
    Image,
    Link,
    PageArtifacts,
    Region,
    Resource,
    ResourceKind,
    StruckText,
    TextBlock,
)
from ecq_scan.artifacts.roles import guess_role
from ecq_scan.artifacts.text import collapse, normalise

_SKIP = frozenset(
    {
        "script",
        "style",
        "template",
        "noscript",
        "head",
        "iframe",
        "object",
        "svg",
        "canvas",
        "-comment",
        "title",
        "meta",
        "link",
    }
)
_BLOCK = frozenset(
    {
        "address",
        "article",
        "aside",
        "blockquote",
        "dd",
        "details",
        "dialog",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "ul",
        "br",
        "body",
        "option",
        "select",
        "button",
        "caption",
        "label",
        "center",
    }
)
#: struck-through text (reference prices): these tags, an inline line-through, the utility class
_STRUCK_TAGS = frozenset({"del", "s", "strike"})
_LINE_THROUGH_STYLE = re.compile(r"text-decoration(?:-line)?\s*:[^;]*line-through", re.I)
_NO_DECORATION_STYLE = re.compile(r"text-decoration(?:-line)?\s*:\s*none", re.I)
#: struck spans kept per page: a product page has a few; the bound keeps hostile pages cheap
MAX_STRUCK = 200
_HIDDEN_STYLE = re.compile(r"(?:display\s*:\s*none|visibility\s*:\s*hidden)", re.I)
_REGION_TAG: Mapping[str, Region] = {"header": "header", "nav": "nav", "footer": "footer"}
_REGION_ROLE: Mapping[str, Region] = {
    "banner": "header",
    "navigation": "nav",
    "contentinfo": "footer",
}
_FOOTER_HINT = re.compile(
    r"(?:^|[\s_-])(?:footer|foot|bottom|copyright|site-info)(?:$|[\s_-])", re.I
)
_HEADER_HINT = re.compile(r"(?:^|[\s_-])(?:header|topbar|top-bar|site-header)(?:$|[\s_-])", re.I)
_NAV_HINT = re.compile(r"(?:^|[\s_-])(?:nav|navbar|menu)(?:$|[\s_-])", re.I)
MAX_JSONLD_BYTES = 512 * 1024
#: one selector, run once in Lexbor (C): every element that loads or submits to a URL
_RESOURCE_SELECTOR = (
    "script[src], link[href], iframe[src], frame[src], embed[src], object[data], form[action], "
    "audio[src], video[src], source[src], meta[http-equiv], meta[name]"
)
_RESOURCE_ATTR: Mapping[str, tuple[ResourceKind, str]] = {
    "script": ("script", "src"),
    "iframe": ("iframe", "src"),
    "frame": ("iframe", "src"),
    "embed": ("object", "src"),
    "object": ("object", "data"),
    "form": ("form", "action"),
    "audio": ("media", "src"),
    "video": ("media", "src"),
    "source": ("media", "src"),
}
#: resources kept per page: real pages load tens; the bound keeps hostile pages cheap
MAX_RESOURCES = 500
MAX_META_VALUE = 4096


#: the page's own `<style>` text read for hiding rules, at most (a static parse has no cascade)
MAX_STYLE_CHARS = 200_000
_SIMPLE_SELECTOR = re.compile(r"\s*([.#])(-?[A-Za-z_][-\w]*)\s*")
_SELECTOR_NAME = re.compile(r"([.#])(-?[A-Za-z_][-\w]*)")
_REVEAL_STYLE = re.compile(r"display\s*:\s*(?!none)[a-z]|visibility\s*:\s*visible", re.I)
_NO_HIDDEN: tuple[frozenset[str], frozenset[str]] = (frozenset(), frozenset())


def hidden_selectors(css: str) -> tuple[frozenset[str], frozenset[str]]:
    """(classes, ids) that top-level rules of `css` hide with `display:none` /
    `visibility:hidden`, for simple selectors only (`.old-beian`, `#legacy, .x`): real footers
    hide old filing numbers with a class rule in the page's own <style>. Rules inside `@media`
    and other at-rules are left alone (responsive hiding is not hiding), and a class or id that any
    rule shows again (`.tab.active{display:block}`, a media query) is not taken as hidden.
    One linear pass (no regex over the whole sheet: hostile pages carry megabytes of CSS)."""
    text = css[:MAX_STYLE_CHARS]
    classes: set[str] = set()
    ids: set[str] = set()
    shown: set[tuple[str, str]] = set()
    # (selector start, body start, holds a nested block) of each open block; only leaf rules are
    # sliced, and their bodies never overlap
    open_rules: list[list[int]] = []
    seg = 0
    for i, ch in enumerate(text):
        if ch == "{":
            if open_rules:
                open_rules[-1][2] = 1
            open_rules.append([seg, i + 1, 0])
            seg = i + 1
        elif ch == "}":
            seg = i + 1
            if not open_rules:
                continue
            sel_start, body_start, nested = open_rules.pop()
            if nested:
                continue  # an at-rule's block: its inner rules were handled one by one
            selector, body = text[sel_start : body_start - 1], text[body_start:i]
            if _REVEAL_STYLE.search(body):
                shown.update(_SELECTOR_NAME.findall(selector))
            elif (
                not open_rules
                and not selector.lstrip().startswith("@")
                and _HIDDEN_STYLE.search(body)
            ):
                for part in selector.split(","):
                    m = _SIMPLE_SELECTOR.fullmatch(part)
                    if m is not None:
                        (classes if m.group(1) == "." else ids).add(m.group(2))
        elif ch == ";" and not open_rules:
            seg = i + 1  # @import …; @charset …;
    classes.difference_update(name for kind, name in shown if kind == ".")
    ids.difference_update(name for kind, name in shown if kind == "#")
    return frozenset(classes), frozenset(ids)


def _is_hidden(
    attrs: Mapping[str, str | None],
    hidden_css: tuple[frozenset[str], frozenset[str]] = _NO_HIDDEN,
) -> bool:
    if "hidden" in attrs:
        return True
    style = attrs.get("style")
    if style and _HIDDEN_STYLE.search(style):
        return True
    classes, ids = hidden_css
    if ids and attrs.get("id") in ids:
        return True
    if classes and any(c in classes for c in (attrs.get("class") or "").split()):
        return True
    return attrs.get("type") == "hidden"


def _region_of(tag: str, attrs: Mapping[str, str | None]) -> Region:
    """Region of an element inside `main`: semantic tags, ARIA landmarks, then id/class hints
    (Chinese storefronts mostly use `<div id="footer">`)."""
    if tag in _REGION_TAG:
        return _REGION_TAG[tag]
    role = attrs.get("role")
    if role and role in _REGION_ROLE:
        return _REGION_ROLE[role]
    hint = " ".join(v for v in (attrs.get("id"), attrs.get("class")) if v)
    if hint:
        if _FOOTER_HINT.search(hint):
            return "footer"
        if _HEADER_HINT.search(hint):
            return "header"
        if _NAV_HINT.search(hint):
            return "nav"
    return "main"


def absolute_url(base: str, href: str) -> str:
    """Absolute http(s) URL without fragment, or '' when `href` is not a web link."""
    href = href.strip()
    if not href or href.startswith("#"):
        return ""
    try:
        joined = urljoin(base, href)
        parts = urlsplit(joined)
    except ValueError:
        return ""
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return ""
    return urlunsplit((parts.scheme, parts.netloc.lower(), parts.path or "/", parts.query, ""))


class _Builder:
    """Collects blocks, links and images in one pass over the tree."""

    def __init__(self, base: str) -> None:
        self.base = base
        parts = urlsplit(base)
        self._origin = (
            f"{parts.scheme}://{parts.netloc.lower()}" if parts.scheme in ("http", "https") else ""
        )
        self._resolved: dict[str, str] = {}
        self.blocks: list[TextBlock] = []
        self.links: list[Link] = []
        self.images: list[Image] = []
        self._buf: list[str] = []
        self._buf_node: Any = None
        self._buf_region: Region = "main"
        self._offset = 0
        #: (normalised struck text, offset in the page text to search from, region)
        self.struck: list[tuple[str, int, Region]] = []

    def flush(self) -> None:
        if self._buf:
            raw = collapse("".join(self._buf))
            if raw:
                norm = normalise(raw)
                if norm:
                    self.blocks.append(
                        TextBlock(raw, norm, self._buf_region, self._buf_node, self._offset)
                    )
                    self._offset += len(norm) + 1
            self._buf = []

    @property
    def offset(self) -> int:
        """Where the next block will start in the page text (text read later lies after it)."""
        return self._offset

    def resolve(self, href: str) -> str:
        """`absolute_url(self.base, href)`, with a fast path for root-relative links (most
        storefront links) and a cache, because footers repeat the same hrefs many times."""
        cached = self._resolved.get(href)
        if cached is not None:
            return cached
        h = href.strip()
        if (
            self._origin
            and h.startswith("/")
            and not h.startswith("//")
            and "/." not in h
            and "\\" not in h
            and not any(c in h for c in " \t\n")
        ):
            path = h.split("#", 1)[0]
            out = self._origin + path if path else ""
        else:
            out = absolute_url(self.base, h)
        self._resolved[href] = out
        return out

    def text(self, value: str, container: Any, region: Region) -> None:
        if not self._buf:
            self._buf_node = container
            self._buf_region = region
        self._buf.append(value)


def parse_html(
    html: str,
    *,
    url: str,
    requested_url: str | None = None,
    status: int | None = 200,
    headers: Mapping[str, str] | None = None,
    content_type: str = "text/html",
    max_depth: int = MAX_HTML_DEPTH,
) -> PageArtifacts:
    """Parse `html` fetched from `url` into the artifacts every check reads.

    A document whose tree would nest deeper than `max_depth` levels (or re-create formatting
    elements without bound) is cut before the tag that passes the bound and only what precedes
    it is parsed, because Lexbor's time grows with the square of the depth (artifacts/depth.py);
    `cut_at` then says where, and the caller treats the page as incomplete."""
    cut = depth_cut(html, max_depth)
    if cut is not None:
        html = html[:cut]
    tree = LexborHTMLParser(html)
    base_el = tree.css_first("base[href]")
    base = url
    if base_el is not None:
        b = absolute_url(url, base_el.attributes.get("href") or "")
        base = b or url
    builder = _Builder(base)

    root = tree.body
    if root is not None:
        css = "\n".join(node.text() or "" for node in tree.css("style")[:20])
        _walk(root, builder, hidden_selectors(css) if css.strip() else _NO_HIDDEN)
        builder.flush()

    title_el = tree.css_first("title")
    title = normalise(title_el.text()) if title_el is not None else ""
    h1_el = tree.css_first("h1")
    h1 = normalise(h1_el.text()) if h1_el is not None else ""
    html_el = tree.css_first("html")
    lang = (html_el.attributes.get("lang") if html_el is not None else None) or None
    md = tree.css_first('meta[name="description"]')
    meta_description = normalise(md.attributes.get("content") or "") if md is not None else ""

    jsonld: list[Any] = []
    for s in tree.css('script[type="application/ld+json"]'):
        body = s.text() or ""
        if len(body) > MAX_JSONLD_BYTES:
            continue
        try:
            jsonld.append(json.loads(body))
        except (ValueError, RecursionError):
            continue

    resources, http_equiv = _resources(tree, builder)

    page = PageArtifacts(
        url=url,
        requested_url=requested_url or url,
        status=status,
        headers=dict(headers or {}),
        content_type=content_type,
        title=title,
        lang=lang,
        meta_description=meta_description,
        blocks=builder.blocks,
        links=builder.links,
        images=builder.images,
        jsonld=jsonld,
        h1=h1,
        resources=resources,
        http_equiv=http_equiv,
        cut_at=cut,
    )
    for text, after, region in builder.struck:
        at = page.text.find(text, after)  # the block it sits in starts at or after `after`
        if at >= 0:
            page.struck.append(StruckText(text, at, region))
    page.role = guess_role(url, title, h1)
    return page


def _resources(tree: LexborHTMLParser, builder: _Builder) -> tuple[list[Resource], dict[str, str]]:
    """Sub-resource URLs and `<meta http-equiv>` / `<meta name="referrer">` policies."""
    resources: list[Resource] = []
    meta: dict[str, str] = {}
    for node in tree.css(_RESOURCE_SELECTOR):
        tag = node.tag
        attrs = node.attributes
        if tag == "meta":
            name = (attrs.get("http-equiv") or "").strip().lower()
            if not name and (attrs.get("name") or "").strip().lower() == "referrer":
                name = "referrer"
            if name and name not in meta:
                meta[name] = (attrs.get("content") or "")[:MAX_META_VALUE]
            continue
        if len(resources) >= MAX_RESOURCES:
            continue
        if tag == "link":
            rel = (attrs.get("rel") or "").lower().split()
            if "stylesheet" not in rel:
                continue
            kind: ResourceKind = "stylesheet"
            raw = attrs.get("href") or ""
        else:
            spec = _RESOURCE_ATTR.get(tag or "")
            if spec is None:
                continue
            kind, attr = spec
            raw = attrs.get(attr) or ""
        raw = raw.strip()
        if raw:
            resources.append(Resource(kind, raw, builder.base, node))
    return resources, meta


_Frame = tuple[Any, Any, Region, bool]  # node, text container, region, hidden
_End = tuple[None, Any, Region, bool, bool]  # sentinel: element, region, hidden, closes a block


def _walk(
    root: Any, builder: _Builder, hidden_css: tuple[frozenset[str], frozenset[str]] = _NO_HIDDEN
) -> None:
    """Depth-first walk with an explicit stack; an end sentinel closes blocks and links."""
    stack: list[_Frame | _End] = [(root, root, "main", False)]
    open_links: list[tuple[Any, list[str]]] = []
    #: the outermost visible struck-through element being read, with its text and start offset
    open_struck: list[tuple[Any, list[str], int, Region]] = []
    while stack:
        frame = stack.pop()
        if frame[0] is None:
            _, element, region, hidden, closes_block = frame  # type: ignore[misc]
            if open_links and open_links[-1][0] is element:
                _finish_link(builder, open_links.pop(), region, hidden)
            if open_struck and open_struck[0][0] is element:
                _, parts, after, struck_region = open_struck.pop()
                text = normalise("".join(parts))
                if text and len(builder.struck) < MAX_STRUCK:
                    builder.struck.append((text, after, struck_region))
            if closes_block:
                builder.flush()
            continue
        node, container, region, hidden = frame  # type: ignore[misc]
        tag = node.tag
        if tag == "-text":
            value = node.text_content
            if value and not hidden:
                builder.text(value, container, region)
                for _link, parts in open_links:
                    parts.append(value)
                if open_struck:
                    open_struck[0][1].append(value)
            continue
        if tag is None or tag in _SKIP or tag.startswith("-"):
            continue
        attrs = node.attributes
        is_hidden = hidden or _is_hidden(attrs, hidden_css)
        child_region = region if region != "main" else _region_of(tag, attrs)
        if tag == "img":
            _add_image(builder, node, attrs, child_region, open_links)
            if not is_hidden:
                alt = attrs.get("alt") or ""
                for _link, parts in open_links:
                    parts.append(alt)
            continue
        is_block = tag in _BLOCK
        if is_block:
            builder.flush()
        if tag == "a":
            open_links.append((node, []))
        if not open_struck and not is_hidden and _is_struck(tag, attrs):
            open_struck.append((node, [], builder.offset, child_region))
        stack.append((None, node, child_region, is_hidden, is_block))
        child_container = node if is_block else container
        child = node.last_child
        while child is not None:
            stack.append((child, child_container, child_region, is_hidden))
            child = child.prev


def _is_struck(tag: str, attrs: Mapping[str, str | None]) -> bool:
    style = attrs.get("style") or ""
    if style and _NO_DECORATION_STYLE.search(style):
        return False  # `<del style="text-decoration:none">`: the tag's strike is reset
    return (
        tag in _STRUCK_TAGS
        or bool(style and _LINE_THROUGH_STYLE.search(style))
        or "line-through" in (attrs.get("class") or "").split()
    )


def _finish_link(
    builder: _Builder, entry: tuple[Any, list[str]], region: Region, hidden: bool
) -> None:
    node, parts = entry
    attrs = node.attributes
    href = attrs.get("href")
    if href is None:
        return
    text_raw = collapse("".join(parts))
    builder.links.append(
        Link(
            url=builder.resolve(href),
            href=href.strip(),
            text=normalise(text_raw),
            text_raw=text_raw,
            title=normalise(attrs.get("title") or ""),
            region=region,
            node=node,
            hidden=hidden,
        )
    )


def _add_image(
    builder: _Builder,
    node: Any,
    attrs: Mapping[str, str | None],
    region: Region,
    link_stack: list[tuple[Any, list[str]]],
) -> None:
    src = attrs.get("src") or attrs.get("data-src") or ""
    link_url = None
    if link_stack:
        href = link_stack[-1][0].attributes.get("href")
        link_url = builder.resolve(href) if href else None
    builder.images.append(
        Image(
            src=builder.resolve(src) or src,
            alt=normalise(attrs.get("alt") or ""),
            title=normalise(attrs.get("title") or ""),
            region=region,
            node=node,
            link_url=link_url or None,
        )
    )
