"""A site's page -> its feed, as feed readers find it (for ``mirror add``).

The URL given may already be a feed (RSS, Atom or JSON Feed): then it is the
feed. Otherwise it is read as an HTML page, and the feeds it names are tried in
the page's order: ``<link rel="alternate">`` of an RSS, Atom or JSON Feed type.
When it names none that works, the paths where blog engines and sites put their
feeds are tried: those under the page's own folder first, then under the site's
root. A candidate counts only when it parses as the fetch would parse it, so a
feed found here is one ``mirror fetch`` reads.

Every request goes through ``Http``: the limits, timeouts, size caps, retries and
redaction of a run apply.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import feedparser

from mirror.errors import FeedError
from mirror.fetching.charset import decode, to_utf8_xml
from mirror.fetching.http import NO_OPTIONS, Http, HTTPFailure, RequestOptions, Response
from mirror.fetching.jsonfeed import feed_title, is_json, read_json_feed
from mirror.fetching.poll import parse_feed
from mirror.models import FeedConfig
from mirror.urls import normalise, redact

ACCEPT = ("application/rss+xml, application/atom+xml, application/feed+json, "
          "application/xml;q=0.9, text/xml;q=0.9, text/html;q=0.8, */*;q=0.5")
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json",
              "application/rdf+xml", "application/json", "application/x.atom+xml",
              "application/x-atom+xml", "application/x-rss+xml")
# Where engines put a site's feed: WordPress, Blogger, Hugo, Jekyll, Ghost, Medium, ...
COMMON_PATHS = ("feed", "rss", "rss.xml", "atom.xml", "feed.xml", "index.xml",
                "feeds/posts/default", "atom", "index.rss", "feed.json", "?feed=rss2")
MAX_CANDIDATES = 24
HTML_START = re.compile(rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b",
                        re.I | re.S)


@dataclass(frozen=True)
class Found:
    """A feed found: its URL (after redirects), its title, its format, its entries."""

    url: str
    title: str | None
    format: str
    entries: int


async def discover(url: str, http: Http, *, timeout: float = 30.0,
                   max_bytes: int = 20_000_000, options: RequestOptions = NO_OPTIONS) -> Found:
    """The feed at ``url``, or the one the page at ``url`` leads to; FeedError saying
    what was tried when there is none."""
    try:
        first = await http.get(url, timeout=timeout, max_bytes=max_bytes,
                               headers={"Accept": ACCEPT}, options=options)
    except HTTPFailure as failure:
        raise FeedError(f"cannot fetch {redact(url)}: {failure}") from None
    found = as_feed(first)
    if found is not None:
        return found
    if not _is_html(first):
        raise FeedError(f"{redact(first.url)} is neither a feed nor an HTML page")
    tried = 0
    for candidate in candidates(first):
        tried += 1
        try:
            response = await http.get(candidate, timeout=timeout, max_bytes=max_bytes,
                                      headers={"Accept": ACCEPT}, options=options)
        except HTTPFailure:
            continue
        found = as_feed(response)
        if found is not None:
            return found
    raise FeedError(f"no feed found at {redact(first.url)}: the page names no feed that "
                    f"works, and none of {tried} usual places (/feed, /rss.xml, "
                    "/atom.xml, ...) holds one; give the feed's own URL")


def as_feed(response: Response) -> Found | None:
    """The feed this response holds, or None when it holds none that mirror reads."""
    if response.status != 200 or not response.content.strip():
        return None
    probe = FeedConfig(name="discovered", url=response.url)
    try:
        if is_json(response):
            document = read_json_feed(response.content, response.headers.get("content-type"))
            return Found(url=response.url, title=feed_title(document), format="JSON Feed",
                         entries=len(document["items"]))
        if _is_html(response):
            return None
        polled = parse_feed(probe, response)
    except FeedError:
        return None
    title, version = _xml_title(response)
    return Found(url=response.url, title=title, format=version, entries=len(polled.entries))


def candidates(page: Response) -> Iterator[str]:
    """Where the page's feed may be, in the order to try, each once."""
    seen: set[str] = {page.url}
    html, _ = decode(page.content, page.headers.get("content-type"))
    named, base = _named_feeds(html, page.url)
    guessed = _common_places(base)
    for url in [*named, *guessed][:MAX_CANDIDATES]:
        if url not in seen:
            seen.add(url)
            yield url


def _named_feeds(html: str, url: str) -> tuple[list[str], str]:
    """The feeds the page names with ``<link rel="alternate">``, and the page's base URL."""
    from selectolax.lexbor import LexborHTMLParser

    tree = LexborHTMLParser(html)
    base_tag = tree.css_first("base[href]")
    base = normalise(base_tag.attributes.get("href") or "", url) if base_tag else None
    base = base or url
    named = []
    for link in tree.css("link[href]"):
        rel = (link.attributes.get("rel") or "").lower().split()
        kind = (link.attributes.get("type") or "").split(";")[0].strip().lower()
        href = normalise(link.attributes.get("href") or "", base)
        if "alternate" in rel and kind in FEED_TYPES and href:
            named.append(href)
    return named, base


def _common_places(url: str) -> list[str]:
    """The usual feed paths under the page's folder (when it is not the root), then the
    site's root."""
    folders = []
    path = re.sub(r"^[a-z][a-z0-9+.-]*://[^/?#]*", "", url, flags=re.I).split("?")[0]
    folder = path.split("#")[0].rsplit("/", 1)[0] + "/" if "/" in path else "/"
    if folder not in ("", "/"):
        folders.append(folder)
    folders.append("/")
    places = []
    for base in folders:
        for name in COMMON_PATHS:
            place = normalise(base + name, url)
            if place:
                places.append(place)
    return places


def _is_html(response: Response) -> bool:
    kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
    return "html" in kind or bool(HTML_START.match(response.content[:4096]))


def _xml_title(response: Response) -> tuple[str | None, str]:
    """An RSS or Atom feed's title and version, as feedparser reads them."""
    body, _ = to_utf8_xml(response.content, response.headers.get("content-type"))
    parsed = feedparser.parse(body, sanitize_html=False, resolve_relative_uris=False)
    title = re.sub(r"\s+", " ", re.sub(r"<[^>]*>", " ", parsed.feed.get("title") or "")).strip()
    names = {"rss": "RSS", "atom": "Atom", "cdf": "CDF"}
    version = str(parsed.get("version") or "")
    label = next((v for k, v in names.items() if version.startswith(k)), "RSS/Atom")
    return title or None, label
