"""Reading the archive folder (``archive.scan``): posts the ledger does not list (the old
script's, a pull's) are read from their front matter once, and a killed run's temporary
files are cleared away."""

from __future__ import annotations

from pathlib import Path

from mirror.archive.scan import read_from_link
from mirror.archive.store import Archive
from mirror.models import Entry
from tests.conftest import git, mirror, posts, write_config
from tests.helpers import commit_by_hand, serve_feed, voa_items


def entry(link: str) -> Entry:
    return Entry(feed="f", link=link, title="t")


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


def test_from_link_is_read_from_the_front_matter_only(tmp_path: Path) -> None:
    post = tmp_path / "p.md"
    post.write_text("---\ntitle: x\n---\nfrom: https://not.this/\n")
    assert read_from_link(post) is None
    post.write_text("---\nfrom: https://www.rfi.fr//cn/a\n---\n")
    assert read_from_link(post) == "https://www.rfi.fr//cn/a"


def test_temporary_files_of_a_killed_run_are_removed(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    leftover = tmp_path / "sub" / ".mirror-tmp-123abc"
    leftover.write_text("half a po")
    Archive(tmp_path).load()
    assert not leftover.exists()


def test_posts_from_the_old_script_count_as_archived(repo: Path, site) -> None:
    old = repo / "archive" / "2021-01-12-第一条新闻 old name.md"
    old.parent.mkdir()
    old.write_text("---\nlayout: post\ntitle: \"第一条新闻\"\ndate: 2021-01-12T09:41:23.000Z\n"
                   "author: 美国之音\nfrom: https://www.voachinese.com/a/one/1.html\n"
                   "tags: [ 美国之音 ]\ncategories: [ 美国之音 ]\n---\nbody\n", encoding="utf-8")
    git(repo, "add", "-A")
    commit_by_hand(repo, "old archive")
    write_config(repo, [{"name": "美国之音", "url": serve_feed(site, voa_items())}],
                 content="feed")

    result = mirror(repo, "fetch")

    assert result.returncode == 0, result.stderr
    assert "美国之音: 1 new, 1 known" in result.stdout
    assert len(posts(repo / "archive")) == 2
