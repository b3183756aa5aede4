"""Entry -> post on disk: the body from the feed or from the article's page, rendered, written.

Pages are fetched (``fetching.article_page``) and extracted
(``extraction.extract``) in worker processes: extraction is CPU-heavy and
must not stall the downloads. When a page cannot be used for good, the
feed's own content is the body, with a note saying so; when it fails for
now, EntryError leaves the entry for the next run.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import multiprocessing
import os
import signal
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from mirror.archive.store import Archive
from mirror.decide import PENDING_DAYS
from mirror.errors import BodyLost, EntryError, PageGone
from mirror.extraction.fulltext import is_full_text, text_units
from mirror.fetching.article_page import fetch_page
from mirror.fetching.charset import CharsetHint
from mirror.fetching.http import DEFAULT_USER_AGENT, Http, RequestOptions
from mirror.fetching.robots import Robots
from mirror.models import Article, Config, Entry, FeedConfig, Page, Plan, Post, Written
from mirror.publish.render import preferred_path, render
from mirror.urls import redact

if TYPE_CHECKING:
    from mirror.preserve.run import Run as Preservation


class Articles:
    """What a run needs to turn its planned entries into posts on disk: the extraction
    workers (closed on leaving), robots.txt rules, the archive to write to."""

    def __init__(self, config: Config, http: Http, archive: Archive, now: int,
                 write: bool = True, keep: Preservation | None = None) -> None:
        self.config, self.http, self.archive = config, http, archive
        self.now, self.writing = now, write
        self.extractor = Extractor()
        self.robots = Robots(http)
        self.keep = keep  # images: keep, keep_pages
        self.pages: dict[str, Page] = {}  # pages fetched, until their post is written

    async def __aenter__(self) -> Articles:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.extractor.__aexit__()

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
            page = await fetch_page(entry.link, self.http, timeout=feed.timeout,
                                    max_bytes=self.config.max_page_bytes,
                                    user_agent=feed.user_agent, options=options,
                                    hint=CharsetHint(language=entry.language))
            if self.keep is not None:
                self.pages[entry.link] = page
            body = await self.extractor.extract(page.html, page.url)
        except PageGone as gone:
            return from_summary(entry, str(gone))
        if text_units(body) < text_units(own):
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


class Extractor:
    """Extraction in worker processes, started only when some page will need it."""

    def __init__(self) -> None:
        self._pool: concurrent.futures.ProcessPoolExecutor | None = None

    async def __aenter__(self) -> Extractor:
        return self

    async def __aexit__(self, *_: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def start(self) -> None:
        """Start the workers now, so they load while the first pages download."""
        if self._pool is not None:
            return
        workers = os.cpu_count() or 1
        self._pool = concurrent.futures.ProcessPoolExecutor(
            max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
            initializer=_lower_priority)
        for _ in range(workers):
            self._pool.submit(_load_extractor)

    async def extract(self, html: str, url: str) -> str:
        self.start()
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, _extract_in_worker, html, url)


def _lower_priority() -> None:
    # The downloads run in the main process: they get the CPU first, so that pages
    # keep arriving while the extraction of earlier ones catches up.
    with contextlib.suppress(OSError, AttributeError):
        os.nice(5)
    # Ctrl-C reaches the whole process group: the main process decides how to stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _load_extractor() -> None:
    import mirror.extraction.extract  # noqa: F401  - loaded while the first pages download


def _extract_in_worker(html: str, url: str) -> str:
    # Imported by the workers only, so that runs with nothing new start quickly.
    from mirror.extraction.extract import extract

    try:
        return extract(html, url)
    except PageGone:
        raise
    except Exception as exc:  # the same page would fail the same way every run
        raise PageGone(f"{url}: the page could not be read ({type(exc).__name__}: {exc})") \
            from None
