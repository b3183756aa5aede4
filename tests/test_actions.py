"""Where mirrors live: --push from many runners, --shard, GitHub Actions, index
pages and rotation."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import unquote

import yaml

from mirror.config import shard_of
from tests.conftest import GUARD, ROOT, SEED_EPOCH, commits, git, mirror, posts, write_config
from tests.feeds import Item, rss

RSS = "application/rss+xml; charset=utf-8"
BODY = "<p>" + "这是一篇完整的新闻报道，内容足够长。" * 30 + "</p>"


def froms(folder: Path) -> list[str]:
    return [yaml.safe_load(text.split("---\n")[1])["from"] for text in posts(folder).values()]


# ------------------------------------------------------ --push from many runners

def names_in_every_shard(shards: int, per_shard: int) -> list[str]:
    names: list[str] = []
    counts = dict.fromkeys(range(1, shards + 1), 0)
    candidate = 0
    while min(counts.values()) < per_shard:
        name = f"来源{candidate}"
        candidate += 1
        shard = shard_of(name, shards)
        if counts[shard] < per_shard:
            counts[shard] += 1
            names.append(name)
    return names


def start(cwd: Path, *args: str) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(GUARD), str(ROOT)]),
               SOURCE_DATE_EPOCH=SEED_EPOCH)
    return subprocess.Popen([sys.executable, "-m", "mirror", *args], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_four_runners_push_at_once_and_the_remote_holds_each_post_once(
        tmp_path: Path, site) -> None:
    names = names_in_every_shard(4, 2)
    shared_link = "https://news.example/shared-story"
    feeds, expected = [], set()
    for i, name in enumerate(names):
        items = [Item(title=f"{name} 第{j}条", link=f"https://news.example/{i}/{j}", body=BODY,
                      date=1_610_444_483 - j * 60) for j in range(6)]
        if i in (0, 1):  # the same article in two feeds of different shards
            items.append(Item(title="同一篇文章", link=shared_link, body=BODY))
        expected |= {item.link for item in items}
        feeds.append({"name": name, "url": site.add(f"/feed/{i}.xml", rss(items),
                                                    content_type=RSS)})
    assert shard_of(names[0], 4) != shard_of(names[1], 4)
    remote = tmp_path / "remote.git"
    seed = tmp_path / "seed"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
    git(tmp_path, "clone", "-q", str(remote), str(seed))
    write_config(seed, feeds, content="feed")
    git(seed, "add", "feeds.yaml")
    git(seed, "-c", "user.name=u", "-c", "user.email=u@x", "commit", "-qm", "feeds")
    git(seed, "push", "-q", "origin", "HEAD:main")
    clones = []
    for k in range(1, 5):
        clone = tmp_path / f"runner{k}"
        git(tmp_path, "clone", "-q", str(remote), str(clone))
        clones.append(clone)

    runners = [start(clone, "fetch", "--push", "--shard", f"{k}/4")
               for k, clone in enumerate(clones, start=1)]
    results = [(*runner.communicate(timeout=300), runner.returncode) for runner in runners]

    assert [code for _, _, code in results] == [0, 0, 0, 0], results
    final = tmp_path / "final"
    git(tmp_path, "clone", "-q", str(remote), str(final))
    archived = froms(final / "archive")
    assert sorted(archived) == sorted(expected)  # every post exactly once
    assert git(final, "fsck", "--no-progress", "--no-dangling") == ""
    links = pages_links(final / "feeds")
    assert links and all(target.exists() for target in links)
    to_posts = {p for p in links if p.parent.name == "archive"}
    assert to_posts and to_posts <= {p.resolve() for p in (final / "archive").glob("*.md")}

    again = mirror(clones[0], "fetch", "--push", "--shard", "1/4")
    assert again.returncode == 0, again.stderr
    assert "0 new" in again.stdout


def test_push_rebases_onto_a_remote_that_moved(tmp_path: Path, site) -> None:
    remote, one, two = tmp_path / "remote.git", tmp_path / "one", tmp_path / "two"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
    for clone in (one, two):
        git(tmp_path, "clone", "-q", str(remote), str(clone))
    same = Item(title="Same title", link="https://a.example/1", body=BODY)
    other = Item(title="Same title", link="https://b.example/1", body=BODY)
    write_config(one, [{"name": "A", "url": site.add("/a.xml", rss([same]))}], content="feed")
    write_config(two, [{"name": "B", "url": site.add("/b.xml", rss([other, same]))}],
                 content="feed")

    assert mirror(one, "fetch", "--push").returncode == 0
    result = mirror(two, "fetch", "--push")

    assert result.returncode == 0, result.stderr
    assert "rebased 1 time" in result.stdout and "dropped" in result.stdout
    final = tmp_path / "final"
    git(tmp_path, "clone", "-q", str(remote), str(final))
    names = sorted(posts(final / "archive"))
    assert len(names) == 2 and names[0] != names[1]  # same title: a suffix, not a clash
    assert sorted(froms(final / "archive")) == ["https://a.example/1", "https://b.example/1"]


def test_push_stops_on_local_commits_it_cannot_rebase(tmp_path: Path, site) -> None:
    remote, one, two = tmp_path / "remote.git", tmp_path / "one", tmp_path / "two"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
    for clone in (one, two):
        git(tmp_path, "clone", "-q", str(remote), str(clone))
    url = site.add("/a.xml", rss([Item(link="https://a.example/1", body=BODY)]))
    write_config(one, [{"name": "A", "url": url}], content="feed")
    assert mirror(one, "fetch", "--push").returncode == 0
    write_config(two, [{"name": "A", "url": url}], content="feed")
    (two / "notes.txt").write_text("mine\n")
    git(two, "add", "notes.txt")
    git(two, "-c", "user.name=u", "-c", "user.email=u@x", "commit", "-qm", "notes")

    result = mirror(two, "fetch", "--push")

    assert result.returncode == 1
    assert "notes.txt, which mirror did not do" in result.stderr
    assert "Traceback" not in result.stderr


# ------------------------------------------------------------------ GitHub Actions

def test_github_summary_annotations_and_fail_on(repo: Path, site, tmp_path: Path) -> None:
    good = site.add("/good.xml", rss([Item(link="https://a.example/1", body=BODY)]))
    write_config(repo, [{"name": "good, feed", "url": good},
                        {"name": "bad", "url": site.url("/missing.xml")}], content="feed")
    summary = tmp_path / "summary.md"
    env = {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)}

    result = mirror(repo, "fetch", env=env)

    assert result.returncode == 1
    # the annotation points at the feed's line of feeds.yaml
    assert "::error file=feeds.yaml,line=6,title=mirror%3A bad::HTTP 404 Not Found" in \
        result.stdout
    table = summary.read_text()
    assert "| feed | new posts | errors |" in table
    assert "| good, feed | 1 |  |" in table
    assert re.search(r"\| bad \| 0 \| HTTP 404 Not Found .*missing.xml\) \|", table)
    assert mirror(repo, "fetch", "--fail-on", "never", env=env).returncode == 0
    assert mirror(repo, "fetch", "--fail-on", "error", env=env).returncode == 1
    write_config(repo, [{"name": "good, feed", "url": good}], content="feed")
    assert mirror(repo, "fetch", "--fail-on", "error", env=env).returncode == 0


def test_shards_cover_every_feed_exactly_once() -> None:
    names = [f"feed {i}" for i in range(200)]
    for shards in (1, 2, 3, 4, 7):
        seen = [shard_of(name, shards) for name in names]
        assert set(seen) <= set(range(1, shards + 1))
        assert len(seen) == len(names)
    assert shard_of("美国之音", 4) == shard_of("美国之音", 4)


# ------------------------------------------------------------------ index pages

def pages_links(folder: Path) -> list[Path]:
    targets = []
    for page in folder.glob("*.md"):
        for link in re.findall(r"\]\(([^)]+\.md)\)", page.read_text(encoding="utf-8")):
            targets.append((page.parent / unquote(link)).resolve())
    return targets


def test_index_pages_link_to_posts_and_change_only_with_them(repo: Path, site) -> None:
    items = [Item(title=f"第{i}条 [x] | *y*", link=f"https://a.example/{i}", body=BODY,
                  date=1_610_444_483 - i * 3600) for i in range(5)]
    url = site.add("/feed.xml", rss(items[:3]))
    write_config(repo, [{"name": "新闻 (A)", "url": url}], content="feed",
                 index_pages={"time_zone": "Asia/Taipei", "newest": 2})
    assert mirror(repo, "fetch").returncode == 0
    overview = (repo / "feeds" / "README.md").read_text(encoding="utf-8")
    assert "3 posts from 1 feed; newest post 2021-01-12 17:41 (Asia/Taipei)" in overview
    links = pages_links(repo / "feeds")
    assert len(links) == 6  # overview: the feed's page, 2 posts; feed page: overview, 2 posts
    for target in links:
        assert target.exists(), target
        if target.parent.name == "archive":
            assert target.read_text(encoding="utf-8").startswith("---\nlayout: post\n")
    assert sum(target.parent.name == "archive" for target in links) == 4
    before = {p.name: p.read_bytes() for p in (repo / "feeds").iterdir()}

    assert mirror(repo, "index").returncode == 0
    assert {p.name: p.read_bytes() for p in (repo / "feeds").iterdir()} == before
    assert commits(repo) == 1

    site.add("/feed.xml", rss(items))
    assert mirror(repo, "fetch").returncode == 0
    assert "5 posts" in (repo / "feeds" / "README.md").read_text(encoding="utf-8")
    assert git(repo, "status", "--porcelain", "--", "feeds", "archive") == ""


def test_a_file_of_the_same_name_is_never_overwritten(repo: Path, site) -> None:
    (repo / "feeds").mkdir()
    (repo / "feeds" / "README.md").write_text("my own notes\n")
    url = site.add("/feed.xml", rss([Item(link="https://a.example/1", body=BODY)]))
    write_config(repo, [{"name": "A", "url": url}], content="feed")
    result = mirror(repo, "fetch")
    assert result.returncode == 0
    assert "not written by mirror, so left alone" in result.stdout
    assert (repo / "feeds" / "README.md").read_text() == "my own notes\n"


# ------------------------------------------------------------------ rotation

def test_rotated_posts_are_never_fetched_again(repo: Path, site) -> None:
    day = 86_400
    items = [Item(title=f"第{i}天", link=f"https://a.example/{i}", body=BODY,
                  date=1_700_000_000 - i * day) for i in range(30)]
    url = site.add("/feed.xml", rss(items))
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
    site.add("/feed.xml", rss([*items, Item(link="https://a.example/old", body=BODY)]))

    later = mirror(repo, "fetch", epoch=str(1_700_000_000 + 3600))

    assert later.returncode == 0, later.stderr
    assert "A: 0 new, 31 known" in later.stdout
    assert len(posts(repo / "archive")) == 15
    bad = mirror(repo, "rotate", "--older-than", "14d", "--to", "archive/sub")
    assert bad.returncode == 2


KILLED_AFTER_MOVE = """
import os, sys
from mirror import cli, push
moved = push._move_to
def move_then_die(repo, upstream):
    moved(repo, upstream)
    os._exit(137)
push._move_to = move_then_die
sys.exit(cli.main(["fetch", "--push"]))
"""


def test_a_push_killed_mid_rebase_loses_nothing(tmp_path: Path, site) -> None:
    remote, one, two = tmp_path / "remote.git", tmp_path / "one", tmp_path / "two"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
    for clone in (one, two):
        git(tmp_path, "clone", "-q", str(remote), str(clone))
    write_config(one, [{"name": "A", "url": site.add("/a.xml", rss(
        [Item(title="a", link="https://a.example/1", body=BODY)]))}], content="feed")
    mine = [Item(title=f"b{i}", link=f"https://b.example/{i}", body=BODY) for i in range(2)]
    write_config(two, [{"name": "B", "url": site.add("/b.xml", rss(mine))}], content="feed")
    assert mirror(one, "fetch", "--push").returncode == 0
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(GUARD), str(ROOT)]),
               SOURCE_DATE_EPOCH=SEED_EPOCH)
    killed = subprocess.run([sys.executable, "-c", KILLED_AFTER_MOVE], cwd=two, env=env,
                            capture_output=True, text=True)
    assert killed.returncode == 137
    assert froms(two / "archive") == ["https://a.example/1"]  # b's posts: only in a kept commit

    again = mirror(two, "fetch", "--push")

    assert again.returncode == 0, again.stderr
    final = tmp_path / "final"
    git(tmp_path, "clone", "-q", str(remote), str(final))
    assert sorted(froms(final / "archive")) == [
        "https://a.example/1", "https://b.example/0", "https://b.example/1"]
    assert git(two, "for-each-ref", "refs/mirror") == ""


def two_clones(tmp_path: Path) -> tuple[Path, Path, Path]:
    remote, one, two = tmp_path / "remote.git", tmp_path / "one", tmp_path / "two"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
    for clone in (one, two):
        git(tmp_path, "clone", "-q", str(remote), str(clone))
    return remote, one, two


def test_a_refused_rebase_leaves_nothing_behind(tmp_path: Path, site) -> None:
    _remote, one, two = two_clones(tmp_path)
    url = site.add("/a.xml", rss([Item(link="https://a.example/1", body=BODY)]))
    for clone in (one, two):
        write_config(clone, [{"name": "A", "url": url}], content="feed")
    assert mirror(one, "fetch", "--push").returncode == 0
    (two / "notes.txt").write_text("mine\n")
    git(two, "add", "notes.txt")
    git(two, "-c", "user.name=u", "-c", "user.email=u@x", "commit", "-qm", "notes")
    assert mirror(two, "fetch", "--push").returncode == 1
    assert git(two, "for-each-ref", "refs/mirror") == ""

    git(two, "fetch", "-q")
    git(two, "-c", "user.name=u", "-c", "user.email=u@x", "rebase", "-q", "origin/main")
    git(two, "push", "-q", "origin", "HEAD:main")  # the person settles it by hand

    again = mirror(two, "fetch", "--push")
    assert again.returncode == 0, again.stderr


def test_a_rotation_is_pushed_onto_a_remote_that_moved(tmp_path: Path, site) -> None:
    remote, one, two = two_clones(tmp_path)
    old = [Item(title=f"old {i}", link=f"https://a.example/old/{i}", body=BODY,
                date=1_610_444_483 - i * 86_400) for i in range(3)]
    url = site.add("/a.xml", rss(old))
    for clone in (one, two):
        write_config(clone, [{"name": "A", "url": url}], content="feed")
    assert mirror(one, "fetch", "--push").returncode == 0
    git(two, "pull", "-q")
    site.add("/a.xml", rss([Item(title="new", link="https://a.example/new", body=BODY,
                                 date=1_700_000_000), *old]))
    assert mirror(one, "fetch", "--push").returncode == 0  # the remote moves on
    assert mirror(two, "rotate", "--older-than", "14d", "--to", "old").returncode == 0

    result = mirror(two, "fetch", "--push")

    assert result.returncode == 0, result.stderr
    final = tmp_path / "final"
    git(tmp_path, "clone", "-q", str(remote), str(final))
    assert froms(final / "archive") == ["https://a.example/new"]
    assert sorted(froms(final / "old")) == sorted(item.link for item in old)
    assert git(final, "status", "--porcelain") == ""


def test_a_remote_that_refuses_for_its_own_reasons_is_not_retried(tmp_path: Path, site) -> None:
    remote, one, _ = two_clones(tmp_path)
    hook = remote / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'pushes to main need a review' >&2\nexit 1\n")
    hook.chmod(0o755)
    write_config(one, [{"name": "A", "url": site.add("/a.xml", rss(
        [Item(link="https://a.example/1", body=BODY)]))}], content="feed")
    started = time.monotonic()

    result = mirror(one, "fetch", "--push")

    assert result.returncode == 1
    assert time.monotonic() - started < 5
    assert "pushes to main need a review" in result.stderr
    assert "pre-receive hook declined" in result.stderr


def test_the_report_after_a_rebase_names_the_pushed_commit(tmp_path: Path, site) -> None:
    _remote, one, two = two_clones(tmp_path)
    shared_item = Item(title="same", link="https://a.example/same", body=BODY)
    write_config(one, [{"name": "A", "url": site.add("/a.xml", rss([shared_item]))}],
                 content="feed")
    write_config(two, [{"name": "B", "url": site.add("/b.xml", rss(
        [Item(title="b", link="https://b.example/1", body=BODY), shared_item]))}],
        content="feed")
    assert mirror(one, "fetch", "--push").returncode == 0

    result = mirror(two, "fetch", "--push")

    assert result.returncode == 0, result.stderr
    assert "B: 1 new, 1 known" in result.stdout
    pushed = git(two, "rev-parse", "HEAD").strip()
    assert f"committed {pushed[:10]}" in result.stdout
    assert git(two, "rev-parse", "origin/main").strip() == pushed


ROTATE_KILLED_AFTER_ONE_MOVE = """
import os, sys
from mirror import cli
from mirror.archive import rotate
real = os.replace
moves = []
def replace_then_die(a, b):
    real(a, b)
    moves.append(b)
    if str(b).endswith(".md") and "old-posts" in str(b):
        os._exit(137)
rotate.os.replace = replace_then_die
sys.exit(cli.main(["rotate", "--older-than", "14d", "--to", "old-posts"]))
"""


def test_a_rotation_killed_half_way_is_finished_by_the_next_run(repo: Path, site) -> None:
    items = [Item(title=f"旧{i}", link=f"https://a.example/{i}", body=BODY,
                  date=1_600_000_000 - i * 86_400) for i in range(3)]
    write_config(repo, [{"name": "A", "url": site.add("/a.xml", rss(items))}], content="feed")
    assert mirror(repo, "fetch").returncode == 0
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(GUARD), str(ROOT)]),
               SOURCE_DATE_EPOCH=SEED_EPOCH)
    killed = subprocess.run([sys.executable, "-c", ROTATE_KILLED_AFTER_ONE_MOVE], cwd=repo,
                            env=env, capture_output=True, text=True)
    assert killed.returncode == 137
    assert len(posts(repo / "old-posts")) == 1

    again = mirror(repo, "fetch")

    assert again.returncode == 0, again.stderr
    assert posts(repo / "archive") == {} and len(posts(repo / "old-posts")) == 3
    assert git(repo, "status", "--porcelain", "--", "archive", "old-posts", "feeds") == ""
    assert "A: 0 new, 3 known" in again.stdout


def test_rotation_never_goes_into_git_or_onto_a_file(repo: Path, site) -> None:
    write_config(repo, [{"name": "A", "url": site.url("/a.xml")}])
    (repo / "notes.txt").write_text("x")
    for target in (".git/old", "notes.txt"):
        result = mirror(repo, "rotate", "--older-than", "1d", "--to", target)
        assert result.returncode == 2, target
        assert len(result.stderr.strip().splitlines()) == 1


def test_a_rotated_posts_path_is_never_reused(repo: Path, site) -> None:
    day = Item(title="Daily briefing", link="https://a.example/brief", body=BODY,
               date=1_600_000_000)
    write_config(repo, [{"name": "A", "url": site.add("/a.xml", rss([day]))}], content="feed")
    assert mirror(repo, "fetch").returncode == 0
    assert mirror(repo, "rotate", "--older-than", "14d", "--to", "old").returncode == 0
    again = Item(title="Daily briefing", link="https://b.example/brief", body=BODY,
                 date=1_600_000_000)
    write_config(repo, [{"name": "A", "url": site.url("/a.xml")},
                        {"name": "B", "url": site.add("/b.xml", rss([again]))}], content="feed")

    assert mirror(repo, "fetch").returncode == 0

    [name] = posts(repo / "archive")
    assert name != next(iter(posts(repo / "old")))
    overview = (repo / "feeds" / "README.md").read_text(encoding="utf-8")
    assert "1 post from 2 feeds" in overview


def test_feeds_whose_names_share_a_slug_get_pages_of_their_own(repo: Path, site) -> None:
    names = ["BBC News", "BBC.News", "📰", "📺"]
    feeds = [{"name": name, "url": site.add(f"/{i}.xml", rss(
        [Item(title=f"t{i}", link=f"https://a.example/{i}", body=BODY)]))}
        for i, name in enumerate(names)]
    write_config(repo, feeds, content="feed")

    assert mirror(repo, "fetch").returncode == 0

    pages = [p for p in (repo / "feeds").glob("*.md") if p.name != "README.md"]
    assert len(pages) == 4
    for page in pages:
        assert len([line for line in page.read_text(encoding="utf-8").splitlines()
                    if line.startswith("- ")]) == 1


def test_newest_posts_when_file_names_hold_only_the_month(repo: Path, site) -> None:
    items = [Item(title=f"story {i:02d}", link=f"https://a.example/{i}", body=BODY,
                  date=1_610_444_483 - i * 3600) for i in range(30)]
    write_config(repo, [{"name": "A", "url": site.add("/a.xml", rss(items))}], content="feed",
                 filename="{year}/{month}/{slug}.md", index_pages={"newest": 5})

    assert mirror(repo, "fetch").returncode == 0

    page = (repo / "feeds" / "a.md").read_text(encoding="utf-8")
    listed = re.findall(r"\[(story \d\d)\]", page)
    assert listed == [f"story {i:02d}" for i in range(5)]


def test_an_overview_in_a_subfolder_links_from_where_it_is(repo: Path, site) -> None:
    write_config(repo, [{"name": "A", "url": site.add("/a.xml", rss(
        [Item(link="https://a.example/1", body=BODY)]))}], content="feed",
        index_pages={"overview": "index/README.md"})

    assert mirror(repo, "fetch").returncode == 0

    overview = repo / "feeds" / "index" / "README.md"
    links = re.findall(r"\]\(([^)]+\.md)\)", overview.read_text(encoding="utf-8"))
    assert links and all((overview.parent / unquote(link)).resolve().exists() for link in links)
