"""A local web server for the feed tests: serves what a test registers, on 127.0.0.1.

Each path answers with a registered body (a fixture file or a string; `{base}` in it becomes
the server's address, so feeds can link to pages on it), optionally with an ETag or a
Last-Modified date (a matching If-None-Match or If-Modified-Since gets 304), a delay (to outlast a client's timeout), a status, or a body that
never ends (to hit a size cap). It counts requests and keeps their headers, so a test can
assert that a second fetch sent If-None-Match, and notes whether a body was sent whole.

`serve_harbor` registers the harbour's RSS feed and its three pages (tests/data/feeds/).
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parents[1] / "data" / "feeds"
HARBOR = {  # page path -> fixture, in the feed's order
    "/harbor/local/gull-point-lighthouse.html": "harbor-lighthouse.html",
    "/harbor/transport/ferry-crews-vote-to-strike.html": "harbor-ferry-strike.html",
    "/harbor/business/port-container-record.html": "harbor-port-record.html",
}


@dataclass
class Route:
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    etag: str | None = None
    last_modified: str | None = None
    delay: float = 0.0
    endless: bool = False  # stream this many bytes without a Content-Length: see `size`
    size: int = 0


class FeedServer:
    """Start with `with FeedServer() as server:`; `server.url("/x")` is the address of /x."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: Counter[str] = Counter()
        self.headers: dict[str, list[dict[str, str]]] = {}
        self.completed: dict[str, bool] = {}
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._httpd.daemon_threads = True
        self._httpd.block_on_close = False  # type: ignore[attr-defined]
        self.base = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True)

    def url(self, path: str) -> str:
        return self.base + path

    def add(self, path: str, body: str | bytes = b"", **options: Any) -> str:
        """Serve `body` at `path`; returns its URL."""
        raw = body.replace("{base}", self.base).encode("utf-8") if isinstance(body, str) else body
        self.routes[path] = Route(body=raw, **options)
        return self.url(path)

    def add_file(self, path: str, name: str, **options: Any) -> str:
        """Serve the fixture tests/data/feeds/<name> at `path`, `{base}` filled in."""
        if "content_type" not in options:
            options["content_type"] = _type_of(name)
        return self.add(path, (FIXTURES / name).read_text(encoding="utf-8"), **options)

    def __enter__(self) -> FeedServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def _seen(self, path: str, headers: dict[str, str]) -> None:
        with self._lock:
            self.requests[path] += 1
            self.headers.setdefault(path, []).append(headers)


def serve_harbor(server: FeedServer) -> str:
    """The RSS 2.0 feed (with an ETag) and its three pages; returns the feed's URL."""
    for path, name in HARBOR.items():
        server.add_file(path, name)
    return server.add_file("/harbor/rss.xml", "harbor-rss.xml", etag='"harbor-1"')


def _type_of(name: str) -> str:
    if name.endswith(".xml"):
        return (
            "application/rss+xml; charset=utf-8" if "atom" not in name else "application/atom+xml"
        )
    return "text/html; charset=utf-8"


def _handler(server: FeedServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            path = self.path.split("?")[0]
            server._seen(path, {k.lower(): v for k, v in self.headers.items()})
            route = server.routes.get(path)
            if route is None:
                self.send_error(404, "Not Found")
                return
            if route.delay:
                time.sleep(route.delay)
            try:
                self._answer(path, route)
            except (BrokenPipeError, ConnectionResetError):
                server.completed[path] = False  # the client hung up: expected for some

        def _answer(self, path: str, route: Route) -> None:
            etag, modified = route.etag, route.last_modified
            if (etag and self.headers.get("If-None-Match") == etag) or (
                modified and self.headers.get("If-Modified-Since") == modified
            ):
                self.send_response(304)
                self._validators(route)
                self.end_headers()
                return
            self.send_response(route.status)
            self.send_header("Content-Type", route.content_type)
            self._validators(route)
            if route.endless:
                self.send_header("Connection", "close")
                self.end_headers()
                for chunk in _chunks(route.size):
                    self.wfile.write(chunk)
            else:
                self.send_header("Content-Length", str(len(route.body)))
                self.end_headers()
                self.wfile.write(route.body)
            server.completed[path] = True

        def _validators(self, route: Route) -> None:
            if route.etag:
                self.send_header("ETag", route.etag)
            if route.last_modified:
                self.send_header("Last-Modified", route.last_modified)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass  # quiet: pytest shows failures, not every request

    return Handler


def _chunks(size: int) -> Iterator[bytes]:
    block = b"<p>" + b"filler text " * 5000 + b"</p>\n"
    sent = 0
    while sent < size:
        yield block
        sent += len(block)
