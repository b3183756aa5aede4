"""Where a command keeps its cache (.git/mirror, the OS's cache folder, MIRROR_CACHE_DIR) and
its lock; two configurations or two repositories never share a memory."""

from __future__ import annotations

import sys
from pathlib import Path

import filelock
import pytest

from mirror.models import Config
from mirror.workspace import Workspace
from tests.conftest import mirror, new_repo, posts, write_config
from tests.helpers import items, serve_feed


def workspace(folder: Path) -> Workspace:
    return Workspace.open(Config(path=folder / "feeds.yaml", archive=folder / "archive",
                                 feeds=()))


def test_in_a_repository_the_cache_is_in_git_s_folder(repo: Path) -> None:
    assert workspace(repo).lock_folder == repo / ".git" / "mirror"


@pytest.mark.skipif(sys.platform != "linux", reason="XDG is Linux's")
def test_outside_git_the_cache_follows_xdg_on_linux(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    found = workspace(tmp_path / "plain").lock_folder
    assert found.parent == tmp_path / "xdg" / "mirror"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert workspace(tmp_path / "plain").lock_folder.parent == \
        Path.home() / ".cache" / "mirror"


def test_outside_git_the_cache_is_where_the_os_keeps_caches(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import platformdirs

    monkeypatch.setattr(platformdirs, "user_cache_path",
                        lambda name, appauthor: tmp_path / "os-cache" / name)
    found = workspace(tmp_path / "plain").lock_folder
    assert found.parent == tmp_path / "os-cache" / "mirror"
    assert found != workspace(tmp_path / "other").lock_folder  # one per archive


def test_mirror_cache_dir_wins(repo: Path, tmp_path: Path,
                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MIRROR_CACHE_DIR", str(tmp_path / "mine"))
    assert workspace(repo).lock_folder == tmp_path / "mine"
    assert workspace(tmp_path / "plain").lock_folder == tmp_path / "mine"


# ---------------------------------------------------------------- through a run

def test_a_run_that_cannot_wait_for_the_lock_says_so(repo: Path, site) -> None:
    write_config(repo, [{"name": "n", "url": serve_feed(site, items(2))}], content="feed")
    folder = repo / ".git" / "mirror"
    folder.mkdir(parents=True)
    with filelock.FileLock(folder / "lock"):  # another run holds the archive
        result = mirror(repo, "fetch", "--wait", "0")
    assert result.returncode == 3
    assert result.stderr.strip().splitlines() == [
        "mirror: another mirror run is using this archive; gave up after waiting 0s"]


def test_two_feeds_yaml_in_one_repository_keep_apart(repo: Path, site) -> None:
    feed = serve_feed(site, items(2), etag='"v1"')
    for name, archive in (("a.yaml", "site-a/_posts"), ("b.yaml", "site-b/_posts")):
        (repo / name).write_text(f"archive: {archive}\ncontent: feed\nindex_pages: false\n"
                                 f"feeds:\n  - name: news\n    url: {feed}\n", encoding="utf-8")
        result = mirror(repo, "fetch", "--config", name)
        assert result.returncode == 0, result.stderr
        assert "news: 2 new" in result.stdout
    assert len(posts(repo / "site-a")) == len(posts(repo / "site-b")) == 2


def test_two_repositories_sharing_a_cache_folder_keep_apart(tmp_path: Path, site) -> None:
    feed = serve_feed(site, items(1), etag='"v1"')
    cache = tmp_path / "cache"
    for name in ("x", "y"):
        where = new_repo(tmp_path / name)
        write_config(where, [{"name": "n", "url": feed}], content="feed")
        result = mirror(where, "fetch", env={"MIRROR_CACHE_DIR": str(cache)})
        assert "n: 1 new" in result.stdout, result.stdout + result.stderr
