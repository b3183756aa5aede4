"""The time of the run: the only place mirror reads the clock for content."""

from __future__ import annotations

import os
import time

from mirror.errors import ConfigError


def now_ms() -> int:
    """``SOURCE_DATE_EPOCH`` (seconds) when set, so that runs are reproducible; else the clock."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        if not epoch.isdigit():
            raise ConfigError(f"SOURCE_DATE_EPOCH: {epoch!r} is not a whole number of seconds")
        return int(epoch) * 1000
    return time.time_ns() // 1_000_000
