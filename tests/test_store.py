"""The archive's memory of what it holds (``archive.store``): an entry is known by its guid
or its link however either is dressed up, paths that collide get a stable suffix, and the
snapshot in the cache never hides a change made by someone else."""

from __future__ import annotations

import shutil
from pathlib import Path

from mirror.archive.store import Archive
from mirror.models import Entry, Post
from tests.conftest import git, mirror, posts, write_config
from tests.feeds import Item
from tests.helpers import commit_by_hand, serve_feed


def entry(link: str, guid: str | None = None, feed: str = "f") -> Entry:
    return Entry(feed=feed, link=link, title="t", guid=guid)


def write(archive: Archive, item: Entry, path: str) -> None:
    """A post for ``item`` at ``path``, with its ledger line."""
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


def test_the_snapshot_follows_what_this_process_wrote(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    archive = Archive(tmp_path / "archive", cache).load()
    write(archive, entry("https://a.example/1", guid="g"), "2021/01/a.md")
    archive.save_snapshot()
    again = Archive(tmp_path / "archive", cache)
    assert again._load_snapshot()
    assert again.is_known(entry("https://a.example/2", guid="g")) and again.post_count == 1


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


# ---------------------------------------------------------------- through runs

def test_entry_identity_survives_edits_redating_midnight_and_fresh_clone(
        repo: Path, site, tmp_path: Path) -> None:
    item = Item(title="Before midnight", link="https://news.example/story?id=7", guid="story-7",
                date=1_610_495_990)  # 2021-01-12T23:59:50Z
    url = serve_feed(site, [item])
    write_config(repo, [{"name": "News", "url": url}], content="feed")
    assert mirror(repo, "fetch").returncode == 0
    git(repo, "add", "feeds.yaml")
    commit_by_hand(repo, "config")

    edited = Item(title="After midnight, edited", guid="story-7", date=1_610_496_010,
                  link="http://news.example/story?id=7&utm_source=rss")  # 2021-01-13T00:00:10
    relinked = Item(title="Moved", link="https://news.example/moved/7", guid="story-7")
    clone = tmp_path / "clone"
    shutil.copytree(repo, clone)  # the same committed archive, a fresh checkout's cache
    shutil.rmtree(clone / ".git" / "mirror", ignore_errors=True)

    for later in (edited, relinked):
        serve_feed(site, [later])
        for where in (repo, clone):
            result = mirror(where, "fetch", epoch="1610500000")
            assert result.returncode == 0, result.stderr
            assert "News: 0 new, 1 known" in result.stdout
            assert len(posts(where / "archive")) == 1
