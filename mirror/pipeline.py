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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from mirror import clock, decide, preserve
from mirror.archive.index_pages import write_pages
from mirror.archive.run_status import merged, read_status, status_path, write_status
from mirror.archive.store import Archive
from mirror.config import select_feeds
from mirror.errors import EntryError, FeedError, internal_error
from mirror.fetching.http import DEFAULT_USER_AGENT, Http, RequestHook
from mirror.fetching.poll import poll
from mirror.models import (
    NOT_PUSHED,
    Config,
    Entry,
    FeedConfig,
    FeedMemory,
    FeedReport,
    Outcome,
    Plan,
    Polled,
    PollFailure,
    Progress,
    RunReport,
    Written,
)
from mirror.state import State
from mirror.stopping import until_stopped
from mirror.urls import redact
from mirror.workspace import Workspace

if TYPE_CHECKING:
    from mirror.articles import Articles


@dataclass(frozen=True)
class Options:
    """How to run: which feeds, whether to commit and push, how long to wait for another run."""

    feeds: tuple[str, ...] = ()
    commit: bool = True
    wait: float = 300.0
    progress: Progress | None = None
    push: bool = False
    shard: tuple[int, int] | None = None
    say: Callable[[str], None] | None = None  # where a line about waiting goes
    dry_run: bool = False  # everything but writing: no posts, no cache, no commit
    refresh: bool = False  # poll without the stored validators (no 304)
    on_request: RequestHook | None = None  # told of each HTTP request (-v)


def run(config: Config, *, feeds: Sequence[str] = (), commit: bool = True, push: bool = False,
        shard: tuple[int, int] | None = None, wait: float = 300.0, dry_run: bool = False,
        refresh: bool = False) -> RunReport:
    """Run once over the configured (or the named) feeds; the report says what happened.

    Raises ConfigError (say, a feed name that is not in the configuration),
    LockError (another run held the archive for ``wait`` seconds), ArchiveError
    or GitError; a feed's or an entry's failure is in the report instead.
    """
    options = Options(feeds=tuple(feeds), commit=commit, push=push, shard=shard, wait=wait,
                      dry_run=dry_run, refresh=refresh)
    return asyncio.run(run_async(config, options))


async def run_async(config: Config, options: Options = Options(),
                    stop: asyncio.Event | None = None) -> RunReport:
    feeds = select_feeds(config, options.feeds, options.shard)
    workspace = Workspace.open(config)
    if options.dry_run:  # it only reads: no lock to take
        return await _run(workspace, feeds, options, stop)
    if options.push:
        workspace.git_repo("--push")
    async with workspace.locked(options.wait, stop, options.say):
        return await _run(workspace, feeds, options, stop)


async def _run(workspace: Workspace, feeds: tuple[FeedConfig, ...], options: Options,
               stop: asyncio.Event | None) -> RunReport:
    config, now, wall, dry = workspace.config, clock.now_ms(), clock.wall_ms(), options.dry_run
    committing = workspace.repo is not None and options.commit and not dry
    if not dry:
        workspace.finish_rotation(committing)  # one a killed run left half done
    state, archive = workspace.state(), workspace.archive(read_only=dry)
    leftovers = workspace.leftovers(archive, state) if committing else []
    deadline = clock.monotonic() + config.run_timeout
    async with Http(config.limits, DEFAULT_USER_AGENT, deadline,
                    on_request=options.on_request) as http:
        keep = preserve.start(config, http, archive, workspace.cache, now, wall, dry)
        shell = _Shell(config, http, archive, now, options, keep)
        interrupted = not await until_stopped(shell.network(feeds, state.feeds, wall), stop)
        kept = await preserve.finish(keep, shell.found.plans, shell.found.written, stop)
    plans = shell.found.plans or tuple(Plan(feed=feed) for feed in feeds)
    outcomes = [shell.found.outcome(i, plan) for i, plan in enumerate(plans)]
    changed, notes = _record(workspace, archive, shell.found, leftovers, now) if not dry else \
        ([], ["dry run: nothing was written, committed or remembered"])
    changed, notes = [*changed, *kept.changed], [*notes, *kept.notes]
    commit, push = None, NOT_PUSHED
    if committing:
        counts = [(p.feed.name, len(o.written)) for p, o in zip(plans, outcomes, strict=True)]
        commit = workspace.commit_run(changed, leftovers, counts, now, notes, kept.subject)
        if options.push:
            from mirror.push import publish  # only --push runs need it

            push = publish(workspace, now)
            commit = push.head or commit
        state.settled = workspace.settled(archive)
    reports = tuple(decide.report(plan, outcome, push.dropped.get(plan.feed.name, 0))
                    for plan, outcome in zip(plans, outcomes, strict=True))
    if not dry:
        _remember(state, plans, outcomes, reports, wall)
    return RunReport(feeds=reports, commit=commit, recovered=len(leftovers),
                     interrupted=interrupted, notes=(*notes, *push.notes),
                     pushed=push.pushed, push_error=push.error)


def _record(workspace: Workspace, archive: Archive, found: _Found, leftovers: list[str],
            now: int) -> tuple[list[Path], list[str]]:
    """The ledger's lines for the posts written, in plan order, then the index pages and the
    status file: the files changed, and notes for the report."""
    config = workspace.config
    lines = [archive.remember(w.entry, w.path) for _, w in sorted(found.written.items())]
    archive.record(lines)
    changed = [config.archive / line.path for line in lines]
    notes: list[str] = []
    if lines or leftovers:
        archive.save_snapshot()
        pages = write_pages(config, archive)
        changed += [archive.index_path, *pages.written]
        notes += pages.notes
        runs = {plan.feed.name: decide.run_status(plan, found.outcome(i, plan), now)
                for i, plan in enumerate(found.plans)}
        path = status_path(config)
        if write_status(path, merged(read_status(path), runs)):
            changed.append(path)
    if workspace.repo is None and lines:
        notes.append(f"{config.archive} is not in a git work tree: the posts are written, "
                     "nothing is committed")
    return changed, notes


def _remember(state: State, plans: Sequence[Plan], outcomes: Sequence[Outcome],
              reports: Sequence[FeedReport], wall: int) -> None:
    for plan, outcome, report in zip(plans, outcomes, reports, strict=True):
        before = state.feeds.get(plan.feed.name, FeedMemory())
        state.feeds[plan.feed.name] = decide.remember(plan, outcome, report, before, wall)
    state.save()


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

    def __init__(self, config: Config, http: Http, archive: Archive, now: int,
                 options: Options, keep: preserve.Run | None = None) -> None:
        self.config, self.http, self.archive, self.now = config, http, archive, now
        self.progress, self.options, self.keep = options.progress, options, keep
        self.found = _Found()

    async def network(self, feeds: Sequence[FeedConfig], memory: dict[str, FeedMemory],
                      wall: int) -> None:
        if self.progress:
            self.progress.feeds(len(feeds))
        polls = await asyncio.gather(*(self._poll(feed, memory) for feed in feeds))
        plans = decide.plan(polls, memory, self.archive, wall)
        self.found.plans = plans
        if not any(plan.new for plan in plans):
            return
        from mirror.articles import Articles  # only a run with new entries makes posts

        async with Articles(self.config, self.http, self.archive, self.now,
                            write=not self.options.dry_run, keep=self.keep) as articles:
            paths = articles.settle_paths(plans)
            if self.progress:
                self.progress.articles(sum(len(plan.new) for plan in plans))
            await asyncio.gather(*(self._feed_articles(articles, i, plan, paths)
                                   for i, plan in enumerate(plans)))

    async def _poll(self, feed: FeedConfig,
                    memory: dict[str, FeedMemory]) -> Polled | PollFailure:
        validators = memory.get(feed.name, FeedMemory()).validators(feed.url) \
            if not self.options.refresh else (None, None)
        try:
            return await poll(feed, self.http, self.config.max_feed_bytes, validators)
        except FeedError as exc:
            return PollFailure(feed, f"{exc} ({redact(feed.url)})", exc.retry_after or 0.0)
        except Exception as exc:  # a bug must cost this feed only, never the run
            return PollFailure(feed, f"{internal_error(exc)} ({redact(feed.url)})")
        finally:
            if self.progress:
                self.progress.feed_done()

    async def _feed_articles(self, articles: Articles, i: int, plan: Plan,
                             paths: dict[tuple[int, int], str]) -> None:
        await asyncio.gather(*(self._article(articles, i, j, entry, plan, paths[i, j])
                               for j, entry in enumerate(plan.new)))
        self.found.tried.add(i)

    async def _article(self, articles: Articles, i: int, j: int, entry: Entry, plan: Plan,
                       path: str) -> None:
        try:
            self.found.written[i, j] = await articles.write(entry, plan, path)
        except EntryError as exc:
            self.found.failed[i, j] = str(exc)
        except Exception as exc:  # a bug must cost this entry only (it is retried next run)
            self.found.failed[i, j] = f"{entry.link}: {internal_error(exc)}"
        if self.progress:
            self.progress.article_done()
