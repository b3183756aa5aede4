"""``mirror check --online``: poll each feed once and say what a run would archive.

The feeds are polled by the run's own code (``poll``, then ``decide.plan``
against the archive and the cache as they stand), without the stored validators
so that every entry is seen, and nothing is written: no post, no cache, no commit.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from mirror import clock, decide
from mirror.articles import needs_page
from mirror.errors import FeedError, internal_error
from mirror.fetching.http import DEFAULT_USER_AGENT, Http, RequestHook
from mirror.fetching.poll import poll
from mirror.models import Config, FeedConfig, Polled, PollFailure
from mirror.workspace import Workspace


@dataclass(frozen=True)
class Preview:
    """What a run would do with one feed: its entries, the new ones and where their
    bodies would come from; or why the feed could not be polled."""

    name: str
    entries: int = 0
    new: int = 0
    from_feed: int = 0
    from_page: int = 0
    warnings: tuple[str, ...] = ()
    error: str | None = None
    line: int = 0

    def line_text(self) -> str:
        """``美国之音: 20 entries, 3 new (2 from the feed, 1 from their pages)``."""
        if self.error:
            return f"{self.name}: failed: {self.error}"
        text = f"{self.name}: {self.entries} entr{'y' if self.entries == 1 else 'ies'}, " \
               f"{self.new} new"
        if self.new:
            text += f" ({self.from_feed} from the feed, {self.from_page} from " \
                    f"{'its page' if self.from_page == 1 else 'their pages'})"
        if self.warnings:
            text += f"; {len(self.warnings)} cannot be archived"
        return text


async def preview(config: Config, feeds: Sequence[FeedConfig],
                  on_request: RequestHook | None = None) -> list[Preview]:
    """Poll the feeds once and say, for each, what a run would archive. Writes nothing."""
    workspace = Workspace.open(config)
    archive, memory = workspace.archive(read_only=True), workspace.state().feeds
    deadline = clock.monotonic() + config.run_timeout
    async with Http(config.limits, DEFAULT_USER_AGENT, deadline, on_request=on_request) as http:
        polls = await asyncio.gather(*(_poll(feed, http, config) for feed in feeds))
    plans = decide.plan(polls, memory, archive, clock.wall_ms())
    previews = []
    for polled, plan in zip(polls, plans, strict=True):
        if isinstance(polled, PollFailure):
            previews.append(Preview(name=plan.feed.name, error=polled.error,
                                    line=plan.feed.line))
            continue
        pages = sum(1 for entry in plan.new if needs_page(entry, plan.feed))
        previews.append(Preview(name=plan.feed.name, entries=len(polled.entries),
                                new=len(plan.new), from_feed=len(plan.new) - pages,
                                from_page=pages, warnings=polled.warnings,
                                line=plan.feed.line))
    return previews


async def _poll(feed: FeedConfig, http: Http, config: Config) -> Polled | PollFailure:
    try:
        return await poll(feed, http, config.max_feed_bytes)
    except FeedError as exc:
        return PollFailure(feed, f"{exc} ({feed.url})")
    except Exception as exc:  # a bug must cost this feed only
        return PollFailure(feed, f"{internal_error(exc)} ({feed.url})")
