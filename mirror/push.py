"""``mirror fetch --push``: publish the run's commit, however many runners push at once.

When the push is rejected because the remote moved on, the local commits are
rebased the way that suits an archive. What they did is read back as
mirror's own kinds of change: new posts, posts moved out by ``mirror
rotate``, lines added to the index, regenerated index pages. The branch then
moves to the remote's commit and that work is done again on top: each new
post is added unless the remote already holds the same entry (another runner
archived it: a duplicate is dropped) and with a suffix where the remote
holds a post of that name; moves are made again; index lines the remote
lacks are added; the index pages are regenerated rather than merged. Local
commits that change anything else stop the push with a clear message.
Never forced; a bounded number of tries.
"""

from __future__ import annotations

import os
import random
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from mirror import preserve
from mirror.archive.atomic import unused_path
from mirror.archive.index_pages import is_page, pages_folder, write_pages
from mirror.archive.ledger import INDEX_NAME, IndexLine, append_index, parse_rows
from mirror.archive.run_status import (
    merged,
    parse_status,
    read_status,
    status_path,
    write_status,
)
from mirror.errors import GitError
from mirror.git import Repo
from mirror.models import Config, Entry, Post, Published
from mirror.preserve.rebase import Carried, carry, redo
from mirror.publish.front_matter import HEAD_BYTES, parse_front
from mirror.workspace import Workspace

ATTEMPTS = 8
REBASING = "refs/mirror/rebasing"
EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
# Refusals that another try can get past: a race with another runner's push.
RACE = re.compile(r"cannot lock|failed to update ref|stale info|fetch first|non-fast-forward",
                  re.I)


@dataclass
class Pushed:
    """How the push went: tries, rebases, and posts dropped as duplicates of the remote's."""

    attempts: int = 0
    rebased: int = 0
    dropped: list[tuple[str, str]] = field(default_factory=list)  # (path, feed)
    notes: list[str] = field(default_factory=list)


@dataclass
class _LocalWork:
    """What local commits did since they left the remote, in mirror's own terms."""

    posts: dict[str, str] = field(default_factory=dict)  # archive path -> text
    kept: Carried = field(default_factory=Carried)  # preservation's files (issue 11)
    status: str = ""  # the run status file as the local commits left it
    moves: list[tuple[str, str]] = field(default_factory=list)  # (from, to), repository paths
    lines: list[IndexLine] = field(default_factory=list)


def push(workspace: Workspace, now_ms: int | None = None) -> Pushed:
    """Push HEAD to the branch's upstream, rebasing the run's work when the remote moved."""
    repo = workspace.git_repo("--push")
    remote, branch = repo.upstream()
    result = Pushed()
    finish_interrupted_rebase(workspace, result, now_ms)
    for attempt in range(1, ATTEMPTS + 1):
        result.attempts = attempt
        head = repo.head()
        refused = None if head is None else repo.push(remote, branch)
        if refused is None:
            return result
        upstream = repo.fetch(remote, branch)
        if upstream is None:
            raise GitError(f"push to {remote}: {refused}")
        assert head is not None  # a push was tried, so there is a HEAD
        if not repo.is_ancestor(upstream, head):  # the remote moved on: rebase and try again
            rebase_posts(workspace, upstream, result, now_ms)
            result.rebased += 1
        elif not RACE.search(refused):  # refused for another reason: trying again cannot help
            raise GitError(f"push to {remote} refused: {refused}")
        # runners that collided would collide again in step: spread them out
        time.sleep(random.uniform(0.1, 0.5) * attempt)
    raise GitError(f"push to {remote}: the remote kept moving; gave up after {ATTEMPTS} tries "
                   "(the posts are committed here and the next run pushes them)")


def rebase_posts(workspace: Workspace, upstream: str, result: Pushed,
                 now_ms: int | None = None) -> None:
    """Move the branch onto upstream, doing this clone's work again on top.

    Until it is done again, the work is only in the old commit: a ref keeps it,
    so that a run killed in between has the next push finish it.
    """
    repo = workspace.git_repo("--push")
    head = repo.head() or upstream
    work = _local_work(repo, workspace.config, head, upstream)  # refuses before anything moves
    repo.git("update-ref", REBASING, head)
    _redo(workspace, work, upstream, result, now_ms)
    repo.git("update-ref", "-d", REBASING)


def finish_interrupted_rebase(workspace: Workspace, result: Pushed,
                              now_ms: int | None = None) -> None:
    """Redo the work of a rebase a killed run left half done, where it is missing."""
    repo = workspace.git_repo("--push")
    source = repo.git("rev-parse", "-q", "--verify", REBASING, check=False).strip()
    if not source:
        return
    head = repo.head()
    try:
        if head is not None and not repo.is_ancestor(source, head):
            work = _local_work(repo, workspace.config, source, head)
            _redo(workspace, work, head, result, now_ms)
    except GitError as exc:
        result.notes.append(f"an interrupted rebase could not be finished ({exc}); "
                            f"its commit {source[:10]} is left to you")
    repo.git("update-ref", "-d", REBASING)


def _redo(workspace: Workspace, work: _LocalWork, onto: str, result: Pushed,
          now_ms: int | None) -> None:
    """The work done again on top of onto, as one commit."""
    repo, config = workspace.git_repo("--push"), workspace.config
    if repo.head() != onto:
        _move_to(repo, onto)
    changed = _redo_moves(repo, work.moves)
    archive = workspace.archive()
    by_path = {line.path: line for line in work.lines}
    kept: list[tuple[Post, IndexLine]] = []
    for path, text in work.posts.items():
        entry = _entry_of(path, text, by_path.get(path))
        if archive.is_known(entry):
            result.dropped.append((path, entry.feed))
            continue
        settled = archive.settle_path(path, entry)
        kept.append((Post(entry=entry, path=settled, text=text), archive.remember(entry, settled)))
    written = archive.write(kept)
    others = _missing_lines(archive.index_path, [line for line in work.lines
                                                  if line.path not in work.posts])
    if others:
        append_index(archive.index_path, others)
    changed += redo(repo.top, config, work.kept)
    if not (written or changed or others):
        return
    archive.save_snapshot()
    changed += [config.archive / p for p in written] + [archive.index_path]
    changed += write_pages(config, archive).written
    run_file = status_path(config)
    if write_status(run_file, merged(read_status(run_file), parse_status(work.status))):
        changed.append(run_file)
    workspace.commit(sorted({repo.relative(p) for p in changed}), _message(kept, work.moves),
                     now_ms)


def _redo_moves(repo: Repo, moves: list[tuple[str, str]]) -> list[Path]:
    """Posts ``mirror rotate`` moved, moved again where the remote still has them."""
    changed = []
    for source, destination in moves:
        old, new = repo.top / source, unused_path(repo.top / destination)
        if not old.exists():
            continue  # the remote moved or removed it too
        new.parent.mkdir(parents=True, exist_ok=True)
        os.replace(old, new)
        changed += [old, new]
    return changed


def _missing_lines(index: Path, lines: list[IndexLine]) -> list[IndexLine]:
    try:
        present = set(parse_rows(index.read_text(encoding="utf-8")))
    except FileNotFoundError:
        present = set()
    return [line for line in lines
            if (line.path, line.feed, line.guid, line.link) not in present]


def _message(kept: list[tuple[Post, IndexLine]], moves: list[tuple[str, str]]) -> str:
    counts: dict[str, int] = {}
    for post, _ in kept:
        counts[post.entry.feed] = counts.get(post.entry.feed, 0) + 1
    parts = []
    if kept:
        parts.append(f"{len(kept)} new post{'s' if len(kept) != 1 else ''}")
    if moves:
        parts.append(f"{len(moves)} post{'s' if len(moves) != 1 else ''} rotated")
    body = "\n".join(f"{feed}: {n}" for feed, n in counts.items())
    return f"mirror: {'; '.join(parts) or 'index pages'}" + (f"\n\n{body}" if body else "") + "\n"


def _local_work(repo: Repo, config: Config, head: str, upstream: str) -> _LocalWork:
    """What the commits in head that upstream lacks did; GitError for anything else."""
    # Two first runs on an empty repository share no history: all of theirs is new.
    base = repo.git("merge-base", head, upstream, check=False).strip() or EMPTY_TREE
    archive = repo.relative(config.archive)
    prefix = "" if archive == "." else archive + "/"
    index = prefix + INDEX_NAME
    pages = repo.relative(pages_folder(config))
    run_file = repo.relative(status_path(config))
    work, gone, arrived = _LocalWork(), {}, {}
    preserving = preserve.wanted(config)
    for status, blob_before, blob_after, path in _raw_diff(repo, base, head):
        if preserving and status in ("A", "M") and carry(repo.top, config, base, head, path,
                                                         work.kept):
            continue
        if path in (index, run_file) or _is_page_path(repo, path, pages):
            continue
        inside = path.startswith(prefix) and path.endswith(".md")
        if status == "A" and inside:
            work.posts[path[len(prefix):]] = repo.git("show", f"{head}:{path}")
        elif status == "D" and inside:
            gone[blob_before] = path
        elif status == "A" and path.endswith(".md"):
            arrived[blob_after] = path
        else:
            raise _not_ours(path)
    for blob, path in arrived.items():
        if blob not in gone:
            raise _not_ours(path)
        work.moves.append((gone.pop(blob), path))
    if gone:
        raise _not_ours(next(iter(gone.values())))
    before = set(parse_rows(repo.git("show", f"{base}:{index}", check=False)))
    work.lines = [IndexLine(*row) for row in parse_rows(
        repo.git("show", f"{head}:{index}", check=False)) if row not in before]
    work.status = repo.git("show", f"{head}:{run_file}", check=False)
    return work


def _raw_diff(repo: Repo, base: str, head: str) -> list[tuple[str, str, str, str]]:
    """(status, blob before, blob after, path) of each file that differs."""
    fields = repo.git("diff", "--raw", "--no-renames", "--no-abbrev", "-z", base, head).split("\0")
    changes = []
    for meta, path in zip(fields[::2], fields[1::2], strict=False):
        parts = meta.split()
        if len(parts) == 5:
            changes.append((parts[4], parts[2], parts[3], path))
    return changes


def _not_ours(path: str) -> GitError:
    return GitError(f"push: a local commit changes {path}, which mirror did not do (a new "
                    "post, a rotation or an index page); rebase it yourself, then run again "
                    "(nothing was pushed)")


def _is_page_path(repo: Repo, path: str, pages: str) -> bool:
    return (path.startswith(pages + "/") or pages == ".") and (
        not (repo.top / path).exists() or is_page(repo.top / path))


def _move_to(repo: Repo, upstream: str) -> None:
    """The branch, index and work tree at upstream, keeping unrelated local changes."""
    try:
        repo.git("reset", "-q", "--keep", upstream)
    except GitError as exc:
        raise GitError(f"push: cannot move onto the remote's commit ({exc}); "
                       "commit or stash your own changes, then run again") from None


def _entry_of(path: str, text: str, line: IndexLine | None) -> Entry:
    if line is not None:
        return Entry(feed=line.feed, link=line.link, title="", guid=line.guid or None)
    front = parse_front(text[:HEAD_BYTES])
    return Entry(feed=front.feed, link=front.link or path, title="")



def publish(workspace: Workspace, now_ms: int) -> Published:
    """``push``, its failure and its notes as a value: a failed push never loses the posts,
    which stay committed here for the next run."""
    try:
        pushed = push(workspace, now_ms)
    except GitError as exc:
        return Published(error=str(exc))
    notes = list(pushed.notes)
    if pushed.rebased:
        notes.append(f"the remote had moved on: rebased {pushed.rebased} time(s)")
    dropped: dict[str, int] = {}
    if pushed.dropped:
        paths = ", ".join(path for path, _ in pushed.dropped[:3])
        notes.append(f"{len(pushed.dropped)} post(s) dropped: the remote already holds the "
                     f"same entries ({paths})")
        for _, feed in pushed.dropped:
            dropped[feed] = dropped.get(feed, 0) + 1
    head = workspace.repo.head() if pushed.rebased and workspace.repo else None
    return Published(pushed=True, head=head, dropped=dropped, notes=tuple(notes))
