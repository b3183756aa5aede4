"""Rotation (``archive.rotate``, ``mirror rotate``): old posts move to another folder, are
never fetched again, and their paths are never reused; it never moves into git's folder or
onto a file. (A rotation killed half way: ``test_journeys.py``; pushed onto a remote that
moved: ``test_push.py``.)"""

from __future__ import annotations

from pathlib import Path

from tests.conftest import git, mirror, posts, write_config
from tests.feeds import Item, rss
from tests.helpers import FULL_TEXT


def test_rotated_posts_are_never_fetched_again(repo: Path, site) -> None:
    day = 86_400
    entries = [Item(title=f"第{i}天", link=f"https://a.example/{i}", body=FULL_TEXT,
                    date=1_700_000_000 - i * day) for i in range(30)]
    url = site.add("/feed.xml", rss(entries))
    write_config(repo, [{"name": "A", "url": url}], content="feed")
    old = repo / "archive" / "1999-01-01-old-script-post.md"
    old.parent.mkdir()
    old.write_text("---\nlayout: post\ntitle: \"old\"\ndate: 1999-01-01T00:00:00.000Z\n"
                   "author: A\nfrom: https://a.example/old\ntags: [ A ]\ncategories: [ A ]\n"
                   "---\nbody\n")
    assert mirror(repo, "fetch").returncode == 0
    assert len(posts(repo / "archive")) == 31

    rotated = mirror(repo, "rotate", "--older-than", "14d", "--to", "old-posts")

    assert rotated.returncode == 0, rotated.stderr
    assert "rotated 16 posts" in rotated.stdout
    assert len(posts(repo / "archive")) == 15 and len(posts(repo / "old-posts")) == 16
    assert git(repo, "status", "--porcelain", "--", "archive", "old-posts") == ""
    site.add("/feed.xml", rss([*entries, Item(link="https://a.example/old", body=FULL_TEXT)]))

    later = mirror(repo, "fetch", epoch=str(1_700_000_000 + 3600))

    assert later.returncode == 0, later.stderr
    assert "A: 0 new, 31 known" in later.stdout
    assert len(posts(repo / "archive")) == 15
    bad = mirror(repo, "rotate", "--older-than", "14d", "--to", "archive/sub")
    assert bad.returncode == 2


def test_rotation_never_goes_into_git_or_onto_a_file(repo: Path, site) -> None:
    write_config(repo, [{"name": "A", "url": site.url("/a.xml")}])
    (repo / "notes.txt").write_text("x")
    for target in (".git/old", "notes.txt"):
        result = mirror(repo, "rotate", "--older-than", "1d", "--to", target)
        assert result.returncode == 2, target
        assert len(result.stderr.strip().splitlines()) == 1


def test_a_rotated_posts_path_is_never_reused(repo: Path, site) -> None:
    day = Item(title="Daily briefing", link="https://a.example/brief", body=FULL_TEXT,
               date=1_600_000_000)
    write_config(repo, [{"name": "A", "url": site.add("/a.xml", rss([day]))}], content="feed")
    assert mirror(repo, "fetch").returncode == 0
    assert mirror(repo, "rotate", "--older-than", "14d", "--to", "old").returncode == 0
    again = Item(title="Daily briefing", link="https://b.example/brief", body=FULL_TEXT,
                 date=1_600_000_000)
    write_config(repo, [{"name": "A", "url": site.url("/a.xml")},
                        {"name": "B", "url": site.add("/b.xml", rss([again]))}], content="feed")

    assert mirror(repo, "fetch").returncode == 0

    [name] = posts(repo / "archive")
    assert name != next(iter(posts(repo / "old")))
    overview = (repo / "feeds" / "README.md").read_text(encoding="utf-8")
    assert "1 post from 2 feeds" in overview
