"""The time of the run: the only place mirror reads the clock for content."""

from __future__ import annotations

import os
import re
import time

from mirror.errors import ConfigError


def now_ms() -> int:
    """``SOURCE_DATE_EPOCH`` (seconds) when set, so that runs are reproducible; else the clock."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        if not re.fullmatch(r"[0-9]{1,12}", epoch):
            raise ConfigError(f"SOURCE_DATE_EPOCH: {epoch!r} is not a whole number of seconds")
        return int(epoch) * 1000
    return time.time_ns() // 1_000_000
