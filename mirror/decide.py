"""Every decision of a run, as pure functions handed ``now``: no I/O, no clock.

``plan`` turns what the polls gave, what the cache remembers and what the
archive knows into one ``Plan`` per feed:

- an entry is new unless the archive holds its link or its guid; an entry that
  two feeds (or one feed twice) carry is taken once, by the first;
- entries whose page failed in an earlier run are tried again, even when their
  feed now answers ``304``; after ``PENDING_DAYS`` they are *overdue* and are
  written from the feed's own content;
- a feed that gives one guid to different articles (each would hide the
  others) has its guids ignored from then on, and is told apart by links.

``remember`` turns a plan and what became of it into what the cache keeps for
the next run: validators, pending entries, the result, the next poll time.
``next_poll_ms`` is when a feed is due, for ``mirror run``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Protocol

from mirror.models import (
    Entry,
    FeedConfig,
    FeedMemory,
    FeedReport,
    Outcome,
    Pending,
    Plan,
    Polled,
    PollFailure,
)
from mirror.urls import guid_key, identity, redact

PENDING_DAYS = 7
DAY_MS = 86_400_000
LONGEST_WAIT = 7 * 86_400.0  # whatever a feed asks, poll it at least weekly
JITTER = 0.1  # polls come up to 10 % later than due, so many mirrors do not poll in step
UNRELIABLE_NOTE = ("gives one guid to different articles: they are told apart by their "
                   "links from now on")


class Known(Protocol):
    """What the archive holds: is this entry archived already?"""

    def is_known(self, entry: Entry) -> bool: ...


def entry_keys(entry: Entry) -> set[str]:
    """The identities an entry claims: its link, and its guid when it has one."""
    keys = {identity(entry.link)}
    if entry.guid:
        keys.add(guid_key(entry.feed, entry.guid))
    return keys


# ------------------------------------------------------------------ planning

def plan(polls: Sequence[Polled | PollFailure], memory: Mapping[str, FeedMemory],
         known: Known, now_ms: int) -> tuple[Plan, ...]:
    """One plan per feed, in the order of the polls (the order of feeds.yaml)."""
    claimed: set[str] = set()
    plans = []
    for poll in polls:
        before = memory.get(poll.feed.name, FeedMemory())
        if isinstance(poll, PollFailure):
            plans.append(Plan(feed=poll.feed, error=poll.error, retry_after=poll.retry_after,
                              guids_unreliable=before.guids_unreliable))
        else:
            plans.append(_plan_feed(poll, before, known, claimed, now_ms))
    return tuple(plans)


def _plan_feed(polled: Polled, before: FeedMemory, known: Known, claimed: set[str],
               now_ms: int) -> Plan:
    unreliable = before.guids_unreliable or _gives_one_guid_to_many(polled.entries)
    notes = (UNRELIABLE_NOTE,) if unreliable and not before.guids_unreliable else ()
    entries = [replace(e, guid=None) for e in polled.entries] if unreliable \
        else list(polled.entries)
    overdue = frozenset(p.entry.link for p in before.pending
                        if p.since_ms is not None and now_ms - p.since_ms >= PENDING_DAYS * DAY_MS)
    new: list[Entry] = []
    count_known = 0
    for entry in [*entries, *(p.entry for p in before.pending)]:
        keys = entry_keys(entry)
        if keys & claimed:
            continue
        claimed |= keys
        if known.is_known(entry):
            count_known += 1
        else:
            new.append(entry)
    return Plan(feed=polled.feed, polled=polled, new=tuple(new), known=count_known,
                overdue=overdue & {e.link for e in new}, guids_unreliable=unreliable,
                notes=notes)


def _gives_one_guid_to_many(entries: Sequence[Entry]) -> bool:
    links_of: dict[str, set[str]] = {}
    for entry in entries:
        if entry.guid:
            links_of.setdefault(entry.guid, set()).add(identity(entry.link))
    return any(len(links) > 1 for links in links_of.values())


# ------------------------------------------------------------------ reporting

def report(plan: Plan, outcome: Outcome, dropped: int = 0) -> FeedReport:
    """The feed's report: ``dropped`` posts were duplicates of what a push found remotely."""
    written = outcome.written
    dropped = min(dropped, len(written))
    notes = [*plan.notes, *(w.note for w in written if w.note)]
    errors = [] if plan.error else [*_poll_warnings(plan), *(e for _, e in outcome.failed)]
    return FeedReport(name=plan.feed.name, new=len(written) - dropped,
                      known=plan.known + dropped, not_modified=plan.not_modified,
                      error=plan.error, entry_errors=tuple(errors), notes=tuple(notes),
                      line=plan.feed.line,
                      image_errors=tuple(e for w in written for e in w.image_errors))


def _poll_warnings(plan: Plan) -> tuple[str, ...]:
    return plan.polled.warnings if plan.polled is not None else ()


def result_text(report: FeedReport, complete: bool) -> str:
    """The feed's last result in a few words, as ``mirror status`` shows it."""
    if report.error:
        return f"failed: {report.error}"
    if not complete:
        return f"{report.new} new, interrupted"
    if report.entry_errors:
        return f"{report.new} new, {len(report.entry_errors)} failed"
    return "not modified" if report.not_modified else f"{report.new} new"


def run_status(plan: Plan, outcome: Outcome, now_ms: int) -> dict[str, object]:
    """What the status file committed with the posts says of the feed's run."""
    report_now = report(plan, outcome)
    when = datetime.fromtimestamp(now_ms // 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {"last_run": when, "result": result_text(report_now, outcome.complete),
            "pending": len(plan.new) - len(outcome.written) if plan.polled else None}


# ------------------------------------------------------------------ remembering

def remember(plan: Plan, outcome: Outcome, report: FeedReport, before: FeedMemory,
             now_ms: int) -> FeedMemory:
    """What the cache keeps of the feed for the next run."""
    memory = replace(before, last_poll_ms=now_ms, new=report.new,
                     result=result_text(report, outcome.complete),
                     guids_unreliable=plan.guids_unreliable)
    polled = plan.polled
    if polled is not None:
        min_interval = polled.min_interval if not polled.not_modified else \
            max(before.min_interval, polled.min_interval)  # a 304 has no <ttl>: the last holds
        memory = replace(memory, url=redact(plan.feed.url), etag=polled.etag,
                         last_modified=polled.last_modified, min_interval=min_interval,
                         pending=_still_pending(plan, outcome, before, now_ms))
    elif not before.belongs_to(plan.feed.url):  # a new or moved feed that failed: schedule it
        memory = replace(memory, url=redact(plan.feed.url), etag=None, last_modified=None)
    memory = replace(memory, retry_after=plan.retry_after)
    return replace(memory, next_poll_ms=next_poll_ms(plan.feed, memory))


def _still_pending(plan: Plan, outcome: Outcome, before: FeedMemory,
                   now_ms: int) -> tuple[Pending, ...]:
    """The planned entries not written, each with the time it first failed."""
    since = {p.entry.link: p.since_ms for p in before.pending if p.since_ms is not None}
    done = {w.entry.link for w in outcome.written}
    return tuple(Pending(entry=e, since_ms=since.get(e.link, now_ms))
                 for e in plan.new if e.link not in done)


def _spread(name: str, now_ms: int) -> float:
    """A number in [0, 1) that differs between feeds and runs, the same for the same inputs."""
    digest = hashlib.sha1(f"{name}\0{now_ms}".encode()).digest()
    return int.from_bytes(digest[:4], "big") / 2**32


# ------------------------------------------------------------------ scheduling

def next_poll_ms(feed: FeedConfig, memory: FeedMemory | None) -> int | None:
    """When the feed is next due; None when it was never polled (or its URL changed).

    ``every`` from feeds.yaml as it is now (a shortened one takes effect at
    once), never sooner than the feed's ``<ttl>``, ``max-age`` or
    ``Retry-After`` allow, never later than a week, and up to ``JITTER`` later.
    """
    if memory is None or not memory.belongs_to(feed.url) or memory.last_poll_ms is None:
        return None
    wait = min(max(feed.every, memory.min_interval, memory.retry_after), LONGEST_WAIT)
    jitter = 1 + JITTER * _spread(feed.name, memory.last_poll_ms)
    return memory.last_poll_ms + int(wait * jitter * 1000)


def due(feeds: Sequence[FeedConfig], memory: Mapping[str, FeedMemory],
        now_ms: int) -> tuple[tuple[str, ...], float]:
    """The names of the feeds due now, and the seconds until the next other one is due."""
    names, soonest = [], float("inf")
    for feed in feeds:
        at = next_poll_ms(feed, memory.get(feed.name))
        if at is None or at <= now_ms:
            names.append(feed.name)
        else:
            soonest = min(soonest, (at - now_ms) / 1000)
    return tuple(names), soonest
