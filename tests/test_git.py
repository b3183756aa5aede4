"""Commits: exactly mirror's files (never a user's staged work or edit), no identity needed
(or the one feeds.yaml and git's variables give), and repair after a crash."""

from __future__ import annotations

from pathlib import Path

from mirror.git import Repo
from tests.conftest import commits, git, mirror, write_config
from tests.helpers import commit_by_hand, serve_feed, voa_items


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


# ---------------------------------------------------------------- what a run commits

def test_only_mirrors_own_files_are_committed(repo: Path, site) -> None:
    write_config(repo, [{"name": "美国之音", "url": serve_feed(site, voa_items())}],
                 content="feed")
    (repo / "notes.txt").write_text("the user's own work\n")
    git(repo, "add", "notes.txt")

    result = mirror(repo, "fetch")

    assert result.returncode == 0, result.stderr
    committed = git(repo, "show", "--name-only", "--format=", "HEAD").split()
    assert all(path.startswith(("archive/", "feeds/")) for path in committed)
    assert "feeds/README.md" in committed  # the index pages
    assert "A  notes.txt" in git(repo, "status", "--porcelain")


def test_commit_identity_from_feeds_yaml_and_git_variables(repo: Path, site) -> None:
    serve_feed(site, voa_items()[:1])
    write_config(repo, [{"name": "a", "url": site.url("/feed.xml")}],
                 commit_author="Mirror Bot <bot@example.org>", content="feed")
    assert mirror(repo, "fetch").returncode == 0
    assert git(repo, "log", "-1", "--format=%an <%ae>").strip() == "Mirror Bot <bot@example.org>"

    serve_feed(site, voa_items())
    result = mirror(repo, "fetch", env={"GIT_AUTHOR_NAME": "Ann", "GIT_AUTHOR_EMAIL": "ann@x"})
    assert result.returncode == 0, result.stderr
    assert git(repo, "log", "-1", "--format=%an <%ae> / %cn").strip() == \
        "Ann <ann@x> / Mirror Bot"


def test_a_users_edit_to_a_post_is_never_swept_into_mirrors_commit(repo: Path, site) -> None:
    serve_feed(site, voa_items()[:1])
    write_config(repo, [{"name": "美国之音", "url": site.url("/feed.xml")}], content="feed")
    assert mirror(repo, "fetch").returncode == 0
    [post] = (repo / "archive").glob("*.md")
    post.write_text(post.read_text(encoding="utf-8") + "my half-done edit\n", encoding="utf-8")
    (repo / "other.txt").write_text("x\n")
    git(repo, "add", "other.txt")
    commit_by_hand(repo, "mine")
    serve_feed(site, voa_items())

    result = mirror(repo, "fetch")

    assert result.returncode == 0, result.stderr
    committed = git(repo, "show", "--name-only", "--format=", "HEAD").split()
    assert post.relative_to(repo).as_posix() not in committed
    assert git(repo, "status", "--porcelain", "--", "archive").startswith(" M ")
