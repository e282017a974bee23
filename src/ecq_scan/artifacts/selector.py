"""CSS paths that lead a person back to an element (`footer > div:nth-of-type(2) > a`)."""

from __future__ import annotations

import re
from typing import Any

_IDENT = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")
_MAX_DEPTH = 40


def css_path(node: Any) -> str:
    """A selector for `node`: shortest path up to an element with a usable id, else to <body>.

    Uses `:nth-of-type` only where siblings share the tag, so the selector stays readable.
    """
    if node is None:
        return ""
    parts: list[str] = []
    cur = node
    depth = 0
    while cur is not None and cur.tag not in ("html", "body", "-document") and depth < _MAX_DEPTH:
        tag = cur.tag
        attrs = cur.attributes or {}
        node_id = attrs.get("id")
        if node_id and _IDENT.match(node_id):
            parts.append(f"{tag}#{node_id}")
            break
        index, same = 0, 0
        sib = cur.parent.child if cur.parent is not None else None
        while sib is not None:
            if sib.tag == tag:
                same += 1
                if sib.mem_id == cur.mem_id:
                    index = same
            sib = sib.next
        parts.append(f"{tag}:nth-of-type({index})" if same > 1 else tag)
        cur = cur.parent
        depth += 1
    else:
        if cur is not None and cur.tag == "body":
            parts.append("body")
    return " > ".join(reversed(parts))
