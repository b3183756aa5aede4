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
        raw = read_cache(path, STATE_VERSION) or {}
        try:
            feeds = {name: memory_from_dict(data) for name, data in raw.get("feeds", {}).items()}
        except (TypeError, AttributeError):
            feeds = {}
        return cls(path=path, feeds=feeds, settled=raw.get("settled"))

    def save(self) -> None:
        write_cache(self.path, STATE_VERSION, {
            "settled": self.settled,
            "feeds": {name: memory_to_dict(m) for name, m in sorted(self.feeds.items())}})


def read_cache(path: Path, version: int) -> dict[str, Any] | None:
    """A cache file's values; None when it is missing, damaged or of another version (a
    cache only ever costs bandwidth: never a reason to stop a run)."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return raw if isinstance(raw, dict) and raw.get("version") == version else None


def write_cache(path: Path, version: int, values: dict[str, Any]) -> None:
    """Write a cache file: atomically, without waiting for the disk (never the source of
    truth)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = json.dumps({"version": version, **values}, ensure_ascii=False, indent=1)
    atomic_write(path, data.encode("utf-8"), durable=False)


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
