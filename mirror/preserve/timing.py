"""How long preservation may take: a share of what is left of the run, never all of it.

Keeping images, watching and snapshots must never hold up the posts: each
waits at most a share of the time the run has left before its ``run_timeout``
(and at most ``cap`` seconds), so that the posts are always written and
committed in time.
"""

from __future__ import annotations

from mirror import clock


class Budget:
    """A share of the time left until ``deadline`` (on ``clock.monotonic``); with no
    deadline, ``cap`` seconds."""

    def __init__(self, deadline: float | None, share: float, cap: float) -> None:
        self.deadline, self.share, self.cap = deadline, share, cap

    def left(self) -> float:
        """Seconds this work may still take, from now."""
        if self.deadline is None:
            return self.cap
        return max(0.0, min(self.cap, self.share * (self.deadline - clock.monotonic())))
