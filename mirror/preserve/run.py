"""Preservation within one ``mirror fetch``: its hooks into the run, and what it adds to it.

While the posts are made, each new post's images are kept (``assets``) and
each page fetched is stored (``kept_pages``). Once the posts are written,
watching (``watch``) and snapshots (``wayback``) go on side by side, each
within half of the time the run has left, and never past a stop request.
Every file written here goes into the run's one commit.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass
from pathlib import Path

from mirror.archive.store import Archive
from mirror.errors import PageGone
from mirror.fetching.http import Http
from mirror.models import Article, Config, Entry, FeedConfig, Plan, RawPage, Written
from mirror.preserve import Preserved, kept_pages
from mirror.preserve import changes as ledger
from mirror.preserve.assets import ImageKeeper, ImageStore, Kept, assets_folder
from mirror.preserve.kept_pages import Fetched, KeptPage
from mirror.preserve.timing import Budget
from mirror.preserve.watch import Watcher, record
from mirror.preserve.watched import Memory, Watched, watched_posts
from mirror.preserve.wayback import Queue, Submitter
from mirror.stopping import until_stopped
from mirror.urls import identity
from mirror.workers import Extractor

SHARE = 0.5  # of the run's remaining time, for watching and for snapshots each
HTML_TYPES = ("text/html", "application/xhtml+xml", "application/xml", "text/xml", "")


class Run:
    """One run's preservation: the hooks the posts go through, then ``finish``."""

    def __init__(self, config: Config, http: Http, archive: Archive, cache: Path,
                 now_ms: int, wall_ms: int) -> None:
        self.config, self.http, self.archive, self.cache = config, http, archive, cache
        self.now_ms, self.wall_ms = now_ms, wall_ms
        self.store = ImageStore(assets_folder(config))
        self.images = ImageKeeper(config, http, self.store)
        self.pages: list[Path] = []
        self._extractor = Extractor(fetching=config.max_connections)  # for watching

    # ------------------------------------------------------------ while posts are made

    async def keep_images(self, article: Article, feed: FeedConfig, post: str) -> Kept:
        if feed.images != "keep":
            return Kept(article)
        return await self.images.keep(article, feed, post)

    def keep_page(self, page: RawPage | None, article: Article, feed: FeedConfig, post: str,
                  kept: Kept) -> None:
        """Store the page the post was made from (or that was fetched for it)."""
        if page is None or not feed.keep_pages:
            return
        fetched = Fetched.of_raw(page)
        source = "page" if article.source == "page" else "summary"
        self.pages.append(kept_pages.write(self.config, KeptPage(
            feed=feed.name, entry=article.entry, fetched=fetched, source=source, post=post,
            images=kept.names), self.now_ms))

    # ------------------------------------------------------------ once they are written

    async def finish(self, plans: Sequence[Plan], written: Sequence[Written],
                     stop: asyncio.Event | None) -> Preserved:
        await self.images.close()
        done = Preserved(changed=[*self.store.save(), *self.pages])
        feeds = tuple(plan.feed for plan in plans)
        before = ledger.read_changes(self.config) if _watching(feeds) else []
        watcher, submitter = self._watcher(feeds, plans, written, before), \
            self._submitter(feeds, written)
        work = [one.go() for one in (watcher, submitter) if one is not None]
        try:
            if work and not (stop is not None and stop.is_set()):
                await until_stopped(_all(work), stop)
        finally:
            for unstarted in work:
                unstarted.close()  # a stop before they started: no "never awaited"
            await self._extractor.close()
        found = self._record(done, watcher, submitter, before)
        if found:
            done.subject = f"mirror: {found} change(s) found at the sources"
        return done

    def _watcher(self, feeds: tuple[FeedConfig, ...], plans: Sequence[Plan],
                 written: Sequence[Written], before: list[ledger.Change]) -> _Watching | None:
        if not _watching(feeds):
            return None
        memory = Memory.load(self.cache)
        everything = watched_posts(self.config, self.config.feeds,
                                   self.archive.posts_by_feed_now(), self.wall_ms)
        memory.keep_only(everything)  # what is no longer watched, of any feed, is forgotten
        names = {feed.name for feed in feeds}
        watched = [one for one in everything if one.feed.name in names]
        fresh = {w.path for w in written}
        for one in watched:
            if one.post in fresh:  # just fetched: its first check is due in watch_every
                memory.of(one).checked = self.wall_ms
        carried = {identity(e.link): e for plan in plans if plan.polled is not None
                   for e in plan.polled.entries}
        budget = Budget(self.http.deadline, SHARE, cap=float("inf"))
        watcher = Watcher(self.config, self.http, self._read, memory, before, self.wall_ms,
                          budget)
        return _Watching(watcher, memory, watched, carried)

    def _submitter(self, feeds: tuple[FeedConfig, ...],
                   written: Sequence[Written]) -> _Submitting | None:
        sending = {feed.name for feed in feeds if feed.wayback}
        queue = Queue.load(self.cache)
        if not sending and not queue.waiting:
            return None
        for one in written:
            if one.entry.feed in sending:
                queue.add(one.entry.link, one.path, one.entry.feed, self.wall_ms)
        budget = Budget(self.http.deadline, SHARE, cap=float("inf"))
        return _Submitting(Submitter(self.config, self.http, queue, self.wall_ms, self.now_ms,
                                     budget), queue)

    async def _read(self, fetched: Fetched, entry: Entry | None) -> str:
        """A page's body as extraction gives it (PageGone when it gives none)."""
        from mirror.fetching.charset import CharsetHint

        media = fetched.content_type.split(";", 1)[0].strip().lower()
        if media not in HTML_TYPES:
            raise PageGone(f"{fetched.url}: not an HTML page ({media})")
        hint = CharsetHint(language=entry.language if entry else None)
        async with self._extractor.slot():
            return await self._extractor.body(fetched.raw(), hint)

    def _record(self, done: Preserved, watcher: _Watching | None,
                submitter: _Submitting | None, before: list[ledger.Change]) -> int:
        """Write what was found: the ledger's lines, revisions, the changes page; the
        caches. The number of changes found."""
        lines: list[ledger.Change] = []
        if watcher is not None:
            found, revisions = record(self.config, watcher.watcher.result.findings,
                                      self.now_ms)
            lines += found
            done.changed += revisions
            watcher.memory.save()
        if submitter is not None:
            lines += submitter.submitter.result.snapshots
            submitter.queue.save()
            done.notes += submitter.submitter.result.notes
            if submitter.submitter.result.submitted:
                done.notes.append(submitter.submitter.result.summary(
                    len(submitter.queue.waiting)))
        if ledger.append_changes(self.config, lines):
            done.changed.append(ledger.ledger_path(self.config))
            page = ledger.write_page(self.config, [*before, *lines])
            done.changed += [page] if page is not None else []
        return sum(1 for line in lines if line.kind != "snapshot")


@dataclass
class _Watching:
    watcher: Watcher
    memory: Memory
    watched: list[Watched]
    carried: dict[str, Entry]

    async def go(self) -> None:
        await self.watcher.run(self.watched, self.carried)


@dataclass
class _Submitting:
    submitter: Submitter
    queue: Queue

    async def go(self) -> None:
        done = {identity(c.link) for c in ledger.read_changes(self.submitter.config)
                if c.kind == "snapshot"}
        await self.submitter.run(done)


async def _all(work: list[Coroutine[None, None, None]]) -> None:
    await asyncio.gather(*work)


def _watching(feeds: tuple[FeedConfig, ...]) -> bool:
    return any(feed.watch > 0 for feed in feeds)

