"""The archive on disk: which entries it holds, and writing new posts into it.

The committed archive is the state: each post's ``from:`` link, and the
index file beside the posts (``index``) with the guids. Loading it from
scratch means reading the index, listing the folder and reading the posts
the index does not list. A run with nothing new over 100,000 posts cannot
afford that every time, so what a load found is kept in the cache
(``known.marshal``) together with the index's size and time and each
folder's modification time: while none of them changed, the snapshot is the
archive.

Posts are written to a temporary file and renamed into place, then the
index is appended to: a run killed at any moment leaves whole posts or
nothing, and the next run picks up what it left.
"""

from __future__ import annotations

import hashlib
import marshal
from collections.abc import Iterable
from pathlib import Path

from mirror.archive.atomic import atomic_write
from mirror.archive.ledger import INDEX_NAME, IndexLine, append_index, read_index
from mirror.archive.scan import Listing, folders_unchanged, list_posts, read_fronts
from mirror.errors import ArchiveError
from mirror.models import Config, Entry, Post
from mirror.urls import guid_key, identity

SNAPSHOT_NAME = "known.marshal"
POSTS_SNAPSHOT_NAME = "posts.marshal"  # read only when the index pages are written
SNAPSHOT_VERSION = 1


def open_archive(config: Config, cache_dir: Path | None, read_only: bool = False) -> Archive:
    """The archive of a configuration, loaded; its generated index pages are not posts.
    ``read_only``: nothing is written, not even to the cache (a dry run)."""
    from mirror.archive.index_pages import skipped_in_archive

    return Archive(config.archive, cache_dir, skipped_in_archive(config), read_only).load()


class Archive:
    """The set of archived entries, and the folder new posts go to."""

    def __init__(self, folder: Path, cache_dir: Path | None = None,
                 skip: frozenset[str] = frozenset(), read_only: bool = False) -> None:
        self.folder = folder
        self.read_only = read_only
        self.skip = skip
        self.index_path = folder / INDEX_NAME
        self.cache_dir = cache_dir
        self.links: set[str] = set()
        self.guids: set[str] = set()
        self.posts_by_feed: dict[str, int] = {}
        self.post_count = 0
        self._folders: dict[str, int] = {}
        self._index_seen: list[int] = [-1, -1]
        self._names: set[str] | None = None
        self._stale = False  # changed by someone else since it was loaded
        self._writing = False
        self._paths: dict[str, str] | None = None  # post path -> feed, read when asked for
        self._snapshot_marks: list[object] | None = None
        self._written: dict[str, str] = {}

    # ------------------------------------------------------------- reading

    def load(self) -> Archive:
        """What the archive holds: from the snapshot while it is current, else from disk."""
        if not self._load_snapshot():
            self._load_from_disk()
            self.save_snapshot()
        return self

    def is_known(self, entry: Entry) -> bool:
        if identity(entry.link) in self.links:
            return True
        return entry.guid is not None and guid_key(entry.feed, entry.guid) in self.guids

    def remember(self, entry: Entry, path: str) -> IndexLine:
        """Count an entry as archived from now on (its line goes to the index on write)."""
        line = IndexLine(path=path, feed=entry.feed, guid=entry.guid or "", link=entry.link)
        self._add(line.feed, line.guid, line.link)
        self.names.add(path.lower())
        return line

    def _add(self, feed: str, guid: str, link: str) -> None:
        self.links.add(identity(link))
        if guid:
            self.guids.add(guid_key(feed, guid))
        self.posts_by_feed[feed] = self.posts_by_feed.get(feed, 0) + 1

    def _load_from_disk(self) -> None:
        self._index_seen = self._index_stat()  # before reading: a later change shows
        indexed = set()
        for path, feed, guid, link in read_index(self.index_path):
            self._add(feed, guid, link)
            indexed.add(path)
        listing = self._listing()
        self.post_count = len(listing.files)
        self._folders = listing.folders
        self._names = {path.lower() for path in [*listing.files, *indexed]}
        uncovered = [path for path in listing.files if path not in indexed]
        fronts = read_fronts(self.folder, uncovered, self.cache_dir, save=not self.read_only)
        for link, feed in fronts.values():
            if link:
                self.links.add(identity(link))
                self.posts_by_feed[feed] = self.posts_by_feed.get(feed, 0) + 1
        self._paths = self._feed_of_posts(listing.files, fronts)

    def _feed_of_posts(self, files: list[str],
                       fronts: dict[str, list[str]] | None = None) -> dict[str, str]:
        """Each post in the folder and its feed: the ledger's (its last line for a path is
        the post there now), else the first category of a post mirror did not write."""
        on_disk = set(files)
        paths = {path: feed for path, feed, _, _ in read_index(self.index_path)
                 if path in on_disk}
        uncovered = sorted(on_disk - set(paths))
        if fronts is None:
            fronts = read_fronts(self.folder, uncovered, self.cache_dir, save=not self.read_only)
        for path in uncovered:
            link, feed = fronts.get(path, ["", ""])
            if link:
                paths[path] = feed or "(unknown)"
        return paths

    def posts_by_feed_now(self) -> dict[str, list[str]]:
        """The posts in the archive folder now, by feed: what the index pages list."""
        if self._paths is None:
            self._paths = self._load_posts_snapshot()
        if self._paths is None:
            self._paths = self._feed_of_posts(self._listing().files)
        by_feed: dict[str, list[str]] = {}
        for path, feed in self._paths.items():
            by_feed.setdefault(feed, []).append(path)
        return by_feed

    def _listing(self) -> Listing:
        return list_posts(self.folder, self.skip, tidy=not self.read_only)

    @property
    def names(self) -> set[str]:
        """Lower-cased paths that are taken, on any file system: every post on disk, and
        every path the index ever gave (a rotated post's old path stays its own)."""
        if self._names is None:
            on_disk = self._listing().files
            indexed = [row[0] for row in read_index(self.index_path)]
            self._names = {path.lower() for path in [*on_disk, *indexed]}
        return self._names

    # ------------------------------------------------------------ snapshot

    def _load_snapshot(self) -> bool:
        if self.cache_dir is None:
            return False
        try:
            data = marshal.loads((self.cache_dir / SNAPSHOT_NAME).read_bytes())
        except (OSError, ValueError, EOFError, TypeError):
            return False
        if (not isinstance(data, dict) or data.get("version") != SNAPSHOT_VERSION
                or data.get("index") != self._index_stat()
                or not folders_unchanged(self.folder, data.get("folders", {}))):
            return False
        self._snapshot_marks = [data["index"], data["folders"]]
        self.links, self.guids = data["links"], data["guids"]
        self.posts_by_feed, self.post_count = data["posts_by_feed"], data["post_count"]
        self._folders, self._index_seen = data["folders"], data["index"]
        return True

    def save_snapshot(self) -> None:
        """Keep what is known for the next run, unless someone else changed the archive
        meanwhile (a git pull during a long run): then the next run reads it again."""
        if self.cache_dir is None or self.read_only:
            return
        if self._stale:
            (self.cache_dir / SNAPSHOT_NAME).unlink(missing_ok=True)
            return
        data = {"version": SNAPSHOT_VERSION, "index": self._index_seen, "folders": self._folders,
                "links": self.links, "guids": self.guids, "posts_by_feed": self.posts_by_feed,
                "post_count": self.post_count}
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        if self._paths is not None:
            posts = {"version": SNAPSHOT_VERSION, "index": self._index_seen,
                     "folders": self._folders, "paths": self._paths}
            atomic_write(self.cache_dir / POSTS_SNAPSHOT_NAME, marshal.dumps(posts), durable=False)
        atomic_write(self.cache_dir / SNAPSHOT_NAME, marshal.dumps(data), durable=False)

    def _load_posts_snapshot(self) -> dict[str, str] | None:
        """The posts by path, as saved with the snapshot this archive was loaded from; this
        run's own posts are added as they are written."""
        if self.cache_dir is None or self._snapshot_marks is None:
            return None
        try:
            data = marshal.loads((self.cache_dir / POSTS_SNAPSHOT_NAME).read_bytes())
        except (OSError, ValueError, EOFError, TypeError):
            return None
        if not isinstance(data, dict) or data.get("version") != SNAPSHOT_VERSION or \
                [data.get("index"), data.get("folders")] != self._snapshot_marks:
            return None
        paths: dict[str, str] = data["paths"]
        paths.update(self._written)
        return paths

    def _index_stat(self) -> list[int]:
        try:
            stat = self.index_path.stat()
        except FileNotFoundError:
            return [-1, -1]
        return [stat.st_size, stat.st_mtime_ns]

    def mark(self) -> tuple[int, int, int]:
        """What changes when posts or index lines are added: to tell an untouched archive."""
        return (self.post_count, *self._index_stat())  # type: ignore[return-value]

    # ------------------------------------------------------------- writing

    def settle_path(self, preferred: str, entry: Entry) -> str:
        """The preferred path, or with a short suffix from the entry's identity when taken;
        the path is taken from then on (a post may be written there later in the run)."""
        names = self.names
        path = self._free_path(preferred, entry, names)
        names.add(path.lower())
        return path

    @staticmethod
    def _free_path(preferred: str, entry: Entry, names: set[str]) -> str:
        if preferred.lower() not in names:
            return preferred
        stem, dot, ext = preferred.rpartition(".")
        digest = hashlib.sha1(identity(entry.link).encode()).hexdigest()
        for width in (6, 8):
            candidate = f"{stem}-{digest[:width]}{dot}{ext}"
            if candidate.lower() not in names:
                return candidate
        counter = 2
        while f"{stem}-{digest[:8]}-{counter}{dot}{ext}".lower() in names:
            counter += 1
        return f"{stem}-{digest[:8]}-{counter}{dot}{ext}"

    def write_post(self, post: Post) -> None:
        """Write one post atomically at its (settled) path; its ledger line comes later."""
        if self.read_only:
            raise ArchiveError(f"{self.folder}: opened read-only, refusing to write")
        if not self._writing:
            self._writing = True
            self._stale = self._stale or not self._unchanged_since_load()
        target = self.folder / post.path
        if target.exists():
            raise ArchiveError(f"{target}: already exists; refusing to overwrite")
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(target, post.text.encode("utf-8"))
        self._track_folder(post.path)
        self.post_count += 1
        self._written[post.path] = post.entry.feed
        if self._paths is not None:
            self._paths[post.path] = post.entry.feed

    def record(self, lines: list[IndexLine]) -> None:
        """Add the lines of the posts written to the ledger, in one write."""
        if lines:
            append_index(self.index_path, lines)
        self._index_seen = self._index_stat()
        self._folders = {prefix: (self.folder / prefix).stat().st_mtime_ns
                         for prefix in self._folders if (self.folder / prefix).exists()}

    def write(self, posts: Iterable[tuple[Post, IndexLine]]) -> list[str]:
        """Write each post atomically, then record them all in the ledger."""
        written: list[str] = []
        lines: list[IndexLine] = []
        for post, line in posts:
            self.write_post(post)
            written.append(post.path)
            lines.append(line)
        self.record(lines)
        return written

    def _unchanged_since_load(self) -> bool:
        return self._index_stat() == self._index_seen and (
            not self._folders or folders_unchanged(self.folder, self._folders))

    def _track_folder(self, path: str) -> None:
        parts = path.split("/")[:-1]
        for depth in range(len(parts) + 1):
            prefix = "".join(part + "/" for part in parts[:depth])
            self._folders.setdefault(prefix, 0)  # its time is read once the posts are in
