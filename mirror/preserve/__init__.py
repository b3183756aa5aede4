"""Preservation: keep what the source deletes (issue 11). Each part is opt-in in feeds.yaml.

- ``assets``: ``images: keep``, the images of new posts stored in the repository;
- ``kept_pages`` (``warc``): ``keep_pages: true``, each article page fetched, stored;
  ``reextract``: posts rendered again from them (``mirror reextract``);
- ``watch`` (``compare``, ``changes``): ``watch: 7d``, archived articles rechecked for
  edits and deletions, findings in the changes ledger and its page;
- ``wayback``: ``wayback: true``, each new article submitted to Save Page Now.

Nothing here may block, delay for long or fail the archiving of the posts:
each part is bounded in time (``timing``), and its failures are reported, never raised.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from mirror.models import Config, Plan, Written

if TYPE_CHECKING:  # imported only by runs that preserve something
    from mirror.archive.store import Archive
    from mirror.fetching.http import Http
    from mirror.preserve.run import Run


@dataclass
class Preserved:
    """What preservation adds to a run: files for its commit, notes, a commit subject."""

    changed: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    subject: str = ""


def wanted(config: Config) -> bool:
    """Whether any feed asks for any part of preservation."""
    return any(feed.images == "keep" or feed.keep_pages or feed.watch > 0 or feed.wayback
               for feed in config.feeds)


def start(config: Config, http: Http, archive: Archive, cache: Path, now_ms: int,
          wall_ms: int, dry_run: bool) -> Run | None:
    """The run's preservation, or None when nothing is to be preserved (or nothing written)."""
    if dry_run or not wanted(config):
        return None
    from mirror.preserve.run import Run

    return Run(config, http, archive, cache, now_ms, wall_ms)


async def finish(run: Run | None, plans: Sequence[Plan],
                 written: Mapping[tuple[int, int], Written],
                 stop: asyncio.Event | None) -> Preserved:
    """Watching and snapshots, once the posts are written (``written``: by feed and entry
    number); what they add to the run."""
    if run is None:
        return Preserved()
    return await run.finish(plans, [post for _, post in sorted(written.items())], stop)
