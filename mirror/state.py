"""What mirror remembers between runs outside the archive: never the source of truth.

One JSON file in the archive's cache folder (see ``workspace``). Losing it
only costs bandwidth: conditional GET validators, entries whose page failed
transiently (retried even when their feed then answers 304), and the last
result of each feed for ``mirror status`` and the scheduler.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mirror.archive.atomic import atomic_write
from mirror.models import Entry, FeedMemory, Pending

STATE_VERSION = 1
STATE_NAME = "state.json"


@dataclass
class State:
    """The cache file: each feed's memory, and how the archive was last left."""

    path: Path
    feeds: dict[str, FeedMemory] = field(default_factory=dict)
    # HEAD and the archive's mark when a run last left everything committed
    settled: list[Any] | None = None

    @classmethod
    def load(cls, folder: Path) -> State:
        path = folder / STATE_NAME
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            if raw.get("version") != STATE_VERSION:
                raise ValueError("old version")
            feeds = {name: memory_from_dict(data) for name, data in raw.get("feeds", {}).items()}
            settled = raw.get("settled")
        except (OSError, ValueError, TypeError, AttributeError):
            feeds, settled = {}, None
        return cls(path=path, feeds=feeds, settled=settled)

    def save(self) -> None:
        data = {"version": STATE_VERSION, "settled": self.settled,
                "feeds": {name: memory_to_dict(m) for name, m in sorted(self.feeds.items())}}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(self.path, json.dumps(data, ensure_ascii=False, indent=1).encode(),
                     durable=False)


def memory_to_dict(memory: FeedMemory) -> dict[str, Any]:
    data = {f.name: getattr(memory, f.name) for f in dataclasses.fields(memory)}
    data["pending"] = [{"entry": dataclasses.asdict(p.entry), "since_ms": p.since_ms}
                       for p in memory.pending]
    return data


def memory_from_dict(data: dict[str, Any]) -> FeedMemory:
    """A feed's memory; a hand-edited or damaged cache must not stop a run."""
    known = {f.name for f in dataclasses.fields(FeedMemory)}
    values = {key: value for key, value in data.items() if key in known and key != "pending"}
    pending = tuple(p for p in map(_pending, data.get("pending") or []) if p is not None)
    return FeedMemory(**values, pending=pending)


def _pending(data: Any) -> Pending | None:
    if not isinstance(data, dict) or not isinstance(data.get("entry"), dict):
        return None
    entry = entry_from_dict(data["entry"])
    since = data.get("since_ms")
    if entry is None:
        return None
    return Pending(entry=entry, since_ms=since if isinstance(since, int) else None)


def entry_from_dict(data: dict[str, Any]) -> Entry | None:
    try:
        return Entry(**data)
    except TypeError:
        return None
