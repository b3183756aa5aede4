"""End-to-end journeys: the real ``mirror`` command as a child process, against feeds on
127.0.0.1 and real git repositories, as a user, a cron job, systemd or four CI runners
drive it. Everything else is tested in process, in the file of the module that owns it;
these are what only a whole process can show: signals, kills at any moment, runs that
overlap, the entry point itself. (The shared replay, ``test_replay.py``, is one more.)"""

from __future__ import annotations

import json
import os
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import filelock

from mirror.config import shard_of
from tests.conftest import (
    commits,
    git,
    mirror,
    posts,
    run_python,
    shared,
    start_mirror,
    wait_until,
    write_config,
)
from tests.feeds import Item, atom, rss
from tests.helpers import (
    ARTICLE_HTML,
    FULL_TEXT,
    RSS_TYPE,
    clone_of,
    commit_by_hand,
    froms,
    index_links,
    items,
    remote_and_clones,
    serve_feed,
    voa_items,
)

HANG = 30  # seconds: a child that has not answered by then hangs (not a timing assertion)


def stop(process: subprocess.Popen, how: signal.Signals = signal.SIGTERM) -> tuple[str, str]:
    """Send a signal, then the child's output once it has exited."""
    process.send_signal(how)
    return process.communicate(timeout=HANG)


def assert_sound(repo: Path) -> None:
    """Whatever moment a run died at: no half post, no broken repository."""
    for name, text in posts(repo / "archive").items():
        assert text.startswith("---\nlayout: post\n") and text.endswith("</div>\n"), name
    fsck = subprocess.run(["git", "fsck", "--no-progress"], cwd=repo, capture_output=True,
                          text=True)
    assert fsck.returncode == 0, fsck.stderr
    assert not (repo / ".git" / "index.lock").exists()


@contextmanager
def lock_held_by_another_run(repo: Path) -> Iterator[None]:
    folder = repo / ".git" / "mirror"
    folder.mkdir(parents=True, exist_ok=True)
    with filelock.FileLock(folder / "lock"):
        yield


# ---------------------------------------------------------------- a first run, and again

def test_a_first_run_commits_once_and_a_rerun_changes_nothing(repo: Path, site) -> None:
    voa = serve_feed(site, voa_items(), "/feed/voa.xml")
    rfa = site.add("/feed/rfa.xml", atom([Item(title="自由亚洲", link="https://www.rfa.org/a/1",
                                               raw_date="2021-01-12T09:11:00.006Z")]),
                   content_type="application/atom+xml")
    write_config(repo, [{"name": "美国之音", "url": voa}, {"name": "自由亚洲电台", "url": rfa}],
                 content="feed")

    first = mirror(repo, "fetch", journey=True)

    assert first.returncode == 0, first.stderr
    assert "美国之音: 2 new, 0 known" in first.stdout
    assert "自由亚洲电台: 1 new, 0 known" in first.stdout
    assert commits(repo) == 1
    assert len(posts(repo / "archive")) == 3
    message = git(repo, "log", "-1", "--format=%an <%ae>%n%B")
    assert message.startswith("mirror <mirror@localhost>\nmirror: 3 new posts")
    assert "美国之音: 2" in message and "自由亚洲电台: 1" in message
    assert git(repo, "status", "--porcelain", "--", "archive") == ""
    before = posts(repo / "archive")

    again = mirror(repo, "fetch", epoch="1800000000", journey=True)

    assert again.returncode == 0, again.stderr
    assert "美国之音: 0 new, 2 known" in again.stdout
    assert commits(repo) == 1
    assert posts(repo / "archive") == before
    assert git(repo, "status", "--porcelain", "--", "archive") == ""


def test_the_seed_post_byte_for_byte_through_the_command(repo: Path, site) -> None:
    golden = shared("golden")
    url = site.add("/feed.xml", (golden / "seed-feed.xml").read_bytes(), content_type=RSS_TYPE)
    write_config(repo, [{"name": "美国之音", "url": url}])

    result = mirror(repo, "fetch", epoch="1610444484", journey=True)

    assert result.returncode == 0, result.stderr
    [written] = sorted((repo / "archive").glob("*.md"))
    assert written.read_bytes() == (golden / "seed-post.md").read_bytes()


def test_mirror_init_then_the_first_commit_of_posts(tmp_path: Path, site) -> None:
    target = tmp_path / "news"
    install = "news-mirror @ git+https://git.example/you/mirror@v0.1.0"
    made = mirror(tmp_path, "init", str(target), "--install", install, journey=True)
    assert made.returncode == 0, made.stderr
    assert commits(target) == 1 and git(target, "status", "--porcelain") == ""
    write_config(target, [{"name": "新闻", "url": serve_feed(site, items(2))}], content="feed")
    git(target, "add", "feeds.yaml")
    commit_by_hand(target, "my feeds")

    fetched = mirror(target, "fetch", journey=True)

    assert fetched.returncode == 0, fetched.stderr
    assert "新闻: 2 new" in fetched.stdout and commits(target) == 3
    assert len(froms(target / "archive")) == 2
    assert git(target, "status", "--porcelain") == ""


def test_the_command_answers_its_version_and_a_bad_feeds_yaml_in_one_line(repo: Path) -> None:
    version = mirror(repo, "--version", journey=True)
    assert version.returncode == 0 and version.stdout.startswith("mirror ")
    (repo / "feeds.yaml").write_text("archive: archive\nfeeds:\n  - name: x\n    urll: a\n")

    bad = mirror(repo, "fetch", journey=True)

    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr.splitlines() == ["mirror: feeds.yaml:3: feed without 'url'",
                                       "feeds.yaml:4: unknown key 'urll' (did you mean 'url'?)"]


# ---------------------------------------------------------------- kills and overlaps

def test_sigkill_at_any_moment_then_the_next_run_completes(repo: Path, site,
                                                           tmp_path: Path) -> None:
    count = 400
    feed = serve_feed(site, items(count))
    write_config(repo, [{"name": "新闻", "url": feed}], content="feed")
    # Kills land in every phase of a run: polling, writing posts, the ledger, the commit.
    moments = [lambda: site.hits["/feed.xml"] > polls, *(
        (lambda n=n: len(list((repo / "archive").glob("*.md"))) >= n) for n in (1, 200, 399)),
        lambda: (repo / "archive" / ".mirror-index.tsv").exists(),
        lambda: (repo / "feeds").exists()]
    for moment in moments:
        polls = site.hits["/feed.xml"]
        process = start_mirror(repo, "fetch")
        wait_until(lambda: moment() or process.poll() is not None,  # noqa: B023
                   what="a moment to kill")
        process.send_signal(signal.SIGKILL)
        process.communicate()
        assert_sound(repo)

    final = mirror(repo, "fetch")

    assert final.returncode == 0, final.stderr
    assert_sound(repo)
    archived = froms(repo / "archive")
    assert len(archived) == len(set(archived)) == count
    assert git(repo, "status", "--porcelain", "--untracked-files=all") == "?? feeds.yaml\n"
    assert mirror(repo, "fetch").returncode == 0
    assert git(repo, "status", "--porcelain", "--untracked-files=all") == "?? feeds.yaml\n"


def test_two_runs_at_once_archive_each_post_once(repo: Path, site) -> None:
    feed = serve_feed(site, items(120), delay=0.5)
    write_config(repo, [{"name": "新闻", "url": feed}], content="feed")

    first, second = start_mirror(repo, "fetch"), start_mirror(repo, "fetch")
    results = [(*p.communicate(timeout=120), p.returncode) for p in (first, second)]

    assert [code for _, _, code in results] == [0, 0], results
    archived = froms(repo / "archive")
    assert len(archived) == len(set(archived)) == 120
    assert commits(repo) == 1


# ---------------------------------------------------------------- signals

def test_mirror_run_polls_commits_and_stops_on_sigterm(repo: Path, site) -> None:
    entries = items(6)
    serve_feed(site, entries[:2])
    write_config(repo, [{"name": "新闻", "url": site.url("/feed.xml")}], content="feed",
                 every="1s")
    process = start_mirror(repo, "run")
    wait_until(lambda: commits(repo) == 1, what="the first cycle's commit")
    serve_feed(site, entries[:4])
    wait_until(lambda: commits(repo) == 2, what="the second cycle's commit")
    serve_feed(site, entries)
    wait_until(lambda: commits(repo) == 3, what="the third cycle's commit")
    polls = site.hits["/feed.xml"]
    wait_until(lambda: site.hits["/feed.xml"] > polls, what="a poll with nothing new")
    at_signal = site.hits["/feed.xml"]

    out, err = stop(process)

    assert process.returncode == 0, err
    # a cycle already under way may finish; none starts after the signal
    assert site.hits["/feed.xml"] <= at_signal + 1
    assert commits(repo) == 3
    assert len(froms(repo / "archive")) == 6
    assert "新闻: 2 new" in out and "Traceback" not in err

    status = mirror(repo, "status", "--json")
    assert status.returncode == 0, status.stderr
    [feed_status] = json.loads(status.stdout)
    assert feed_status["name"] == "新闻" and feed_status["posts"] == 6
    assert feed_status["last_poll"] and feed_status["next_poll"] > feed_status["last_poll"]
    table = mirror(repo, "status")
    assert "新闻" in table.stdout and "next poll" in table.stdout


def test_mirror_run_stops_at_once_while_waiting_for_the_lock(repo: Path, site) -> None:
    write_config(repo, [{"name": "n", "url": serve_feed(site, items(2))}], content="feed")
    said = repo / "stderr.txt"
    with lock_held_by_another_run(repo), said.open("w") as errors:
        process = start_mirror(repo, "run", stderr=errors)
        wait_until(lambda: "waiting up to" in said.read_text(), what="a wait for the lock")
        # It would wait 300 s for the lock; it exits while the lock is still held, and
        # with 0 (a clean stop), not 3 (gave up waiting).
        stop(process)
    assert process.returncode == 0, said.read_text()
    assert posts(repo / "archive") == {}


def test_sigterm_during_fetch_commits_what_is_complete(repo: Path, site) -> None:
    page = ARTICLE_HTML
    fast = [site.add(f"/fast/{i}.html", page) for i in range(3)]
    slow = [site.add(f"/slow/{i}.html", page, delay=30) for i in range(2)]
    feed = serve_feed(site, [Item(title=f"t{i}", link=link, body=None, summary="s")
                             for i, link in enumerate(fast + slow)])
    write_config(repo, [{"name": "n", "url": feed}], per_host=8, timeout="60s")
    process = start_mirror(repo, "fetch")
    wait_until(lambda: len(list((repo / "archive").glob("*.md"))) == 3, what="3 posts")

    _out, err = stop(process)

    assert process.returncode == 1 and "stopped early" in err
    assert sorted(froms(repo / "archive")) == sorted(fast)
    assert commits(repo) == 1
    for i in range(2):
        site.routes[f"/slow/{i}.html"].delay = 0
    assert mirror(repo, "fetch").returncode == 0
    assert sorted(froms(repo / "archive")) == sorted(fast + slow)


def _extraction_workers_loaded(pid: int) -> bool:
    """Whether a process's extraction workers have started and loaded lxml (a Ctrl-C that
    lands while a Python process is still starting makes it print a fatal error)."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        workers = [child for child in children
                   if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes()]
        return bool(workers) and all(
            "lxml" in Path(f"/proc/{child}/maps").read_text() for child in workers)
    except OSError:
        return False


def test_ctrl_c_stops_without_tracebacks(repo: Path, site) -> None:
    page = ARTICLE_HTML
    links = [site.add(f"/slow/{i}.html", page, delay=20) for i in range(3)]
    feed = serve_feed(site, [Item(title=f"t{i}", link=link, body=None, summary="s")
                             for i, link in enumerate(links)])
    write_config(repo, [{"name": "n", "url": feed}], timeout="60s", per_host=4)
    process = start_mirror(repo, "fetch", new_session=True)
    wait_until(lambda: sum(site.hits[f"/slow/{i}.html"] for i in range(3)) == 3,
               what="the page requests")
    wait_until(lambda: _extraction_workers_loaded(process.pid), what="the extraction workers")
    os.killpg(process.pid, signal.SIGINT)  # as a terminal's Ctrl-C does
    _, err = process.communicate(timeout=HANG)
    assert "Traceback" not in err, err
    assert "stopped early" in err


# ---------------------------------------------------------------- --push from many runners

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


def test_four_runners_push_at_once_and_the_remote_holds_each_post_once(
        tmp_path: Path, site) -> None:
    names = names_in_every_shard(4, 2)
    shared_link = "https://news.example/shared-story"
    feeds, expected = [], set()
    for i, name in enumerate(names):
        entries = [Item(title=f"{name} 第{j}条", link=f"https://news.example/{i}/{j}",
                        body=FULL_TEXT, date=1_610_444_483 - j * 60) for j in range(3)]
        if i in (0, 1):  # the same article in two feeds of different shards
            entries.append(Item(title="同一篇文章", link=shared_link, body=FULL_TEXT))
        expected |= {entry.link for entry in entries}
        feeds.append({"name": name, "url": serve_feed(site, entries, f"/feed/{i}.xml")})
    assert shard_of(names[0], 4) != shard_of(names[1], 4)
    remote, [seed] = remote_and_clones(tmp_path, 1)
    write_config(seed, feeds, content="feed")
    git(seed, "add", "feeds.yaml")
    commit_by_hand(seed, "feeds")
    git(seed, "push", "-q", "origin", "HEAD:main")
    clones = [clone_of(remote, tmp_path, f"runner{k}") for k in range(1, 5)]

    runners = [start_mirror(clone, "fetch", "--push", "--shard", f"{k}/4")
               for k, clone in enumerate(clones, start=1)]
    results = [(*runner.communicate(timeout=300), runner.returncode) for runner in runners]

    assert [code for _, _, code in results] == [0, 0, 0, 0], results
    final = clone_of(remote, tmp_path)
    archived = froms(final / "archive")
    assert sorted(archived) == sorted(expected)  # every post exactly once
    assert git(final, "fsck", "--no-progress", "--no-dangling") == ""
    links = index_links(final / "feeds")
    assert links and all(target.exists() for target in links)
    to_posts = {p for p in links if p.parent.name == "archive"}
    assert to_posts and to_posts <= {p.resolve() for p in (final / "archive").glob("*.md")}

    again = mirror(clones[0], "fetch", "--push", "--shard", "1/4")
    assert again.returncode == 0, again.stderr
    assert "0 new" in again.stdout


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
    remote, [one, two] = remote_and_clones(tmp_path)
    write_config(one, [{"name": "A", "url": site.add("/a.xml", rss(
        [Item(title="a", link="https://a.example/1", body=FULL_TEXT)]))}], content="feed")
    mine = [Item(title=f"b{i}", link=f"https://b.example/{i}", body=FULL_TEXT) for i in range(2)]
    write_config(two, [{"name": "B", "url": site.add("/b.xml", rss(mine))}], content="feed")
    assert mirror(one, "fetch", "--push").returncode == 0

    killed = run_python(two, KILLED_AFTER_MOVE)

    assert killed.returncode == 137
    assert froms(two / "archive") == ["https://a.example/1"]  # b's posts: only in a kept commit
    again = mirror(two, "fetch", "--push")
    assert again.returncode == 0, again.stderr
    assert sorted(froms(clone_of(remote, tmp_path) / "archive")) == [
        "https://a.example/1", "https://b.example/0", "https://b.example/1"]
    assert git(two, "for-each-ref", "refs/mirror") == ""


# ---------------------------------------------------------------- rotation

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
    entries = [Item(title=f"旧{i}", link=f"https://a.example/{i}", body=FULL_TEXT,
                    date=1_600_000_000 - i * 86_400) for i in range(3)]
    write_config(repo, [{"name": "A", "url": site.add("/a.xml", rss(entries))}],
                 content="feed")
    assert mirror(repo, "fetch").returncode == 0

    killed = run_python(repo, ROTATE_KILLED_AFTER_ONE_MOVE)

    assert killed.returncode == 137
    assert len(posts(repo / "old-posts")) == 1
    again = mirror(repo, "fetch")
    assert again.returncode == 0, again.stderr
    assert posts(repo / "archive") == {} and len(posts(repo / "old-posts")) == 3
    assert git(repo, "status", "--porcelain", "--", "archive", "old-posts", "feeds") == ""
    assert "A: 0 new, 3 known" in again.stdout
