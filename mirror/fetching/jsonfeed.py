"""JSON Feed 1.0 and 1.1 (https://jsonfeed.org/version/1.1) -> Polled, as RSS and Atom give.

An item becomes the same ``Entry`` a feedparser entry would: it is handed to
``poll.to_entry`` in feedparser's shape, so links, guids, titles, authors and
dates follow exactly the rules of RSS and Atom. What JSON Feed says its own way
is translated first:

- ``url`` (else ``external_url``) is the link; ``id`` the guid (a link when it is
  an http URL and there is no ``url``, as a permalink guid is);
- ``content_html`` is the content, byte for byte; ``content_text`` is plain text,
  escaped into HTML (a ``<br>`` per line break, and a ``<p>`` per block when blank
  lines make several), as a description reads; ``summary`` is plain text too, escaped
  the same way;
- ``date_published`` (else ``date_modified``) is the date;
- ``authors`` (1.1) or ``author`` (1.0) of the item, else of the feed, by name;
- ``language`` (1.1) of the item, else of the feed, else Content-Language.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

from mirror.errors import EntryError, FeedError
from mirror.fetching.charset import decode
from mirror.fetching.http import Response
from mirror.models import Entry, FeedConfig, Polled

JSON_TYPES = ("application/feed+json", "application/json")
VERSION = re.compile(r"https?://jsonfeed\.org/version/1(?:\.[0-9]+)?/?$", re.I)
BLANK_LINES = re.compile(r"\n[ \t]*\n\s*")


def is_json(response: Response) -> bool:
    """Whether a response is JSON rather than XML: by its type, else by its first byte."""
    media_type = response.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type in JSON_TYPES or media_type.endswith("+json"):
        return True
    return response.content.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{")


def read_json_feed(content: bytes, content_type: str | None = None) -> dict[str, Any]:
    """The JSON Feed document in these bytes; FeedError when it is not one."""
    text, _ = decode(content, content_type)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FeedError(f"invalid JSON Feed: {exc.msg} (line {exc.lineno})") from None
    except RecursionError:
        raise FeedError("invalid JSON Feed: nested too deeply") from None
    version = document.get("version") if isinstance(document, dict) else None
    if not isinstance(document, dict) or not isinstance(version, str) or \
            not VERSION.match(version.strip()):
        raise FeedError("not a JSON Feed (no \"version\": \"https://jsonfeed.org/version/1.1\")")
    if not isinstance(document.get("items"), list):
        raise FeedError("invalid JSON Feed: it has no \"items\" list")
    return document


def parse_json_feed(feed: FeedConfig, response: Response) -> Polled:
    """The entries of a fetched JSON Feed; FeedError when it is not a usable one.

    An item that cannot be archived (no link, not an object) is a warning, as an RSS
    item without a link is; the other items are kept."""
    document = read_json_feed(response.content, response.headers.get("content-type"))
    from mirror.fetching.poll import language_tag

    entries: list[Entry] = []
    problems: list[str] = []
    feed_authors = _authors(document)
    header = response.headers.get("content-language", "").split(",", 1)[0]
    language = language_tag(document.get("language")) or language_tag(header)
    for item in document["items"]:
        try:
            entries.append(_entry(feed, item, feed_authors, response.url, language))
        except EntryError as exc:
            problems.append(str(exc))
    return Polled(feed=feed, entries=tuple(entries), etag=response.headers.get("etag"),
                  last_modified=response.headers.get("last-modified"),
                  min_interval=response.max_age,
                  warnings=tuple(problems))


def feed_title(document: dict[str, Any]) -> str | None:
    """The feed's title, when it has one."""
    title = document.get("title")
    return title.strip() or None if isinstance(title, str) else None


def _entry(feed: FeedConfig, item: Any, feed_authors: list[str], base: str,
           language: str | None) -> Entry:
    # poll.py calls this module: imported here, it is complete by the time this runs.
    from mirror.fetching.poll import to_entry

    if not isinstance(item, dict):
        raise EntryError("an item of the JSON Feed is not an object")
    return to_entry(feed, _as_feedparser(item, feed_authors), base, language)


def _as_feedparser(item: dict[str, Any], feed_authors: list[str]) -> dict[str, Any]:
    """A JSON Feed item in the shape of a feedparser entry, for ``poll.to_entry``."""
    guid = _text(item.get("id"))
    if guid is None and isinstance(item.get("id"), (int, float)) and \
            not isinstance(item.get("id"), bool):
        guid = str(item["id"])  # 1.0 feeds in the wild give numbers
    link = _text(item.get("url")) or _text(item.get("external_url"))
    content = _text(item.get("content_html")) or _paragraphs(_text(item.get("content_text")))
    raw: dict[str, Any] = {
        "id": guid,
        "link": link,
        "title": _text(item.get("title")),
        "summary": _paragraphs(_text(item.get("summary"))),
        "published": _text(item.get("date_published")),
        "updated": _text(item.get("date_modified")),
        "language": _text(item.get("language")),
    }
    if content is not None:
        raw["content"] = [{"type": "text/html", "value": content}]
    authors = _authors(item) or feed_authors
    if authors:
        raw["author_detail"] = {"name": ", ".join(authors)}
    return raw


def _authors(holder: dict[str, Any]) -> list[str]:
    """The names of ``authors`` (1.1), else of ``author`` (1.0)."""
    listed = holder.get("authors")
    people = listed if isinstance(listed, list) else [holder.get("author")]
    names = [_text(person.get("name")) for person in people if isinstance(person, dict)]
    return list(dict.fromkeys(name for name in names if name))


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _paragraphs(text: str | None) -> str | None:
    """Plain text as HTML: escaped, a ``<br>`` per line break, a ``<p>`` per block when
    there are several."""
    if text is None:
        return None
    blocks = BLANK_LINES.split(text.replace("\r\n", "\n").replace("\r", "\n").strip())
    lines = ["<br>".join(html.escape(line.strip(), quote=False) for line in block.split("\n"))
             for block in blocks if block.strip()]
    return lines[0] if len(lines) == 1 else "".join(f"<p>{line}</p>" for line in lines)
