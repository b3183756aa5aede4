"""``wayback: true``: each new article submitted to the Wayback Machine's Save Page Now.

A snapshot by a third party is a copy anyone can cite. Each new article's
link is queued (in the cache) and submitted with ``GET <wayback_url><link>``
at most once every ``wayback_every`` (the anonymous limit is low), within the
run's share of time: what is left waits for the next run. A ``429`` stops
the submissions for the run, and the next run waits for its ``Retry-After``;
a submission that fails is tried again on later runs, for up to a week.
The address of the snapshot the service answers with (``Content-Location``,
or where it redirects to) goes into the changes ledger.
"""

from __future__ import annotations

import asyncio
from dataclasses import asdict, dataclass, field
from pathlib import Path

from mirror import clock
from mirror.fetching.http import Http, HTTPFailure, Response
from mirror.models import Config
from mirror.preserve.changes import Change, stamp
from mirror.preserve.timing import Budget
from mirror.state import read_cache, write_cache
from mirror.urls import identity, normalise, redact

MEMORY_NAME = "wayback.json"
MEMORY_VERSION = 1
WEEK_MS = 7 * 86_400_000
SUBMIT_TIMEOUT = 120.0  # Save Page Now loads the page itself before it answers
BACK_OFF_MS = 3_600_000  # after a 429 that says not how long: an hour


@dataclass(frozen=True)
class Queued:
    """A link waiting to be submitted, since when (wall-clock ms)."""

    link: str
    post: str
    feed: str
    since: int


@dataclass
class Queue:
    """The cache file: the links waiting, and when the service may next be asked."""

    path: Path
    waiting: list[Queued] = field(default_factory=list)
    not_before: int = 0  # wall-clock ms
    last: int = 0  # wall-clock ms of the last submission

    @classmethod
    def load(cls, folder: Path) -> Queue:
        path = folder / MEMORY_NAME
        raw = read_cache(path, MEMORY_VERSION)
        try:
            waiting = [Queued(**item) for item in raw["waiting"]]  # type: ignore[index]
            return cls(path, waiting, int(raw["not_before"]), int(raw["last"]))  # type: ignore[index]
        except (ValueError, TypeError, KeyError):
            return cls(path)

    def add(self, link: str, post: str, feed: str, since: int) -> None:
        if all(identity(q.link) != identity(link) for q in self.waiting):
            self.waiting.append(Queued(link, post, feed, since))

    def save(self) -> None:
        write_cache(self.path, MEMORY_VERSION, {
            "not_before": self.not_before, "last": self.last,
            "waiting": [asdict(q) for q in self.waiting]})


@dataclass
class Submitted:
    """What one run's submissions did."""

    snapshots: list[Change] = field(default_factory=list)
    submitted: int = 0
    failed: int = 0
    notes: list[str] = field(default_factory=list)

    def summary(self, waiting: int) -> str:
        return f"wayback: {self.submitted} submitted, {len(self.snapshots)} snapshot(s) " \
               f"recorded, {self.failed} failed, {waiting} waiting"


class Submitter:
    """Submits a queue's links within a run's share of time, at the configured rate."""

    def __init__(self, config: Config, http: Http, queue: Queue, wall_ms: int, now_ms: int,
                 budget: Budget) -> None:
        self.config, self.http, self.queue = config, http, queue
        self.wall_ms, self.now_ms, self.budget = wall_ms, now_ms, budget
        self.result = Submitted()
        self.started = clock.monotonic()

    async def run(self, done: set[str]) -> Submitted:
        """Submit what waits (links in ``done`` already have a snapshot: dropped)."""
        self._drop(done)
        if self.queue.waiting and self.wall_ms >= self.queue.not_before:
            try:
                async with asyncio.timeout(self.budget.left()):
                    await self._submit_all()
            except TimeoutError:
                pass  # the rest waits for the next run
        return self.result

    def _drop(self, done: set[str]) -> None:
        kept = []
        for queued in self.queue.waiting:
            if identity(queued.link) in done:
                continue
            if self.wall_ms - queued.since > WEEK_MS:
                self.result.notes.append(f"wayback: {redact(queued.link)} could not be "
                                         "submitted for a week; given up")
                continue
            kept.append(queued)
        self.queue.waiting = kept

    async def _submit_all(self) -> None:
        every = self.config.wayback_every
        first_wait = max(0.0, (self.queue.last + every * 1000 - self.wall_ms) / 1000)
        for queued in list(self.queue.waiting):
            ahead = first_wait + self.result.submitted * every - self._elapsed()
            if ahead > 0:
                await asyncio.sleep(ahead)
            if not await self._submit(queued):
                return

    async def _submit(self, queued: Queued) -> bool:
        """One submission; whether to go on with the next."""
        self.result.submitted += 1
        self.queue.last = self.wall_ms + int(self._elapsed() * 1000)
        try:
            response = await self.http.get(self.config.wayback_url + queued.link,
                                           timeout=SUBMIT_TIMEOUT,
                                           max_bytes=self.config.max_page_bytes)
        except HTTPFailure as failure:
            return self._failed(queued, failure)
        snapshot = snapshot_address(response, self.config.wayback_url)
        if snapshot is None:
            self.result.failed += 1
            return True
        self.queue.waiting.remove(queued)
        self.result.snapshots.append(Change(stamp(self.now_ms), "snapshot", queued.link,
                                            queued.post, snapshot))
        return True

    def _elapsed(self) -> float:
        return clock.monotonic() - self.started

    def _failed(self, queued: Queued, failure: HTTPFailure) -> bool:
        """A failed submission stays queued; a 429, a 5xx or an unreachable service ends
        this run's submissions (after a 429, the next run waits for its Retry-After)."""
        self.result.failed += 1
        if failure.status == 429:
            wait_ms = int(failure.retry_after * 1000) if failure.retry_after else BACK_OFF_MS
            self.queue.not_before = self.wall_ms + int(self._elapsed() * 1000) + wait_ms
        if failure.transient:  # the service's trouble (429, 5xx, down), not the link's
            self.result.notes.append(f"wayback: {redact(queued.link)}: {failure}; "
                                     f"{len(self.queue.waiting)} link(s) wait for a later run")
        return not failure.transient


def snapshot_address(response: Response, save_url: str) -> str | None:
    """The snapshot's address in Save Page Now's answer: its ``Content-Location``, or the
    ``/web/`` address it redirected to; None when it gave none."""
    location = response.headers.get("content-location")
    if location and "/web/" in location:
        return normalise(location, base=save_url)
    if "/web/" in response.url:
        return response.url
    return None
