"""``mirror fetch --push``: publish the run's commit, however many runners push at once.

When the push is rejected because the remote moved on, the local commits are
rebased the way that suits an archive: their posts are new files, so they
are taken out, the branch is moved to the remote's commit, and each post is
added again unless the remote already holds the same entry (another runner
archived it: a duplicate is dropped) or a post of that name (it gets a
suffix). The index file gets the posts' lines again and the index pages are
regenerated rather than merged. Local commits that change anything else
stop the push with a clear message. Never forced; a bounded number of tries.
"""

from __future__ import annotations

import random
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from mirror.archive import Archive
from mirror.errors import GitError
from mirror.git import Repo, parse_author
from mirror.index import INDEX_NAME, IndexLine, parse_rows
from mirror.models import Config, Entry, Post
from mirror.pages import is_page, pages_folder, skipped_in_archive, write_pages
from mirror.scan import parse_front

ATTEMPTS = 8
REBASING = "refs/mirror/rebasing"
EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
RACE = re.compile(r"cannot lock|failed to update|stale info|fetch first|non-fast-forward|rejected",
                  re.I)


@dataclass
class Pushed:
    """How the push went: tries, rebases, and posts dropped as duplicates of the remote's."""

    attempts: int = 0
    rebased: int = 0
    dropped: list[str] = field(default_factory=list)


def push(repo: Repo, config: Config, cache_dir: Path | None, when: int | None = None) -> Pushed:
    remote, branch = repo.upstream()
    result = Pushed()
    finish_interrupted_rebase(repo, config, cache_dir, result, when)
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
            rebase_posts(repo, config, cache_dir, upstream, result, when)
            result.rebased += 1
        elif not RACE.search(refused):  # the remote did not move: rebasing cannot help
            raise GitError(f"push to {remote}: {refused}")
        # runners that collided would collide again in step: spread them out
        time.sleep(random.uniform(0.1, 0.5) * attempt)
    raise GitError(f"push to {remote}: the remote kept moving; gave up after {ATTEMPTS} tries "
                   "(the posts are committed here and the next run pushes them)")


def rebase_posts(repo: Repo, config: Config, cache_dir: Path | None, upstream: str,
                 result: Pushed, when: int | None = None) -> None:
    """Move the branch onto upstream, adding this clone's new posts again on top.

    Until they land again, the posts are only in the old commit: a ref keeps it,
    so that a run killed in between has the next run finish the work.
    """
    head = repo.head() or upstream
    repo.git("update-ref", REBASING, head)
    _reapply(repo, config, cache_dir, head, upstream, result, when)
    repo.git("update-ref", "-d", REBASING)


def finish_interrupted_rebase(repo: Repo, config: Config, cache_dir: Path | None,
                              result: Pushed, when: int | None = None) -> None:
    """Add the posts of a rebase a killed run left half done, where they are missing."""
    source = repo.git("rev-parse", "-q", "--verify", REBASING, check=False).strip()
    if not source:
        return
    head = repo.head()
    if head is not None and not repo.is_ancestor(source, head):
        _reapply(repo, config, cache_dir, source, head, result, when)
    repo.git("update-ref", "-d", REBASING)


def _reapply(repo: Repo, config: Config, cache_dir: Path | None, source: str, onto: str,
             result: Pushed, when: int | None) -> None:
    """Add the posts that source has and onto lacks, on top of onto."""
    # Two first runs on an empty repository share no history: all of theirs is new.
    base = repo.git("merge-base", source, onto, check=False).strip() or EMPTY_TREE
    posts, lines = _local_posts(repo, config, base, source)
    if repo.head() != onto:
        _move_to(repo, onto)
    archive = Archive(config.archive, cache_dir, skipped_in_archive(config)).load()
    kept: list[tuple[Post, IndexLine]] = []
    for path, text in posts.items():
        entry = _entry_of(path, text, lines.get(path))
        if archive.is_known(entry):
            result.dropped.append(path)
            continue
        settled = archive.settle_path(path, entry)
        kept.append((Post(entry=entry, path=settled, text=text), archive.remember(entry, settled)))
    written = archive.write(kept)
    if not written:
        return
    archive.save_snapshot()
    changed = [config.archive / p for p in written] + [archive.index_path]
    changed += write_pages(config, cache_dir).written
    counts: dict[str, int] = {}
    for post, _ in kept:
        counts[post.entry.feed] = counts.get(post.entry.feed, 0) + 1
    total = len(kept)
    message = (f"mirror: {total} new post{'s' if total != 1 else ''}\n\n"
               + "\n".join(f"{feed}: {n}" for feed, n in counts.items()) + "\n")
    repo.commit(sorted({repo.relative(p) for p in changed}), message,
                parse_author(config.commit_author), when)


def _local_posts(repo: Repo, config: Config, base: str,
                 head: str) -> tuple[dict[str, str], dict[str, IndexLine]]:
    """The posts (path in the archive -> text) and index lines added since base."""
    archive = repo.relative(config.archive)
    index = f"{archive}/{INDEX_NAME}" if archive != "." else INDEX_NAME
    pages = repo.relative(pages_folder(config))
    posts: dict[str, str] = {}
    changes = repo.git("diff", "--name-status", "--no-renames", "-z", base, head).split("\0")
    for status, path in zip(changes[::2], changes[1::2], strict=False):
        if path == index or _is_page_path(repo, path, pages):
            continue
        inside = path.startswith(archive + "/") or archive == "."
        if status != "A" or not inside or not path.endswith(".md"):
            raise GitError(f"push: a local commit changes {path}, which is not a new post; "
                           "rebase it yourself, then run again (nothing was pushed)")
        relative = path[len(archive) + 1:] if archive != "." else path
        posts[relative] = repo.git("show", f"{head}:{path}")
    before = set(parse_rows(repo.git("show", f"{base}:{index}", check=False)))
    lines = {row[0]: IndexLine(*row)
             for row in parse_rows(repo.git("show", f"{head}:{index}", check=False))
             if row not in before}
    return posts, lines


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
    link, feed = parse_front(text[:4096])
    return Entry(feed=feed, link=link or path, title="")
