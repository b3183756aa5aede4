"""Atomic writes (``archive.atomic``): the old file or the new one, never half of either,
and nothing left behind when a write fails."""

from __future__ import annotations

from pathlib import Path

import pytest

from mirror.archive.atomic import TEMP_PREFIX, atomic_write, remove_temp_files, unused_path
from mirror.errors import ArchiveError


def test_a_write_replaces_the_file_whole_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "post.md"
    target.write_bytes(b"old")
    atomic_write(target, "新的".encode())
    atomic_write(target, b"newer", durable=False)
    assert target.read_bytes() == b"newer"
    assert [p.name for p in tmp_path.iterdir()] == ["post.md"]


def test_a_failed_write_raises_one_archive_error_and_cleans_up(tmp_path: Path) -> None:
    (tmp_path / "folder.md").mkdir()  # a folder where the file should go
    with pytest.raises(ArchiveError, match=r"folder\.md: cannot write"):
        atomic_write(tmp_path / "folder.md", b"x")
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(TEMP_PREFIX)]


def test_leftovers_are_removed_and_nothing_else(tmp_path: Path) -> None:
    (tmp_path / f"{TEMP_PREFIX}abc").write_text("half")
    (tmp_path / "kept.md").write_text("whole")
    remove_temp_files(tmp_path)
    remove_temp_files(tmp_path / "missing")
    assert [p.name for p in tmp_path.iterdir()] == ["kept.md"]


def test_unused_path_counts_up(tmp_path: Path) -> None:
    assert unused_path(tmp_path / "a.md") == tmp_path / "a.md"
    (tmp_path / "a.md").write_text("x")
    (tmp_path / "a-2.md").write_text("x")
    assert unused_path(tmp_path / "a.md") == tmp_path / "a-3.md"
