"""robots.txt for article pages: a feed is something a site offers to be fetched, a page is not.

Each host's robots.txt is fetched once per run, through the same client as
everything else (per-host limits, timeouts, retries), and read with Protego
(the rules of RFC 9309 and Google's: groups by product token, longest match,
wildcards). As RFC 9309 says: a robots.txt that is not there or not usable
(4xx, too large, a redirect loop) allows everything; one that cannot be had
for now (429, 5xx, a timeout, a host that does not answer) allows nothing
yet, so the entry waits for the next run rather than being written from its
summary for a reason that will pass.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from mirror.errors import EntryError
from mirror.fetching.http import NO_OPTIONS, Http, HTTPFailure, RequestOptions
from mirror.urls import host_of, redact

if TYPE_CHECKING:
    from protego import Protego

MAX_ROBOTS_BYTES = 512_000  # RFC 9309: parse at least 500 KiB
ROBOTS_TIMEOUT = 30.0


class Robots:
    """The robots.txt of each host asked about in one run, fetched once each."""

    def __init__(self, http: Http) -> None:
        self.http = http
        self._rules: dict[str, asyncio.Task[Protego | None]] = {}

    async def allowed(self, url: str, user_agent: str,
                      options: RequestOptions = NO_OPTIONS) -> bool:
        """Whether the page may be fetched; EntryError when its robots.txt cannot be had
        for now (the entry is tried again next run)."""
        origin = _origin(url)
        if origin not in self._rules:
            self._rules[origin] = asyncio.ensure_future(self._fetch(origin, options))
        rules = await self._rules[origin]
        if rules is None:  # no robots.txt: everything is allowed
            return True
        return bool(rules.can_fetch(url, user_agent))

    async def _fetch(self, origin: str, options: RequestOptions) -> Protego | None:
        from protego import Protego  # only runs that fetch pages need it

        try:
            response = await self.http.get(f"{origin}/robots.txt", timeout=ROBOTS_TIMEOUT,
                                           max_bytes=MAX_ROBOTS_BYTES, options=options)
        except HTTPFailure as failure:
            if not failure.transient:  # 4xx, too large, a redirect loop: no usable rules
                return None
            raise EntryError(f"{redact(origin)}/robots.txt: {failure} (will retry next run)") \
                from None
        text = response.content.decode("utf-8", errors="replace")
        return Protego.parse(text)


def _origin(url: str) -> str:
    scheme = url.split(":", 1)[0].lower()
    return f"{scheme}://{host_of(url)}"
