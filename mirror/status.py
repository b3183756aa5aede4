"""``mirror status``: per feed, the last poll, its result, posts archived, the next poll."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from mirror.models import Config
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

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def feed_statuses(config: Config) -> list[FeedStatus]:
    workspace = Workspace.open(config)
    state = workspace.state()
    counts = workspace.archive().posts_by_feed
    statuses = []
    for feed in config.feeds:
        remembered = state.feeds.get(feed.name)
        if remembered is None or remembered.last_poll_ms is None:
            statuses.append(FeedStatus(feed.name, feed.url, None, "never polled",
                                       counts.get(feed.name, 0), None, 0))
            continue
        statuses.append(FeedStatus(
            name=feed.name, url=feed.url, last_poll=_iso(remembered.last_poll_ms),
            result=remembered.result, posts=counts.get(feed.name, 0),
            next_poll=_iso(remembered.next_poll_ms), pending=len(remembered.pending)))
    return statuses


def _iso(ms: int | None) -> str | None:
    if ms is None:
        return None
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
