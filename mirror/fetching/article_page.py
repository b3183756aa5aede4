"""Entry -> RawPage: fetch an article page as the bytes it came as.

Only HTML and XHTML are accepted; the body is capped in size (compressed
bombs included, see ``http``). The charset is decided later, in the
extraction worker, by ``charset.decode_page``, helped by what the feed says
(its language, its own encoding). Permanent failures raise PageGone (the post
is written from the feed's own summary); transient ones raise EntryError
(nothing is written; the next run tries again).
"""

from __future__ import annotations

from mirror.errors import EntryError, PageGone
from mirror.fetching.http import NO_OPTIONS, Http, HTTPFailure, RequestOptions
from mirror.models import RawPage
from mirror.urls import redact

PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.1"
HTML_TYPES = ("text/html", "application/xhtml+xml", "application/xml", "text/xml")


async def fetch_raw(url: str, http: Http, *, timeout: float, max_bytes: int,
                    user_agent: str | None = None,
                    options: RequestOptions = NO_OPTIONS) -> RawPage:
    """The page at ``url`` as it came, once it is known to be HTML."""
    headers = {"Accept": PAGE_ACCEPT}
    if user_agent:
        headers["User-Agent"] = user_agent
    shown = redact(url)
    try:
        response = await http.get(url, timeout=timeout, max_bytes=max_bytes, headers=headers,
                                  options=options)
    except HTTPFailure as failure:
        if failure.transient:
            raise EntryError(f"{shown}: {failure} (will retry next run)") from None
        raise PageGone(f"{shown}: {failure}") from None
    content_type = response.headers.get("content-type", "")
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type and media_type not in HTML_TYPES:
        raise PageGone(f"{shown}: not an HTML page ({media_type})")
    return RawPage(url=response.url, content_type=content_type, content=response.content)
