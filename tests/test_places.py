"""Preservation's files are told from anyone else's (for crash recovery and --push)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mirror.models import Config, FeedConfig
from mirror.preserve import places

DIGEST = "ab" + "0" * 62


def config(root: Path) -> Config:
    return Config(path=root / "feeds.yaml", archive=root / "archive",
                  feeds=(FeedConfig(name="n", url="https://n.example/f"),))


@pytest.mark.parametrize(("path", "text", "ours"), [
    (f"assets/ab/{DIGEST}.png", "x", True),
    ("assets/.mirror-assets.tsv", "x", True),
    ("assets/ab/logo.png", "x", False),
    (f"assets/ab/{DIGEST}.svg", "x", False),
    (f"raw/n/{'1' * 40}.warc.gz", "x", True),
    ("raw/n/notes.txt", "x", False),
    ("archive/.mirror-changes.tsv", "x", True),
    ("archive/.mirror-index.tsv", "x", False),
    ("feeds/changes/README.md", "<!-- written by mirror after each run", True),
    ("feeds/changes/revisions/p/20231114T221320Z-page.md", places.REVISION_BANNER, True),
    ("feeds/changes/mine.md", "my notes", False),
])
def test_what_is_preservations(tmp_path: Path, path: str, text: str, ours: bool) -> None:
    target = tmp_path / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)
    assert places.is_ours(config(tmp_path), target) is ours


def test_the_mark_changes_with_the_changes_ledger(tmp_path: Path) -> None:
    conf = config(tmp_path)
    assert places.mark(conf) == [None]
    places.changes_ledger(conf).parent.mkdir()
    places.changes_ledger(conf).write_text("# x\n")
    first = places.mark(conf)
    places.changes_ledger(conf).write_text("# x\nline\n")
    assert places.mark(conf) != first
