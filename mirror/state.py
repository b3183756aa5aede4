"""What mirror remembers between runs outside the archive: never the source of truth.

Kept in ``.git/mirror/`` (never tracked, never shown by ``git status``), or
in the user's cache folder when the archive is not in a git work tree, or
where ``MIRROR_CACHE_DIR`` says. Losing it only costs bandwidth: conditional
GET validators, entries whose page failed transiently (retried even when
their feed then answers 304), and the last result of each feed for
``mirror status`` and the scheduler.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hashlib
import json
import os
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import filelock

from mirror.archive.atomic import atomic_write
from mirror.errors import LockError
from mirror.git import Repo
from mirror.models import Entry

STATE_VERSION = 1
LOCK_POLL = 0.2  # seconds between tries for the lock


def lock_dir(archive: Path, repo: Repo | None) -> Path:
    """Where the lock lives: one per repository, as all runs in it share its git state."""
    override = os.environ.get("MIRROR_CACHE_DIR")
    if override:
        return Path(override)
    if repo is not None:
        return repo.git_dir / "mirror"
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "mirror" / _key(str(archive.resolve()))


def state_dir(archive: Path, repo: Repo | None) -> Path:
    """The cache of one archive: two feeds.yaml in a repository never share one."""
    # The repository is part of the key: MIRROR_CACHE_DIR may be shared by several.
    place = str(archive.resolve())
    return lock_dir(archive, repo) / _key(place)


def _key(place: str) -> str:
    readable = re.sub(r"[^A-Za-z0-9_.-]+", "_", place).strip("._")[-40:]
    return f"{readable or 'root'}-{hashlib.sha1(place.encode()).hexdigest()[:8]}"


@contextlib.asynccontextmanager
async def hold_lock(folder: Path, wait: float,
                    stop: asyncio.Event | None = None) -> AsyncIterator[None]:
    """The repository's lock: one run at a time; LockError after ``wait`` seconds, or
    as soon as a stop is asked for while waiting."""
    if wait < 0:
        raise LockError(f"cannot wait {wait:g}s for the lock")
    folder.mkdir(parents=True, exist_ok=True)
    lock = filelock.FileLock(folder / "lock", thread_local=False)
    deadline = time.monotonic() + wait
    while True:
        try:
            lock.acquire(timeout=0)
            break
        except filelock.Timeout:
            pass
        if stop is not None and stop.is_set():
            raise LockError("stopped while waiting for another mirror run to finish")
        if time.monotonic() >= deadline:
            raise LockError(f"another mirror run{_holder(folder)} is using this archive; "
                            f"gave up after waiting {wait:g}s")
        await asyncio.sleep(min(LOCK_POLL, max(0.0, deadline - time.monotonic())))
    try:
        (folder / "lock.pid").write_text(str(os.getpid()))
        yield
    finally:
        lock.release()


def _holder(folder: Path) -> str:
    try:
        pid = (folder / "lock.pid").read_text().strip()
    except OSError:
        return ""
    return f" (pid {pid})" if pid.isdigit() else ""


@dataclass
class FeedState:
    url: str = ""
    etag: str | None = None
    last_modified: str | None = None
    last_poll_ms: int | None = None
    result: str = ""
    new: int = 0
    next_poll_ms: int | None = None
    min_interval: float = 0.0
    pending: list[dict[str, Any]] = field(default_factory=list)
    guids_unreliable: bool = False  # the feed gave one guid to different articles

    def validators(self, url: str) -> tuple[str | None, str | None]:
        """ETag and Last-Modified, only while they belong to the feed's current URL."""
        return (self.etag, self.last_modified) if url == self.url else (None, None)


@dataclass
class State:
    path: Path
    feeds: dict[str, FeedState] = field(default_factory=dict)
    # HEAD and the archive's mark when a run last left everything committed
    settled: list[Any] | None = None

    @classmethod
    def load(cls, folder: Path) -> State:
        path = folder / "state.json"
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            if raw.get("version") != STATE_VERSION:
                raise ValueError("old version")
            feeds = {name: FeedState(**data) for name, data in raw.get("feeds", {}).items()}
            for remembered in feeds.values():  # a hand-edited cache must not stop a run
                remembered.pending = [p for p in remembered.pending
                                      if isinstance(p, dict) and isinstance(p.get("entry"), dict)
                                      and entry_from_dict(p["entry"]) is not None]
            settled = raw.get("settled")
        except (OSError, ValueError, TypeError, AttributeError):
            feeds, settled = {}, None
        return cls(path=path, feeds=feeds, settled=settled)

    def feed(self, name: str) -> FeedState:
        return self.feeds.setdefault(name, FeedState())

    def save(self) -> None:
        data = {"version": STATE_VERSION, "settled": self.settled,
                "feeds": {name: dataclasses.asdict(s) for name, s in sorted(self.feeds.items())}}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(self.path, json.dumps(data, ensure_ascii=False, indent=1).encode())


def entry_to_dict(entry: Entry) -> dict[str, Any]:
    return dataclasses.asdict(entry)


def entry_from_dict(data: dict[str, Any]) -> Entry | None:
    try:
        return Entry(**data)
    except TypeError:
        return None
