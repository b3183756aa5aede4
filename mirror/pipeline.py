"""One run: config -> poll -> (fetch -> extract) -> render -> archive -> git -> RunReport.

Network work runs concurrently (feeds, then article pages), CPU-heavy
extraction runs in worker processes, and everything written is decided in
the order of feeds.yaml and of each feed, whatever order responses arrive
in, so that the same inputs always give the same files. Errors are caught
per feed and per entry: one broken feed or entry never stops the others.

A stop request (SIGTERM, Ctrl-C) cuts the network work short; what was
complete is still written and committed, and what was not is retried by
the next run.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import random
import time
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from mirror import clock, push
from mirror.archive.index_pages import is_page, pages_folder, skipped_in_archive, write_pages
from mirror.archive.ledger import IndexLine
from mirror.archive.rotate import finish_rotation
from mirror.archive.scan import read_from_link
from mirror.archive.store import Archive, guid_key
from mirror.articles import Extractor, build_article, from_summary, needs_page
from mirror.errors import ConfigError, EntryError, FeedError, GitError, internal_error
from mirror.fetching.http import DEFAULT_USER_AGENT, Http, Limits
from mirror.fetching.poll import poll
from mirror.git import IndexNotSynced, Repo, parse_author
from mirror.models import Article, Config, Entry, FeedConfig, FeedReport, Polled, Post, RunReport
from mirror.publish.clean import DEFAULT_VIDEO_HOSTS
from mirror.publish.render import render
from mirror.state import (
    State,
    entry_from_dict,
    entry_to_dict,
    hold_lock,
    lock_dir,
    state_dir,
)
from mirror.urls import identity

PENDING_DAYS = 7
DAY_MS = 86_400_000
LONGEST_WAIT = 7 * 86_400.0  # whatever a feed asks, poll it at least weekly
JITTER = 0.1  # polls come up to 10 % later than due, so many mirrors do not poll in step


class Progress(Protocol):
    """What a progress display is told as a run goes on."""

    def feeds(self, total: int) -> None: ...
    def feed_done(self) -> None: ...
    def articles(self, more: int) -> None: ...
    def article_done(self) -> None: ...


@dataclass(frozen=True)
class Options:
    """How to run: which feeds, whether to commit, how long to wait for another run."""

    feeds: tuple[str, ...] = ()
    commit: bool = True
    wait: float = 300.0
    progress: Progress | None = None
    push: bool = False
    shard: tuple[int, int] | None = None


@dataclass
class _Work:
    """A feed's part of the run while it is being worked on."""

    feed: FeedConfig
    report: FeedReport
    polled: Polled | None = None
    retry_after: float = 0.0
    new: list[Entry] = field(default_factory=list)
    articles: dict[int, Article] = field(default_factory=dict)
    failed: dict[int, str] = field(default_factory=dict)
    classified: bool = False
    complete: bool = False
    overdue: set[str] = field(default_factory=set)  # pending for a week: use the summary


def run(config: Config, options: Options = Options()) -> RunReport:
    """Run once over the configured (or chosen) feeds; the report says what happened."""
    return asyncio.run(run_async(config, options))


async def run_async(config: Config, options: Options,
                    stop: asyncio.Event | None = None) -> RunReport:
    feeds = select_feeds(config, options.feeds, options.shard)
    repo = Repo.find(config.archive)
    if options.push and repo is None:
        raise ConfigError(f"--push: {config.archive} is not in a git repository")
    folder = state_dir(config.archive, repo)
    async with hold_lock(lock_dir(config.archive, repo), options.wait, stop):
        return await _run(config, feeds, repo, folder, options, stop)


def select_feeds(config: Config, names: Sequence[str],
                 shard: tuple[int, int] | None = None) -> tuple[FeedConfig, ...]:
    feeds = config.feeds
    if names:
        known = {feed.name: feed for feed in config.feeds}
        missing = [name for name in names if name not in known]
        if missing:
            raise ConfigError(f"--feed {missing[0]!r}: no such feed in {config.path.name} "
                              f"(feeds: {', '.join(known)})")
        feeds = tuple(known[name] for name in dict.fromkeys(names))
    if shard is not None:
        feeds = tuple(feed for feed in feeds if shard_of(feed.name, shard[1]) == shard[0])
    return feeds


def shard_of(name: str, shards: int) -> int:
    """The shard (1 to shards) a feed belongs to: stable, whatever else feeds.yaml holds."""
    return int(hashlib.sha1(name.encode("utf-8")).hexdigest(), 16) % shards + 1


async def _run(config: Config, feeds: tuple[FeedConfig, ...], repo: Repo | None,
               folder: Path, options: Options, stop: asyncio.Event | None) -> RunReport:
    now = clock.now_ms()
    finish_rotation(config, folder, repo, options.commit)  # one a killed run left half done
    state = State.load(folder)
    archive = Archive(config.archive, folder, skipped_in_archive(config)).load()
    leftovers = _leftovers(repo, archive, state, config) if repo and options.commit else []
    work = [_Work(feed=feed, report=FeedReport(name=feed.name)) for feed in feeds]
    if options.progress:
        options.progress.feeds(len(work))
    deadline = time.monotonic() + config.run_timeout
    async with Http(_limits(config), DEFAULT_USER_AGENT, deadline) as http, \
            Extractor() as extractor:
        network = _network(work, http, config, state, archive, extractor, options.progress)
        interrupted = not await _unless_stopped(network, stop)
    posts = _render_all(work, archive, config, now)
    written = archive.write(posts)
    report = RunReport(feeds=[item.report for item in work], recovered=len(leftovers),
                       interrupted=interrupted)
    changed = [config.archive / path for path in written]
    if written or leftovers:
        archive.save_snapshot()
        pages = write_pages(config, folder)
        changed += [archive.index_path, *pages.written]
        report.notes.extend(pages.notes)
    if repo is None and written:
        report.notes.append(f"{config.archive} is not in a git work tree: the posts are "
                            "written, nothing is committed")
    if repo is not None and options.commit:
        paths = [repo.relative(path) for path in changed]
        report.commit = _commit(repo, sorted(set(paths + leftovers)), report, config, now)
        if options.push:
            _push(repo, config, folder, report, now)
        state.settled = [repo.head(), *archive.mark()]
    _remember(work, state, interrupted)
    state.save()
    return report


async def _unless_stopped(work: Coroutine[Any, Any, None], stop: asyncio.Event | None) -> bool:
    """Await the work; False when a stop request cut it short."""
    task = asyncio.ensure_future(work)
    if stop is None:
        await task
        return True
    stopping = asyncio.ensure_future(stop.wait())
    await asyncio.wait({task, stopping}, return_when=asyncio.FIRST_COMPLETED)
    stopping.cancel()
    if task.done():
        task.result()
        return True
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    return False


async def _network(work: list[_Work], http: Http, config: Config, state: State,
                   archive: Archive, extractor: Extractor, progress: Progress | None) -> None:
    async def polled(item: _Work) -> None:
        await _poll(item, http, config, state)
        if progress:
            progress.feed_done()

    await asyncio.gather(*(polled(item) for item in work))
    _classify(work, archive, state)
    if any(needs_page(entry, item.feed) for item in work for entry in item.new):
        extractor.start()
    if progress:
        progress.articles(sum(len(item.new) for item in work))
    await asyncio.gather(*(_articles(item, http, config, extractor, progress) for item in work))


def _limits(config: Config) -> Limits:
    return Limits(per_host=config.per_host, max_connections=config.max_connections,
                  delay=config.delay, retries=config.retries,
                  max_retry_after=config.max_retry_after)


async def _poll(item: _Work, http: Http, config: Config, state: State) -> None:
    remembered = state.feed(item.feed.name)
    try:
        item.polled = await poll(item.feed, http, config.max_feed_bytes,
                                 remembered.validators(item.feed.url))
    except FeedError as exc:
        item.report.error = f"{exc} ({item.feed.url})"
        item.retry_after = exc.retry_after or 0.0
        return
    except Exception as exc:  # a bug must cost this feed only, never the run
        item.report.error = f"{internal_error(exc)} ({item.feed.url})"
        return
    item.report.not_modified = item.polled.not_modified
    item.report.entry_errors.extend(item.polled.warnings)


def _classify(work: list[_Work], archive: Archive, state: State) -> None:
    """Split each feed's entries into new and known, in feeds.yaml order, once per run."""
    claimed: set[str] = set()
    wall = int(time.time() * 1000)
    for item in work:
        if item.polled is None:
            continue
        remembered = state.feed(item.feed.name).pending
        pending = [entry_from_dict(p["entry"]) for p in remembered]
        item.overdue = {p["entry"]["link"] for p in remembered
                        if wall - p.get("since_ms", wall) >= PENDING_DAYS * DAY_MS}
        entries = _trusted_guids(item, state)
        for entry in [*entries, *(e for e in pending if e is not None)]:
            keys = {identity(entry.link)}
            if entry.guid:
                keys.add(guid_key(entry.feed, entry.guid))
            if keys & claimed:
                continue
            claimed |= keys
            if archive.is_known(entry):
                item.report.known += 1
            else:
                item.new.append(entry)
        item.classified = True


def _trusted_guids(item: _Work, state: State) -> list[Entry]:
    """The feed's entries; without their guids if the feed gives one guid to different
    articles, as broken feeds do (each would hide the others), now or in an earlier run."""
    assert item.polled is not None
    entries = list(item.polled.entries)
    links_of: dict[str, set[str]] = {}
    for entry in entries:
        if entry.guid:
            links_of.setdefault(entry.guid, set()).add(identity(entry.link))
    remembered = state.feed(item.feed.name)
    if any(len(links) > 1 for links in links_of.values()) and not remembered.guids_unreliable:
        remembered.guids_unreliable = True
        item.report.notes.append("gives one guid to different articles: they are told apart "
                                 "by their links from now on")
    if remembered.guids_unreliable:
        entries = [replace(entry, guid=None) for entry in entries]
    return entries


async def _articles(item: _Work, http: Http, config: Config, extractor: Extractor,
                    progress: Progress | None) -> None:
    async def one(index: int, entry: Entry) -> None:
        try:
            if entry.link in item.overdue:
                article = from_summary(
                    entry, f"{entry.link}: the page could not be had for {PENDING_DAYS} days")
            else:
                article = await build_article(entry, item.feed, http, config, extractor)
            item.articles[index] = article
        except EntryError as exc:
            item.failed[index] = str(exc)
        except Exception as exc:  # a bug must cost this entry only (it is retried next run)
            item.failed[index] = f"{entry.link}: {internal_error(exc)}"
        if progress:
            progress.article_done()

    await asyncio.gather(*(one(i, entry) for i, entry in enumerate(item.new)))
    item.complete = True


def _render_all(work: list[_Work], archive: Archive, config: Config,
                now: int) -> list[tuple[Post, IndexLine]]:
    hosts = DEFAULT_VIDEO_HOSTS + config.video_hosts
    posts: list[tuple[Post, IndexLine]] = []
    for item in work:
        for index in sorted(item.articles):
            article = item.articles[index]
            try:
                post = render(article, item.feed, now, hosts)
            except EntryError as exc:
                item.report.entry_errors.append(f"{article.entry.link}: {exc}")
                continue
            except Exception as exc:  # a bug must cost this post only
                item.report.entry_errors.append(f"{article.entry.link}: {internal_error(exc)}")
                continue
            path = archive.settle_path(post.path, article.entry)
            posts.append((Post(entry=post.entry, path=path, text=post.text),
                          archive.remember(article.entry, path)))
            item.report.new += 1
            if article.note:
                item.report.notes.append(article.note)
    return posts


def _remember(work: list[_Work], state: State, interrupted: bool) -> None:
    """For the next run: validators, entries to retry (even on a 304), when to poll again."""
    wall = int(time.time() * 1000)
    for item in work:
        remembered = state.feed(item.feed.name)
        if item.classified:
            remembered.pending = _still_pending(item, remembered.pending, wall)
            remembered.url = item.feed.url
            remembered.etag = item.polled.etag if item.polled else None
            remembered.last_modified = item.polled.last_modified if item.polled else None
            if item.polled is None or not item.polled.not_modified:
                remembered.min_interval = item.polled.min_interval if item.polled else 0.0
            else:  # a 304 has no <ttl>: the one the feed gave last still holds
                remembered.min_interval = max(remembered.min_interval,
                                              item.polled.min_interval)
        remembered.last_poll_ms = wall
        remembered.new = item.report.new
        remembered.result = _result(item.report, interrupted and not item.complete)
        wait = min(max(item.feed.every, remembered.min_interval, item.retry_after), LONGEST_WAIT)
        remembered.next_poll_ms = wall + int(wait * (1 + random.uniform(0, JITTER)) * 1000)


def _still_pending(item: _Work, before: list[dict], wall: int) -> list[dict]:
    """This run's unfinished entries, with the time each first failed: after a week
    they are written from the feed's own content (see ``_articles``)."""
    since = {p["entry"]["link"]: p.get("since_ms", wall) for p in before}
    pending = []
    for index, entry in enumerate(item.new):
        if index in item.articles:
            continue
        if index in item.failed:
            item.report.entry_errors.append(item.failed[index])
        pending.append({"entry": entry_to_dict(entry), "since_ms": since.get(entry.link, wall)})
    return pending


def _result(report: FeedReport, interrupted: bool) -> str:
    if report.error:
        return f"failed: {report.error}"
    if interrupted:
        return f"{report.new} new, interrupted"
    if report.entry_errors:
        return f"{report.new} new, {len(report.entry_errors)} failed"
    return "not modified" if report.not_modified else f"{report.new} new"


def _leftovers(repo: Repo, archive: Archive, state: State, config: Config) -> list[str]:
    """Posts, index lines and pages a killed run wrote but did not commit: this run does.

    Asking git is the slow part of a run with nothing new over a large archive,
    so it is skipped when HEAD and the archive are as the last run left them.
    """
    if state.settled == [repo.head(), *archive.mark()]:
        return []
    index = repo.relative(archive.index_path)
    folders = {archive.folder, pages_folder(config)}
    found = []
    for status, path in repo.changed(*sorted(folders)):
        full = repo.top / path
        if not path.endswith(".md") or not full.exists():
            ours = path == index
        elif is_page(full):
            ours = True
        else:  # a post: ours only if never committed; an edit to a committed post is yours
            ours = status == "??" and read_from_link(full) is not None
        if ours:
            found.append(path)
    return found


def _commit(repo: Repo, paths: list[str], report: RunReport, config: Config,
            now: int) -> str | None:
    if not paths:
        return None
    counts = [f"{feed.name}: {feed.new}" for feed in report.feeds if feed.new]
    total = report.new
    subject = f"mirror: {total} new post{'s' if total != 1 else ''}" if total else \
        "mirror: complete an interrupted run"
    message = subject + ("\n\n" + "\n".join(counts) if counts else "") + "\n"
    when = now // 1000 if os.environ.get("SOURCE_DATE_EPOCH") else None
    try:
        return repo.commit(paths, message, parse_author(config.commit_author), when)
    except IndexNotSynced as exc:
        report.notes.append(str(exc))
        return exc.commit


def _push(repo: Repo, config: Config, folder: Path, report: RunReport, now: int) -> None:
    when = now // 1000 if os.environ.get("SOURCE_DATE_EPOCH") else None
    try:
        pushed = push.push(repo, config, folder, when)
    except GitError as exc:
        report.push_error = str(exc)
        return
    report.pushed = True
    report.notes.extend(pushed.notes)
    if pushed.rebased:
        report.notes.append(f"the remote had moved on: rebased {pushed.rebased} time(s)")
        report.commit = repo.head()  # the commit that was pushed, not the one made first
    if pushed.dropped:
        paths = ", ".join(path for path, _ in pushed.dropped[:3])
        report.notes.append(f"{len(pushed.dropped)} post(s) dropped: the remote already "
                            f"holds the same entries ({paths})")
        by_name = {feed.name: feed for feed in report.feeds}
        for _, feed in pushed.dropped:
            if feed in by_name and by_name[feed].new:
                by_name[feed].new -= 1
                by_name[feed].known += 1
