"""``mirror index`` and ``mirror rotate``: work on the archive as it stands, under the lock,
each in one commit."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mirror import clock
from mirror.archive.index_pages import write_pages
from mirror.archive.rotate import Rotated, rotate
from mirror.models import Config
from mirror.workspace import Workspace


@dataclass(frozen=True)
class Done:
    """What a maintenance command changed, and its commit (None when nothing was committed)."""

    written: tuple[Path, ...] = ()
    commit: str | None = None
    notes: tuple[str, ...] = ()


async def write_index_pages(config: Config, commit: bool = True, wait: float = 300) -> Done:
    """Write the index pages again from the archive, and commit those that changed."""
    workspace = Workspace.open(config)
    async with workspace.locked(wait):
        pages = write_pages(config, workspace.archive())
        made = None
        if pages.written and commit and workspace.repo is not None:
            made = workspace.commit(sorted(workspace.repo.relative(p) for p in pages.written),
                                    "mirror: write the index pages\n")
    return Done(written=tuple(pages.written), commit=made, notes=tuple(pages.notes))


async def rotate_posts(config: Config, older_than: float, to: str, commit: bool = True,
                       wait: float = 300) -> tuple[Rotated, str | None]:
    """Move the posts dated more than ``older_than`` seconds ago to ``to``, in one commit
    (after finishing, and committing, a rotation a killed run left)."""
    workspace = Workspace.open(config)
    async with workspace.locked(wait):
        workspace.finish_rotation(commit)
        git_dir = workspace.repo.git_dir if workspace.repo else None
        result = rotate(config, older_than, to, clock.now_ms(), workspace.cache, git_dir)
        return result, workspace.commit_rotation(result, commit)
