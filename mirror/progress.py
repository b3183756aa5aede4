"""Progress in a terminal (rich); nothing in CI, pipes and logs, which get plain lines."""

from __future__ import annotations

import os
import sys
from types import TracebackType


def wanted() -> bool:
    return sys.stderr.isatty() and not os.environ.get("CI") and os.environ.get("TERM") != "dumb"


class TerminalProgress:
    """Two bars on standard error, cleared when the run ends: feeds polled, articles done."""

    def __init__(self) -> None:
        # rich is loaded only when bars are shown: runs in CI, cron and pipes never need it
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        self._bars = Progress(TextColumn("{task.description:>8}"), BarColumn(),
                              MofNCompleteColumn(), TimeElapsedColumn(),
                              console=Console(stderr=True), transient=True)
        self._feeds = self._bars.add_task("feeds", total=0)
        self._articles = self._bars.add_task("articles", total=0)

    def __enter__(self) -> TerminalProgress:
        self._bars.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._bars.stop()

    def feeds(self, total: int) -> None:
        self._bars.update(self._feeds, total=total, completed=0)
        self._bars.update(self._articles, total=0, completed=0)

    def feed_done(self) -> None:
        self._bars.advance(self._feeds)

    def articles(self, more: int) -> None:
        task = self._bars.tasks[self._articles]
        self._bars.update(self._articles, total=(task.total or 0) + more)

    def article_done(self) -> None:
        self._bars.advance(self._articles)
