"""What mirror remembers between runs outside the archive: never the source of truth.

Kept in ``.git/mirror/`` (never tracked, never shown by ``git status``), or
in the user's cache folder when the archive is not in a git work tree, or
where ``MIRROR_CACHE_DIR`` says. Losing it only costs bandwidth: conditional
GET validators, entries whose page failed transiently (retried even when
their feed then answers 304), and the last result of each feed for
``mirror status`` and the scheduler.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import filelock

from mirror.archive import atomic_write
from mirror.errors import LockError
from mirror.git import Repo
from mirror.models import Entry

STATE_VERSION = 1


def state_dir(archive: Path, repo: Repo | None) -> Path:
    override = os.environ.get("MIRROR_CACHE_DIR")
    if override:
        return Path(override)
    if repo is not None:
        return repo.git_dir / "mirror"
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "mirror" / hashlib.sha1(str(archive.resolve()).encode()).hexdigest()[:16]


@contextlib.contextmanager
def run_lock(folder: Path, wait: float) -> Iterator[None]:
    """Hold the archive's lock; LockError when another run keeps it past ``wait`` seconds."""
    folder.mkdir(parents=True, exist_ok=True)
    lock = filelock.FileLock(folder / "lock", timeout=wait)
    try:
        lock.acquire()
    except filelock.Timeout:
        holder = _read_holder(folder)
        raise LockError(f"another mirror run{holder} is using this archive; "
                        f"gave up after waiting {wait:g}s") from None
    try:
        (folder / "lock.pid").write_text(str(os.getpid()))
        yield
    finally:
        lock.release()


def _read_holder(folder: Path) -> str:
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

    def validators(self, url: str) -> tuple[str | None, str | None]:
        """ETag and Last-Modified, only while they belong to the feed's current URL."""
        return (self.etag, self.last_modified) if url == self.url else (None, None)


@dataclass
class State:
    path: Path
    feeds: dict[str, FeedState] = field(default_factory=dict)

    @classmethod
    def load(cls, folder: Path) -> State:
        path = folder / "state.json"
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            if raw.get("version") != STATE_VERSION:
                raise ValueError("old version")
            feeds = {name: FeedState(**data) for name, data in raw.get("feeds", {}).items()}
        except (OSError, ValueError, TypeError):
            feeds = {}
        return cls(path=path, feeds=feeds)

    def feed(self, name: str) -> FeedState:
        return self.feeds.setdefault(name, FeedState())

    def save(self) -> None:
        data = {"version": STATE_VERSION,
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
