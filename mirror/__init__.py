"""mirror: keep a git repository's archive in step with news feeds.

Use from Python::

    from mirror import load_config, run

    report = run(load_config("feeds.yaml"))
    for feed in report.feeds:
        print(feed.name, feed.new, feed.error or "")

Everything named in ``__all__`` is the public, typed API; the modules
behind it (``mirror.pipeline``, ``mirror.decide``, the ``fetching``,
``extraction``, ``publish`` and ``archive`` stages) may change. Names load
on first use, so ``import mirror`` stays cheap. Errors are the tree in
``mirror.errors``: ``ConfigError`` (feeds.yaml), ``LockError`` (another run
holds the archive), ``ArchiveError`` and ``GitError`` (disk and git); a
feed's or an entry's failure is reported in the ``RunReport``, not raised.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from mirror.version import __version__

_HOMES = {
    "load_config": "mirror.config",
    "run": "mirror.pipeline",
    "run_async": "mirror.pipeline",
    "Options": "mirror.pipeline",
    "feed_statuses": "mirror.status",
    "FeedStatus": "mirror.status",
    "write_index_pages": "mirror.maintenance",
    "rotate_posts": "mirror.maintenance",
    "Config": "mirror.models",
    "FeedConfig": "mirror.models",
    "Entry": "mirror.models",
    "RunReport": "mirror.models",
    "FeedReport": "mirror.models",
    "MirrorError": "mirror.errors",
    "ConfigError": "mirror.errors",
    "LockError": "mirror.errors",
    "FeedError": "mirror.errors",
    "EntryError": "mirror.errors",
    "ArchiveError": "mirror.errors",
    "GitError": "mirror.errors",
}
__all__ = [
    "ArchiveError", "Config", "ConfigError", "Entry", "EntryError", "FeedConfig", "FeedError",
    "FeedReport", "FeedStatus", "GitError", "LockError", "MirrorError", "Options", "RunReport",
    "__version__", "feed_statuses", "load_config", "rotate_posts", "run", "run_async",
    "write_index_pages",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'mirror' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


if TYPE_CHECKING:
    from mirror.config import load_config
    from mirror.errors import (
        ArchiveError,
        ConfigError,
        EntryError,
        FeedError,
        GitError,
        LockError,
        MirrorError,
    )
    from mirror.maintenance import rotate_posts, write_index_pages
    from mirror.models import Config, Entry, FeedConfig, FeedReport, RunReport
    from mirror.pipeline import Options, run, run_async
    from mirror.status import FeedStatus, feed_statuses
