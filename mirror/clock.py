"""The only place mirror reads the clock.

Two times: ``now_ms`` is the time of the run as posts and commits show it
(``SOURCE_DATE_EPOCH`` when set, so that the same inputs give the same
files); ``wall_ms`` is the real time, for schedules and waiting periods,
which must move on even when the content's time is pinned.
"""

from __future__ import annotations

import os
import re
import time

from mirror.errors import ConfigError


def now_ms() -> int:
    """``SOURCE_DATE_EPOCH`` (seconds) when set, so that runs are reproducible; else the clock."""
    epoch = pinned_epoch()
    return epoch * 1000 if epoch is not None else wall_ms()


def pinned_epoch() -> int | None:
    """``SOURCE_DATE_EPOCH`` in seconds, or None when it is not set."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not epoch:
        return None
    if not re.fullmatch(r"[0-9]{1,12}", epoch):
        raise ConfigError(f"SOURCE_DATE_EPOCH: {epoch!r} is not a whole number of seconds")
    return int(epoch)


def wall_ms() -> int:
    """The real time in epoch milliseconds."""
    return time.time_ns() // 1_000_000


def monotonic() -> float:
    """Seconds on a clock that never goes back, for deadlines within a run."""
    return time.monotonic()
