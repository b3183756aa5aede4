"""The archive on disk: which entries it holds, and writing new posts atomically.

The committed archive is the state. Each post's ``from:`` link says what it
holds; the index file beside the posts (``.mirror-index.tsv``, one line per
post mirror wrote: path, feed, guid, link) adds the guids, which the post
format has no place for, and saves reading every post on every run. Posts
the index does not list (written by the old script, or by hand) are read once
for their ``from:`` link; what was read is cached outside the repository.

Posts are written to a temporary file and renamed into place, then the index
is appended to: a run killed at any moment leaves whole posts or nothing, and
the next run picks up what it left.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

from mirror.errors import ArchiveError
from mirror.models import Entry, Post
from mirror.urls import identity, normalise

INDEX_NAME = ".mirror-index.tsv"
INDEX_HEADER = "# mirror index v1: path, feed, guid, link of each archived entry; do not edit\n"
TEMP_PREFIX = ".mirror-tmp-"
HEAD_BYTES = 4096
FROM_LINE = re.compile(r"^from:[ \t]*(.+?)[ \t]*$", re.M)
ESCAPES = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"}
UNESCAPES = {v: k for k, v in ESCAPES.items()}


@dataclass(frozen=True)
class IndexLine:
    path: str
    feed: str
    guid: str
    link: str

    def text(self) -> str:
        return "\t".join(_escape(f) for f in (self.path, self.feed, self.guid, self.link)) + "\n"


def guid_key(feed: str, guid: str) -> str:
    """Web-URL guids are global; any other guid only means something within its feed."""
    url = normalise(guid) if re.match(r"https?://", guid, re.I) else None
    return identity(url) if url else f"{feed}\t{guid}"


class Archive:
    """The set of archived entries, and the folder new posts go to."""

    def __init__(self, folder: Path, cache_dir: Path | None = None) -> None:
        self.folder = folder
        self.index_path = folder / INDEX_NAME
        self.cache_dir = cache_dir
        self.links: set[str] = set()
        self.guids: set[str] = set()
        self.names: set[str] = set()
        self.lines: list[IndexLine] = []
        self.posts_by_feed: dict[str, int] = {}

    # ------------------------------------------------------------- reading

    def load(self) -> Archive:
        """Read the index, then the ``from:`` of every post it does not list."""
        for line in self._read_index():
            self._add(line)
        indexed = {line.path for line in self.lines}
        files = list(self.post_files())
        self.names = {path.lower() for path in files}
        uncovered = [path for path in files if path not in indexed]
        for link in self._links_of(uncovered).values():
            if link:
                self.links.add(identity(link))
        return self

    def is_known(self, entry: Entry) -> bool:
        if identity(entry.link) in self.links:
            return True
        return entry.guid is not None and guid_key(entry.feed, entry.guid) in self.guids

    def remember(self, entry: Entry, path: str) -> IndexLine:
        """Count an entry as archived from now on (the line goes to the index on write)."""
        line = IndexLine(path=path, feed=entry.feed, guid=entry.guid or "", link=entry.link)
        self._add(line)
        self.names.add(path.lower())
        return line

    def _add(self, line: IndexLine) -> None:
        self.lines.append(line)
        self.links.add(identity(line.link))
        if line.guid:
            self.guids.add(guid_key(line.feed, line.guid))
        self.posts_by_feed[line.feed] = self.posts_by_feed.get(line.feed, 0) + 1

    def post_files(self) -> Iterator[str]:
        """Paths (relative, '/'-separated) of the Markdown files under the archive.

        Temporary files of a killed run are removed on the way.
        """
        stack = [self.folder]
        while stack:
            folder = stack.pop()
            try:
                entries = list(os.scandir(folder))
            except FileNotFoundError:
                continue
            for item in entries:
                if item.name.startswith(TEMP_PREFIX):
                    # left by a run killed mid-write: never a whole post
                    Path(item.path).unlink(missing_ok=True)
                if item.name.startswith("."):
                    continue
                if item.is_dir(follow_symlinks=False):
                    stack.append(Path(item.path))
                elif item.name.endswith(".md") and item.is_file(follow_symlinks=False):
                    yield Path(item.path).relative_to(self.folder).as_posix()

    def _read_index(self) -> list[IndexLine]:
        try:
            text = self.index_path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        except (OSError, UnicodeDecodeError) as exc:
            raise ArchiveError(f"{self.index_path}: cannot read the index: {exc}") from None
        if text and not text.endswith("\n"):
            text = self._repair_index(text)
        lines = []
        for row in text.splitlines():
            fields = row.split("\t")
            if row.startswith("#") or len(fields) != 4:
                continue
            lines.append(IndexLine(*(_unescape(f) for f in fields)))
        return lines

    def _repair_index(self, text: str) -> str:
        """Drop a line cut short by a killed run, so the next append starts clean."""
        kept = text[: text.rfind("\n") + 1]
        with self.index_path.open("r+", encoding="utf-8") as handle:
            handle.truncate(len(kept.encode("utf-8")))
        return kept

    def _links_of(self, paths: list[str]) -> dict[str, str | None]:
        """The ``from:`` link of each post, from the scan cache where it is still valid."""
        cache = self._read_scan_cache()
        found: dict[str, str | None] = {}
        changed = False
        for path in paths:
            try:
                size = (self.folder / path).stat().st_size
            except OSError:
                continue
            cached = cache.get(path)
            if cached and cached[0] == size:
                found[path] = cached[1]
                continue
            found[path] = read_from_link(self.folder / path)
            cache[path] = [size, found[path]]
            changed = True
        if changed or len(cache) != len(found):
            self._write_scan_cache({p: cache[p] for p in found})
        return found

    def _read_scan_cache(self) -> dict[str, list]:
        if self.cache_dir is None:
            return {}
        try:
            return json.loads((self.cache_dir / "scan.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def _write_scan_cache(self, cache: dict[str, list]) -> None:
        if self.cache_dir is None:
            return
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        atomic_write(self.cache_dir / "scan.json", json.dumps(cache, ensure_ascii=False).encode())

    # ------------------------------------------------------------- writing

    def settle_path(self, preferred: str, entry: Entry) -> str:
        """The preferred path, or with a short suffix from the entry's identity when taken."""
        if preferred.lower() not in self.names:
            return preferred
        stem, dot, ext = preferred.rpartition(".")
        digest = hashlib.sha1(identity(entry.link).encode()).hexdigest()
        for width in (6, 8):
            candidate = f"{stem}-{digest[:width]}{dot}{ext}"
            if candidate.lower() not in self.names:
                return candidate
        counter = 2
        while f"{stem}-{digest[:8]}-{counter}{dot}{ext}".lower() in self.names:
            counter += 1
        return f"{stem}-{digest[:8]}-{counter}{dot}{ext}"

    def write(self, posts: Iterable[tuple[Post, IndexLine]]) -> list[str]:
        """Write each post atomically, then record them all in the index."""
        written: list[str] = []
        lines: list[IndexLine] = []
        for post, line in posts:
            target = self.folder / post.path
            if target.exists():
                raise ArchiveError(f"{target}: already exists; refusing to overwrite")
            target.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(target, post.text.encode("utf-8"))
            written.append(post.path)
            lines.append(line)
        if lines:
            self._append_index(lines)
        return written

    def _append_index(self, lines: list[IndexLine]) -> None:
        fresh = not self.index_path.exists()
        text = (INDEX_HEADER if fresh else "") + "".join(line.text() for line in lines)
        try:
            with self.index_path.open("a", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as exc:
            raise ArchiveError(f"{self.index_path}: cannot write the index: {exc}") from None


def read_from_link(path: Path) -> str | None:
    """The ``from:`` link in a post's front matter, or None when it has none."""
    try:
        with path.open("rb") as handle:
            head = handle.read(HEAD_BYTES).decode("utf-8", errors="replace")
    except OSError:
        return None
    if not head.startswith("---"):
        return None
    end = head.find("\n---", 3)
    match = FROM_LINE.search(head[: end if end > 0 else len(head)])
    if not match:
        return None
    value = match.group(1)
    if value[:1] in ('"', "'"):
        try:
            loaded = yaml.safe_load(f"k: {value}")
            value = str(loaded["k"]) if isinstance(loaded, dict) else value
        except yaml.YAMLError:
            value = value.strip("\"'")
    return normalise(value) or value


def atomic_write(target: Path, data: bytes) -> None:
    """Write data to target so that a crash leaves the old file or the new one, never half."""
    temp = target.parent / f"{TEMP_PREFIX}{secrets.token_hex(6)}"
    try:
        with temp.open("xb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, target)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise ArchiveError(f"{target}: cannot write: {exc}") from None


def _escape(text: str) -> str:
    return re.sub(r"[\\\t\n\r]", lambda m: ESCAPES[m.group(0)], text)


def _unescape(text: str) -> str:
    return re.sub(r"\\[\\tnr]", lambda m: UNESCAPES[m.group(0)], text)
