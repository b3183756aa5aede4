"""``mirror status``: per feed, the last poll, its result, posts archived, the next poll.

From this machine's cache; for a feed it has never polled (a fresh clone of
a mirror that CI keeps), from the status file committed with the posts,
which says what the last committing run did (``source`` tells which).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime

from mirror import clock, preserve
from mirror.archive.run_status import read_status, status_path
from mirror.models import Config
from mirror.urls import redact
from mirror.workspace import Workspace


@dataclass(frozen=True)
class FeedStatus:
    name: str
    url: str
    last_poll: str | None
    result: str
    posts: int
    next_poll: str | None
    pending: int
    source: str = "cache"  # "cache", "committed" (the status file) or "none"
    # Preservation (mirror.preserve), from committed files: 0 when it is off.
    images_kept: int = 0
    pages_kept: int = 0
    watched: int = 0
    changes: int = 0
    snapshots: int = 0

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def feed_statuses(config: Config) -> list[FeedStatus]:
    workspace = Workspace.open(config)
    state = workspace.state()
    archive = workspace.archive(read_only=True)
    counts = archive.posts_by_feed
    committed = read_status(status_path(config))
    statuses = []
    for feed in config.feeds:
        remembered = state.feeds.get(feed.name)
        if remembered is None or remembered.last_poll_ms is None:
            run = committed.get(feed.name)
            statuses.append(FeedStatus(
                feed.name, redact(feed.url), run["last_run"] if run else None,
                str(run.get("result", "")) if run else "never polled",
                counts.get(feed.name, 0), None,
                int(run.get("pending") or 0) if run else 0, "committed" if run else "none"))
            continue
        statuses.append(FeedStatus(
            name=feed.name, url=redact(feed.url), last_poll=_iso(remembered.last_poll_ms),
            result=remembered.result, posts=counts.get(feed.name, 0),
            next_poll=_iso(remembered.next_poll_ms), pending=len(remembered.pending)))
    if not preserve.wanted(config):
        return statuses
    from mirror.preserve.counts import feed_counts

    kept = feed_counts(config, archive.posts_by_feed_now(), clock.wall_ms())
    return [replace(s, **vars(kept[s.name])) for s in statuses]


def _iso(ms: int | None) -> str | None:
    if ms is None:
        return None
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
