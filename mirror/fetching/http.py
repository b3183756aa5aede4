"""The only HTTP code: httpx clients, politeness limits, timeouts and retries.

Every request, for feeds and pages alike, goes through ``Http.get``:

- at most ``per_host`` requests in flight to one host, ``max_connections`` in all,
  and at least ``delay`` seconds between the starts of two requests to a host;
- a deadline per request (``timeout``) covering connect, headers and body, and a
  cap on the decoded body size (gzip, deflate, brotli and zstd are decoded here, a
  piece at a time), so a slow drip or a compression bomb cannot stall or exhaust a run;
- retries (tenacity) with exponential backoff and jitter on what may change within a
  run: timeouts, dropped connections, 429 and 5xx, honouring ``Retry-After`` up to a
  cap; never on other 4xx; never past the run's deadline. What will not change within a
  run (a host name that does not resolve, a refused connection, an invalid certificate)
  is not retried, and later requests to that host fail at once with the same reason;
  such a failure stays transient all the same: the next run tries again;
- a feed's own headers, cookies and credentials (``RequestOptions``) go only to the
  feed's host, never across a redirect to another host; a proxy gets an httpx client of
  its own, under the same limits;
- an optional hook sees every request: method, URL (redacted), status or error, seconds.

Time is the event loop's clock (``loop.time()``: ``time.monotonic()`` for asyncio's
loops), so that tests can run on virtual time; ``deadline`` is on that clock.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import importlib
import importlib.util
import re
import socket
import ssl
import zlib
from collections.abc import AsyncIterator, Callable, Generator, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, wait_exponential_jitter

from mirror import clock
from mirror.models import Auth, FeedConfig, Limits
from mirror.urls import host_of, normalise, redact
from mirror.version import __version__

DEFAULT_USER_AGENT = f"mirror/{__version__} (news feed archiver)"
MAX_REDIRECTS = 10
REDIRECTS = frozenset({301, 302, 303, 307, 308})
# RFC 9659: zstd in HTTP uses windows of at most 8 MB, and browsers refuse larger ones;
# a larger window would let a tiny response claim that much memory.
ZSTD_MAX_WINDOW = 8 * 2**20
ZSTD_WRITE_SIZE = 2**16
# The words a resolver and a refused connect use, for transports that give only words
# (a real socket's failure is recognised by its exception, see _lasting).
RESOLVE_WORDS = re.compile(
    r"Name or service not known|nodename nor servname|No address associated with hostname|"
    r"Temporary failure in name resolution|getaddrinfo failed|Name does not resolve|"
    r"no such host|Could not resolve host", re.I)
REFUSED_WORDS = re.compile(r"Connection refused|actively refused|\[Errno (?:111|61)\]|"
                           r"WinError 10061", re.I)
ERRNO_PREFIX = re.compile(r"^\[(?:Errno|WinError) -?[0-9]+\]\s*")
URL_IN_TEXT = re.compile(r"[a-z][a-z0-9+.-]*://[^\s'\"<>]+", re.I)
SCHEME = re.compile(r"([a-z][a-z0-9+.-]*):", re.I)
USERINFO = re.compile(r"^([a-z][a-z0-9+.-]*://)[^/?#@]*@", re.I)
MAX_AGE = re.compile(r"max-age\s*=\s*([0-9]{1,9})(?![0-9])", re.I)
LOCATION = "mirror-location"  # where a redirect's Location is kept out of httpx's sight

# (method, URL redacted, status or error, seconds): one call per request, for ``-v``.
RequestHook = Callable[[str, str, "int | str", float], None]
Transports = Callable[[str | None], httpx.AsyncBaseTransport]


@dataclass(frozen=True)
class Response:
    """A complete response: the final URL after redirects, status, headers and body.

    ``url`` never holds ``user:pass@``: links are resolved against it, and would carry
    the credentials into the posts."""

    url: str
    status: int
    headers: dict[str, str]
    content: bytes

    @property
    def max_age(self) -> float:
        """The seconds ``Cache-Control: max-age`` asks to wait before asking again (0: none)."""
        found = MAX_AGE.search(self.headers.get("cache-control", ""))
        return float(found.group(1)) if found else 0.0


class HTTPFailure(Exception):
    """A request that failed: ``transient`` ones are worth trying again later.

    ``lasts_the_run``: a transient failure that will not change within this run (a host
    name that does not resolve, a refused connection): not retried now, but next run.
    """

    def __init__(self, message: str, *, transient: bool, status: int | None = None,
                 retry_after: float | None = None, lasts_the_run: bool = False) -> None:
        super().__init__(message)
        self.transient = transient
        self.status = status
        self.retry_after = retry_after
        self.lasts_the_run = lasts_the_run


@dataclass(frozen=True)
class RequestOptions:
    """What one feed adds to its requests: feeds.yaml's headers, cookies, auth and proxy.

    The headers, cookies and credentials go only to the host of ``site`` (the feed's
    URL; by default the URL requested), never from https down to http: an article or a
    redirect on another host gets none of them, as browsers do with cookies and
    credentials. The proxy carries every request made with these options.
    """

    headers: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    cookies: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    auth: Auth | None = field(default=None, repr=False)
    proxy: str | None = field(default=None, repr=False)
    site: str | None = field(default=None, repr=False)

    @classmethod
    def for_feed(cls, feed: FeedConfig) -> RequestOptions:
        """The options of a feed, for its own requests and for its article pages.

        ``user:pass@`` in the feed's URL is its basic auth when it has no ``auth``, so
        that the feed's pages on the same host get it too."""
        return cls(headers=feed.headers, cookies=feed.cookies,
                   auth=feed.auth or _auth_in(feed.url), proxy=feed.proxy, site=feed.url)

    def reach(self, url: str, first: str) -> bool:
        """Whether the headers, cookies and credentials go with a request to ``url``."""
        site = self.site or first
        downgrade = _scheme(site) == "https" and _scheme(url) != "https"
        return host_of(url) == host_of(site) and not downgrade


NO_OPTIONS = RequestOptions()


@dataclass(frozen=True)
class _Hop:
    """One request of a ``get``: the URL of this hop, the one first asked for, the call's
    headers and options, and what a failure to connect is about (host or proxy)."""

    url: str
    first: str
    headers: dict[str, str]
    options: RequestOptions
    route: str


@dataclass(frozen=True)
class _Redirect:
    status: int
    url: str


class _ByScheme(httpx.AsyncBaseTransport):
    """httpx's own transports, one per scheme, each made when first needed.

    Loading the certificate authorities for TLS takes tens of milliseconds: a
    run whose requests are all plain http (or answered 304 before any https
    one) should not pay for it. Plain http goes through a transport that never
    verifies a peer, as it has none, unless a proxy over TLS carries it.
    """

    def __init__(self, connections: int, proxy: str | None) -> None:
        self._connections, self._proxy = connections, proxy
        self._made: dict[bool, httpx.AsyncHTTPTransport] = {}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        tls = request.url.scheme == "https" or (self._proxy or "").startswith("https:")
        transport = self._made.get(tls)
        if transport is None:
            limits = httpx.Limits(max_connections=self._connections,
                                  max_keepalive_connections=self._connections)
            transport = httpx.AsyncHTTPTransport(verify=tls, limits=limits, proxy=self._proxy)
            self._made[tls] = transport
        return await transport.handle_async_request(request)

    async def aclose(self) -> None:
        for transport in self._made.values():
            await transport.aclose()


class Http:
    """An async HTTP client that is polite to every host and bounded in time and size.

    ``transport``: an httpx transport for every request, or a function giving the
    transport for a proxy (``None``: direct); for tests. ``on_request``: called once per
    request (each redirect hop and each retry is one) with the method, the URL redacted,
    the status or the error, and the seconds it took.
    """

    def __init__(self, limits: Limits, user_agent: str = DEFAULT_USER_AGENT,
                 deadline: float | None = None,
                 transport: httpx.AsyncBaseTransport | Transports | None = None,
                 on_request: RequestHook | None = None) -> None:
        self.limits = limits
        self.deadline = deadline
        self.requests = 0
        self._user_agent = user_agent
        self._transport = transport
        self._on_request = on_request
        # Redirects are followed here, not by httpx, so that each hop waits for its own
        # host's turn; bodies are decompressed here, so that the size cap holds.
        self._clients: dict[str | None, httpx.AsyncClient] = {}
        self._all = asyncio.Semaphore(limits.max_connections)
        self._hosts: dict[str, asyncio.Semaphore] = {}
        self._next_start: dict[str, float] = {}
        # Hosts (or proxies) that cannot be reached this run, and why.
        self._unreachable: dict[str, HTTPFailure] = {}

    async def __aenter__(self) -> Http:
        return self

    async def __aexit__(self, *_: object) -> None:
        for client in self._clients.values():
            await client.aclose()

    async def get(self, url: str, *, timeout: float, max_bytes: int,
                  headers: dict[str, str] | None = None,
                  options: RequestOptions = NO_OPTIONS) -> Response:
        """GET with retries; raises HTTPFailure when it cannot be had."""
        retrying = AsyncRetrying(retry=retry_if_exception(_worth_retrying_now),
                                 wait=self._wait, stop=self._stop, reraise=True)
        async for attempt in retrying:
            with attempt:
                return await self._once(url, timeout, max_bytes, headers or {}, options)
        raise AssertionError("unreachable: tenacity re-raises the last failure")

    def _wait(self, state: RetryCallState) -> float:
        backoff = wait_exponential_jitter(initial=self.limits.backoff, max=30.0,
                                          jitter=self.limits.backoff)(state)
        failure = state.outcome.exception() if state.outcome else None
        retry_after = getattr(failure, "retry_after", None)
        return max(backoff, retry_after) if retry_after is not None else backoff

    def _stop(self, state: RetryCallState) -> bool:
        if state.attempt_number > self.limits.retries:
            return True
        failure = state.outcome.exception() if state.outcome else None
        retry_after = getattr(failure, "retry_after", None)
        if retry_after is not None and retry_after > self.limits.max_retry_after:
            return True
        sleep = state.upcoming_sleep or 0.0
        return self.deadline is not None and _now() + sleep > self.deadline

    async def _once(self, url: str, timeout: float, max_bytes: int,
                    headers: dict[str, str], options: RequestOptions) -> Response:
        """One try: the request and its redirects, within one ``timeout``."""
        ends = _now() + timeout
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            host = host_of(current)
            # What a failure to connect is about: the host, or the proxy when there is one.
            route = f"the proxy {host_of(options.proxy)}" if options.proxy else host
            self._refuse_if_unreachable(current, route)
            async with self._slot(host):
                self._refuse_if_unreachable(current, route)  # learnt while this one waited
                self.requests += 1
                hop = _Hop(current, url, headers, options, route)
                answer = await self._hop(hop, ends, timeout, max_bytes)
            if isinstance(answer, Response):
                return answer
            current = answer.url
        raise HTTPFailure(f"more than {MAX_REDIRECTS} redirects (a redirect loop?)",
                          transient=False)

    def _refuse_if_unreachable(self, url: str, route: str) -> None:
        known = self._unreachable.get(route)
        if known is not None:  # a new failure each time: a raised one keeps its traceback
            failure = HTTPFailure(str(known), transient=True, lasts_the_run=True)
            self._report(url, failure, _now())
            raise failure

    def _request(self, hop: _Hop) -> tuple[httpx.AsyncClient, httpx.Request,
                                           httpx.Auth | None]:
        """The request for one hop: the feed's headers, cookies and auth go to its host
        only; other hosts get the call's own headers (and the client's cookie jar)."""
        options = hop.options
        client = self._client(options.proxy)
        if not options.reach(hop.url, hop.first):
            return client, client.build_request("GET", hop.url, headers=hop.headers), None
        merged = httpx.Headers(hop.headers)
        merged.update(dict(options.headers))
        request = client.build_request("GET", hop.url, headers=merged)
        if options.cookies:
            request.headers["Cookie"] = _cookie_header(request.headers.get("Cookie"),
                                                       options.cookies)
        return client, request, _httpx_auth(options.auth)

    def _client(self, proxy: str | None) -> httpx.AsyncClient:
        """One client per proxy (``None``: direct), made when first needed."""
        client = self._clients.get(proxy)
        if client is None:
            transport = self._transport
            if transport is not None and not isinstance(transport, httpx.AsyncBaseTransport):
                transport = transport(proxy)
            if transport is None:
                transport = _ByScheme(self.limits.max_connections, proxy)
            client = httpx.AsyncClient(
                follow_redirects=False, transport=transport,
                headers={"User-Agent": self._user_agent,
                         "Accept-Encoding": accepted_encodings()},
                event_hooks={"response": [_hide_location]},
                limits=httpx.Limits(max_connections=self.limits.max_connections,
                                    max_keepalive_connections=self.limits.max_connections),
                timeout=None,
                # a feed's own proxy wins over the environment's (HTTPS_PROXY...)
                trust_env=proxy is None,
            )
            self._clients[proxy] = client
        return client

    async def _hop(self, hop: _Hop, ends: float, timeout: float,
                   max_bytes: int) -> Response | _Redirect:
        started = _now()
        try:
            answer = await self._within(hop, ends, timeout, max_bytes)
        except HTTPFailure as failure:
            self._report(hop.url, failure, started)
            raise
        self._report(hop.url, answer.status, started)
        return answer

    async def _within(self, hop: _Hop, ends: float, timeout: float,
                      max_bytes: int) -> Response | _Redirect:
        """The hop, its failures said as HTTPFailure, within its time."""
        limit = min(ends, self.deadline) if self.deadline is not None else ends
        try:
            async with asyncio.timeout(max(0.0, limit - _now())):
                return await self._read(hop, max_bytes)
        except TimeoutError:
            cut_short = self.deadline is not None and self.deadline < ends
            reason = "run_timeout reached" if cut_short else f"timed out after {timeout:g}s"
            raise HTTPFailure(reason, transient=True) from None
        except HTTPFailure:
            raise
        except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
            raise HTTPFailure(f"cannot be fetched: {_scrub(str(exc))}", transient=False) from None
        except httpx.ConnectError as exc:
            failure = _connect_failure(exc, hop.route)
            if failure.lasts_the_run:
                self._unreachable.setdefault(hop.route, failure)
            raise failure from None
        except httpx.TransportError as exc:
            raise HTTPFailure(_describe(exc), transient=True) from None
        except Exception as exc:  # anything else about this address is no reason to stop a run
            detail = _scrub(str(exc).strip()) or type(exc).__name__
            raise HTTPFailure(f"cannot be fetched: {detail}", transient=False) from None

    async def _read(self, hop: _Hop, max_bytes: int) -> Response | _Redirect:
        """The response, or the address it redirects to."""
        url = hop.url
        client, request, auth = self._request(hop)
        response = await client.send(request, stream=True, auth=auth)
        try:
            location = response.extensions.get(LOCATION)
            if location:
                return _Redirect(response.status_code, _next_address(url, location))
            _raise_for_status(response)
            declared = response.headers.get("content-length", "")
            body = _Body(response.headers.get("content-encoding", ""), max_bytes)
            if re.fullmatch(r"[0-9]+", declared) and int(declared) > max_bytes and body.plain:
                raise _too_large(max_bytes)
            async for chunk in response.aiter_raw():
                body.feed(chunk)
            return Response(url=USERINFO.sub(r"\1", url), status=response.status_code,
                            headers=dict(response.headers), content=body.finish())
        finally:
            await response.aclose()

    def _report(self, url: str, outcome: int | HTTPFailure, started: float) -> None:
        if self._on_request is None:
            return
        if isinstance(outcome, HTTPFailure):
            said = outcome.status if outcome.status is not None else str(outcome)
        else:
            said = outcome
        self._on_request("GET", redact(url), said, max(0.0, _now() - started))

    @contextlib.asynccontextmanager
    async def _slot(self, host: str) -> AsyncIterator[None]:
        gate = self._hosts.setdefault(host, asyncio.Semaphore(self.limits.per_host))
        # The host's turn first: one waiting for a busy host holds none of the slots of all.
        async with gate, self._all:
            await self._keep_delay(host)
            yield

    async def _keep_delay(self, host: str) -> None:
        now = _now()
        start = max(now, self._next_start.get(host, now))
        if self.deadline is not None and start >= self.deadline:
            raise HTTPFailure("run_timeout reached", transient=True)
        if self.limits.delay <= 0:
            return
        self._next_start[host] = start + self.limits.delay
        if start > now:
            await asyncio.sleep(start - now)


def _now() -> float:
    return asyncio.get_running_loop().time()


def _worth_retrying_now(exc: BaseException) -> bool:
    return isinstance(exc, HTTPFailure) and exc.transient and not exc.lasts_the_run


# --- Request options ---------------------------------------------------------------------

def _scheme(url: str) -> str:
    return url.split(":", 1)[0].lower()


def _auth_in(url: str) -> Auth | None:
    """``user:pass@`` of a URL as basic auth."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError):
        return None
    return Auth(user=parsed.username, password=parsed.password) if parsed.username else None


class _Bearer(httpx.Auth):
    def __init__(self, token: str) -> None:
        self._header = f"Bearer {token}"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = self._header
        yield request


def _httpx_auth(auth: Auth | None) -> httpx.Auth | None:
    if auth is None:
        return None
    if auth.bearer is not None:
        return _Bearer(auth.bearer)
    return httpx.BasicAuth(auth.user or "", auth.password)


def _cookie_header(jar: str | None, cookies: tuple[tuple[str, str], ...]) -> str:
    """The cookies the host set (the client's jar) with the feed's own, which win."""
    mine = dict(cookies)
    kept = [part.strip() for part in (jar or "").split(";")
            if part.strip() and part.split("=", 1)[0].strip() not in mine]
    return "; ".join([*kept, *(f"{name}={value}" for name, value in cookies)])


# --- Failures ----------------------------------------------------------------------------

def _connect_failure(exc: httpx.ConnectError, route: str) -> HTTPFailure:
    """A connection that could not be made, said plainly; ``lasts_the_run`` when trying
    again within the run cannot help."""
    lasting = _lasting(exc)
    if lasting is None:
        return HTTPFailure(_describe(exc), transient=True)
    kind, detail = lasting
    message = {
        "resolve": f"cannot resolve {route}: {detail}",
        "refused": f"{route} refused the connection",
        "certificate": f"the certificate of {route} is not valid: {detail}",
    }[kind]
    return HTTPFailure(message, transient=True, lasts_the_run=True)


def _lasting(exc: httpx.ConnectError) -> tuple[str, str] | None:
    """('resolve' | 'refused' | 'certificate', detail) for a failure that will not change
    within a run, from the socket error under httpx's (or, when a transport gave none,
    from the words of its message)."""
    causes = list(_root_causes(exc))
    for cause in causes:
        if isinstance(cause, socket.gaierror):
            return "resolve", cause.strerror or ERRNO_PREFIX.sub("", str(cause))
        if isinstance(cause, ssl.SSLCertVerificationError):
            return "certificate", cause.verify_message or str(cause)
    if causes and all(isinstance(cause, ConnectionRefusedError) for cause in causes):
        return "refused", ""
    if any(isinstance(cause, OSError) for cause in causes):
        return None
    text = str(exc)
    if RESOLVE_WORDS.search(text):
        return "resolve", ERRNO_PREFIX.sub("", text)
    if REFUSED_WORDS.search(text):
        return "refused", ""
    return None


def _root_causes(exc: BaseException) -> Iterator[BaseException]:
    """The innermost exceptions under ``exc``: its causes followed to the end, each
    member of an exception group (anyio's for the addresses of a host) on its own."""
    seen: set[int] = set()
    pending = [exc]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, BaseExceptionGroup):
            pending.extend(current.exceptions)
            continue
        # httpcore re-raises its errors "from None": the socket's error is then only the
        # context, hidden from tracebacks but still what happened.
        under = current.__cause__ or current.__context__
        if under is None:
            yield current
        else:
            pending.append(under)


async def _hide_location(response: httpx.Response) -> None:
    """Take a redirect's Location where httpx does not look: mirror follows redirects
    itself, and httpx would raise on a Location it cannot parse before mirror could say
    what it was."""
    location = response.headers.get("location")
    if response.status_code in REDIRECTS and location:
        del response.headers["location"]
        response.extensions[LOCATION] = location


def _next_address(url: str, location: str) -> str:
    """Where a redirect leads, resolved as browsers do."""
    scheme = SCHEME.match(location.strip())
    if scheme and scheme.group(1).lower() not in ("http", "https"):
        raise HTTPFailure(f"redirected to {redact(location)!r}, not a web address",
                          transient=False)
    target = normalise(location, base=url)
    if target is None:
        raise HTTPFailure(f"redirected to an invalid address {redact(location)!r}",
                          transient=False)
    return target


def _raise_for_status(response: httpx.Response) -> None:
    status = response.status_code
    if status < 400:
        return
    reason = f"HTTP {status} {response.reason_phrase}".rstrip()
    if status == 429 or status >= 500:
        raise HTTPFailure(reason, transient=True, status=status,
                          retry_after=retry_after(response.headers.get("retry-after")))
    raise HTTPFailure(reason, transient=False, status=status)


def retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if re.fullmatch(r"[0-9]+", value):
        return float(value)
    try:
        from email.utils import parsedate_to_datetime  # only a 429 or 5xx has one

        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - clock.wall_ms() / 1000)


def _too_large(max_bytes: int) -> HTTPFailure:
    return HTTPFailure(f"larger than {max_bytes / 1_000_000:g} MB", transient=False)


def _describe(exc: httpx.TransportError) -> str:
    kind = {
        httpx.ConnectError: "cannot connect",
        httpx.ReadError: "connection broken while reading",
        httpx.WriteError: "connection broken while sending",
        httpx.RemoteProtocolError: "the server broke the HTTP protocol",
        httpx.ProxyError: "proxy error",
    }
    detail = _scrub(str(exc).strip())
    for cls, text in kind.items():
        if isinstance(exc, cls):
            return f"{text}: {detail}" if detail else text
    return detail or type(exc).__name__


def _scrub(text: str) -> str:
    """A library's message with every URL in it redacted."""
    return URL_IN_TEXT.sub(lambda match: redact(match.group(0)), text)


# --- Bodies ------------------------------------------------------------------------------

@functools.cache
def accepted_encodings() -> str:
    """The content codings mirror decodes: brotli and zstd when their libraries are here.

    Looked up, not imported: a run whose feeds answer 304 never loads a decoder
    (pyproject.toml requires the versions that can bound their output)."""
    codings = ["gzip", "deflate"]
    if any(importlib.util.find_spec(name) for name in ("brotli", "brotlicffi")):
        codings.append("br")
    if importlib.util.find_spec("zstandard"):
        codings.append("zstd")
    return ", ".join(codings)


@functools.cache
def _brotli() -> Any:
    """brotli, else brotlicffi: a version that can bound its output (1.2 and later)."""
    for name in ("brotli", "brotlicffi"):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        if hasattr(module.Decompressor(), "can_accept_more_data"):
            return module
    return None


@functools.cache
def _zstandard() -> Any:
    try:
        import zstandard
    except ImportError:
        return None
    return zstandard


class _Capped:
    """The decoded body, refused as soon as it grows past the cap."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.data = bytearray()

    @property
    def room(self) -> int:
        """How much more to decode at most: one byte past the cap tells it is too large."""
        return self.cap - len(self.data) + 1

    def write(self, data: bytes) -> int:
        self.data += data
        if len(self.data) > self.cap:
            raise _too_large(self.cap)
        return len(data)


class _Decoder(Protocol):
    def feed(self, data: bytes) -> None: ...

    def finish(self) -> None: ...


class _Plain:
    def __init__(self, out: _Capped) -> None:
        self._out = out

    def feed(self, data: bytes) -> None:
        self._out.write(data)

    def finish(self) -> None:
        pass


class _Zlib:
    """gzip (``wbits`` given), or deflate: with or without its zlib wrapper, as sent."""

    def __init__(self, out: _Capped, wbits: int | None) -> None:
        self._out = out
        self._zlib = zlib.decompressobj(wbits) if wbits is not None else None

    def feed(self, data: bytes) -> None:
        if self._zlib is None:
            wrapped = len(data) > 1 and data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0
            self._zlib = zlib.decompressobj(zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS)
        try:
            while data:
                self._out.write(self._zlib.decompress(data, self._out.room))
                data = self._zlib.unconsumed_tail
        except zlib.error:
            raise _undecodable() from None

    def finish(self) -> None:
        if self._zlib is not None:
            with contextlib.suppress(zlib.error):
                self._out.write(self._zlib.flush())


class _Brotli:
    """brotli, never asked for more output than the room left under the cap."""

    def __init__(self, out: _Capped, brotli: Any) -> None:
        self._out = out
        self._brotli = brotli.Decompressor()
        self._error = brotli.error

    def feed(self, data: bytes) -> None:
        try:
            self._out.write(self._brotli.process(data, output_buffer_limit=self._out.room))
            while not self._brotli.can_accept_more_data():
                more = self._brotli.process(b"", output_buffer_limit=self._out.room)
                if not more:
                    raise _undecodable()
                self._out.write(more)
        except self._error:
            raise _undecodable() from None

    def finish(self) -> None:
        pass  # the output is taken as it comes: nothing is held back


class _Zstd:
    """zstd, written out a block at a time into the capped body, which stops it."""

    def __init__(self, out: _Capped, zstandard: Any) -> None:
        decompressor = zstandard.ZstdDecompressor(max_window_size=ZSTD_MAX_WINDOW)
        self._writer = decompressor.stream_writer(out, write_size=ZSTD_WRITE_SIZE)
        self._error = zstandard.ZstdError

    def feed(self, data: bytes) -> None:
        try:
            self._writer.write(data)
        except self._error:
            raise _undecodable() from None

    def finish(self) -> None:
        pass  # every block is written out as soon as it is decoded


class _Body:
    """A response body, decompressed here a piece at a time so that no more than the cap
    is ever held: a small compressed body can unpack to gigabytes."""

    def __init__(self, encoding: str, cap: int) -> None:
        codings = [c for c in (part.strip().lower() for part in encoding.split(","))
                   if c and c != "identity"]
        if len(codings) > 1:
            raise HTTPFailure(f"compressed more than once ({encoding}): refused",
                              transient=False)
        self.plain = not codings
        self._out = _Capped(cap)
        self._decoder = _decoder(codings[0] if codings else None, self._out)

    def feed(self, data: bytes) -> None:
        self._decoder.feed(data)

    def finish(self) -> bytes:
        self._decoder.finish()
        return bytes(self._out.data)


def _decoder(coding: str | None, out: _Capped) -> _Decoder:
    if coding is None:
        return _Plain(out)
    if coding in ("gzip", "x-gzip"):
        return _Zlib(out, 16 + zlib.MAX_WBITS)
    if coding == "deflate":
        return _Zlib(out, None)
    if coding == "br" and _brotli() is not None:
        return _Brotli(out, _brotli())
    if coding == "zstd" and _zstandard() is not None:
        return _Zstd(out, _zstandard())
    raise HTTPFailure(f"compressed as {coding}, which mirror does not read", transient=False)


def _undecodable() -> HTTPFailure:
    return HTTPFailure("the response could not be decompressed", transient=False)
