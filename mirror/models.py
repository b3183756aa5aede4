"""The typed values passed between the stages of the pipeline.

    Config/FeedConfig --poll--> Polled(Entry...) | PollFailure
    Polled + FeedMemory + what the archive knows --decide(now)--> Plan
    Plan.new --fetch--> Page --extract--> Article --render--> Post --archive--> file
    Plan + what was written --> FeedReport (and the next FeedMemory); the run's --> RunReport

All are frozen: a stage never changes what it was given.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

# Video players whose <iframe> a post keeps; feeds.yaml's video_hosts adds more.
DEFAULT_VIDEO_HOSTS = (
    "www.youtube.com/embed/", "youtube.com/embed/", "www.youtube-nocookie.com/embed/",
    "player.vimeo.com/video/", "www.dailymotion.com/embed/", "geo.dailymotion.com/player",
    "player.bilibili.com/", "v.qq.com/txp/iframe/", "www.facebook.com/plugins/video.php",
    "players.brightcove.net/", "rumble.com/embed/", "www.tiktok.com/embed/",
)
ContentMode = Literal["auto", "feed", "page"]
ImageMode = Literal["link", "keep"]
WAYBACK_SAVE = "https://web.archive.org/save/"
PostFormat = Literal["jekyll", "markdown"]
BodySource = Literal["feed", "page", "summary"]


@dataclass(frozen=True)
class Auth:
    """Credentials for a feed's own host: basic (``user``, ``password``) or a bearer token.

    Secrets never show in a repr (nor, through it, in any message)."""

    user: str | None = None
    password: str = field(default="", repr=False)
    bearer: str | None = field(default=None, repr=False)


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
    # Sent with the requests to the feed's own host (see fetching.http.RequestOptions);
    # (name, value) pairs in the order written. They may hold secrets: never in a repr.
    headers: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    cookies: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    auth: Auth | None = field(default=None, repr=False)
    proxy: str | None = field(default=None, repr=False)  # every request of the feed
    robots: Literal["obey", "ignore"] = "obey"  # robots.txt, for article pages
    # Preservation (mirror.preserve), each off by default:
    images: ImageMode = "link"  # keep: each image of a new post stored in the repository
    keep_pages: bool = False  # each article page fetched stored, for mirror reextract
    watch: float = 0.0  # seconds after a post's date its article is rechecked (0: never)
    watch_every: float = 21600.0  # at most this often
    wayback: bool = False  # each new article submitted to the Wayback Machine
    line: int = 0


@dataclass(frozen=True)
class Limits:
    """How politely and how long HTTP requests are made (see ``fetching.http``)."""

    per_host: int = 2
    max_connections: int = 16
    delay: float = 0.0
    retries: int = 3
    max_retry_after: float = 120.0
    backoff: float = 0.5


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
    per_host: int = Limits.per_host  # the HTTP limits' defaults have one owner: Limits
    max_connections: int = Limits.max_connections
    delay: float = Limits.delay
    retries: int = Limits.retries
    max_retry_after: float = Limits.max_retry_after
    run_timeout: float = 900.0
    max_page_bytes: int = 10_000_000
    max_feed_bytes: int = 20_000_000
    video_hosts: tuple[str, ...] = DEFAULT_VIDEO_HOSTS  # and those feeds.yaml adds
    commit_author: tuple[str, str] | None = None  # (name, email)
    index_pages: IndexPages = field(default_factory=IndexPages)
    # Preservation: where kept images and pages go (relative to the repository), the
    # prefix posts load kept images with (none: a path relative to the post), size caps,
    # and the Save Page Now endpoint with the least time between two submissions.
    assets: str = "assets"
    image_base: str | None = None
    max_image_bytes: int = 10_000_000
    max_run_image_bytes: int = 200_000_000
    raw: str = "raw"
    wayback_url: str = WAYBACK_SAVE
    wayback_every: float = 20.0

    @property
    def root(self) -> Path:
        """The folder feeds.yaml is in: relative paths are relative to it."""
        return self.path.parent

    @property
    def limits(self) -> Limits:
        return Limits(per_host=self.per_host, max_connections=self.max_connections,
                      delay=self.delay, retries=self.retries,
                      max_retry_after=self.max_retry_after)


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
class RawPage:
    """An article page as it came: the final URL, the Content-Type header, the bytes.

    What travels to the extraction workers (decoding is CPU work too), and
    what a kept page stores.
    """

    url: str
    content_type: str
    content: bytes


@dataclass(frozen=True)
class Page:
    """An article page decoded: the final URL and the HTML."""

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
    # Images kept in the repository: (URL as the body gives it, the src that loads the copy)
    images: tuple[tuple[str, str], ...] = ()


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


@dataclass(frozen=True)
class PollFailure:
    """A feed that could not be polled or parsed this run."""

    feed: FeedConfig
    error: str
    retry_after: float = 0.0


@dataclass(frozen=True)
class Pending:
    """An entry whose article could not be had yet, and since when (epoch ms)."""

    entry: Entry
    since_ms: int | None  # None: not known (a damaged cache); counts from now


@dataclass(frozen=True)
class FeedMemory:
    """What the cache remembers of a feed between runs: never the source of truth."""

    url: str = ""  # redacted
    etag: str | None = None
    last_modified: str | None = None
    last_poll_ms: int | None = None
    result: str = ""
    new: int = 0
    next_poll_ms: int | None = None
    min_interval: float = 0.0  # the least wait the feed asks for: <ttl>, max-age
    retry_after: float = 0.0  # the wait its last failure asked for
    pending: tuple[Pending, ...] = ()
    guids_unreliable: bool = False  # the feed gave one guid to different articles

    def belongs_to(self, url: str) -> bool:
        """Whether this is the memory of the feed at this URL (kept redacted: the cache
        holds no secret, and a changed password is the same feed)."""
        from mirror.urls import redact

        return self.url == redact(url)

    def validators(self, url: str) -> tuple[str | None, str | None]:
        """ETag and Last-Modified, only while they belong to the feed's current URL."""
        return (self.etag, self.last_modified) if self.belongs_to(url) else (None, None)


@dataclass(frozen=True)
class Plan:
    """What a run is to do for one feed, decided from its poll before any article is had.

    ``new`` are the entries to archive, in order: the feed's own and those
    pending from earlier runs. ``overdue`` holds the links among them that
    waited long enough for their page: they are written from the feed's content.
    """

    feed: FeedConfig
    polled: Polled | None = None
    error: str | None = None
    retry_after: float = 0.0
    new: tuple[Entry, ...] = ()
    known: int = 0
    overdue: frozenset[str] = frozenset()
    guids_unreliable: bool = False
    notes: tuple[str, ...] = ()

    @property
    def not_modified(self) -> bool:
        return self.polled is not None and self.polled.not_modified


@dataclass(frozen=True)
class Written:
    """A post on disk: the entry, its path relative to the archive, and any note."""

    entry: Entry
    path: str
    note: str | None = None
    image_errors: tuple[str, ...] = ()  # images of the post that could not be kept


@dataclass(frozen=True)
class Outcome:
    """What became of one feed's planned entries: posts written, entries that failed
    (with a one-line reason), and whether every entry was tried (a stop cuts a run short)."""

    written: tuple[Written, ...] = ()
    failed: tuple[tuple[Entry, str], ...] = ()
    complete: bool = True


@dataclass(frozen=True)
class Published:
    """How ``--push`` went, for the run's report."""

    pushed: bool = False
    error: str | None = None
    head: str | None = None  # the commit that was pushed, when a rebase made a new one
    dropped: dict[str, int] = field(default_factory=dict)  # duplicates of the remote's, by feed
    notes: tuple[str, ...] = ()


NOT_PUSHED = Published()


@dataclass(frozen=True)
class FeedReport:
    """The outcome of one feed in one run."""

    name: str
    new: int = 0
    known: int = 0
    not_modified: bool = False
    error: str | None = None
    entry_errors: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    line: int = 0  # the feed's line in feeds.yaml
    image_errors: tuple[str, ...] = ()  # images of new posts that stay links (images: keep)

    @property
    def failed(self) -> bool:
        return self.error is not None or bool(self.entry_errors) or bool(self.image_errors)


@dataclass(frozen=True)
class RunReport:
    """The outcome of one run."""

    feeds: tuple[FeedReport, ...] = ()
    commit: str | None = None
    recovered: int = 0
    interrupted: bool = False
    notes: tuple[str, ...] = ()
    pushed: bool = False
    push_error: str | None = None

    @property
    def new(self) -> int:
        return sum(f.new for f in self.feeds)

    @property
    def failed(self) -> bool:
        return any(f.failed for f in self.feeds) or self.push_error is not None


class Progress(Protocol):
    """What a progress display is told as a run goes on."""

    def feeds(self, total: int) -> None: ...
    def feed_done(self) -> None: ...
    def articles(self, more: int) -> None: ...
    def article_done(self) -> None: ...
