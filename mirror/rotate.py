"""``mirror rotate``: move old posts out of the archive, never to be fetched again.

Jekyll builds every post on every build; mirrors that keep years of news
move old posts elsewhere to keep builds fast. Each post whose ``date`` is
older than the cut-off moves to the same path under another folder of the
repository. The index keeps their guids and links (a line is added for posts
mirror did not write), so the entries stay archived: a later run never
fetches them again. One commit holds the move.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from mirror.archive import Archive
from mirror.atomic import unused_path
from mirror.errors import ConfigError
from mirror.git import Repo, parse_author
from mirror.index import INDEX_NAME, IndexLine, append_index, read_index
from mirror.models import Config
from mirror.pages import read_listed, skipped_in_archive, write_pages
from mirror.scan import list_posts, read_fronts


@dataclass
class Rotated:
    cutoff: datetime
    moved: list[tuple[str, Path]] = field(default_factory=list)
    commit: str | None = None


def rotate(config: Config, older_than: float, to: str, now_ms: int, folder: Path,
           repo: Repo | None, commit: bool = True) -> Rotated:
    """Move the posts older than ``older_than`` seconds before now into ``to``."""
    target = _target(config, to)
    cutoff = datetime.fromtimestamp(now_ms / 1000 - older_than, UTC)
    result = Rotated(cutoff=cutoff)
    skip = skipped_in_archive(config)
    old = [path for path in list_posts(config.archive, skip).files
           if (post := read_listed(config.archive, path, "")) is not None and post.date < cutoff]
    if not old:
        return result
    _index_the_unindexed(config, old, folder)
    for path in old:
        destination = unused_path(target / path)
        destination.parent.mkdir(parents=True, exist_ok=True)
        os.replace(config.archive / path, destination)
        result.moved.append((path, destination))
    Archive(config.archive, folder, skip).load()  # the snapshot follows the move
    pages = write_pages(config, folder).written
    if repo is not None and commit:
        changed = [config.archive / source for source, _ in result.moved]
        changed += [dest for _, dest in result.moved] + [config.archive / INDEX_NAME, *pages]
        message = (f"mirror: rotate {len(old)} post{'s' if len(old) != 1 else ''} older than "
                   f"{cutoff:%Y-%m-%d} to {to}\n")
        result.commit = repo.commit(sorted({repo.relative(p) for p in changed}), message,
                                    parse_author(config.commit_author))
    return result


def _target(config: Config, to: str) -> Path:
    target = (config.root / to).resolve()
    if not target.is_relative_to(config.root):
        raise ConfigError(f"--to {to}: outside the repository ({config.root})")
    if target.is_relative_to(config.archive) or config.archive.is_relative_to(target):
        raise ConfigError(f"--to {to}: must be a folder beside the archive, not around or in it")
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
