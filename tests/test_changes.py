"""The changes ledger, revision files and the page that lists the changes."""

from __future__ import annotations

from pathlib import Path

from mirror.archive.index_pages import BANNER
from mirror.models import Config, FeedConfig
from mirror.preserve import changes
from mirror.preserve.changes import Change
from mirror.preserve.compare import difference

POST = "2021-01-12-标题.md"
OLD = "<p>警方周二表示，示威者在市中心聚集。有三人被捕。</p><p>The minister spoke. He left.</p>"
NEW = "<p>警方周二表示，示威者在市中心聚集。有三十人被捕。</p><p>The minister spoke. He left.</p>"


def config(root: Path) -> Config:
    (root / "archive").mkdir(exist_ok=True)
    (root / "archive" / POST).write_text(
        '---\nlayout: post\ntitle: "标题 [1]"\ndate: 2021-01-12T09:41:23.000Z\n---\nx\n',
        encoding="utf-8")
    return Config(path=root / "feeds.yaml", archive=root / "archive",
                  feeds=(FeedConfig(name="n", url="https://n.example/f"),))


def test_the_ledger_is_appended_and_read_back(tmp_path: Path) -> None:
    conf = config(tmp_path)
    found = [Change("2023-11-14T22:13:20Z", "deleted", "https://n.example/1", POST, "HTTP 404"),
             Change("2023-11-14T23:13:20Z", "restored", "https://n.example/1", POST,
                    "back\twith a tab")]
    assert changes.append_changes(conf, found[:1]) and changes.append_changes(conf, found[1:])
    assert not changes.append_changes(conf, [])
    assert changes.read_changes(conf) == found
    text = (tmp_path / "archive" / changes.CHANGES_NAME).read_text()
    assert text.startswith("# mirror changes v1") and "back\\twith a tab" in text
    assert changes.last_state(found) == {"https://n.example/1": "restored"}


def test_a_revision_marks_what_changed_and_gives_the_version_back(tmp_path: Path) -> None:
    conf = config(tmp_path)
    change = Change("2023-11-14T22:13:20Z", "edited", "https://n.example/1", POST)
    path = changes.write_revision(conf, change, 1_700_000_000_000, "page", NEW,
                                  difference(OLD, NEW))
    assert path == tmp_path / "feeds/changes/revisions/2021-01-12-标题/20231114T221320Z-page.md"
    text = path.read_text()
    assert "<del>有三人被捕。</del>" in text
    assert "<p>警方周二表示，示威者在市中心聚集。<ins>有三十人被捕。</ins></p>" in text
    assert "<p>The minister spoke. He left.</p>" in text
    assert "[The archived post](../../../../archive/2021-01-12-%E6" not in text
    assert "(../../../../archive/2021-01-12-标题.md)" in text
    back = changes.read_revision(path)
    assert back is not None and not difference(NEW, back).changed


def test_the_page_lists_changes_newest_first_with_their_revision_and_snapshot(
        tmp_path: Path) -> None:
    conf = config(tmp_path)
    found = [
        Change("2023-11-14T22:13:20Z", "snapshot", "https://n.example/1", POST,
               "https://web.archive.org/web/20231114/https://n.example/1"),
        Change("2023-11-15T01:00:00Z", "edited", "https://n.example/1", POST,
               "1 sentence added, 1 removed (page); revision feeds/changes/revisions/x.md"),
        Change("2023-11-16T01:00:00Z", "deleted", "https://n.example/1", POST, "HTTP 410 Gone"),
    ]
    path = changes.write_page(conf, found)
    assert path == tmp_path / "feeds" / "changes" / "README.md"
    lines = path.read_text().splitlines()
    assert lines[0] == BANNER
    assert "2 changes found: 1 deleted, 1 edited, 0 restored; 1 snapshot made." in lines[3]
    items = [line for line in lines if line.startswith("- ")]
    assert items[0].startswith("- 2023-11-16 01:00 · **deleted** · [标题 \\[1\\]]"
                               "(../../archive/2021-01-12-标题.md) · [source](https://n.example/1)")
    assert items[0].endswith("[snapshot](https://web.archive.org/web/20231114/https://n.example/1)"
                             " · HTTP 410 Gone")
    assert "[revision](revisions/x.md)" in items[1]
    assert "revision feeds" not in items[1]
    assert changes.write_page(conf, found) is None  # unchanged: not written again


def test_a_page_mirror_did_not_write_is_left_alone(tmp_path: Path) -> None:
    conf = config(tmp_path)
    mine = tmp_path / "feeds" / "changes" / "README.md"
    mine.parent.mkdir(parents=True)
    mine.write_text("my notes\n")
    assert changes.write_page(conf, []) is None
    assert mine.read_text() == "my notes\n"
