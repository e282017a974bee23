"""Read-only look-ups in a page's parse tree for the few facts `PageArtifacts` does not expose
(`<script src>`, `<link rel="alternate" hreflang>`).

The artifacts keep each text block's and link's parser node, so the document is reachable from
any of them without parsing the page again (the same walk `price_display` uses for microdata).
Everything here is pure and bounded: at most `limit` elements are read, and a page without any
node, or a node of a foreign type (a hand-built `PageArtifacts` in a test), yields nothing.
"""

from __future__ import annotations

from typing import Any

from ecq_scan.artifacts import PageArtifacts

#: elements read per query: enough for any real page, bounded on hostile ones
DEFAULT_LIMIT = 200


def document_root(page: PageArtifacts) -> Any | None:
    """The parser's document node, or None when the page kept no node to start from."""
    start: Any = None
    for items in (page.blocks, page.links, page.images):
        if items:
            start = items[0].node
            break
    if start is None:
        return None
    root = start
    for _ in range(10_000):  # parent chains are short; the bound guards a cyclic foreign node
        parent = getattr(root, "parent", None)
        if parent is None:
            return root
        root = parent
    return None


def select_attrs(
    page: PageArtifacts, selector: str, limit: int = DEFAULT_LIMIT
) -> list[dict[str, str]]:
    """Attributes of the first `limit` elements matching the CSS `selector` (values as text)."""
    root = document_root(page)
    if root is None:
        return []
    try:
        found = root.css(selector)
    except Exception:  # a foreign node type, or a selector the parser rejects: nothing to read
        return []
    out: list[dict[str, str]] = []
    for node in found[:limit]:
        attrs = getattr(node, "attributes", None) or {}
        out.append({str(k): str(v) for k, v in attrs.items() if v is not None})
    return out


def script_srcs(page: PageArtifacts, limit: int = DEFAULT_LIMIT) -> list[str]:
    """The `src` of the page's external scripts, in document order (from the artifacts'
    sub-resource list, collected in the one parse)."""
    srcs = [r.raw.strip() for r in page.resources if r.kind == "script" and r.raw.strip()]
    return srcs[:limit]


def hreflang_alternates(page: PageArtifacts, limit: int = DEFAULT_LIMIT) -> list[tuple[str, str]]:
    """`(hreflang, href)` of `<link rel="alternate" hreflang=… href=…>` elements."""
    out: list[tuple[str, str]] = []
    for a in select_attrs(page, "link[hreflang]", limit):
        rel = a.get("rel", "").lower().split()
        lang, href = a.get("hreflang", "").strip(), a.get("href", "").strip()
        if "alternate" in rel and lang and href:
            out.append((lang, href))
    return out
