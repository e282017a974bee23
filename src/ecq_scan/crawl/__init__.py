"""The crawler: the only package that touches the network.

`Crawler.run(start_url, on_page)` fetches a site politely and within budgets, stores every
response through `SnapshotStore`, and hands each `Snapshot` to `on_page`, which parses it once
and returns the links. Everything else here is a small helper with one job: scope and URL
canonicalisation, robots.txt, sitemaps, charset detection, bounded decompression.
"""

from ecq_scan.crawl.crawler import Crawler, CrawlReport
from ecq_scan.crawl.encoding import decode_html
from ecq_scan.crawl.fetcher import ErrorKind, Fetcher, Snapshot
from ecq_scan.crawl.scope import canonical, in_scope, registrable_domain
from ecq_scan.crawl.snapshots import SnapshotStore, load_crawl
from ecq_scan.crawl.urls import validate_start_url

__all__ = [
    "CrawlReport",
    "Crawler",
    "ErrorKind",
    "Fetcher",
    "Snapshot",
    "SnapshotStore",
    "canonical",
    "decode_html",
    "in_scope",
    "load_crawl",
    "registrable_domain",
    "validate_start_url",
]
