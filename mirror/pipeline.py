"""One run: poll -> decide -> (fetch -> extract) -> render -> archive -> git -> RunReport.

A thin shell of I/O around ``decide``, which makes every decision. The feeds
are polled at once; the plans are made; every new entry's article is had
concurrently (CPU-heavy extraction in worker processes) and its post written
as soon as it is ready, at a path settled beforehand in the order of
feeds.yaml, so that the same inputs always give the same files whatever order
responses arrive in. The ledger gets its lines at the end, in that same
order, and one commit holds the run. Errors are kept per feed and per entry:
one broken feed or entry never stops the others.

A stop request (SIGTERM, Ctrl-C) cuts the network work short; what was
complete is still committed, and what was not is retried by the next run.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

from mirror import clock, decide
from mirror.archive.index_pages import write_pages
from mirror.archive.store import Archive
from mirror.articles import Extractor, build_article, from_summary, needs_page
from mirror.config import select_feeds
from mirror.errors import EntryError, FeedError, GitError, internal_error
from mirror.fetching.http import DEFAULT_USER_AGENT, Http
from mirror.fetching.poll import poll
from mirror.git import IndexNotSynced
from mirror.models import (
    Config,
    Entry,
    FeedConfig,
    FeedMemory,
    Outcome,
    Plan,
    Polled,
    PollFailure,
    RunReport,
    Written,
)
from mirror.publish.render import preferred_path, render
from mirror.workspace import Workspace


class Progress(Protocol):
    """What a progress display is told as a run goes on."""

    def feeds(self, total: int) -> None: ...
    def feed_done(self) -> None: ...
    def articles(self, more: int) -> None: ...
    def article_done(self) -> None: ...


@dataclass(frozen=True)
class Options:
    """How to run: which feeds, whether to commit and push, how long to wait for another run."""

    feeds: tuple[str, ...] = ()
    commit: bool = True
    wait: float = 300.0
    progress: Progress | None = None
    push: bool = False
    shard: tuple[int, int] | None = None


def run(config: Config, options: Options = Options()) -> RunReport:
    """Run once over the configured (or chosen) feeds; the report says what happened."""
    return asyncio.run(run_async(config, options))


async def run_async(config: Config, options: Options = Options(),
                    stop: asyncio.Event | None = None) -> RunReport:
    feeds = select_feeds(config, options.feeds, options.shard)
    workspace = Workspace.open(config)
    if options.push:
        workspace.git_repo("--push")
    async with workspace.locked(options.wait, stop):
        return await _run(workspace, feeds, options, stop)


async def _run(workspace: Workspace, feeds: tuple[FeedConfig, ...], options: Options,
               stop: asyncio.Event | None) -> RunReport:
    config, now, wall = workspace.config, clock.now_ms(), clock.wall_ms()
    committing = workspace.repo is not None and options.commit
    workspace.finish_rotation(committing)  # one a killed run left half done
    state, archive = workspace.state(), workspace.archive()
    leftovers = workspace.leftovers(archive, state) if committing else []
    deadline = clock.monotonic() + config.run_timeout
    async with Http(config.limits, DEFAULT_USER_AGENT, deadline) as http, \
            Extractor() as extractor:
        shell = _Shell(config, http, extractor, archive, now, options.progress)
        network = shell.network(feeds, state.feeds, wall)
        interrupted = not await _unless_stopped(network, stop)
    found = shell.found
    plans = found.plans or tuple(Plan(feed=feed) for feed in feeds)
    outcomes = [found.outcome(i, plans[i]) for i in range(len(plans))]
    lines = [archive.remember(w.entry, w.path) for _, w in sorted(found.written.items())]
    archive.record(lines)
    changed = [config.archive / line.path for line in lines]
    notes: list[str] = []
    if lines or leftovers:
        archive.save_snapshot()
        pages = write_pages(config, archive)
        changed += [archive.index_path, *pages.written]
        notes += pages.notes
    if workspace.repo is None and lines:
        notes.append(f"{config.archive} is not in a git work tree: the posts are written, "
                     "nothing is committed")
    commit, push = None, _Pushed()
    if committing:
        assert workspace.repo is not None
        paths = sorted({*(workspace.repo.relative(p) for p in changed), *leftovers})
        commit = _commit(workspace, paths, plans, outcomes, now, notes)
        if options.push:
            push = _push(workspace, now)
            commit = push.head or commit
        state.settled = workspace.settled(archive)
    reports = tuple(decide.report(plan, outcome, push.dropped.get(plan.feed.name, 0))
                    for plan, outcome in zip(plans, outcomes, strict=True))
    for plan, outcome, report in zip(plans, outcomes, reports, strict=True):
        before = state.feeds.get(plan.feed.name, FeedMemory())
        state.feeds[plan.feed.name] = decide.remember(plan, outcome, report, before, wall)
    state.save()
    return RunReport(feeds=reports, commit=commit, recovered=len(leftovers),
                     interrupted=interrupted, notes=(*notes, *push.notes),
                     pushed=push.pushed, push_error=push.error)


@dataclass
class _Found:
    """What the run has had so far, kept as it comes so that a stop keeps what was done."""

    plans: tuple[Plan, ...] = ()
    written: dict[tuple[int, int], Written] = field(default_factory=dict)
    failed: dict[tuple[int, int], str] = field(default_factory=dict)
    tried: set[int] = field(default_factory=set)  # feeds whose every entry was tried

    def outcome(self, feed: int, plan: Plan) -> Outcome:
        written = sorted(key for key in self.written if key[0] == feed)
        failed = sorted(key for key in self.failed if key[0] == feed)
        return Outcome(written=tuple(self.written[key] for key in written),
                       failed=tuple((plan.new[key[1]], self.failed[key]) for key in failed),
                       complete=feed in self.tried or not plan.new)


class _Shell:
    """The I/O of one run's network part: polls, then every planned entry's article."""

    def __init__(self, config: Config, http: Http, extractor: Extractor, archive: Archive,
                 now: int, progress: Progress | None) -> None:
        self.config, self.http, self.extractor = config, http, extractor
        self.archive, self.now, self.progress = archive, now, progress
        self.found = _Found()

    async def network(self, feeds: Sequence[FeedConfig], memory: dict[str, FeedMemory],
                      wall: int) -> None:
        if self.progress:
            self.progress.feeds(len(feeds))
        polls = await asyncio.gather(*(self._poll(feed, memory) for feed in feeds))
        plans = decide.plan(polls, memory, self.archive, wall)
        self.found.plans = plans
        paths = self._settle_paths(plans)
        if any(needs_page(entry, plan.feed) for plan in plans for entry in plan.new):
            self.extractor.start()
        if self.progress:
            self.progress.articles(sum(len(plan.new) for plan in plans))
        await asyncio.gather(*(self._feed_articles(i, plan, paths)
                               for i, plan in enumerate(plans)))

    async def _poll(self, feed: FeedConfig,
                    memory: dict[str, FeedMemory]) -> Polled | PollFailure:
        validators = memory.get(feed.name, FeedMemory()).validators(feed.url)
        try:
            return await poll(feed, self.http, self.config.max_feed_bytes, validators)
        except FeedError as exc:
            return PollFailure(feed, f"{exc} ({feed.url})", exc.retry_after or 0.0)
        except Exception as exc:  # a bug must cost this feed only, never the run
            return PollFailure(feed, f"{internal_error(exc)} ({feed.url})")
        finally:
            if self.progress:
                self.progress.feed_done()

    def _settle_paths(self, plans: Sequence[Plan]) -> dict[tuple[int, int], str]:
        """Each new entry's post path, settled in the order of feeds.yaml before any page
        arrives: which of two colliding posts gets the plain name never depends on timing."""
        return {(i, j): self.archive.settle_path(preferred_path(entry, plan.feed, self.now),
                                                 entry)
                for i, plan in enumerate(plans) for j, entry in enumerate(plan.new)}

    async def _feed_articles(self, i: int, plan: Plan,
                             paths: dict[tuple[int, int], str]) -> None:
        await asyncio.gather(*(self._article(i, j, entry, plan, paths[i, j])
                               for j, entry in enumerate(plan.new)))
        self.found.tried.add(i)

    async def _article(self, i: int, j: int, entry: Entry, plan: Plan, path: str) -> None:
        try:
            self.found.written[i, j] = await self._write(entry, plan, path)
        except EntryError as exc:
            self.found.failed[i, j] = str(exc)
        except Exception as exc:  # a bug must cost this entry only (it is retried next run)
            self.found.failed[i, j] = f"{entry.link}: {internal_error(exc)}"
        if self.progress:
            self.progress.article_done()

    async def _write(self, entry: Entry, plan: Plan, path: str) -> Written:
        if entry.link in plan.overdue:
            article = from_summary(entry, f"{entry.link}: the page could not be had for "
                                          f"{decide.PENDING_DAYS} days")
        else:
            article = await build_article(entry, plan.feed, self.http, self.config,
                                          self.extractor)
        try:
            post = render(article, plan.feed, self.now, self._video_hosts)
        except EntryError as exc:
            raise EntryError(f"{entry.link}: {exc}") from None
        self.archive.write_post(replace(post, path=path))
        return Written(entry=entry, path=path, note=article.note)

    @property
    def _video_hosts(self) -> tuple[str, ...]:
        return self.config.video_hosts


async def _unless_stopped(work: Awaitable[None], stop: asyncio.Event | None) -> bool:
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


def _commit(workspace: Workspace, paths: list[str], plans: Sequence[Plan],
            outcomes: Sequence[Outcome], now: int, notes: list[str]) -> str | None:
    if not paths:
        return None
    counts = [f"{plan.feed.name}: {len(outcome.written)}"
              for plan, outcome in zip(plans, outcomes, strict=True) if outcome.written]
    total = sum(len(outcome.written) for outcome in outcomes)
    subject = f"mirror: {total} new post{'s' if total != 1 else ''}" if total else \
        "mirror: complete an interrupted run"
    message = subject + ("\n\n" + "\n".join(counts) if counts else "") + "\n"
    try:
        return workspace.commit(paths, message, now)
    except IndexNotSynced as exc:
        notes.append(str(exc))
        return exc.commit


@dataclass(frozen=True)
class _Pushed:
    pushed: bool = False
    error: str | None = None
    head: str | None = None  # the commit that was pushed, when a rebase made a new one
    dropped: dict[str, int] = field(default_factory=dict)  # duplicates of the remote's, by feed
    notes: tuple[str, ...] = ()


def _push(workspace: Workspace, now: int) -> _Pushed:
    from mirror import push

    try:
        pushed = push.push(workspace, now)
    except GitError as exc:
        return _Pushed(error=str(exc))
    notes = list(pushed.notes)
    if pushed.rebased:
        notes.append(f"the remote had moved on: rebased {pushed.rebased} time(s)")
    dropped: dict[str, int] = {}
    if pushed.dropped:
        paths = ", ".join(path for path, _ in pushed.dropped[:3])
        notes.append(f"{len(pushed.dropped)} post(s) dropped: the remote already holds the "
                     f"same entries ({paths})")
        for _, feed in pushed.dropped:
            dropped[feed] = dropped.get(feed, 0) + 1
    head = workspace.repo.head() if pushed.rebased and workspace.repo else None
    return _Pushed(pushed=True, head=head, dropped=dropped, notes=tuple(notes))
