"""The archive's memory of what it holds, and atomic writes."""

from __future__ import annotations

from pathlib import Path

from mirror.archive.ledger import INDEX_NAME
from mirror.archive.scan import read_from_link
from mirror.archive.store import Archive
from mirror.models import Entry, Post


def entry(link: str, guid: str | None = None, feed: str = "f") -> Entry:
    return Entry(feed=feed, link=link, title="t", guid=guid)


def write(archive: Archive, item: Entry, path: str) -> None:
    line = archive.remember(item, archive.settle_path(path, item))
    archive.write([(Post(entry=item, path=line.path, text="---\nfrom: x\n---\n"), line)])


def test_known_by_guid_or_link_after_reload(tmp_path: Path) -> None:
    archive = Archive(tmp_path).load()
    write(archive, entry("https://a.example/1", guid="g-1"), "2021-01-12-a.md")
    again = Archive(tmp_path).load()
    assert again.is_known(entry("http://a.example/1?utm_source=rss"))
    assert again.is_known(entry("https://a.example/moved", guid="g-1"))
    assert not again.is_known(entry("https://a.example/moved", guid="g-1", feed="other"))
    assert not again.is_known(entry("https://a.example/2", guid="g-2"))


def test_url_guids_are_global(tmp_path: Path) -> None:
    archive = Archive(tmp_path).load()
    write(archive, entry("https://a.example/1", guid="https://a.example/?p=1"), "x.md")
    assert Archive(tmp_path).load().is_known(
        entry("https://mirror.example/1", guid="https://a.example/?p=1", feed="other"))


def test_collisions_get_a_short_stable_suffix(tmp_path: Path) -> None:
    archive = Archive(tmp_path).load()
    write(archive, entry("https://a.example/1"), "2021-01-12-same.md")
    second = entry("https://a.example/2")
    path = archive.settle_path("2021-01-12-same.md", second)
    assert path.startswith("2021-01-12-same-") and len(path) == len("2021-01-12-same-abcdef.md")
    assert path == Archive(tmp_path).load().settle_path("2021-01-12-same.md", second)
    assert archive.settle_path("2021-01-12-SAME.md", second) != "2021-01-12-SAME.md"


def test_posts_without_index_lines_are_read_once(tmp_path: Path) -> None:
    folder = tmp_path / "archive"
    folder.mkdir()
    (folder / "old.md").write_text('---\ntitle: "x"\nfrom: "https://a.example/q?x=1"\n---\n')
    cache = tmp_path / "cache"
    assert Archive(folder, cache).load().is_known(entry("https://a.example/q?x=1"))
    assert (cache / "scan.json").exists() and (cache / "known.marshal").exists()
    (folder / "sub").mkdir()
    (folder / "sub" / "new.md").write_text("---\nfrom: https://a.example/new\n---\n")
    again = Archive(folder, cache).load()
    assert again.is_known(entry("https://a.example/new")) and again.post_count == 2
    (folder / "old.md").unlink()
    assert Archive(folder, cache).load().post_count == 1


def test_the_snapshot_follows_what_this_process_wrote(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    archive = Archive(tmp_path / "archive", cache).load()
    write(archive, entry("https://a.example/1", guid="g"), "2021/01/a.md")
    archive.save_snapshot()
    again = Archive(tmp_path / "archive", cache)
    assert again._load_snapshot()
    assert again.is_known(entry("https://a.example/2", guid="g")) and again.post_count == 1


def test_a_line_cut_short_by_a_crash_is_dropped(tmp_path: Path) -> None:
    archive = Archive(tmp_path).load()
    write(archive, entry("https://a.example/1"), "a.md")
    with (tmp_path / INDEX_NAME).open("a") as handle:
        handle.write("b.md\tf\t\thttps://a.exa")
    again = Archive(tmp_path).load()
    assert again.is_known(entry("https://a.example/1"))
    assert (tmp_path / INDEX_NAME).read_text().endswith("https://a.example/1\n")


def test_temporary_files_of_a_killed_run_are_removed(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    leftover = tmp_path / "sub" / ".mirror-tmp-123abc"
    leftover.write_text("half a po")
    Archive(tmp_path).load()
    assert not leftover.exists()


def test_from_link_is_read_from_the_front_matter_only(tmp_path: Path) -> None:
    post = tmp_path / "p.md"
    post.write_text("---\ntitle: x\n---\nfrom: https://not.this/\n")
    assert read_from_link(post) is None
    post.write_text("---\nfrom: https://www.rfi.fr//cn/a\n---\n")
    assert read_from_link(post) == "https://www.rfi.fr//cn/a"


def test_a_change_by_someone_else_during_a_run_is_not_hidden_by_the_snapshot(
        tmp_path: Path) -> None:
    cache, folder = tmp_path / "cache", tmp_path / "archive"
    archive = Archive(folder, cache).load()
    write(archive, entry("https://a.example/1"), "a.md")
    archive.save_snapshot()
    during = Archive(folder, cache).load()  # a long run starts
    other = Archive(folder)  # meanwhile a git pull brings another runner's post
    other.load()
    write(other, entry("https://a.example/pulled"), "pulled.md")
    write(during, entry("https://a.example/2"), "b.md")  # the long run writes its own
    during.save_snapshot()
    assert Archive(folder, cache).load().is_known(entry("https://a.example/pulled"))
