"""What ``mirror status`` says of preservation, per feed, from committed files only.

Images kept (the manifest's lines), pages kept (the feed's folder of kept
pages), posts watched now, and changes found and snapshots made (the changes
ledger, each line's post naming its feed), so that a fresh clone shows the
same as the machine that made them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from mirror.models import Config
from mirror.preserve import changes, kept_pages, tsv
from mirror.preserve.assets import MANIFEST_NAME, assets_folder
from mirror.preserve.watched import watched_posts


@dataclass(frozen=True)
class Counts:
    images_kept: int = 0
    pages_kept: int = 0
    watched: int = 0
    changes: int = 0
    snapshots: int = 0


def feed_counts(config: Config, posts_by_feed: dict[str, list[str]],
                wall_ms: int) -> dict[str, Counts]:
    """Each feed's counts (none when no feed preserves anything)."""
    images = Counter(row[1] for row in tsv.read(assets_folder(config) / MANIFEST_NAME, 4))
    feed_of = {post: feed for feed, paths in posts_by_feed.items() for post in paths}
    found = changes.read_changes(config)
    edits = Counter(feed_of.get(c.post, "") for c in found if c.kind != "snapshot")
    snapshots = Counter(feed_of.get(c.post, "") for c in found if c.kind == "snapshot")
    watched = Counter(w.feed.name for w in watched_posts(config, config.feeds, posts_by_feed,
                                                         wall_ms))
    return {feed.name: Counts(
        images_kept=images[feed.name],
        pages_kept=len(kept_pages.kept_files(config, iter([feed.name]))),
        watched=watched[feed.name], changes=edits[feed.name], snapshots=snapshots[feed.name])
        for feed in config.feeds}
