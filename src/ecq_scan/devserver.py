"""A static file server on loopback for the demo, the tests and the benchmark.

Serves a directory over real HTTP on 127.0.0.1. A `_headers.json` file at the site root may map
URL paths to extra or replacement response headers (e.g. a GBK page labelled `charset=gb2312`),
and `_status.json` may map URL paths to a status code, so fixture sites can imitate real servers
without code.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlsplit


class _Handler(SimpleHTTPRequestHandler):
    extra_headers: ClassVar[dict[str, dict[str, str]]] = {}
    statuses: ClassVar[dict[str, int]] = {}

    def log_message(self, format: str, *args: Any) -> None:
        return

    def end_headers(self) -> None:
        path = urlsplit(self.path).path
        self._sending_overrides = True
        try:
            for name, value in self.extra_headers.get(path, {}).items():
                self.send_header(name, value)
        finally:
            self._sending_overrides = False
        super().end_headers()

    def send_header(self, keyword: str, value: str) -> None:
        path = urlsplit(self.path).path
        overridden = {k.lower() for k in self.extra_headers.get(path, {})}
        if keyword.lower() in overridden and not getattr(self, "_sending_overrides", False):
            return  # replaced by the override, sent in end_headers
        super().send_header(keyword, value)

    def guess_type(self, path: str | Any) -> str:
        ctype = super().guess_type(path)
        if ctype == "text/html":
            return "text/html; charset=utf-8"
        return ctype

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        status = self.statuses.get(path)
        if status is not None and status >= 400:
            self.send_error(status, HTTPStatus(status).phrase)
            return
        super().do_GET()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128


def _load_json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text("utf-8")) if path.is_file() else {}


@contextmanager
def serve_directory(root: Path, port: int = 0) -> Iterator[str]:
    """Serve `root` on 127.0.0.1 (a free port unless given); yields the base URL ending in '/'."""
    handler = type(
        "SiteHandler",
        (_Handler,),
        {
            "extra_headers": _load_json(root / "_headers.json"),
            "statuses": {k: int(v) for k, v in _load_json(root / "_status.json").items()},
        },
    )
    server = _Server(("127.0.0.1", port), partial(handler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, name=f"serve:{root.name}", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
