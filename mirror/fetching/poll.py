"""FeedConfig -> Polled: fetch a feed (conditionally) and turn feedparser's dicts into Entries.

feedparser gets bytes and headers, never a URL, with its HTML sanitising and
URI resolving turned off: it would otherwise re-serialise the markup and the
posts could never be byte-identical to the feed. Charsets are decided by
``charset`` first (GB2312 feeds really are GB18030), so feedparser always
reads UTF-8; a feed no charset reads as plausible text is a FeedError. Each
entry keeps its language (its own, its feed's, or the one the feed's legacy
encoding implies) as a hint for decoding its article page.
"""

from __future__ import annotations

import calendar
import re
from datetime import UTC, datetime
from typing import Any

from mirror.errors import EntryError, FeedError
from mirror.fetching.http import Http, HTTPFailure, RequestOptions, Response
from mirror.models import Entry, FeedConfig, Polled
from mirror.urls import normalise

FEED_ACCEPT = ("application/rss+xml, application/atom+xml, application/feed+json, "
               "application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.9, */*;q=0.5")
LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8}){0,4}")
HTML_START = re.compile(rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)\b", re.I | re.S)
FEED_LINK = re.compile(
    r"""<link[^>]+type=["']application/(?:rss|atom)\+xml["'][^>]*>""", re.I)
HREF = re.compile(r"""href=["']([^"']+)["']""", re.I)
TITLE_FROM_TEXT_CHARS = 60
VOID_CLOSED = re.compile(r"<(area|br|col|embed|hr|img|input|source|track|wbr)\b([^>]*?)\s*/?>"
                         r"\s*</\1\s*>", re.I)
YEAR_FIRST = re.compile(r"([0-9]{4})\s*[-/.年]\s*([0-9]{1,2})\s*[-/.月]\s*([0-9]{1,2})\s*日?"
                        r"(?:\s*(?:T|\s)\s*([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?)?")


async def poll(feed: FeedConfig, http: Http, max_bytes: int,
               validators: tuple[str | None, str | None] = (None, None)) -> Polled:
    """Fetch and parse one feed; ``not_modified`` when the validators still hold."""
    etag, modified = validators
    headers = {"Accept": FEED_ACCEPT}
    if feed.user_agent:
        headers["User-Agent"] = feed.user_agent
    if etag:
        headers["If-None-Match"] = etag
    if modified:
        headers["If-Modified-Since"] = modified
    try:
        response = await http.get(feed.url, timeout=feed.timeout, max_bytes=max_bytes,
                                  headers=headers, options=RequestOptions.for_feed(feed))
    except HTTPFailure as failure:
        raise FeedError(str(failure), retry_after=failure.retry_after) from None
    if response.status == 304:
        return Polled(feed=feed, not_modified=True, etag=etag, last_modified=modified,
                      min_interval=_min_interval(response, None))
    return parse_feed(feed, response)


def parse_feed(feed: FeedConfig, response: Response) -> Polled:
    """The entries of a fetched feed (RSS, Atom or JSON Feed); FeedError when it is not a
    usable feed."""
    # Loaded only when a feed answers with a body: a run of 304s parses nothing.
    from mirror.fetching.charset import Undecodable, to_utf8_xml
    from mirror.fetching.jsonfeed import is_json, parse_json_feed

    if is_json(response):
        return parse_json_feed(feed, response)

    content_type = response.headers.get("content-type", "")
    try:
        body, codec = to_utf8_xml(response.content, content_type)
    except Undecodable as undecodable:
        raise FeedError(f"unreadable feed: {undecodable}") from None
    media_type = content_type.split(";", 1)[0].strip() or "application/xml"
    import feedparser  # a feed that answers 304 needs no parser: no-op runs stay quick

    parsed = feedparser.parse(
        body, sanitize_html=False, resolve_relative_uris=False,
        response_headers={"content-type": f"{media_type}; charset=utf-8",
                          "content-location": response.url},
    )
    _check_is_feed(parsed, body, media_type)
    entries: list[Entry] = []
    problems: list[str] = []
    language = _feed_language(parsed, response, codec)
    for raw in parsed.entries:
        try:
            entries.append(to_entry(feed, raw, response.url, language))
        except EntryError as exc:
            problems.append(str(exc))
    if not entries and _broken(parsed):
        raise FeedError(f"invalid feed XML: {_bozo_reason(parsed)}")
    return Polled(feed=feed, entries=tuple(entries), etag=response.headers.get("etag"),
                  last_modified=response.headers.get("last-modified"),
                  min_interval=_min_interval(response, parsed.feed.get("ttl")),
                  warnings=tuple(problems))


def _check_is_feed(parsed: Any, body: bytes, media_type: str) -> None:
    if parsed.get("version") or parsed.get("entries"):
        return
    if HTML_START.match(body) or "html" in media_type:
        raise FeedError("served an HTML page, not a feed" + _feed_hint(body))
    if not body.strip():
        raise FeedError("served an empty document, not a feed")
    if not body.lstrip().startswith(b"<"):
        raise FeedError(f"not an RSS or Atom feed (the server sent {media_type})")
    if _broken(parsed):
        raise FeedError(f"invalid feed XML: {_bozo_reason(parsed)}")
    if not parsed.feed:
        raise FeedError("not an RSS or Atom feed")


def _broken(parsed: Any) -> bool:
    """XML errors feedparser could not read past (it reads leniently past many)."""
    import feedparser

    harmless = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)
    return bool(parsed.bozo) and not isinstance(parsed.bozo_exception, harmless)


def _bozo_reason(parsed: Any) -> str:
    exception = parsed.bozo_exception
    return str(exception).strip() or type(exception).__name__


def _feed_hint(body: bytes) -> str:
    text = body[:65536].decode("utf-8", errors="replace")
    for tag in FEED_LINK.findall(text):
        href = HREF.search(tag)
        if href:
            return f" (the page names a feed: {href.group(1)})"
    return ""


def _min_interval(response: Response, ttl: Any) -> float:
    """The least time before polling again that the feed asks for: <ttl> or max-age."""
    seconds = 0.0
    if isinstance(ttl, str) and re.fullmatch(r"[0-9]{1,9}", ttl.strip()):
        seconds = float(ttl.strip()) * 60
    return max(seconds, response.max_age)


def _feed_language(parsed: Any, response: Response, codec: str) -> str | None:
    """The feed's language: ``<language>``, ``dc:language`` or ``xml:lang``; else the
    Content-Language header; else the one its legacy encoding implies (GB2312: Chinese)."""
    from mirror.fetching.charset import language_of_codec

    header = response.headers.get("content-language", "").split(",", 1)[0]
    for value in (parsed.feed.get("language"), header, language_of_codec(codec)):
        tag = language_tag(value)
        if tag:
            return tag
    return None


def language_tag(value: Any) -> str | None:
    """A language tag as the feed wrote it (``zh-cn``, ``zh-TW``), or None for anything
    that is not one."""
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value if LANGUAGE_TAG.fullmatch(value) else None


def _entry_language(raw: Any) -> str | None:
    """An entry's own language: ``dc:language``, or the ``xml:lang`` of its content."""
    details = [*(raw.get("content") or []), raw.get("summary_detail") or {},
               raw.get("title_detail") or {}]
    for value in (raw.get("language"), *(detail.get("language") for detail in details)):
        tag = language_tag(value)
        if tag:
            return tag
    return None


def to_entry(feed: FeedConfig, raw: Any, base: str, language: str | None = None) -> Entry:
    """One feedparser entry as an Entry; EntryError when it cannot be archived.

    ``language`` is the feed's, for entries that do not say their own."""
    guid = (raw.get("id") or "").strip() or None
    link = _link(raw, guid, base)
    content = _content(raw)
    summary = raw.get("summary") or None
    title = (raw.get("title") or "").strip()
    if not title:
        title = _title_from_text(content or summary or "") or _title_from_link(link)
    author = _author(raw)
    return Entry(feed=feed.name, link=link, title=title, guid=guid,
                 published_ms=published_ms(raw), author=author,
                 content=content, summary=summary if summary != content else None,
                 language=_entry_language(raw) or language)


def _link(raw: Any, guid: str | None, base: str) -> str:
    candidates = [raw.get("link")]
    for link in raw.get("links") or []:
        if link.get("rel", "alternate") == "alternate":
            candidates.append(link.get("href"))
    if guid and (raw.get("guidislink") or re.match(r"https?://", guid, re.I)):
        candidates.append(guid)
    for candidate in candidates:
        url = normalise(candidate, base) if candidate else None
        if url:
            return url
    title = (raw.get("title") or "").strip()[:60]
    raise EntryError(f"entry {title!r} has no link" if title else "an entry has no link")


def _content(raw: Any) -> str | None:
    blocks = raw.get("content") or []
    for block in blocks:
        kind = block.get("type", "text/html")
        if kind in ("text/html", "application/xhtml+xml") and block.get("value"):
            value = str(block["value"])
            # feedparser writes XHTML's <br/> as <br></br>, which HTML reads as two breaks
            return VOID_CLOSED.sub(r"<\1\2/>", value) if kind.endswith("xml") else value
    for block in blocks:
        if block.get("value"):
            return str(block["value"])
    return None


def _author(raw: Any) -> str | None:
    detail = raw.get("author_detail") or {}
    name = (detail.get("name") or raw.get("author") or "").strip()
    return name or None


def _title_from_text(markup: str) -> str:
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]*>", " ", markup)).strip()
    if len(text) <= TITLE_FROM_TEXT_CHARS:
        return text
    return text[:TITLE_FROM_TEXT_CHARS].rstrip() + "…"


def _title_from_link(link: str) -> str:
    return link.split("://", 1)[-1]


def published_ms(raw: Any) -> int | None:
    """Published (else updated) time in epoch ms, keeping the feed's milliseconds."""
    for key in ("published", "updated", "created"):
        text = raw.get(key)
        if text:
            ms = parse_date_ms(str(text))
            if ms is not None:
                return ms
        parsed = raw.get(f"{key}_parsed")
        if parsed and text and _agrees(parsed, str(text)):
            return calendar.timegm(parsed) * 1000
    return None


def _year_first(text: str) -> datetime | None:
    match = YEAR_FIRST.fullmatch(text)
    if not match:
        return None
    year, month, day, hour, minute, second = (int(g) if g else 0 for g in match.groups())
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except ValueError:
        return None


def _agrees(parsed: Any, text: str) -> bool:
    """feedparser's reading of a date it guessed at, when the text bears it out: it reads
    '2021/01/12' as 2021-11-01 and a bare epoch as some day in 2016."""
    numbers = {int(n) for n in re.findall(r"[0-9]+", text)}
    return parsed.tm_year in numbers and parsed.tm_mday in numbers


def parse_date_ms(text: str) -> int | None:
    """ISO 8601, RFC 822 and the year-first dates of Chinese sites (2021/01/12 09:24,
    2021年01月12日); naive times are taken as UTC, as feedparser does."""
    text = text.strip()
    moment: datetime | None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        moment = _year_first(text)
    if moment is not None:
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        try:
            return calendar.timegm(moment.utctimetuple()) * 1000 + moment.microsecond // 1000
        except (OverflowError, ValueError):  # a time zone pushes it past year 1 or 9999
            return None
    # parsedate_tz reads "+08:00" as no offset at all; "+0800" it reads
    import email.utils  # only feeds answered with a body have dates to read

    parts = email.utils.parsedate_tz(re.sub(r"([+-][0-9]{2}):([0-9]{2})$", r"\1\2", text))
    if parts is None:
        return None
    try:
        return (calendar.timegm((*parts[:6], 0, 0, 0)) - (parts[9] or 0)) * 1000
    except (OverflowError, ValueError):
        return None
