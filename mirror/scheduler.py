"""``mirror run``: poll each feed on its own schedule until asked to stop.

Each feed is polled every ``every`` (plus up to 10 % jitter), never sooner
than its ``<ttl>``, ``Cache-Control: max-age`` or ``Retry-After`` allow; the
schedule lives in the cache, so a restart keeps it. Feeds that fall due
together are run as one cycle of the ordinary pipeline, which commits when
it archived something. feeds.yaml is read again when it changes. SIGTERM or
SIGINT stops it: what is being written is finished and committed, and it
exits 0.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from mirror import clock, decide
from mirror.config import load_config, select_feeds
from mirror.errors import ConfigError, LockError
from mirror.models import Config, RunReport
from mirror.pipeline import Options, run_async
from mirror.stopping import stop_on_signals
from mirror.workspace import Workspace

IDLE_CHECK = 60.0  # seconds between looks at feeds.yaml when nothing is due sooner
LOCKED_RETRY = 30.0


async def serve(config_path: Path, options: Options,
                report: Callable[[RunReport], None],
                warn: Callable[[str], None],
                say: Callable[[str], None] | None = print) -> int:
    """Run cycles until SIGTERM/SIGINT; 0 on a clean stop. After each cycle ``say`` gets
    one timestamped line: what was polled, what it gave, when the next poll is."""
    stop = stop_on_signals()
    config = load_config(config_path)
    select_feeds(config, options.feeds)  # a --feed that names no feed: say so now
    loaded = _mtime(config_path)
    while not stop.is_set():
        config, loaded = _reload(config_path, config, loaded, warn)
        due, wait = due_feeds(config, options.feeds)
        if due:
            try:
                done = await run_async(config, replace(options, feeds=due), stop)
                report(done)
                if say is not None:
                    say(cycle_line(done, due_feeds(config, options.feeds)[1]))
            except LockError as exc:
                if stop.is_set():
                    break
                warn(f"{exc}; trying again in {LOCKED_RETRY:g}s")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=LOCKED_RETRY)
            continue
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=min(wait, IDLE_CHECK))
    return 0


def cycle_line(done: RunReport, next_in: float) -> str:
    """``2026-12-02T04:50:00Z cycle: 3 feeds polled, 2 new, 1 failed; next poll in 14m``"""
    stamp = datetime.fromtimestamp(clock.wall_ms() // 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    count = len(done.feeds)
    text = f"{stamp} cycle: {count} feed{'s' if count != 1 else ''} polled, {done.new} new"
    failed = sum(1 for feed in done.feeds if feed.failed)
    if failed:
        text += f", {failed} failed"
    return text + f"; next poll in {_duration(next_in)}"


def _duration(seconds: float) -> str:
    if seconds == float("inf"):
        return "-"
    seconds = max(0, round(seconds))
    if seconds < 120:
        return f"{seconds}s"
    if seconds < 7200:
        return f"{round(seconds / 60)}m"
    return f"{seconds / 3600:.1f}h"


def due_feeds(config: Config, chosen: tuple[str, ...]) -> tuple[tuple[str, ...], float]:
    """The feeds due now, and the seconds until the next one is due otherwise."""
    memory = Workspace.open(config).state().feeds
    feeds = [feed for feed in config.feeds if not chosen or feed.name in chosen]
    return decide.due(feeds, memory, clock.wall_ms())


def _reload(path: Path, config: Config, loaded: float,
            warn: Callable[[str], None]) -> tuple[Config, float]:
    """feeds.yaml again when it changed; the old one stays in force when the new one is bad."""
    current = _mtime(path)
    if current == loaded:
        return config, loaded
    try:
        return load_config(path), current
    except ConfigError as exc:
        warn(f"{exc}; still using the previous configuration")
        return config, current


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0
