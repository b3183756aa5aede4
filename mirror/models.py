"""The typed values passed between the stages of the pipeline.

    Config/FeedConfig --poll--> Polled(Entry...) --fetch--> Page --extract--> Article
    Article --render--> Post --archive--> written file --git--> commit
    each feed's outcome --> FeedReport; the run's --> RunReport

All are frozen: a stage never changes what it was given.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

ContentMode = Literal["auto", "feed", "page"]
PostFormat = Literal["jekyll", "markdown"]
BodySource = Literal["feed", "page", "summary"]


@dataclass(frozen=True)
class FeedConfig:
    """One feed of feeds.yaml, with the top-level defaults applied."""

    name: str
    url: str
    content: ContentMode = "auto"
    format: PostFormat = "jekyll"
    tags: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    author: str | None = None
    image_proxy: str | None = None
    timeout: float = 30.0
    every: float = 3600.0
    filename: str = "{date}-{slug}.md"
    user_agent: str | None = None
    line: int = 0


@dataclass(frozen=True)
class IndexPages:
    """Where the generated index pages go, and how their dates read."""

    enabled: bool = True
    folder: str = "feeds"  # relative to the repository (the folder of feeds.yaml)
    overview: str = "README.md"
    time_zone: str = "UTC"
    newest: int = 50


@dataclass(frozen=True)
class Config:
    """feeds.yaml, validated."""

    path: Path
    archive: Path
    feeds: tuple[FeedConfig, ...]
    per_host: int = 2
    max_connections: int = 16
    delay: float = 0.0
    retries: int = 3
    max_retry_after: float = 120.0
    run_timeout: float = 900.0
    max_page_bytes: int = 10_000_000
    max_feed_bytes: int = 20_000_000
    video_hosts: tuple[str, ...] = ()
    commit_author: str | None = None
    index_pages: IndexPages = field(default_factory=IndexPages)

    @property
    def root(self) -> Path:
        """The folder feeds.yaml is in: relative paths are relative to it."""
        return self.path.parent


@dataclass(frozen=True)
class Entry:
    """One feed item, converted from feedparser's dict at the boundary."""

    feed: str
    link: str
    title: str
    guid: str | None = None
    published_ms: int | None = None
    author: str | None = None
    content: str | None = None
    summary: str | None = None
    language: str | None = None  # the entry's or its feed's language tag, e.g. "zh-CN"


@dataclass(frozen=True)
class Page:
    """An article page as fetched: the final URL and the decoded HTML."""

    url: str
    html: str
    charset: str


@dataclass(frozen=True)
class Article:
    """The body a post will hold, and where it came from."""

    entry: Entry
    body: str
    source: BodySource
    note: str | None = None


@dataclass(frozen=True)
class Post:
    """A rendered post: its path relative to the archive and its full text."""

    entry: Entry
    path: str
    text: str


@dataclass(frozen=True)
class Polled:
    """What polling one feed gave: new validators and the entries, or ``not_modified``."""

    feed: FeedConfig
    entries: tuple[Entry, ...] = ()
    not_modified: bool = False
    etag: str | None = None
    last_modified: str | None = None
    min_interval: float = 0.0
    warnings: tuple[str, ...] = ()


@dataclass
class FeedReport:
    """The outcome of one feed in one run."""

    name: str
    new: int = 0
    known: int = 0
    not_modified: bool = False
    error: str | None = None
    entry_errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return self.error is not None or bool(self.entry_errors)


@dataclass
class RunReport:
    """The outcome of one run."""

    feeds: list[FeedReport] = field(default_factory=list)
    commit: str | None = None
    recovered: int = 0
    interrupted: bool = False
    notes: list[str] = field(default_factory=list)
    pushed: bool = False
    push_error: str | None = None

    @property
    def new(self) -> int:
        return sum(f.new for f in self.feeds)

    @property
    def failed(self) -> bool:
        return any(f.failed for f in self.feeds) or self.push_error is not None
