"""``watch: 7d``: archived articles rechecked for edits and deletions; the post is never touched.

Each run looks at the watched posts (``watched``) two ways:

- through the feed, at no cost: while the feed carries an entry whose post was
  written from the feed's own content, that content is compared with the
  archived version;
- through the article's page, at most every ``watch_every``, with a
  conditional request: ``404``/``410``, a redirect to a page that is not the
  article (a front page) or a page that no longer holds it means *deleted*;
  the article back after that, *restored*; its text changed beyond whitespace
  and furniture (``compare``), *edited*. A post written from its page is
  compared with the latest version found (a revision), else the post itself;
  one written from the feed, with the page as first seen (kept in the cache).

The checks share the run's HTTP client and its per-host limits, take the
longest unchecked first, and stop when their share of the run's time is
spent; what was not checked is due next run.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from mirror.errors import EntryError
from mirror.fetching.article_page import PAGE_ACCEPT
from mirror.fetching.http import DEFAULT_USER_AGENT, Http, HTTPFailure, RequestOptions, Response
from mirror.fetching.robots import Robots
from mirror.models import Config, Entry
from mirror.preserve import changes as ledger
from mirror.preserve import kept_pages
from mirror.preserve.changes import Change
from mirror.preserve.compare import Difference, difference, paragraphs, shared
from mirror.preserve.kept_pages import Fetched
from mirror.preserve.timing import Budget
from mirror.preserve.watched import Memory, Seen, Watched, due
from mirror.urls import host_of, identity, redact

GONE = (404, 410)
NOT_THE_ARTICLE = 0.3  # a page sharing less of the article's sentences is another page
EMPTIED = 0.2  # a page at the article's address keeping less than this of it: taken down
FRONT_PAGE = re.compile(r"^[a-z]+://[^/]+/?(?:index\.[a-z]+)?(?:[?#].*)?$", re.I)
MARKDOWN_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")

# An article page's bytes -> its body as extraction gives it (EntryError when unusable).
Reader = Callable[[Fetched, Entry | None], Awaitable[str]]


@dataclass(frozen=True)
class Finding:
    """A change found at the source: ``version`` and ``found`` for an edit."""

    watched: Watched
    kind: str
    detail: str = ""
    channel: str = ""  # "page" or "feed", for an edit
    version: str = ""
    found: Difference = field(default_factory=Difference)


@dataclass
class Checked:
    """What one run's watching did."""

    watched: int = 0
    checked: int = 0
    findings: list[Finding] = field(default_factory=list)


class Watcher:
    """The checks of one run."""

    def __init__(self, config: Config, http: Http, read: Reader, memory: Memory,
                 found_before: list[Change], wall_ms: int, budget: Budget) -> None:
        self.config, self.http, self.read, self.memory = config, http, read, memory
        self.wall_ms, self.budget = wall_ms, budget
        self.state = ledger.last_state(found_before)
        self.revisions = _latest_revisions(config, found_before)
        self.robots = Robots(http)
        self.result = Checked()
        self._sources: dict[str, str] = {}
        # Checks wait their turn here, not inside the client, where the wait would count
        # against each request's timeout: 10,000 checks may queue for one host at once.
        self._all = asyncio.Semaphore(config.max_connections)
        self._hosts: dict[str, asyncio.Semaphore] = {}

    async def run(self, watched: list[Watched], carried: dict[str, Entry]) -> Checked:
        """Look at every watched post through its feed, then check the due pages."""
        self.result.watched = len(watched)
        for one in watched:
            if one.key in carried:
                self._look_at_feed(one, carried[one.key])
        pending = due(watched, self.memory, self.wall_ms)
        if pending:
            try:
                async with asyncio.timeout(self.budget.left()):
                    await asyncio.gather(*(self._check_page(w, carried.get(w.key))
                                           for w in pending))
            except TimeoutError:
                pass  # the rest is due next run
        return self.result

    # ------------------------------------------------------------ the feed

    def _look_at_feed(self, watched: Watched, entry: Entry) -> None:
        content = entry.content or entry.summary or ""
        seen = self.memory.of(watched)
        digest = _digest(content.encode("utf-8"))
        if seen.feed == digest or self._source(watched, entry) != "feed":
            seen.feed = digest
            return
        seen.feed = digest
        baseline = self._baseline(watched, "feed")
        if baseline is not None:
            self._compare(watched, "feed", baseline, content)

    # ------------------------------------------------------------ the page

    async def _check_page(self, watched: Watched, entry: Entry | None) -> None:
        async with self._all:  # at most this many pages held at once, fetched or read
            response = await self._fetch(watched)
            if response is not None and response.status != 304:
                await self._judge(watched, self.memory.of(watched), response, entry)

    async def _fetch(self, watched: Watched) -> Response | None:
        """The page, asked for with the validators of the last check; None when there is
        nothing more to do (a failure, or robots.txt said no)."""
        host = self._hosts.setdefault(host_of(watched.link),
                                      asyncio.Semaphore(self.config.per_host))
        seen, feed = self.memory.of(watched), watched.feed
        options = RequestOptions.for_feed(feed)
        async with host:
            try:
                if feed.robots == "obey" and not await self.robots.allowed(
                        watched.link, feed.user_agent or DEFAULT_USER_AGENT, options):
                    seen.checked = self.wall_ms
                    return None
                response = await self.http.get(
                    watched.link, timeout=feed.timeout, max_bytes=self.config.max_page_bytes,
                    headers=self._headers(watched, seen), options=options)
            except (HTTPFailure, EntryError) as failure:
                self._failed(watched, seen, failure)
                return None
        self.result.checked += 1
        seen.checked = self.wall_ms
        return response

    def _headers(self, watched: Watched, seen: Seen) -> dict[str, str]:
        headers = {"Accept": PAGE_ACCEPT}
        if watched.feed.user_agent:
            headers["User-Agent"] = watched.feed.user_agent
        if self.state.get(watched.link) != "deleted":
            if seen.etag:
                headers["If-None-Match"] = seen.etag
            if seen.modified:
                headers["If-Modified-Since"] = seen.modified
        return headers

    def _failed(self, watched: Watched, seen: Seen, failure: Exception) -> None:
        status = getattr(failure, "status", None)
        if getattr(failure, "transient", True) and status not in GONE:
            return  # for now: checked again next run
        self.result.checked += 1
        seen.checked = self.wall_ms
        if status in GONE:
            seen.etag = seen.modified = None
            seen.body = ""
            self._gone(watched, str(failure))

    async def _judge(self, watched: Watched, seen: Seen, response: Response,
                     entry: Entry | None) -> None:
        seen.etag = response.headers.get("etag")
        seen.modified = response.headers.get("last-modified")
        digest = _digest(response.content)
        moved = identity(response.url) != watched.key
        if digest == seen.body and not moved and self.state.get(watched.link) != "deleted":
            return  # the same bytes as last time
        fetched = Fetched.of(response.url, response.status, response.headers, response.content)
        try:
            markup = await self.read(fetched, entry)
        except EntryError:
            markup = ""
        if moved and self._not_the_article(watched, response.url, markup):
            self._gone(watched, f"redirected to {redact(response.url)}")
            return
        seen.body = digest
        if self.state.get(watched.link) == "deleted" and markup:
            self._found(Finding(watched, "restored", "the article is back"))
            self.state[watched.link] = "restored"
        if markup:
            self._page_text(watched, seen, markup, entry)

    def _not_the_article(self, watched: Watched, url: str, markup: str) -> bool:
        if FRONT_PAGE.match(url) or not markup:
            return True
        baseline = self._baseline(watched, "page")
        return baseline is not None and shared(baseline, markup) < NOT_THE_ARTICLE

    def _page_text(self, watched: Watched, seen: Seen, markup: str, entry: Entry | None) -> None:
        if self._source(watched, entry) == "page":
            baseline = self._baseline(watched, "page")
            if baseline is not None and shared(baseline, markup) < EMPTIED:
                self._gone(watched, "the page no longer holds the article")
            elif baseline is not None:
                self._compare(watched, "page", baseline, markup)
            return
        if not seen.baseline:  # a post made from the feed: the page as first seen
            seen.baseline = _as_markup(markup)
            return
        if self._compare(watched, "page", seen.baseline, markup):
            seen.baseline = _as_markup(markup)

    # ------------------------------------------------------------ findings

    def _compare(self, watched: Watched, channel: str, baseline: str, new: str) -> bool:
        found = difference(baseline, new)
        if found.changed:
            detail = f"{_count(found.added, 'added')}, {_count(found.removed, 'removed')} " \
                     f"({channel})"
            self._found(Finding(watched, "edited", detail, channel, new, found))
        return found.changed

    def _gone(self, watched: Watched, why: str) -> None:
        if self.state.get(watched.link) != "deleted":
            self._found(Finding(watched, "deleted", why))
            self.state[watched.link] = "deleted"

    def _found(self, finding: Finding) -> None:
        self.result.findings.append(finding)

    # ------------------------------------------------------------ what is known

    def _baseline(self, watched: Watched, channel: str) -> str | None:
        """The article as last archived or found: its latest revision from this channel,
        else the post's body."""
        revision = self.revisions.get((watched.post, channel))
        text = ledger.read_revision(revision) if revision is not None else None
        return text if text is not None else post_body(self.config.archive / watched.post)

    def _source(self, watched: Watched, entry: Entry | None) -> str:
        """Where the post's body came from: ``page``, ``feed``, or ``unknown``."""
        if watched.key not in self._sources:
            self._sources[watched.key] = _source(self.config, watched, entry)
        return self._sources[watched.key]


def _source(config: Config, watched: Watched, entry: Entry | None) -> str:
    from mirror.articles import needs_page

    path = kept_pages.page_path(config, watched.feed.name, watched.link)
    if path.exists():
        try:
            return "page" if kept_pages.decode(path.read_bytes()).source == "page" else "feed"
        except ValueError:
            pass
    if watched.feed.content != "auto":
        return watched.feed.content
    if entry is None:
        return "unknown"
    return "page" if needs_page(entry, watched.feed) else "feed"


def post_body(path: Path) -> str | None:
    """The body of a post as written (Markdown bodies as text), or None when unreadable."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return None
    _, separator, body = text.partition("\n------\n\n")
    if not separator:
        return None
    if body.startswith("<div>\n"):
        return body[len("<div>\n"):].rsplit("\n</div>", 1)[0]
    return MARKDOWN_LINK.sub(r"\1", body)


def _latest_revisions(config: Config, found: list[Change]) -> dict[tuple[str, str], Path]:
    latest: dict[tuple[str, str], Path] = {}
    for change in found:
        if change.kind == "edited" and change.revision:
            channel = "feed" if change.revision.endswith("-feed.md") else "page"
            latest[change.post, channel] = config.root / change.revision
    return latest


def _digest(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()


def _as_markup(markup: str) -> str:
    import html

    return "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs(markup))


def _count(sentences: tuple[str, ...], what: str) -> str:
    return f"{len(sentences)} sentence{'s' if len(sentences) != 1 else ''} {what}"


def record(config: Config, findings: list[Finding], now_ms: int) -> tuple[list[Change],
                                                                          list[Path]]:
    """The ledger lines of the findings (in post order, so that the same findings give the
    same file), and the revision file of each edit."""
    order = {kind: i for i, kind in enumerate(ledger.KINDS)}
    lines, written = [], []
    when = ledger.stamp(now_ms)
    for finding in sorted(findings, key=lambda f: (f.watched.post, order[f.kind], f.channel)):
        change = Change(when, finding.kind, finding.watched.link, finding.watched.post,
                        finding.detail)
        if finding.kind == "edited":
            path = ledger.write_revision(config, change, now_ms, finding.channel,
                                         finding.version, finding.found)
            written.append(path)
            relative = path.relative_to(config.root.resolve()).as_posix()
            change = Change(when, change.kind, change.link, change.post,
                            f"{change.detail}; revision {relative}")
        lines.append(change)
    return lines, written
