"""Which archived posts are watched, which are due, and what the cache remembers of them.

What is watched follows from committed files only: the posts of feeds with
``watch`` whose date (the post's ``date:``, never later than the run that
archived it) is within ``watch`` of now. A fresh clone on a CI runner goes on
watching the same posts. When each was last checked, and its validators,
live in the cache (``watch.json``): a fresh clone simply checks them again.
"""

from __future__ import annotations

import re
from calendar import monthrange
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mirror.models import Config, FeedConfig
from mirror.publish.front_matter import read_front
from mirror.state import read_cache, write_cache
from mirror.urls import identity

MEMORY_NAME = "watch.json"
MEMORY_VERSION = 1
LEADING_DATE = re.compile(r"(\d{4})[-/](\d{2})(?:[-/](\d{2}))?")


@dataclass(frozen=True)
class Watched:
    """An archived post whose article is watched."""

    feed: FeedConfig
    post: str  # relative to the archive
    link: str
    date_ms: int

    @property
    def key(self) -> str:
        return identity(self.link)


def watched_posts(config: Config, feeds: tuple[FeedConfig, ...],
                  posts_by_feed: dict[str, list[str]], now_ms: int) -> list[Watched]:
    """The posts of these feeds within their ``watch`` period, in feed and path order."""
    found = []
    for feed in feeds:
        if feed.watch <= 0:
            continue
        since = now_ms - int(feed.watch * 1000)
        dated_paths = feed.filename.startswith(("{date}", "{year}"))
        for post in sorted(posts_by_feed.get(feed.name, [])):
            if dated_paths and _surely_before(post, since):
                continue
            front = read_front(config.archive / post)
            if front.link and front.date is not None:
                date_ms = int(front.date.timestamp() * 1000)
                if date_ms >= since:
                    found.append(Watched(feed, post, front.link, date_ms))
    return found


def _surely_before(post: str, since_ms: int) -> bool:
    """Whether the date a post's path starts with ends before ``since_ms``."""
    match = LEADING_DATE.match(post)
    if not match:
        return False
    year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12:
        return False
    day = int(match.group(3)) if match.group(3) else monthrange(year, month)[1]
    try:
        end = datetime(year, month, day, tzinfo=UTC).timestamp() + 86400
    except ValueError:
        return False
    return end * 1000 <= since_ms


@dataclass
class Seen:
    """What the cache remembers of one watched article."""

    checked: int = 0  # wall-clock ms of the last page check
    etag: str | None = None
    modified: str | None = None
    body: str = ""  # digest of the page's bytes at the last check
    feed: str = ""  # digest of the feed's content at the last look
    baseline: str = ""  # the page's text first seen, for a post made from the feed

    def due(self, every: float, wall_ms: int) -> bool:
        return wall_ms - self.checked >= every * 1000


@dataclass
class Memory:
    """The cache file: each watched article's ``Seen``, by the link's identity."""

    path: Path
    seen: dict[str, Seen] = field(default_factory=dict)

    @classmethod
    def load(cls, folder: Path) -> Memory:
        path = folder / MEMORY_NAME
        raw = read_cache(path, MEMORY_VERSION) or {}
        try:
            seen = {key: _seen(value) for key, value in raw.get("seen", {}).items()}
        except (TypeError, KeyError, AttributeError):
            seen = {}
        return cls(path=path, seen=seen)

    def of(self, watched: Watched) -> Seen:
        return self.seen.setdefault(watched.key, Seen())

    def keep_only(self, watched: list[Watched]) -> None:
        """Forget the articles no longer watched."""
        keys = {w.key for w in watched}
        self.seen = {key: seen for key, seen in self.seen.items() if key in keys}

    def save(self) -> None:
        write_cache(self.path, MEMORY_VERSION,
                    {"seen": {key: vars(seen) for key, seen in sorted(self.seen.items())}})


def _seen(value: Any) -> Seen:
    known = set(Seen.__dataclass_fields__)
    return Seen(**{k: v for k, v in value.items() if k in known})


def due(watched: list[Watched], memory: Memory, wall_ms: int) -> list[Watched]:
    """The watched articles due for a page check, the longest unchecked first."""
    ready = [w for w in watched if memory.of(w).due(w.feed.watch_every, wall_ms)]
    return sorted(ready, key=lambda w: (memory.of(w).checked, w.post))
