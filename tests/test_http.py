"""fetching.http: limits, timeouts, size caps, decoding, retries, request options, redaction.

In process: httpx's MockTransport stands in for the network, and the event loop runs on
virtual time (its clock jumps to the next timer whenever nothing is ready), so delays,
backoffs, Retry-After and timeouts are exact and cost no real time. Two tests use real
sockets on 127.0.0.1: a refused port, and a proxy.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import selectors
import socket
import sys
import tracemalloc
import zlib
from collections import Counter
from collections.abc import AsyncIterator, Callable, Coroutine
from email.utils import formatdate
from typing import Any, TypeVar

import brotli
import httpx
import pytest
import zstandard

from mirror.fetching import http as http_module
from mirror.fetching.http import (
    DEFAULT_USER_AGENT,
    Http,
    HTTPFailure,
    Limits,
    RequestOptions,
    retry_after,
)
from mirror.models import Auth, FeedConfig
from mirror.urls import redact
from tests.conftest import FakeClock
from tests.server import Site

T = TypeVar("T")
MIB = 2**20
PAGE = "<html><body><p>" + "新闻正文，一段足够长的文字。" * 200 + "</p></body></html>"


# --- Virtual time ------------------------------------------------------------------------

class VirtualTimeLoop(asyncio.SelectorEventLoop):
    """An event loop whose clock jumps to its next timer whenever nothing is ready."""

    def __init__(self) -> None:
        self.virtual = 1000.0
        super().__init__(_JumpingSelector(self))

    def time(self) -> float:
        return self.virtual


class _JumpingSelector(selectors.DefaultSelector):  # type: ignore[misc, valid-type]
    def __init__(self, loop: VirtualTimeLoop) -> None:
        super().__init__()
        self._loop = loop

    def select(self, timeout: float | None = None) -> list[Any]:
        events = super().select(0)
        if events or timeout == 0:
            return events
        if timeout is None:  # nothing to wait for: a test that would hang forever
            raise RuntimeError("deadlock: no timer and nothing ready")
        self._loop.virtual += timeout
        return events


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    with asyncio.Runner(loop_factory=VirtualTimeLoop) as runner:
        return runner.run(coroutine)


def now() -> float:
    return asyncio.get_running_loop().time()


# --- A fake internet ---------------------------------------------------------------------

class Chunks(httpx.AsyncByteStream):
    def __init__(self, data: bytes, size: int) -> None:
        self.data, self.size = data, size

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for start in range(0, len(self.data), self.size):
            yield self.data[start:start + self.size]


Answer = Callable[[httpx.Request], httpx.Response]


def reply(status: int = 200, body: bytes | str = b"", headers: dict[str, str] | None = None,
          chunk: int = 1 << 16) -> Answer:
    data = body.encode() if isinstance(body, str) else body
    return lambda request: httpx.Response(status, headers=headers or {},
                                          stream=Chunks(data, chunk))


def fail(make: Callable[[], BaseException]) -> Answer:
    def answer(request: httpx.Request) -> httpx.Response:
        raise make()
    return answer


def redirect(location: str, status: int = 302) -> Answer:
    return reply(status, headers={"Location": location})


class Net:
    """Routes by URL (each answer list is used in turn, its last answer for ever after);
    what was asked and when, and the most requests in flight, per host and in all."""

    def __init__(self, latency: float = 0.0) -> None:
        self.latency = latency
        self.routes: dict[str, list[Answer]] = {}
        self.log: list[tuple[float, httpx.Request]] = []
        self.in_flight: Counter[str] = Counter()
        self.most: Counter[str] = Counter()
        self.total = self.most_total = 0

    def add(self, url: str, *answers: Answer) -> str:
        self.routes[url] = list(answers)
        return url

    async def handle(self, request: httpx.Request) -> httpx.Response:
        host = request.url.host
        self.log.append((now(), request))
        self.in_flight[host] += 1
        self.total += 1
        self.most[host] = max(self.most[host], self.in_flight[host])
        self.most_total = max(self.most_total, self.total)
        try:
            await asyncio.sleep(self.latency)
            where = str(request.url.copy_with(userinfo=b""))
            answers = self.routes.get(where, [reply(404, "not found")])
            answer = answers.pop(0) if len(answers) > 1 else answers[0]
            return answer(request)
        finally:
            self.in_flight[host] -= 1
            self.total -= 1

    def times(self, url: str) -> list[float]:
        return [t for t, request in self.log if str(request.url) == url]

    def requests(self, url: str) -> list[httpx.Request]:
        return [request for _, request in self.log if str(request.url) == url]

    def http(self, **limits: Any) -> Http:
        deadline = limits.pop("deadline", None)
        hook = limits.pop("on_request", None)
        return Http(Limits(**limits), deadline=deadline, on_request=hook,
                    transport=httpx.MockTransport(self.handle))


async def get(http: Http, url: str, **options: Any) -> http_module.Response | HTTPFailure:
    options.setdefault("timeout", 30.0)
    options.setdefault("max_bytes", 10 * MIB)
    try:
        return await http.get(url, **options)
    except HTTPFailure as failure:
        return failure


def fetch(net: Net, url: str, limits: dict[str, Any] | None = None,
          **options: Any) -> http_module.Response | HTTPFailure:
    async def main() -> http_module.Response | HTTPFailure:
        async with net.http(**(limits or {})) as http:
            return await get(http, url, **options)
    return run(main())


def failure_of(result: object) -> HTTPFailure:
    assert isinstance(result, HTTPFailure), result
    return result


# --- Bodies: decoding under the cap ------------------------------------------------------

def deflated(data: bytes, wbits: int) -> bytes:
    compressor = zlib.compressobj(6, zlib.DEFLATED, wbits)
    return compressor.compress(data) + compressor.flush()


def brotli_of(data: bytes) -> bytes:
    return brotli.compress(data, quality=5)


def zstd_of(data: bytes) -> bytes:
    return zstandard.ZstdCompressor(level=3).compress(data)


CODINGS = {
    "gzip": lambda data: deflated(data, 31),
    "deflate": lambda data: deflated(data, 15),        # zlib-wrapped, as the RFC says
    "deflate-raw": lambda data: deflated(data, -15),   # as some servers send it
    "br": brotli_of,
    "zstd": zstd_of,
}


@pytest.mark.parametrize("coding", sorted(CODINGS))
def test_compressed_bodies_are_decoded_a_piece_at_a_time(coding: str) -> None:
    net = Net()
    body = CODINGS[coding](PAGE.encode())
    header = coding.split("-")[0]
    url = net.add("https://news.example/a", reply(body=body, chunk=7,
                                                  headers={"Content-Encoding": header}))

    result = fetch(net, url)

    assert isinstance(result, http_module.Response) and result.content == PAGE.encode()


def zeros_deflated(size: int, wbits: int) -> bytes:
    """``size`` zero bytes (whole MiB), deflated in pieces that a full flush makes alike:
    a gigabyte costs a megabyte, made in milliseconds. Never finished: the cap comes first."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, wbits)
    first = compressor.compress(bytes(MIB)) + compressor.flush(zlib.Z_FULL_FLUSH)
    again = compressor.compress(bytes(MIB)) + compressor.flush(zlib.Z_FULL_FLUSH)
    return first + again * (size // MIB - 1)


def zeros_brotli(size: int) -> bytes:
    compressor = brotli.Compressor(quality=1)
    return b"".join(compressor.process(bytes(MIB)) for _ in range(size // MIB)) + \
        compressor.finish()


def zeros_zstd(size: int) -> bytes:
    frame = zstandard.ZstdCompressor(level=1).compress(bytes(16 * MIB))
    return frame * (size // (16 * MIB))  # frames one after another make one body


BOMBS = {
    "gzip": lambda: zeros_deflated(1024 * MIB, 31),
    "deflate": lambda: zeros_deflated(1024 * MIB, 15),
    "deflate-raw": lambda: zeros_deflated(1024 * MIB, -15),
    "br": lambda: zeros_brotli(256 * MIB),
    "zstd": lambda: zeros_zstd(1024 * MIB),
}


@pytest.mark.parametrize("coding", sorted(BOMBS))
def test_compression_bombs_stop_at_the_cap(coding: str) -> None:
    net = Net()
    bomb = BOMBS[coding]()
    assert len(bomb) < 2 * MIB
    url = net.add("https://news.example/bomb",
                  reply(body=bomb, headers={"Content-Encoding": coding.split("-")[0]}))
    tracemalloc.start()
    try:
        result = fetch(net, url, max_bytes=5_000_000)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    failure = failure_of(result)
    assert str(failure) == "larger than 5 MB" and not failure.transient
    assert peak < 40 * MIB  # the body held up to the cap, never the bomb's gigabyte


def test_plain_bodies_are_capped_declared_or_not() -> None:
    net = Net()
    declared = net.add("https://news.example/declared",
                       reply(body=b"x" * 2000, headers={"Content-Length": "2000"}))
    streamed = net.add("https://news.example/streamed", reply(body=b"x" * 2000, chunk=100))
    fits = net.add("https://news.example/fits", reply(body=b"x" * 1000))

    assert str(fetch(net, declared, max_bytes=1000)) == "larger than 0.001 MB"
    assert str(fetch(net, streamed, max_bytes=1000)) == "larger than 0.001 MB"
    result = fetch(net, fits, max_bytes=1000)
    assert isinstance(result, http_module.Response) and len(result.content) == 1000


@pytest.mark.parametrize(("encoding", "body", "message"), [
    ("gzip, gzip", deflated(deflated(b"<p>x</p>", 31), 31), "compressed more than once"),
    ("xz", b"\xfd7zXZ", "compressed as xz, which mirror does not read"),
    ("br", b"not brotli at all", "could not be decompressed"),
    ("zstd", b"not zstd at all", "could not be decompressed"),
    ("gzip", b"not gzip at all", "could not be decompressed"),
])
def test_bodies_that_cannot_be_decoded_are_refused(encoding: str, body: bytes,
                                                   message: str) -> None:
    net = Net()
    url = net.add("https://news.example/a",
                  reply(body=body, headers={"Content-Encoding": encoding}))

    failure = failure_of(fetch(net, url))

    assert message in str(failure) and not failure.transient
    assert len(net.log) == 1


def test_a_zstd_window_larger_than_http_allows_is_refused() -> None:
    params = zstandard.ZstdCompressionParameters.from_level(19, window_log=24)
    body = zstandard.ZstdCompressor(compression_params=params).compress(bytes(20 * MIB))
    net = Net()
    url = net.add("https://news.example/a", reply(body=body, headers={"Content-Encoding": "zstd"}))

    assert "could not be decompressed" in str(fetch(net, url, max_bytes=30 * MIB))


def test_accept_encoding_names_only_what_can_be_decoded(monkeypatch: pytest.MonkeyPatch) -> None:
    caches = (http_module.accepted_encodings, http_module._brotli, http_module._zstandard)
    for cache in caches:
        cache.cache_clear()
    net = Net()
    url = net.add("https://news.example/a", reply(body="ok"))
    try:
        fetch(net, url)
        assert net.log[-1][1].headers["Accept-Encoding"] == "gzip, deflate, br, zstd"

        for cache in caches:
            cache.cache_clear()
        for name in ("brotli", "brotlicffi", "zstandard"):
            monkeypatch.setitem(sys.modules, name, None)  # as if not installed
        fetch(net, url)
        assert net.log[-1][1].headers["Accept-Encoding"] == "gzip, deflate"
        sent_anyway = net.add("https://news.example/br", reply(body=brotli_of(b"x"),
                                                              headers={"Content-Encoding": "br"}))
        assert str(fetch(net, sent_anyway)) == "compressed as br, which mirror does not read"
    finally:
        monkeypatch.undo()
        for cache in caches:
            cache.cache_clear()


# --- Redirects ---------------------------------------------------------------------------

def test_redirects_are_followed_up_to_ten_hops() -> None:
    net = Net()
    for hop in range(10):
        net.add(f"https://news.example/{hop}", redirect(f"/{hop + 1}", 301 + hop % 2))
    net.add("https://news.example/10", reply(body="here"))

    result = fetch(net, "https://news.example/0")

    assert isinstance(result, http_module.Response)
    assert result.url == "https://news.example/10" and result.content == b"here"


def test_a_redirect_loop_stops_at_the_hop_limit() -> None:
    net = Net()
    url = net.add("https://news.example/loop", redirect("/loop"))

    failure = failure_of(fetch(net, url))

    assert str(failure) == "more than 10 redirects (a redirect loop?)" and not failure.transient
    assert len(net.log) == 11  # and no retry


@pytest.mark.parametrize("location", ["ftp://news.example/a", "javascript:alert(1)",
                                      "mailto:editor@news.example", "file:///etc/passwd"])
def test_redirects_to_other_schemes_are_refused(location: str) -> None:
    net = Net()
    url = net.add("https://news.example/a", redirect(location))

    failure = failure_of(fetch(net, url))

    assert str(failure) == f"redirected to {location!r}, not a web address"
    assert not failure.transient and len(net.log) == 1


# --- Retries -----------------------------------------------------------------------------

def test_retry_after_in_seconds_is_honoured() -> None:
    net = Net()
    url = net.add("https://news.example/a", reply(503, headers={"Retry-After": "7"}),
                  reply(body="ok"))

    result = fetch(net, url)

    assert isinstance(result, http_module.Response)
    first, second = net.times(url)
    assert 7 <= second - first < 7.001  # Retry-After, longer than the backoff, is the wait


@pytest.fixture
def wall_clock(fake_clock: FakeClock) -> float:
    """mirror's wall clock, held still (in seconds): an HTTP date is then an exact number of
    seconds away."""
    fake_clock.ms = 1_700_000_000_000
    return fake_clock.ms / 1000


def test_retry_after_as_an_http_date_is_honoured(wall_clock: float) -> None:
    net = Net()
    later = formatdate(wall_clock + 20, usegmt=True)
    url = net.add("https://news.example/a", reply(429, headers={"Retry-After": later}),
                  reply(body="ok"))

    result = fetch(net, url)

    assert isinstance(result, http_module.Response)
    first, second = net.times(url)
    assert 20 <= second - first < 20.001


def test_retry_after_reads_seconds_and_http_dates(wall_clock: float) -> None:
    assert retry_after("120") == 120
    assert retry_after(None) is None and retry_after("soon") is None
    assert retry_after(formatdate(wall_clock + 60, usegmt=True)) == 60
    assert retry_after(formatdate(wall_clock - 60, usegmt=True)) == 0


def test_a_retry_after_past_the_cap_is_not_waited_for() -> None:
    net = Net()
    url = net.add("https://news.example/a", reply(503, headers={"Retry-After": "600"}),
                  reply(body="ok"))

    failure = failure_of(fetch(net, url, {"max_retry_after": 120}))

    assert str(failure) == "HTTP 503 Service Unavailable" and failure.transient
    assert failure.retry_after == 600 and len(net.log) == 1


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_429_and_5xx_are_retried_with_growing_backoff(status: int) -> None:
    net = Net()
    url = net.add("https://news.example/a", reply(status))

    failure = failure_of(fetch(net, url, {"retries": 3, "backoff": 0.5}))

    assert failure.status == status and failure.transient
    starts = net.times(url)
    assert len(starts) == 4
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    for attempt, gap in enumerate(gaps):  # 0.5, 1, 2 (times 2 ** attempt) plus jitter < 0.5
        assert 0.5 * 2 ** attempt <= gap <= 0.5 * 2 ** attempt + 0.5


@pytest.mark.parametrize("status", [400, 401, 403, 404, 410, 451])
def test_other_4xx_are_not_retried(status: int) -> None:
    net = Net()
    url = net.add("https://news.example/a", reply(status))

    failure = failure_of(fetch(net, url))

    assert failure.status == status and not failure.transient and len(net.log) == 1


@pytest.mark.parametrize("error", [
    lambda: httpx.ReadError("connection reset by peer"),
    lambda: httpx.RemoteProtocolError("Server disconnected without sending a response."),
    lambda: httpx.ConnectError("[Errno 101] Network is unreachable"),
])
def test_dropped_connections_are_retried(error: Callable[[], BaseException]) -> None:
    net = Net()
    url = net.add("https://news.example/a", fail(error), reply(body="ok"))

    result = fetch(net, url)

    assert isinstance(result, http_module.Response) and len(net.log) == 2


def test_a_slow_answer_times_out_and_is_retried() -> None:
    net = Net(latency=10.0)
    url = net.add("https://news.example/a", reply(body="late"))

    async def main() -> tuple[HTTPFailure, float]:
        async with net.http(retries=1) as http:
            started = now()
            return failure_of(await get(http, url, timeout=2.0)), now() - started
    failure, took = run(main())

    assert str(failure) == "timed out after 2s" and failure.transient
    assert len(net.log) == 2 and took < 2 * 2 + 1.5  # two tries, one backoff between


def test_the_run_deadline_bounds_retries_waits_and_slow_answers() -> None:
    net = Net()
    busy = net.add("https://news.example/busy", reply(503))
    slow = net.add("https://slow.example/a", reply(body="x"))

    async def main() -> None:
        deadline = now() + 3
        async with net.http(retries=10, deadline=deadline, delay=2.0) as http:
            net.latency = 0.0
            failure = failure_of(await get(http, busy))
            assert str(failure) == "HTTP 503 Service Unavailable" and now() <= deadline
            net.latency = 100.0
            failure = failure_of(await get(http, slow))
            assert str(failure) == "run_timeout reached" and now() == pytest.approx(deadline)
            net.latency = 0.0
            queued = failure_of(await get(http, busy))
            assert str(queued) == "run_timeout reached"
    run(main())
    assert len(net.requests(busy)) < 4


# --- Limits ------------------------------------------------------------------------------

def test_per_host_and_total_limits_hold_and_are_used() -> None:
    net = Net(latency=1.0)
    urls = [net.add(f"https://{host}.example/{i}", reply(body="ok"))
            for host in ("a", "b", "c") for i in range(8)]

    async def main() -> float:
        async with net.http(per_host=2, max_connections=5) as http:
            started = now()
            results = await asyncio.gather(*(get(http, url) for url in urls))
            assert all(isinstance(result, http_module.Response) for result in results)
            return now() - started
    took = run(main())

    assert net.most == {"a.example": 2, "b.example": 2, "c.example": 2}
    assert net.most_total == 5
    assert took == 5  # 24 requests of 1 s, 5 at a time: no slot is left idle


def test_a_busy_host_does_not_hold_the_other_hosts_up() -> None:
    net = Net(latency=1.0)
    busy = [net.add(f"https://busy.example/{i}", reply(body="ok")) for i in range(6)]
    other = net.add("https://other.example/a", reply(body="ok"))

    async def main() -> float:
        async with net.http(per_host=1, max_connections=2) as http:
            started = now()
            tasks = [asyncio.ensure_future(get(http, url)) for url in busy]
            await asyncio.sleep(0)
            await get(http, other)
            took = now() - started
            await asyncio.gather(*tasks)
            return took

    assert run(main()) == 1.0  # not after the busy host's queue


def test_the_delay_between_two_requests_to_a_host_is_kept() -> None:
    net = Net(latency=0.05)
    mine = [net.add(f"https://news.example/{i}", reply(body="ok")) for i in range(4)]
    theirs = [net.add(f"https://other.example/{i}", reply(body="ok")) for i in range(4)]

    async def main() -> None:
        async with net.http(per_host=4, delay=0.3) as http:
            await asyncio.gather(*(get(http, url) for url in mine + theirs))
    run(main())

    for host in ("news.example", "other.example"):
        starts = sorted(t for t, request in net.log if request.url.host == host)
        gaps = [b - a for a, b in itertools.pairwise(starts)]
        assert gaps == pytest.approx([0.3, 0.3, 0.3])  # no less, and no more
    assert min(t for t, _ in net.log) == max(  # the two hosts start together
        min(t for t, r in net.log if r.url.host == host)
        for host in ("news.example", "other.example"))


def test_requests_name_the_tool() -> None:
    net = Net()
    url = net.add("https://news.example/a", reply(body="ok"))

    fetch(net, url)
    fetch(net, url, headers={"User-Agent": "feed's own agent"})

    first, second = (request.headers["User-Agent"] for request in net.requests(url))
    assert first == DEFAULT_USER_AGENT
    assert re.fullmatch(r"mirror/\d+\.\d+\.\d+ \(news feed archiver\)", first)
    assert second == "feed's own agent"


# --- What will not change within a run ---------------------------------------------------

def name_not_found() -> BaseException:
    """As httpx raises it from a real socket: the resolver's error under httpcore's."""
    try:
        try:
            raise socket.gaierror(-2, "Name or service not known")
        except socket.gaierror as exc:
            raise httpx.ConnectError(str(exc)) from None
    except httpx.ConnectError as exc:
        return exc


def refused() -> BaseException:
    try:
        try:
            raise OSError("All connection attempts failed") from \
                ConnectionRefusedError(111, "Connect call failed ('192.0.2.1', 443)")
        except OSError as exc:
            raise httpx.ConnectError(str(exc)) from exc
    except httpx.ConnectError as exc:
        return exc


@pytest.mark.parametrize(("error", "message"), [
    (name_not_found, "cannot resolve gone.example: Name or service not known"),
    (lambda: httpx.ConnectError("[Errno -2] Name or service not known"),
     "cannot resolve gone.example: Name or service not known"),
    (lambda: httpx.ConnectError("[Errno -3] Temporary failure in name resolution"),
     "cannot resolve gone.example: Temporary failure in name resolution"),
    (refused, "gone.example refused the connection"),
    (lambda: httpx.ConnectError("[Errno 111] Connection refused"),
     "gone.example refused the connection"),
])
def test_a_host_that_does_not_resolve_or_refuses_is_not_retried_within_the_run(
        error: Callable[[], BaseException], message: str) -> None:
    net = Net()
    urls = [net.add(f"https://gone.example/{i}", fail(error)) for i in range(5)]
    fine = net.add("https://fine.example/a", reply(body="ok"))
    seen: list[tuple[str, str, int | str, float]] = []

    async def main() -> tuple[list[Any], float]:
        async with net.http(per_host=1, retries=3, on_request=lambda *a: seen.append(a)) as http:
            started = now()
            results = [await get(http, url) for url in urls]
            results.append(await get(http, fine))
            return results, now() - started
    results, took = run(main())

    *failures, ok = results
    assert isinstance(ok, http_module.Response)
    assert {str(failure_of(f)) for f in failures} == {message}
    assert all(f.transient and f.lasts_the_run for f in failures)  # pending for the next run
    assert len(net.log) == 2 and took == 0  # asked once, never waited for
    assert [outcome for _, _, outcome, _ in seen] == [message] * 5 + [200]


def test_a_refused_port_on_this_machine_is_recognised() -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    async def main() -> tuple[list[HTTPFailure], int]:
        async with Http(Limits(retries=3)) as http:
            failures = [failure_of(await get(http, f"http://127.0.0.1:{port}/{i}"))
                        for i in range(3)]
            return failures, http.requests
    failures, tried = asyncio.run(main())

    assert tried == 1  # not retried, and the other two not even tried: the host is refused
    assert {str(f) for f in failures} == {f"127.0.0.1:{port} refused the connection"}
    assert all(f.transient and f.lasts_the_run for f in failures)


# --- Request options: headers, cookies, auth, proxy -------------------------------------

FEED = FeedConfig(name="n", url="https://feeds.example/rss",
                  headers=(("Referer", "https://feeds.example/"), ("X-Api-Key", "k3y")),
                  cookies=(("consent", "yes"),), auth=Auth(user="reader", password="s3cret"))


def test_a_feeds_headers_cookies_and_auth_go_to_its_own_host_only() -> None:
    net = Net()
    feed = net.add("https://feeds.example/rss", redirect("https://cdn.example/rss"))
    net.add("https://cdn.example/rss", redirect("https://feeds.example/final"))
    net.add("https://feeds.example/final", reply(body="ok"))
    page = net.add("https://feeds.example/article", reply(body="ok"))
    elsewhere = net.add("https://news.example/article", reply(body="ok"))
    downgraded = net.add("http://feeds.example/article", reply(body="ok"))
    options = RequestOptions.for_feed(FEED)

    for url in (feed, page, elsewhere, downgraded):
        fetch(net, url, options=options, headers={"Accept": "text/html"})

    sent = [(str(r.url), r.headers.get("Authorization"), r.headers.get("Cookie"),
             r.headers.get("X-Api-Key"), r.headers.get("Accept")) for _, r in net.log]
    basic = "Basic cmVhZGVyOnMzY3JldA=="
    assert sent == [
        ("https://feeds.example/rss", basic, "consent=yes", "k3y", "text/html"),
        ("https://cdn.example/rss", None, None, None, "text/html"),
        ("https://feeds.example/final", basic, "consent=yes", "k3y", "text/html"),
        ("https://feeds.example/article", basic, "consent=yes", "k3y", "text/html"),
        ("https://news.example/article", None, None, None, "text/html"),
        ("http://feeds.example/article", None, None, None, "text/html"),
    ]


def test_bearer_tokens_and_cookies_the_host_set_itself() -> None:
    net = Net()
    first = net.add("https://feeds.example/a", reply(body="ok", headers={
        "Set-Cookie": "session=abc; Path=/"}))
    second = net.add("https://feeds.example/b", reply(body="ok"))
    options = RequestOptions(cookies=(("consent", "yes"),), auth=Auth(bearer="t0ken"),
                             site="https://feeds.example/")

    async def main() -> None:
        async with net.http() as http:
            await get(http, first, options=options)
            await get(http, second, options=options)
    run(main())

    assert [r.headers.get("Cookie") for _, r in net.log] == ["consent=yes",
                                                             "session=abc; consent=yes"]
    assert {r.headers["Authorization"] for _, r in net.log} == {"Bearer t0ken"}


def test_user_and_password_in_the_feed_url_are_its_basic_auth() -> None:
    net = Net()
    feed = FeedConfig(name="n", url="https://reader:p%40ss@feeds.example/rss")
    net.add("https://feeds.example/rss", reply(body="ok"))
    net.add("https://feeds.example/page", reply(body="ok"))
    net.add("https://news.example/page", reply(body="ok"))
    options = RequestOptions.for_feed(feed)

    for url in (feed.url, "https://feeds.example/page", "https://news.example/page"):
        fetch(net, url, options=options)

    assert [r.headers.get("Authorization") for _, r in net.log] == [
        "Basic cmVhZGVyOnBAc3M=", "Basic cmVhZGVyOnBAc3M=", None]


def test_the_url_of_a_response_never_holds_credentials() -> None:
    net = Net()
    net.add("https://feeds.example/rss", reply(body="ok"))
    net.add("https://feeds.example/old", redirect("/rss"))

    for url in ("https://reader:pw@feeds.example/rss", "https://reader:pw@feeds.example/old"):
        result = fetch(net, url)
        assert isinstance(result, http_module.Response)
        assert result.url == "https://feeds.example/rss"  # links resolved against it
    assert all(r.headers["Authorization"] == "Basic cmVhZGVyOnB3" for _, r in net.log)


def test_each_proxy_gets_its_own_client_under_the_same_limits() -> None:
    net = Net(latency=1.0)
    made: list[str | None] = []

    def transport(proxy: str | None) -> httpx.AsyncBaseTransport:
        made.append(proxy)

        async def handle(request: httpx.Request) -> httpx.Response:
            request.extensions["via"] = proxy
            return await net.handle(request)
        return httpx.MockTransport(handle)

    urls = [net.add(f"https://news.example/{i}", reply(body="ok")) for i in range(6)]
    one = RequestOptions(proxy="http://proxy-one.example:3128")
    two = RequestOptions(proxy="http://proxy-two.example:3128")

    async def main() -> None:
        async with Http(Limits(per_host=2), transport=transport) as http:
            assert made == []
            await asyncio.gather(*(get(http, url, options=options)
                                   for url, options in zip(urls, [one, two, RequestOptions()] * 2,
                                                           strict=True)))
    run(main())

    assert sorted(made, key=str) == [None, "http://proxy-one.example:3128",
                                     "http://proxy-two.example:3128"]
    assert [r.extensions["via"] for _, r in net.log].count("http://proxy-one.example:3128") == 2
    assert net.most["news.example"] == 2  # one host, whatever the way to it


def test_a_proxy_carries_the_request(site: Site) -> None:
    site.add("http://news.example/a", "through the proxy")  # the proxy is asked for the URL

    async def main() -> http_module.Response | HTTPFailure:
        async with Http(Limits()) as http:
            return await get(http, "http://news.example/a",
                             options=RequestOptions(proxy=site.base))
    result = asyncio.run(main())

    assert isinstance(result, http_module.Response)
    assert result.content == b"through the proxy"


def test_an_unreachable_proxy_is_named_and_remembered() -> None:
    net = Net()
    proxy = RequestOptions(proxy="http://proxy.example:3128")
    urls = [net.add(f"https://{host}.example/a", fail(refused)) for host in ("a", "b")]

    async def main() -> list[HTTPFailure]:
        async with net.http() as http:
            return [failure_of(await get(http, url, options=proxy)) for url in urls]
    failures = run(main())

    assert {str(f) for f in failures} == {"the proxy proxy.example:3128 refused the connection"}
    assert len(net.log) == 1


# --- What people see ---------------------------------------------------------------------

def test_the_request_hook_sees_every_request_redacted() -> None:
    net = Net(latency=0.25)
    secret = "https://user:pw@feeds.example/rss?token=abc&page=2"
    net.add("https://feeds.example/rss?token=abc&page=2",
            redirect("https://feeds.example/moved?sig=xyz"))
    net.add("https://feeds.example/moved?sig=xyz", reply(503), reply(body="ok"))
    seen: list[tuple[str, str, int | str, float]] = []

    async def main() -> None:
        async with net.http(on_request=lambda *a: seen.append(a)) as http:
            await get(http, secret)
            await get(http, "https://feeds.example/huge", max_bytes=10)
    run(main())

    assert seen == [
        ("GET", "https://***@feeds.example/rss?token=***&page=2", 302, 0.25),
        ("GET", "https://feeds.example/moved?sig=***", 503, 0.25),
        ("GET", "https://***@feeds.example/rss?token=***&page=2", 302, 0.25),
        ("GET", "https://feeds.example/moved?sig=***", 200, 0.25),
        ("GET", "https://feeds.example/huge", 404, 0.25),
    ]


def test_messages_never_show_a_secret() -> None:
    net = Net()
    url = net.add("https://feeds.example/a",
                  redirect("ftp://user:pw@files.example/x?api_key=abc"))

    message = str(fetch(net, url))

    assert message == "redirected to 'ftp://***@files.example/x?api_key=***', not a web address"
    assert "pw" not in message and "abc" not in message
    secrets = RequestOptions.for_feed(FEED)
    assert "s3cret" not in repr(secrets) and "k3y" not in repr(secrets)
    assert "s3cret" not in repr(FEED) and "yes" not in repr(FEED)


@pytest.mark.parametrize(("url", "shown"), [
    ("https://user:pass@host.example/feed", "https://***@host.example/feed"),
    ("https://token@host.example/feed", "https://***@host.example/feed"),
    ("https://host.example/a@b", "https://host.example/a@b"),
    ("https://h.example/f?token=abc&id=7", "https://h.example/f?token=***&id=7"),
    ("https://h.example/f?apiKey=1&api_key=2&API-KEY=3&key=4",
     "https://h.example/f?apiKey=***&api_key=***&API-KEY=***&key=***"),
    ("https://h.example/f?access_token=1&accessToken=2&X-Amz-Signature=3&sig=4",
     "https://h.example/f?access_token=***&accessToken=***&X-Amz-Signature=***&sig=***"),
    ("https://h.example/f?password=1&client_secret=2&sessionid=3&auth=4",
     "https://h.example/f?password=***&client_secret=***&sessionid=***&auth=***"),
    ("https://h.example/f?keyword=news&monkey=1&author=me&page=2",
     "https://h.example/f?keyword=news&monkey=1&author=me&page=2"),
    ("https://h.example/f?t=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln",
     "https://h.example/f?t=***"),
    ("https://h.example/f#access_token=abc&state=1", "https://h.example/f#access_token=***&state=1"),
    ("https://h.example/f?token=", "https://h.example/f?token="),
    ("not a url at all", "not a url at all"),
])
def test_redact(url: str, shown: str) -> None:
    assert redact(url) == shown
