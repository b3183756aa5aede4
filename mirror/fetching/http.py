"""The only HTTP code: one httpx client, politeness limits, timeouts and retries.

Every request, for feeds and pages alike, goes through ``Http.get``:

- at most ``per_host`` requests in flight to one host, ``max_connections`` in all,
  and at least ``delay`` seconds between the starts of two requests to a host;
- a deadline per request (``timeout``) covering connect, headers and body, and a
  cap on the decoded body size, so a slow drip or a compression bomb cannot stall
  or exhaust a run;
- retries (tenacity) with exponential backoff and jitter on connection errors,
  timeouts, 429 and 5xx, honouring ``Retry-After`` up to a cap; never on other
  4xx; and never past the run's deadline.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
import zlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

import httpx
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, wait_exponential_jitter

from mirror import __version__
from mirror.models import Limits
from mirror.urls import host_of

DEFAULT_USER_AGENT = f"mirror/{__version__} (news feed archiver)"
MAX_REDIRECTS = 10
REDIRECTS = frozenset({301, 302, 303, 307, 308})


@dataclass(frozen=True)
class Response:
    """A complete response: the final URL after redirects, status, headers and body."""

    url: str
    status: int
    headers: dict[str, str]
    content: bytes


class HTTPFailure(Exception):
    """A request that failed: ``transient`` ones are worth trying again later."""

    def __init__(self, message: str, *, transient: bool, status: int | None = None,
                 retry_after: float | None = None) -> None:
        super().__init__(message)
        self.transient = transient
        self.status = status
        self.retry_after = retry_after


class Http:
    """An async HTTP client that is polite to every host and bounded in time and size."""

    def __init__(self, limits: Limits, user_agent: str = DEFAULT_USER_AGENT,
                 deadline: float | None = None,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.limits = limits
        self.deadline = deadline
        self.requests = 0
        # Redirects are followed here, not by httpx, so that each hop waits for its own
        # host's turn; bodies are decompressed here, so that the size cap holds.
        self._client = httpx.AsyncClient(
            follow_redirects=False, transport=transport,
            headers={"User-Agent": user_agent, "Accept-Encoding": "gzip, deflate"},
            limits=httpx.Limits(max_connections=limits.max_connections,
                                max_keepalive_connections=limits.max_connections),
            timeout=None,
        )
        self._all = asyncio.Semaphore(limits.max_connections)
        self._hosts: dict[str, asyncio.Semaphore] = {}
        self._next_start: dict[str, float] = {}

    async def __aenter__(self) -> Http:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self._client.aclose()

    async def get(self, url: str, *, timeout: float, max_bytes: int,
                  headers: dict[str, str] | None = None) -> Response:
        """GET with retries; raises HTTPFailure when it cannot be had."""
        retrying = AsyncRetrying(
            retry=retry_if_exception(lambda exc: isinstance(exc, HTTPFailure) and exc.transient),
            wait=self._wait, stop=self._stop, reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                return await self._once(url, timeout, max_bytes, headers or {})
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
        return self.deadline is not None and time.monotonic() + sleep > self.deadline

    async def _once(self, url: str, timeout: float, max_bytes: int,
                    headers: dict[str, str]) -> Response:
        """One try: the request and its redirects, within one ``timeout``."""
        ends = time.monotonic() + timeout
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            async with self._slot(host_of(current)):
                self.requests += 1
                answer = await self._hop(current, ends, timeout, max_bytes, headers)
            if isinstance(answer, Response):
                return answer
            current = answer
        raise HTTPFailure(f"more than {MAX_REDIRECTS} redirects (a redirect loop?)",
                          transient=False)

    async def _hop(self, url: str, ends: float, timeout: float, max_bytes: int,
                   headers: dict[str, str]) -> Response | str:
        limit = min(ends, self.deadline) if self.deadline is not None else ends
        try:
            async with asyncio.timeout(max(0.0, limit - time.monotonic())):
                return await self._read(url, max_bytes, headers)
        except TimeoutError:
            cut_short = self.deadline is not None and self.deadline < ends
            reason = "run_timeout reached" if cut_short else f"timed out after {timeout:g}s"
            raise HTTPFailure(reason, transient=True) from None
        except HTTPFailure:
            raise
        except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
            raise HTTPFailure(f"cannot be fetched: {exc}", transient=False) from None
        except httpx.TransportError as exc:
            raise HTTPFailure(_describe(exc), transient=True) from None
        except Exception as exc:  # anything else about this address is no reason to stop a run
            detail = str(exc).strip() or type(exc).__name__
            raise HTTPFailure(f"cannot be fetched: {detail}", transient=False) from None

    async def _read(self, url: str, max_bytes: int, headers: dict[str, str]) -> Response | str:
        """The response, or the address it redirects to."""
        async with self._client.stream("GET", url, headers=headers) as response:
            location = response.headers.get("location")
            if response.status_code in REDIRECTS and location:
                return _next_address(url, location)
            _raise_for_status(response)
            declared = response.headers.get("content-length", "")
            body = _Body(response.headers.get("content-encoding", ""), max_bytes)
            if re.fullmatch(r"[0-9]+", declared) and int(declared) > max_bytes and body.plain:
                raise _too_large(max_bytes)
            async for chunk in response.aiter_raw():
                body.feed(chunk)
            return Response(url=url, status=response.status_code,
                            headers=dict(response.headers), content=body.finish())

    @contextlib.asynccontextmanager
    async def _slot(self, host: str) -> AsyncIterator[None]:
        gate = self._hosts.setdefault(host, asyncio.Semaphore(self.limits.per_host))
        async with self._all, gate:
            await self._keep_delay(host)
            yield

    async def _keep_delay(self, host: str) -> None:
        now = time.monotonic()
        start = max(now, self._next_start.get(host, now))
        if self.deadline is not None and start >= self.deadline:
            raise HTTPFailure("run_timeout reached", transient=True)
        if self.limits.delay <= 0:
            return
        self._next_start[host] = start + self.limits.delay
        if start > now:
            await asyncio.sleep(start - now)


class _Body:
    """A response body, decompressed here a piece at a time so that no more than the cap
    is ever held: a small compressed body can unpack to gigabytes."""

    def __init__(self, encoding: str, cap: int) -> None:
        codings = [c for c in (part.strip().lower() for part in encoding.split(","))
                   if c and c != "identity"]
        if len(codings) > 1:
            raise HTTPFailure(f"compressed more than once ({encoding}): refused",
                              transient=False)
        self.cap = cap
        self.plain = not codings
        self._out = bytearray()
        self._zlib: zlib._Decompress | None = None
        self._deflate = codings == ["deflate"]
        if codings and codings[0] in ("gzip", "x-gzip"):
            self._zlib = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif codings and not self._deflate:
            raise HTTPFailure(f"compressed as {codings[0]}, which mirror does not read",
                              transient=False)

    def feed(self, data: bytes) -> None:
        if self.plain:
            self._keep(data)
            return
        if self._zlib is None:  # deflate: with or without its zlib wrapper, as sent
            wrapped = len(data) > 1 and data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0
            self._zlib = zlib.decompressobj(zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS)
        try:
            while data:
                self._keep(self._zlib.decompress(data, self.cap - len(self._out) + 1))
                data = self._zlib.unconsumed_tail
        except zlib.error:
            raise HTTPFailure("the response could not be decompressed", transient=False) from None

    def _keep(self, data: bytes) -> None:
        self._out += data
        if len(self._out) > self.cap:
            raise _too_large(self.cap)

    def finish(self) -> bytes:
        if self._zlib is not None:
            with contextlib.suppress(zlib.error):
                self._keep(self._zlib.flush())
        return bytes(self._out)


def _next_address(url: str, location: str) -> str:
    try:
        target = httpx.URL(url).join(location)
    except (httpx.InvalidURL, ValueError):
        raise HTTPFailure(f"redirected to an invalid address {location!r}",
                          transient=False) from None
    if target.scheme not in ("http", "https"):
        raise HTTPFailure(f"redirected to {location!r}, not a web address", transient=False)
    return str(target)


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
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - time.time())


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
    for cls, text in kind.items():
        if isinstance(exc, cls):
            detail = str(exc).strip()
            return f"{text}: {detail}" if detail else text
    return str(exc) or type(exc).__name__
