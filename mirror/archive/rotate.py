"""``mirror rotate``: move old posts out of the archive, never to be fetched again.

Jekyll builds every post on every build; mirrors that keep years of news
move old posts elsewhere to keep builds fast. Each post whose ``date`` is
older than the cut-off moves to the same path under another folder of the
repository. The index keeps their guids and links (a line is added for posts
mirror did not write), so the entries stay archived: a later run never
fetches them again. One commit holds the move.

The moves are written down in the cache before they are made: a rotation
killed half way is finished, and committed, by the next ``rotate`` or
``fetch``. Committing is the caller's: this module only moves files.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from mirror.archive.atomic import atomic_write, unused_path
from mirror.archive.index_pages import read_listed, skipped_in_archive, write_pages
from mirror.archive.ledger import INDEX_NAME, IndexLine, append_index, read_index
from mirror.archive.scan import list_posts, read_fronts
from mirror.archive.store import open_archive
from mirror.errors import ConfigError
from mirror.models import Config

PLAN = "rotating.json"


@dataclass
class Rotated:
    """The moves made (and the files they changed), for the caller to commit."""

    cutoff: datetime | None = None
    moved: list[tuple[Path, Path]] = field(default_factory=list)
    changed: list[Path] = field(default_factory=list)
    to: str = ""

    @property
    def message(self) -> str:
        count = len(self.moved)
        return f"mirror: rotate {count} post{'s' if count != 1 else ''} to {self.to}\n"


def rotate(config: Config, older_than: float, to: str, now_ms: int, folder: Path,
           git_dir: Path | None) -> Rotated:
    """Move the posts older than ``older_than`` seconds before now into ``to``; a rotation
    a killed run left is to be finished (and committed) first."""
    target = _target(config, to, git_dir)
    cutoff = datetime.fromtimestamp(now_ms / 1000 - older_than, UTC)
    skip = skipped_in_archive(config)
    old = [path for path in list_posts(config.archive, skip).files
           if (post := read_listed(config.archive, path, "")) is not None and post.date < cutoff]
    if not old:
        return Rotated(cutoff=cutoff)
    _index_the_unindexed(config, old, folder)
    plan = [(config.archive / path, unused_path(target / path)) for path in old]
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write(folder / PLAN, json.dumps(
        {"moves": [[str(a), str(b)] for a, b in plan], "to": to}).encode())
    result = finish_rotation(config, folder)
    result.cutoff = cutoff
    return result


def finish_rotation(config: Config, folder: Path) -> Rotated:
    """Make the planned moves still to be made; ``rotation_done`` once they are committed."""
    try:
        plan = json.loads((folder / PLAN).read_text(encoding="utf-8"))
        moves = [(Path(a), Path(b)) for a, b in plan["moves"]]
    except (OSError, ValueError, KeyError, TypeError):
        return Rotated()
    result = Rotated(to=str(plan.get("to", "")))
    for source, destination in moves:
        if source.exists() and not destination.exists():
            destination.parent.mkdir(parents=True, exist_ok=True)
            os.replace(source, destination)
        if destination.exists():
            result.moved.append((source, destination))
    pages = write_pages(config, open_archive(config, folder)).written  # follows the moves
    result.changed = [*(path for move in result.moved for path in move),
                      config.archive / INDEX_NAME, *pages]
    return result


def rotation_done(folder: Path) -> None:
    """The planned moves are made and committed: forget the plan."""
    (folder / PLAN).unlink(missing_ok=True)


def _target(config: Config, to: str, git_dir: Path | None) -> Path:
    target = (config.root / to).resolve()
    if not target.is_relative_to(config.root):
        raise ConfigError(f"--to {to}: outside the repository ({config.root})")
    if target.is_relative_to(config.archive) or config.archive.is_relative_to(target):
        raise ConfigError(f"--to {to}: must be a folder beside the archive, not around or in it")
    if ".git" in target.relative_to(config.root).parts or (
            git_dir is not None and target.is_relative_to(git_dir)):
        raise ConfigError(f"--to {to}: inside git's own folder, posts would leave the history")
    if target.exists() and not target.is_dir():
        raise ConfigError(f"--to {to}: exists and is not a folder")
    return target


def _index_the_unindexed(config: Config, paths: list[str], folder: Path) -> None:
    """Posts mirror did not write get an index line, so they stay known once moved."""
    indexed = {row[0] for row in read_index(config.archive / INDEX_NAME)}
    others = [path for path in paths if path not in indexed]
    lines = [IndexLine(path=path, feed=feed, guid="", link=link)
             for path, (link, feed) in read_fronts(config.archive, others, folder).items()
             if link]
    if lines:
        append_index(config.archive / INDEX_NAME, lines)
