"""OPML, the subscription lists feed readers exchange: read with listparser, written here.

``read_subscriptions`` takes what reader, Miniflux, newsboat, rss2email, Feedly
and the rest export (OPML 1.0/2.0, nested folders included; listparser also reads
the other subscription-list formats it knows). ``write_opml`` writes OPML 2.0:
one ``<outline type="rss">`` per feed with its name and URL, in the order of
feeds.yaml, the same bytes for the same feeds (no date in the head).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import quoteattr

from mirror.errors import ConfigError
from mirror.urls import normalise, redact

# Characters XML 1.0 cannot hold, even escaped.
NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class Subscription:
    """A feed an OPML file lists: its title (None when it gives none) and its URL."""

    title: str | None
    url: str


@dataclass(frozen=True)
class Refused:
    """An outline that cannot be a feed of feeds.yaml, and why."""

    title: str | None
    url: str
    reason: str


def read_subscriptions(data: bytes, name: str = "the OPML file",
                       ) -> tuple[list[Subscription], list[Refused]]:
    """The feeds a subscription list holds, in its order (folders flattened, each URL
    once), and the outlines that are no http(s) feed. ConfigError when it is no
    subscription list at all."""
    import listparser

    if not data.strip():
        raise ConfigError(f"{name}: empty, not an OPML file")
    # Bytes, never a str: listparser fetches a str that looks like a URL.
    result = listparser.parse(data)
    if not result.feeds and result.bozo:
        reason = str(result.bozo_exception).strip() or type(result.bozo_exception).__name__
        raise ConfigError(f"{name}: not an OPML file: {reason}")
    if not result.feeds and not result.get("version"):
        raise ConfigError(f"{name}: not an OPML file (no <opml> subscription list in it)")
    found: list[Subscription] = []
    refused: list[Refused] = []
    for feed in result.feeds:
        title = " ".join(str(feed.get("title") or "").split()) or None
        raw = str(feed.get("url") or "").strip()
        url = normalise(raw)
        if url is None:
            refused.append(Refused(title, redact(raw), "not an http(s) URL"))
        else:
            found.append(Subscription(title, url))
    return found, refused


def write_opml(feeds: Sequence[tuple[str, str]], title: str = "mirror's feeds") -> str:
    """OPML 2.0 listing these (name, URL) pairs."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<opml version="2.0">',
             "  <head>",
             f"    <title>{_text(title)}</title>",
             "  </head>",
             "  <body>"]
    for name, url in feeds:
        name, url = NOT_IN_XML.sub("", name), NOT_IN_XML.sub("", url)
        lines.append(f'    <outline type="rss" text={quoteattr(name)} title={quoteattr(name)} '
                     f"xmlUrl={quoteattr(url)}/>")
    lines += ["  </body>", "</opml>"]
    return "\n".join(lines) + "\n"


def _text(text: str) -> str:
    return quoteattr(NOT_IN_XML.sub("", text))[1:-1]
