"""Where a command keeps its cache: .git/mirror, the OS's cache folder, MIRROR_CACHE_DIR."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from mirror.models import Config
from mirror.workspace import Workspace


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
