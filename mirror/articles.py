"""Entry -> post on disk: the body from the feed or from the article's page, rendered, written.

Pages are fetched here (``fetching.article_page``, after ``robots.txt``
allows it) and decoded and extracted in worker processes (``workers``).
When a page cannot be used for good, the feed's own content is the body,
with a note saying so; when it fails for now, EntryError leaves the entry
for the next run. A body that cannot be published whole falls back the
same way (``_render``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from mirror.archive.store import Archive
from mirror.decide import PENDING_DAYS
from mirror.errors import BodyLost, EntryError, PageGone
from mirror.extraction.fulltext import is_full_text
from mirror.fetching.article_page import fetch_raw
from mirror.fetching.charset import CharsetHint
from mirror.fetching.http import DEFAULT_USER_AGENT, Http, RequestOptions
from mirror.fetching.robots import Robots
from mirror.models import Article, Config, Entry, FeedConfig, Plan, Post, RawPage, Written
from mirror.publish.render import preferred_path, render
from mirror.text import count_units, markup_text
from mirror.urls import redact
from mirror.workers import Extractor

if TYPE_CHECKING:
    from mirror.preserve.run import Run as Preservation


class Articles:
    """What a run needs to turn its planned entries into posts on disk: the extraction
    workers (closed on leaving), robots.txt rules, the archive to write to."""

    def __init__(self, config: Config, http: Http, archive: Archive, now: int,
                 write: bool = True, keep: Preservation | None = None) -> None:
        self.config, self.http, self.archive = config, http, archive
        self.now, self.writing = now, write
        self.extractor = Extractor(fetching=config.max_connections)
        self.robots = Robots(http)
        self.keep = keep  # images: keep, keep_pages
        self.pages: dict[str, RawPage] = {}  # pages fetched, until their post is written

    async def __aenter__(self) -> Articles:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.extractor.close()

    def settle_paths(self, plans: Sequence[Plan]) -> dict[tuple[int, int], str]:
        """Each new entry's post path, settled in the order of feeds.yaml before any page
        arrives (which of two colliding posts gets the plain name never depends on
        timing); the extraction workers start if any page will need them, so that they
        load while the first pages download."""
        if any(needs_page(entry, plan.feed) for plan in plans for entry in plan.new):
            self.extractor.start()
        return {(i, j): self.archive.settle_path(preferred_path(entry, plan.feed, self.now),
                                                 entry)
                for i, plan in enumerate(plans) for j, entry in enumerate(plan.new)}

    async def article(self, entry: Entry, feed: FeedConfig) -> Article:
        """The article of an entry; EntryError when its page failed for now."""
        own = entry.content or entry.summary or ""
        if not needs_page(entry, feed):
            return Article(entry=entry, body=own, source="feed")
        options = RequestOptions.for_feed(feed)
        agent = feed.user_agent or DEFAULT_USER_AGENT
        if feed.robots == "obey" and not await self.robots.allowed(entry.link, agent, options):
            return from_summary(entry, f"{redact(entry.link)}: its site's robots.txt does not "
                                       "allow fetching the page")
        try:
            async with self.extractor.slot():
                raw = await fetch_raw(entry.link, self.http, timeout=feed.timeout,
                                      max_bytes=self.config.max_page_bytes,
                                      user_agent=feed.user_agent, options=options)
                if self.keep is not None:
                    self.pages[entry.link] = raw
                body = await self.extractor.body(raw, CharsetHint(language=entry.language))
        except PageGone as gone:
            return from_summary(entry, str(gone))
        if count_units(markup_text(body)) < count_units(markup_text(own)):
            return from_summary(entry, f"{redact(entry.link)}: the page holds less text than "
                                       "the feed")
        return Article(entry=entry, body=body, source="page")

    async def write(self, entry: Entry, plan: Plan, path: str) -> Written:
        """The entry's post, written at ``path``; EntryError when it must wait for a later run."""
        if entry.link in plan.overdue:
            article = from_summary(entry, f"{redact(entry.link)}: the page could not be had "
                                          f"for {PENDING_DAYS} days")
        else:
            article = await self.article(entry, plan.feed)
        if self.keep is None:
            post, article = self._render(article, plan.feed)
            if self.writing:
                self.archive.write_post(replace(post, path=path))
            return Written(entry=entry, path=path, note=article.note)
        kept = await self.keep.keep_images(article, plan.feed, path)
        post, article = self._render(kept.article, plan.feed)
        self.archive.write_post(replace(post, path=path))
        self.keep.keep_page(self.pages.pop(entry.link, None), article, plan.feed, path, kept)
        note = "; ".join(n for n in (article.note, *kept.notes) if n) or None
        return Written(entry=entry, path=path, note=note, image_errors=tuple(kept.errors))

    def _render(self, article: Article, feed: FeedConfig) -> tuple[Post, Article]:
        """The post, and the article it was made from: a body that cannot be published
        whole (it would lose text, or show nothing) falls back to the feed's content."""
        link = redact(article.entry.link)
        try:
            return render(article, feed, self.now, self.config.video_hosts), article
        except BodyLost as lost:
            if article.source != "page":
                raise EntryError(f"{link}: {lost}") from None
            article = from_summary(article.entry, f"{link}: {lost}")
        except EntryError as exc:
            raise EntryError(f"{link}: {exc}") from None
        try:
            return render(article, feed, self.now, self.config.video_hosts), article
        except EntryError as exc:
            raise EntryError(f"{link}: {exc}") from None


def needs_page(entry: Entry, feed: FeedConfig) -> bool:
    """Whether the article is to come from its page rather than from the feed."""
    return feed.content == "page" or (feed.content == "auto" and not is_full_text(entry))


def from_summary(entry: Entry, why: str) -> Article:
    return Article(entry=entry, body=entry.content or entry.summary or "", source="summary",
                   note=f"{why}; post written from the feed's own content")
