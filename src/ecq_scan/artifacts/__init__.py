"""Snapshot → typed, parsed-once views of a page (visible text, links, regions, JSON-LD, role)."""

from ecq_scan.artifacts.html import absolute_url, parse_html
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
from ecq_scan.artifacts.roles import POLICY_ROLES, guess_role, link_role
from ecq_scan.artifacts.text import normalise

__all__ = [
    "POLICY_ROLES",
    "Image",
    "Link",
    "PageArtifacts",
    "Region",
    "Resource",
    "ResourceKind",
    "StruckText",
    "TextBlock",
    "absolute_url",
    "guess_role",
    "link_role",
    "normalise",
    "parse_html",
]
