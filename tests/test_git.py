"""Commits: exactly mirror's files, no identity needed, and repair after a crash."""

from __future__ import annotations

from pathlib import Path

from mirror.git import Repo
from tests.conftest import commits, git


def test_commit_without_identity_and_only_the_given_paths(repo: Path) -> None:
    (repo / "archive").mkdir()
    (repo / "archive" / "a.md").write_text("a\n")
    (repo / "staged.txt").write_text("user\n")
    git(repo, "add", "staged.txt")
    found = Repo.find(repo / "archive")
    assert found is not None

    sha = found.commit(["archive/a.md"], "mirror: 1 new post\n")

    assert sha and commits(repo) == 1
    assert git(repo, "show", "--name-only", "--format=%an", "HEAD").split() == \
        ["mirror", "archive/a.md"]
    assert git(repo, "status", "--porcelain").splitlines() == ["A  staged.txt"]
    assert found.commit(["archive/a.md"], "again\n") is None
    assert commits(repo) == 1


def test_a_commit_that_landed_before_the_index_was_synced_is_repaired(repo: Path) -> None:
    found = Repo.find(repo)
    assert found is not None
    (repo / "a.md").write_text("a\n")
    found.commit(["a.md"], "first\n")
    git(repo, "rm", "-q", "--cached", "a.md")  # as if killed between update-ref and reset
    assert git(repo, "status", "--porcelain") != ""

    assert found.commit(["a.md"], "repair\n") is None

    assert git(repo, "status", "--porcelain") == ""
    assert commits(repo) == 1


def test_not_a_repository(tmp_path: Path) -> None:
    assert Repo.find(tmp_path) is None


def test_a_commit_that_lands_while_gits_index_is_locked_says_so(repo: Path) -> None:
    from mirror.git import IndexNotSynced

    found = Repo.find(repo)
    assert found is not None
    (repo / "a.md").write_text("a\n")
    (repo / ".git" / "index.lock").write_text("")
    try:
        found.commit(["a.md"], "first\n")
    except IndexNotSynced as exc:
        assert exc.commit and "git reset -q" in str(exc)
    else:
        raise AssertionError("expected IndexNotSynced")
    (repo / ".git" / "index.lock").unlink()
    assert found.commit(["a.md"], "again\n") is None  # the next commit repairs the index
    assert git(repo, "status", "--porcelain") == ""
