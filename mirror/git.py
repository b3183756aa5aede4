"""Commits through the git CLI, without touching anything but mirror's own files.

A commit is built with plumbing on a private index file (read-tree HEAD, add
the run's files, write-tree, commit-tree) and lands with a compare-and-swap
``update-ref``: the user's staging area is never used, a killed run never
leaves ``.git/index.lock`` behind, and a commit either happened or it did not.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from mirror.errors import GitError

FALLBACK_AUTHOR = ("mirror", "mirror@localhost")


class IndexNotSynced(GitError):
    """The commit landed, but git's index (the staging area) could not be brought along."""

    def __init__(self, commit: str | None, cause: str) -> None:
        super().__init__(f"committed, but git's index was not updated ({cause}); run "
                         "`git reset -q` once git is free, or let the next mirror run do it")
        self.commit = commit
ACTIONS_AUTHOR = ("github-actions[bot]", "41898282+github-actions[bot]@users.noreply.github.com")
ZERO = "0" * 40


@dataclass(frozen=True)
class Repo:
    """A git work tree: its top folder and its git folder."""

    top: Path
    git_dir: Path

    @classmethod
    def find(cls, path: Path) -> Repo | None:
        """The work tree holding ``path``, or None (no git, or not in a repository)."""
        if shutil.which("git") is None:
            return None
        probe = path if path.is_dir() else path.parent
        while not probe.exists():
            probe = probe.parent
        result = subprocess.run(
            ["git", "rev-parse", "--show-toplevel", "--absolute-git-dir"],
            cwd=probe, capture_output=True, text=True, check=False,
        )
        if result.returncode != 0:
            return None
        top, git_dir = result.stdout.strip().splitlines()
        return cls(Path(top), Path(git_dir))

    def git(self, *args: str, env: dict[str, str] | None = None, stdin: str | None = None,
            check: bool = True) -> str:
        result = subprocess.run(
            ["git", "-c", "core.quotepath=off", *args], cwd=self.top, input=stdin,
            capture_output=True, text=True, env=env, check=False,
        )
        if check and result.returncode != 0:
            raise GitError(f"git {args[0]}: {git_said(result.stderr or result.stdout)}")
        return result.stdout

    def head(self) -> str | None:
        out = self.git("rev-parse", "-q", "--verify", "HEAD^{commit}", check=False).strip()
        return out or None

    def relative(self, path: Path) -> str:
        return path.resolve().relative_to(self.top.resolve()).as_posix()

    def changed(self, *folders: Path) -> list[tuple[str, str]]:
        """(status, path) of files under these folders that differ from HEAD: git's
        two-letter status (``??`` untracked, `` M`` modified, ...), path from the top."""
        out = self.git("status", "--porcelain=v1", "-z", "--untracked-files=all",
                       "--no-renames", "--", *(self.relative(f) for f in folders))
        return [(item[:2], item[3:]) for item in out.split("\0") if len(item) > 3]

    def commit(self, paths: list[str], message: str, author: tuple[str, str] | None = None,
               when: int | None = None) -> str | None:
        """Commit exactly these paths as they are on disk; None when that changes nothing."""
        if not paths:
            return None
        head = self.head()
        private = self.git_dir / "mirror" / f"index-{os.getpid()}"
        private.parent.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "GIT_INDEX_FILE": str(private)}
        try:
            self.git("read-tree", *([head] if head else ["--empty"]), env=env)
            self.git("update-index", "--add", "--remove", "-z", "--stdin", env=env,
                     stdin="\0".join(paths) + "\0")
            tree = self.git("write-tree", env=env).strip()
        finally:
            private.unlink(missing_ok=True)
        commit = None
        if head is None or tree != self.git("rev-parse", f"{head}^{{tree}}").strip():
            commit = self._commit_tree(tree, head, message, author, when)
            self.git("update-ref", "-m", f"mirror: {message.splitlines()[0]}", "HEAD", commit,
                     head or ZERO)
        try:
            self._sync_index(paths)
        except GitError as exc:
            raise IndexNotSynced(commit, str(exc)) from None
        return commit

    def _commit_tree(self, tree: str, parent: str | None, message: str,
                     author: tuple[str, str] | None, when: int | None) -> str:
        env = {**os.environ, **self.identity(author)}
        if when is not None:
            for role in ("AUTHOR", "COMMITTER"):
                env.setdefault(f"GIT_{role}_DATE", f"@{when} +0000")
        parents = ["-p", parent] if parent else []
        return self.git("commit-tree", tree, *parents, "-F", "-", env=env, stdin=message).strip()

    def _sync_index(self, paths: list[str]) -> None:
        """Make the user's index agree with HEAD for these paths, so status stays clean."""
        if self.head() is None:
            return
        self.git("reset", "-q", "--pathspec-from-file=-", "--pathspec-file-nul", "--",
                 stdin="\0".join(paths) + "\0")

    # ------------------------------------------------------------- remotes

    def upstream(self) -> tuple[str, str]:
        """(remote, branch) this branch pushes to: its upstream, else origin and its name."""
        branch = self.git("symbolic-ref", "-q", "--short", "HEAD", check=False).strip()
        if not branch:
            raise GitError("push: HEAD is not on a branch (a detached checkout?)")
        remote = self.git("config", f"branch.{branch}.remote", check=False).strip() or "origin"
        merge = self.git("config", f"branch.{branch}.merge", check=False).strip()
        if remote not in self.git("remote").split():
            raise GitError(f"push: no remote named {remote!r} to push to")
        return remote, merge.removeprefix("refs/heads/") or branch

    def push(self, remote: str, branch: str) -> str | None:
        """Push HEAD (never forced); None when it landed, else what git said."""
        result = subprocess.run(
            ["git", "push", "--porcelain", remote, f"HEAD:refs/heads/{branch}"], cwd=self.top,
            capture_output=True, text=True, check=False)
        if result.returncode == 0:
            return None
        said = [line.strip() for line in (result.stdout + result.stderr).splitlines()]
        refusals = [line for line in said if line.startswith("!")]
        explained = [line for line in said if line.startswith("remote:") and line[7:].strip()]
        return "; ".join(refusals + explained) or git_said(result.stderr)

    def is_ancestor(self, older: str, newer: str) -> bool:
        return subprocess.run(["git", "merge-base", "--is-ancestor", older, newer],
                              cwd=self.top, capture_output=True, check=False).returncode == 0

    def fetch(self, remote: str, branch: str) -> str | None:
        """The remote branch's commit after fetching it; None when it does not exist yet."""
        result = subprocess.run(["git", "fetch", "-q", remote, f"refs/heads/{branch}"],
                                cwd=self.top, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            if "couldn't find remote ref" in result.stderr:
                return None
            raise GitError(f"fetch from {remote}: {git_said(result.stderr)}")
        return self.git("rev-parse", "FETCH_HEAD").strip()

    def identity(self, configured: tuple[str, str] | None) -> dict[str, str]:
        """Author and committer: git's variables, feeds.yaml, git config, else a default."""
        fallback = configured or self._configured_identity() or (
            ACTIONS_AUTHOR if os.environ.get("GITHUB_ACTIONS") == "true" else FALLBACK_AUTHOR)
        env: dict[str, str] = {}
        for role in ("AUTHOR", "COMMITTER"):
            for field, value in zip(("NAME", "EMAIL"), fallback, strict=True):
                key = f"GIT_{role}_{field}"
                env[key] = os.environ.get(key) or value
        return env

    def _configured_identity(self) -> tuple[str, str] | None:
        name = self.git("config", "user.name", check=False).strip()
        email = self.git("config", "user.email", check=False).strip()
        return (name, email) if name and email else None


def git_said(output: str) -> str:
    """The line of git's output that says what went wrong: its first fatal: or error:."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    for line in lines:
        if line.startswith(("fatal:", "error:")):
            return line
    return lines[0] if lines else "failed"
