"""Scrapy's bare crawl of the benchmark shop: follow every same-host <a href>, count pages.

Run as its own process by bench/crawl_bench.py so its CPU time and peak RSS are measured apart
from the server and from ecq-scan. Politeness is off exactly as for ecq-scan (no delay, no
AutoThrottle, robots.txt not fetched, same concurrency in total and per host, breadth-first order
and the same depth limit); the HTTP cache, cookies, retries and the telnet console are off.
Writes a small JSON stats file.

    python bench/scrapy_bench.py http://127.0.0.1:PORT/ --concurrency 16 --stats out.json
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.crawler import CrawlerProcess
from scrapy.http import Response


class ShopSpider(scrapy.Spider):
    name = "shop"

    def __init__(self, start_url: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.start_url = start_url
        self.host = urlsplit(start_url).netloc
        self.pages = 0
        self.bytes = 0

    async def start(self) -> AsyncIterator[scrapy.Request]:
        # not `start_urls`: those bypass the duplicate filter, and the home page would be
        # fetched a second time when a page links back to it
        yield scrapy.Request(self.start_url, callback=self.parse)

    def parse(self, response: Response, **kwargs: Any) -> Iterator[scrapy.Request]:
        self.pages += 1
        self.bytes += len(response.body)
        if not isinstance(response, scrapy.http.TextResponse):
            return
        for href in response.css("a::attr(href)").getall():
            url = response.urljoin(href)
            if urlsplit(url).netloc == self.host:
                yield scrapy.Request(url, callback=self.parse)


def settings(concurrency: int, max_pages: int, max_depth: int) -> dict[str, Any]:
    return {
        "ROBOTSTXT_OBEY": False,
        "DOWNLOAD_DELAY": 0,
        "CONCURRENT_REQUESTS": concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency,
        "CONCURRENT_REQUESTS_PER_IP": 0,
        "AUTOTHROTTLE_ENABLED": False,
        "HTTPCACHE_ENABLED": False,
        "COOKIES_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "LOG_LEVEL": "WARNING",
        "CLOSESPIDER_PAGECOUNT": max_pages,
        "DEPTH_LIMIT": max_depth,
        # breadth-first, as ecq-scan crawls: Scrapy's default LIFO order reaches pages first by
        # long paths, and the depth limit then drops pages that are 4 clicks from the home page
        "DEPTH_PRIORITY": 1,
        "SCHEDULER_DISK_QUEUE": "scrapy.squeues.PickleFifoDiskQueue",
        "SCHEDULER_MEMORY_QUEUE": "scrapy.squeues.FifoMemoryQueue",
        "RETRY_ENABLED": False,
        "USER_AGENT": "scrapy-bench (+ecq-scan bench)",
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Scrapy bare crawl for the ecq-scan benchmark.")
    ap.add_argument("url")
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--max-pages", type=int, default=2000)
    ap.add_argument("--max-depth", type=int, default=10)
    ap.add_argument("--stats", type=Path, help="write {pages, bytes, seconds, ...} as JSON here")
    args = ap.parse_args(argv)

    process = CrawlerProcess(settings(args.concurrency, args.max_pages, args.max_depth))
    crawler = process.create_crawler(ShopSpider)
    started = time.perf_counter()
    process.crawl(crawler, start_url=args.url)
    process.start()
    seconds = time.perf_counter() - started
    spider = crawler.spider
    assert isinstance(spider, ShopSpider)
    stats = crawler.stats.get_stats() if crawler.stats is not None else {}
    out = {
        "pages": spider.pages,
        "bytes": spider.bytes,
        "seconds": seconds,
        "responses": stats.get("downloader/response_count"),
        "finish_reason": stats.get("finish_reason"),
        "scrapy": scrapy.__version__,
    }
    if args.stats is not None:
        args.stats.write_text(json.dumps(out, indent=2) + "\n", "utf-8")
    else:
        print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
