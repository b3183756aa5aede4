"""Where a command works: the repository, the cache folder, the lock and the archive.

Every command (fetch, run, status, index, rotate, push) finds them here,
once: the git work tree holding the archive (or none), this archive's cache
folder, the lock that keeps one run at a time per repository, and the
archive as it stands on disk.

The cache lives in ``.git/mirror/`` (never tracked, never shown by ``git
status``), in the user's cache folder (platformdirs: where each OS expects it)
when the archive is not in a git work tree, or where ``MIRROR_CACHE_DIR`` says.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import filelock

from mirror import clock, preserve
from mirror.archive.index_pages import is_page, pages_folder
from mirror.archive.rotate import Rotated, finish_rotation, rotation_done
from mirror.archive.run_status import status_path
from mirror.archive.scan import read_from_link
from mirror.archive.store import Archive, open_archive
from mirror.errors import ConfigError, LockError
from mirror.git import IndexNotSynced, Repo
from mirror.models import Config
from mirror.preserve import places
from mirror.report import commit_message
from mirror.state import State

LOCK_POLL = 0.2  # seconds between tries for the lock


@dataclass(frozen=True)
class Workspace:
    """The places one command works with, found once."""

    config: Config
    repo: Repo | None
    cache: Path  # this archive's own cache folder
    lock_folder: Path  # one per repository: all runs in it share its git state

    @classmethod
    def open(cls, config: Config) -> Workspace:
        repo = Repo.find(config.archive)
        lock_folder = _lock_folder(config.archive, repo)
        # The archive is part of the key: two feeds.yaml in a repository, or several
        # repositories sharing MIRROR_CACHE_DIR, never share a cache.
        return cls(config=config, repo=repo, lock_folder=lock_folder,
                   cache=lock_folder / _key(str(config.archive.resolve())))

    def git_repo(self, why: str) -> Repo:
        """The repository, or ConfigError saying why one is needed."""
        if self.repo is None:
            raise ConfigError(f"{why}: {self.config.archive} is not in a git repository")
        return self.repo

    @contextlib.asynccontextmanager
    async def locked(self, wait: float, stop: asyncio.Event | None = None,
                     say: Callable[[str], None] | None = None) -> AsyncIterator[None]:
        """The repository's lock: one run at a time; LockError after ``wait`` seconds, or
        as soon as a stop is asked for while waiting (which ``say`` is told of)."""
        if wait < 0:
            raise LockError(f"cannot wait {wait:g}s for the lock")
        self.lock_folder.mkdir(parents=True, exist_ok=True)
        lock = filelock.FileLock(self.lock_folder / "lock", thread_local=False)
        deadline = clock.monotonic() + wait
        if not _acquired(lock) and wait > 0 and say is not None:
            say(f"another mirror run{self._holder()} is using this archive; "
                f"waiting up to {wait:g}s for it to finish")
        while not lock.is_locked and not _acquired(lock):
            if stop is not None and stop.is_set():
                raise LockError("stopped while waiting for another mirror run to finish")
            if clock.monotonic() >= deadline:
                raise LockError(f"another mirror run{self._holder()} is using this archive; "
                                f"gave up after waiting {wait:g}s")
            await asyncio.sleep(min(LOCK_POLL, max(0.0, deadline - clock.monotonic())))
        try:
            (self.lock_folder / "lock.pid").write_text(str(os.getpid()))
            yield
        finally:
            lock.release()

    def _holder(self) -> str:
        try:
            pid = (self.lock_folder / "lock.pid").read_text().strip()
        except OSError:
            return ""
        return f" (pid {pid})" if pid.isdigit() else ""

    def archive(self, read_only: bool = False) -> Archive:
        """The archive as it stands (from the cache's snapshot while that is current)."""
        return open_archive(self.config, self.cache, read_only)

    def state(self) -> State:
        return State.load(self.cache)

    def leftovers(self, archive: Archive, state: State) -> list[str]:
        """Posts, ledger lines and index pages a killed run wrote but did not commit.

        Asking git is the slow part of a run with nothing new over a large
        archive, so it is skipped when HEAD and the archive are as the last run
        left them.
        """
        repo = self.repo
        if repo is None or state.settled == self.settled(archive):
            return []
        ledger = repo.relative(archive.index_path)
        run_file = status_path(self.config)
        found = []
        folders = {archive.folder, pages_folder(self.config), run_file.parent}
        preserving = preserve.wanted(self.config)  # its images, pages, changes too
        folders |= set(places.folders(self.config)) if preserving else set()
        for status, path in repo.changed(*sorted(folders)):
            full = repo.top / path
            if preserving and full.exists() and places.is_ours(self.config, full):
                ours = True
            elif not path.endswith(".md") or not full.exists():
                ours = path in (ledger, repo.relative(run_file))
            elif is_page(full):
                ours = True
            else:  # a post: ours only if never committed; an edit to a committed post is yours
                ours = status == "??" and read_from_link(full) is not None
            if ours:
                found.append(path)
        return found

    def settled(self, archive: Archive) -> list[object]:
        """What tells that nothing changed since a run left everything committed."""
        extra = places.mark(self.config) if preserve.wanted(self.config) else []
        return [self.repo.head() if self.repo else None, *archive.mark(), *extra]

    def commit(self, paths: list[str], message: str, when_ms: int | None = None) -> str | None:
        """Commit exactly these paths (relative to the repository's top) as they are on disk;
        dated ``when_ms`` when the run's time is pinned by ``SOURCE_DATE_EPOCH``."""
        repo = self.git_repo("commit")
        when = when_ms // 1000 if when_ms is not None and clock.pinned_epoch() is not None \
            else None
        return repo.commit(paths, message, self.config.commit_author, when)


    def commit_run(self, changed: list[Path], leftovers: list[str],
                   counts: list[tuple[str, int]], now_ms: int, notes: list[str],
                   subject: str = "") -> str | None:
        """Commit a run's files and what a killed run left; a note when git's index could
        not be brought along (the commit is made all the same). ``subject``: the commit's
        subject when the run wrote no post (changes found at the sources)."""
        repo = self.git_repo("commit")
        paths = sorted({*(repo.relative(path) for path in changed), *leftovers})
        if not paths:
            return None
        message = commit_message(counts)
        if subject and not any(count for _, count in counts):
            message = subject + "\n"
        try:
            return self.commit(paths, message, now_ms)
        except IndexNotSynced as exc:
            notes.append(str(exc))
            return exc.commit

    def finish_rotation(self, commit: bool) -> str | None:
        """Finish, and commit, the moves of a rotation a killed run left half done."""
        return self.commit_rotation(finish_rotation(self.config, self.cache), commit)

    def commit_rotation(self, rotated: Rotated, commit: bool) -> str | None:
        made = None
        if rotated.moved and commit and self.repo is not None:
            made = self.commit(sorted({self.repo.relative(p) for p in rotated.changed}),
                               rotated.message)
        rotation_done(self.cache)
        return made


def _acquired(lock: filelock.FileLock) -> bool:
    try:
        lock.acquire(timeout=0)
    except filelock.Timeout:
        return False
    return True


def _lock_folder(archive: Path, repo: Repo | None) -> Path:
    override = os.environ.get("MIRROR_CACHE_DIR")
    if override:
        return Path(override)
    if repo is not None:
        return repo.git_dir / "mirror"
    # Where each OS keeps caches: $XDG_CACHE_HOME (else ~/.cache) on Linux,
    # ~/Library/Caches on macOS, %LOCALAPPDATA% on Windows.
    from platformdirs import user_cache_path

    return user_cache_path("mirror", appauthor=False) / _key(str(archive.resolve()))


def _key(place: str) -> str:
    readable = re.sub(r"[^A-Za-z0-9_.-]+", "_", place).strip("._")[-40:]
    return f"{readable or 'root'}-{hashlib.sha1(place.encode()).hexdigest()[:8]}"
