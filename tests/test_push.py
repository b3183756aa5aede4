"""``--push`` (``push``): a remote that moved on is fetched and mirror's own commits are
redone on top of it (posts the remote already holds are dropped); work mirror did not do
stops it with one clear line and leaves nothing behind; a refusal for the remote's own
reasons is not retried. (A push killed mid-rebase and four runners at once:
``test_journeys.py``.)"""

from __future__ import annotations

from pathlib import Path

from tests.conftest import git, mirror, posts, write_config
from tests.feeds import Item, rss
from tests.helpers import FULL_TEXT, clone_of, commit_by_hand, froms, remote_and_clones


def test_push_rebases_onto_a_remote_that_moved(tmp_path: Path, site) -> None:
    remote, [one, two] = remote_and_clones(tmp_path)
    same = Item(title="Same title", link="https://a.example/1", body=FULL_TEXT)
    other = Item(title="Same title", link="https://b.example/1", body=FULL_TEXT)
    write_config(one, [{"name": "A", "url": site.add("/a.xml", rss([same]))}], content="feed")
    write_config(two, [{"name": "B", "url": site.add("/b.xml", rss([other, same]))}],
                 content="feed")

    assert mirror(one, "fetch", "--push").returncode == 0
    result = mirror(two, "fetch", "--push")

    assert result.returncode == 0, result.stderr
    assert "rebased 1 time" in result.stdout and "dropped" in result.stdout
    final = clone_of(remote, tmp_path)
    names = sorted(posts(final / "archive"))
    assert len(names) == 2 and names[0] != names[1]  # same title: a suffix, not a clash
    assert sorted(froms(final / "archive")) == ["https://a.example/1", "https://b.example/1"]


def test_the_report_after_a_rebase_names_the_pushed_commit(tmp_path: Path, site) -> None:
    _remote, [one, two] = remote_and_clones(tmp_path)
    shared_item = Item(title="same", link="https://a.example/same", body=FULL_TEXT)
    write_config(one, [{"name": "A", "url": site.add("/a.xml", rss([shared_item]))}],
                 content="feed")
    write_config(two, [{"name": "B", "url": site.add("/b.xml", rss(
        [Item(title="b", link="https://b.example/1", body=FULL_TEXT), shared_item]))}],
        content="feed")
    assert mirror(one, "fetch", "--push").returncode == 0

    result = mirror(two, "fetch", "--push")

    assert result.returncode == 0, result.stderr
    assert "B: 1 new, 1 known" in result.stdout
    pushed = git(two, "rev-parse", "HEAD").strip()
    assert f"committed {pushed[:10]}" in result.stdout
    assert git(two, "rev-parse", "origin/main").strip() == pushed


def test_push_stops_on_local_commits_it_cannot_rebase(tmp_path: Path, site) -> None:
    _remote, [one, two] = remote_and_clones(tmp_path)
    url = site.add("/a.xml", rss([Item(link="https://a.example/1", body=FULL_TEXT)]))
    write_config(one, [{"name": "A", "url": url}], content="feed")
    assert mirror(one, "fetch", "--push").returncode == 0
    write_config(two, [{"name": "A", "url": url}], content="feed")
    (two / "notes.txt").write_text("mine\n")
    git(two, "add", "notes.txt")
    commit_by_hand(two, "notes")

    result = mirror(two, "fetch", "--push")

    assert result.returncode == 1
    assert "notes.txt, which mirror did not do" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_refused_rebase_leaves_nothing_behind(tmp_path: Path, site) -> None:
    _remote, [one, two] = remote_and_clones(tmp_path)
    url = site.add("/a.xml", rss([Item(link="https://a.example/1", body=FULL_TEXT)]))
    for clone in (one, two):
        write_config(clone, [{"name": "A", "url": url}], content="feed")
    assert mirror(one, "fetch", "--push").returncode == 0
    (two / "notes.txt").write_text("mine\n")
    git(two, "add", "notes.txt")
    commit_by_hand(two, "notes")
    assert mirror(two, "fetch", "--push").returncode == 1
    assert git(two, "for-each-ref", "refs/mirror") == ""

    git(two, "fetch", "-q")
    git(two, "-c", "user.name=u", "-c", "user.email=u@x", "rebase", "-q", "origin/main")
    git(two, "push", "-q", "origin", "HEAD:main")  # the person settles it by hand

    again = mirror(two, "fetch", "--push")
    assert again.returncode == 0, again.stderr


def test_a_rotation_is_pushed_onto_a_remote_that_moved(tmp_path: Path, site) -> None:
    remote, [one, two] = remote_and_clones(tmp_path)
    old = [Item(title=f"old {i}", link=f"https://a.example/old/{i}", body=FULL_TEXT,
                date=1_610_444_483 - i * 86_400) for i in range(3)]
    url = site.add("/a.xml", rss(old))
    for clone in (one, two):
        write_config(clone, [{"name": "A", "url": url}], content="feed")
    assert mirror(one, "fetch", "--push").returncode == 0
    git(two, "pull", "-q")
    site.add("/a.xml", rss([Item(title="new", link="https://a.example/new", body=FULL_TEXT,
                                 date=1_700_000_000), *old]))
    assert mirror(one, "fetch", "--push").returncode == 0  # the remote moves on
    assert mirror(two, "rotate", "--older-than", "14d", "--to", "old").returncode == 0

    result = mirror(two, "fetch", "--push")

    assert result.returncode == 0, result.stderr
    final = clone_of(remote, tmp_path)
    assert froms(final / "archive") == ["https://a.example/new"]
    assert sorted(froms(final / "old")) == sorted(item.link for item in old)
    assert git(final, "status", "--porcelain") == ""


def test_a_remote_that_refuses_for_its_own_reasons_is_not_retried(tmp_path: Path, site) -> None:
    remote, [one] = remote_and_clones(tmp_path, 1)
    asked = tmp_path / "asked"
    hook = remote / "hooks" / "pre-receive"
    hook.write_text(f"#!/bin/sh\necho push >> '{asked}'\n"
                    "echo 'pushes to main need a review' >&2\nexit 1\n")
    hook.chmod(0o755)
    write_config(one, [{"name": "A", "url": site.add("/a.xml", rss(
        [Item(link="https://a.example/1", body=FULL_TEXT)]))}], content="feed")

    result = mirror(one, "fetch", "--push")

    assert result.returncode == 1
    assert asked.read_text().splitlines() == ["push"]  # asked once, not again
    assert "pushes to main need a review" in result.stderr
    assert "pre-receive hook declined" in result.stderr
