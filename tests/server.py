"""A fault-injecting HTTP server on 127.0.0.1 for tests: the fake internet.

Routes map a path to a ``Route``: a body with headers and status, or a
scripted fault (fail N times first, delay, drip, reset the connection,
redirect, compress). The server counts requests per path and the most
requests it ever had in flight at once.
"""

from __future__ import annotations

import gzip
import select
import socket
import struct
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0            # seconds before answering
    delay_first: int = 0          # only the first N requests are delayed (0: all)
    drip: float = 0.0             # seconds between body bytes
    fail_first: int = 0           # answer fail_status this many times first
    fail_status: int = 503
    fail_headers: dict[str, str] = field(default_factory=dict)
    reset_first: int = 0          # drop the connection this many times first
    redirect: str | None = None   # answer 302 to this location
    gzip: bool = False
    etag: str | None = None       # answer 304 to a matching If-None-Match
    counted: bool = True          # counts towards max_in_flight
    last_modified: str | None = None


class Site:
    """The routes and what was asked of them."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.hits: Counter[str] = Counter()
        self.conditional: Counter[str] = Counter()
        self.not_modified: Counter[str] = Counter()
        self.log: list[tuple[float, str, dict[str, str]]] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None

    @property
    def base(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def add(self, path: str, body: bytes | str = b"", **options: object) -> str:
        data = body.encode("utf-8") if isinstance(body, str) else body
        route = Route(body=data, **options)  # type: ignore[arg-type]
        if route.gzip:  # compressed once here: a slow server would fail timing-bound tests
            route.body = gzip.compress(data, compresslevel=1)
        self.routes[path] = route
        return self.url(path)

    def enter(self) -> None:
        with self._lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def leave(self) -> None:
        with self._lock:
            self.in_flight -= 1

    def page_hits(self) -> int:
        return sum(n for path, n in self.hits.items() if not path.startswith("/feed"))


def start(site: Site) -> ThreadingHTTPServer:
    handler = type("Handler", (_Handler,), {"site": site})
    server = _QuietServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    site.server = server
    # serve_forever checks for shutdown() every poll_interval: the default (0.5 s) would add
    # half a second to the end of every test that starts a server.
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                     daemon=True).start()
    return server


@contextmanager
def serving(site: Site | None = None) -> Iterator[Site]:
    """A site on 127.0.0.1 for the length of a block."""
    fake = site or Site()
    server = start(fake)
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients that hang up (timeouts, size caps) are part of the tests


class _Handler(BaseHTTPRequestHandler):
    site: Site
    protocol_version = "HTTP/1.1"
    # As real servers do on kept-alive connections (nginx's tcp_nodelay): otherwise the
    # last piece of each answer waits for the client's delayed ACK, up to 40 ms.
    disable_nagle_algorithm = True

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        site = self.site
        path = self.path.split("?", 1)[0]
        route = site.routes.get(path)
        # A request the client gave up on (a timeout) may still be sleeping here while the
        # client, rightly, sends the next: such routes can opt out of the count.
        counted = route is None or route.counted
        if counted:
            site.enter()
        try:
            with site._lock:
                site.hits[path] += 1
                count = site.hits[path]
                site.log.append((time.monotonic(), self.path, dict(self.headers)))
                if self.headers.get("If-None-Match") or self.headers.get("If-Modified-Since"):
                    site.conditional[path] += 1
            self._answer(route, count, path)
        finally:
            if counted:
                site.leave()

    def _answer(self, route: Route | None, count: int, path: str) -> None:
        if route is None:
            self._send(404, b"not found", "text/plain")
            return
        delayed = route.delay and (not route.delay_first or count <= route.delay_first)
        if delayed and not self._wait_unless_abandoned(route.delay):
            return
        if count <= route.reset_first:
            self._reset()
            return
        if count <= route.reset_first + route.fail_first:
            self._send(route.fail_status, b"try later", "text/plain", route.fail_headers)
            return
        if route.redirect is not None:
            self._send(302, b"", "text/plain", {"Location": route.redirect})
            return
        if route.etag and self.headers.get("If-None-Match") == route.etag:
            with self.site._lock:
                self.site.not_modified[path] += 1
            self._send(304, b"", None, {"ETag": route.etag})
            return
        headers = dict(route.headers)
        if route.etag:
            headers["ETag"] = route.etag
        if route.last_modified:
            headers["Last-Modified"] = route.last_modified
        body = route.body
        if route.gzip:
            headers["Content-Encoding"] = "gzip"
        self._send(route.status, body, route.content_type, headers, route.drip)

    def _send(self, status: int, body: bytes, content_type: str | None,
              headers: dict[str, str] | None = None, drip: float = 0.0) -> None:
        try:
            self.send_response(status)
            if content_type:
                self.send_header("Content-Type", content_type)
            self.send_header("Date", formatdate(usegmt=True))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            if status != 304:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if status == 304:
                return
            if drip:
                for i in range(len(body)):
                    self.wfile.write(body[i:i + 1])
                    self.wfile.flush()
                    time.sleep(drip)
            else:
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _wait_unless_abandoned(self, seconds: float) -> bool:
        """Sleep; False as soon as the client hangs up (it no longer waits on us)."""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            readable, _, _ = select.select([self.connection], [], [], 0.05)
            if readable and not self.connection.recv(1, socket.MSG_PEEK):
                self.close_connection = True
                return False
        return True

    def _reset(self) -> None:
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True


def http_date(epoch: float) -> str:
    return formatdate(epoch, usegmt=True)
