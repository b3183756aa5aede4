"""Reading the archive folder: which posts are there, and what a post's front matter says.

Posts mirror did not write (the old script's, or a person's) are known by
their ``from:`` link, read from the first lines of the file; what was read is
cached outside the repository, so each is read once.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from mirror.archive.atomic import TEMP_PREFIX, atomic_write


@dataclass
class Listing:
    """The posts under a folder, and each subfolder's modification time (to tell changes)."""

    files: list[str] = field(default_factory=list)
    folders: dict[str, int] = field(default_factory=dict)


def list_posts(root: Path, skip: frozenset[str] = frozenset(), tidy: bool = True) -> Listing:
    """Every ``*.md`` under root, '/'-separated and relative, but the ``skip`` paths and
    folders (ending in '/'); a killed run's temporary files are removed on the way
    (with ``tidy``)."""
    listing = Listing()
    stack = [""]
    while stack:
        prefix = stack.pop()
        folder = os.path.join(root, prefix)
        try:
            listing.folders[prefix] = os.stat(folder).st_mtime_ns
            entries = list(os.scandir(folder))
        except FileNotFoundError:
            continue
        for item in entries:
            name = item.name
            if name.startswith("."):
                if tidy and name.startswith(TEMP_PREFIX):  # never a whole post
                    os.unlink(item.path)
                continue
            path = prefix + name
            if item.is_dir(follow_symlinks=False):
                if path + "/" not in skip:
                    stack.append(path + "/")
            elif name.endswith(".md") and path not in skip and item.is_file(follow_symlinks=False):
                listing.files.append(path)
    return listing


def folders_unchanged(root: Path, folders: dict[str, int]) -> bool:
    """No post was added to, removed from or renamed in any of these folders."""
    for prefix, mtime in folders.items():
        try:
            if os.stat(os.path.join(root, prefix)).st_mtime_ns != mtime:
                return False
        except FileNotFoundError:
            return False
    return bool(folders)


def read_from_link(path: Path) -> str | None:
    """The ``from:`` link in a post's front matter, or None when it has none."""
    from mirror.publish.front_matter import read_front  # a run with nothing new reads none

    return read_front(path).link


def read_fronts(root: Path, paths: list[str], cache_dir: Path | None,
                save: bool = True) -> dict[str, list[str]]:
    """path -> [link, feed] of each post, read once and then from the cache (kept up to
    date with ``save``)."""
    cache_file = cache_dir / "scan.json" if cache_dir else None
    cache = _read_cache(cache_file)
    found = {}
    for path in paths:
        cached = cache.get(path)
        if cached is None or len(cached) != 2:
            from mirror.publish.front_matter import read_front  # only for uncached posts

            front = read_front(root / path)
            cached = [front.link or "", front.feed]
        found[path] = cached
    if save and cache_file is not None and found != cache:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(cache_file, json.dumps(found, ensure_ascii=False).encode(), durable=False)
    return found


def _read_cache(path: Path | None) -> dict[str, list[str]]:
    if path is None:
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
