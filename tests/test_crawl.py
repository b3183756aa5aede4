"""Polite, incremental, unbreakable: faults, conditional GET, limits, crashes, overlap."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import filelock
import yaml

from mirror.config import load_config as _load
from mirror.workspace import Workspace
from tests.conftest import (
    GUARD,
    ROOT,
    SEED_EPOCH,
    commits,
    git,
    mirror,
    posts,
    shared,
    wait_until,
    write_config,
)
from tests.feeds import Item, rss
from tests.server import Site, start

RSS = "application/rss+xml; charset=utf-8"


def article() -> bytes:
    return shared("corpus", "mozilla", "test-pages", "pixnet", "source.html").read_bytes()


def froms(archive: Path) -> list[str]:
    return [yaml.safe_load(text.split("---\n")[1])["from"] for text in posts(archive).values()]


def test_faults_two_runs_archive_everything_and_the_third_only_asks_304(repo: Path, site) -> None:
    page = article()
    pages = {
        "retry-after": site.add("/p/retry-after.html", page, fail_first=1, fail_status=503,
                                fail_headers={"Retry-After": "1"}),
        "dropped": site.add("/p/dropped.html", page, reset_first=1),
        "hanging": site.add("/p/hanging.html", page, delay=4, delay_first=2, counted=False),
        "missing": site.add("/p/missing.html", "gone", status=404),
        "huge": site.add("/p/huge.html", b"<p>" + b"x" * 30_000_000 + b"</p>"),
        "bomb": site.add("/p/bomb.html", b"<p>" + b"0" * 50_000_000, gzip=True),
        "loop": site.add("/p/loop.html", redirect="/p/loop.html"),
        "fine": site.add("/p/fine.html", page),
    }
    items = [Item(title=name, link=url, body=None, summary="摘要。") for name, url in pages.items()]
    up = site.add("/feed/up.xml", rss(items), content_type=RSS, etag='"up-1"')
    down = site.add("/feed/down.xml", rss([Item(link="https://other.example/1")]),
                    content_type=RSS, fail_first=2, fail_status=503, etag='"down-1"')
    write_config(repo, [{"name": "up", "url": up}, {"name": "down", "url": down,
                                                     "content": "feed"}],
                 per_host=2, retries=1, timeout="2s", max_page_bytes="5MB")

    first = mirror(repo, "fetch")

    assert first.returncode == 1
    assert "down: failed: HTTP 503" in first.stderr
    assert "Traceback" not in first.stderr
    assert commits(repo) == 1
    assert len(froms(repo / "archive")) == len(pages) - 1  # the hanging page is retried

    second = mirror(repo, "fetch")

    assert second.returncode == 0, second.stderr
    archived = froms(repo / "archive")
    assert sorted(archived) == sorted([*pages.values(), "https://other.example/1"])
    assert commits(repo) == 2
    assert site.max_in_flight <= 2
    before = {path: n for path, n in site.hits.items()}
    snapshot = posts(repo / "archive")

    third = mirror(repo, "fetch")

    assert third.returncode == 0, third.stderr
    asked = {path: n - before.get(path, 0) for path, n in site.hits.items()
             if n - before.get(path, 0)}
    assert asked == {"/feed/up.xml": 1, "/feed/down.xml": 1}
    assert site.not_modified["/feed/up.xml"] >= 1 and site.not_modified["/feed/down.xml"] == 1
    assert posts(repo / "archive") == snapshot and commits(repo) == 2
    retried = [t for t, path, _ in site.log if path == "/p/retry-after.html"]
    assert retried[1] - retried[0] >= 0.9  # Retry-After: 1 was honoured


def test_per_host_limit_holds_under_load(repo: Path, site) -> None:
    links = [site.add(f"/p/{i}.html", article(), delay=0.2) for i in range(12)]
    feed = site.add("/feed.xml", rss([Item(link=link, body=None, summary="s") for link in links]),
                    content_type=RSS)
    write_config(repo, [{"name": "n", "url": feed}], per_host=3)

    assert mirror(repo, "fetch").returncode == 0
    assert site.max_in_flight == 3


def many_items(count: int) -> list[Item]:
    body = "<p>" + "这是一篇完整的新闻报道。" * 40 + "</p>"
    return [Item(title=f"新闻 {i}", link=f"https://news.example/{i}", body=body,
                 date=1_610_444_483 - i * 60) for i in range(count)]


def start_mirror(cwd: Path, *args: str, stderr: IO[str] | None = None) -> subprocess.Popen:
    """The command as a child process; its standard error into a file when one is given,
    so that a test can watch it while it runs."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(GUARD), str(ROOT)]),
               SOURCE_DATE_EPOCH=SEED_EPOCH)
    return subprocess.Popen([sys.executable, "-m", "mirror", *args], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=stderr or subprocess.PIPE,
                            text=True)


def terminate(process: subprocess.Popen) -> tuple[str, str, float]:
    """SIGTERM, then its output and how many seconds it took to exit."""
    process.send_signal(signal.SIGTERM)
    started = time.monotonic()
    out, err = process.communicate(timeout=20)
    return out, err, time.monotonic() - started


def assert_sound(repo: Path) -> None:
    """Whatever moment a run died at: no half post, no broken repository."""
    for name, text in posts(repo / "archive").items():
        assert text.startswith("---\nlayout: post\n") and text.endswith("</div>\n"), name
    fsck = subprocess.run(["git", "fsck", "--no-progress"], cwd=repo, capture_output=True,
                          text=True)
    assert fsck.returncode == 0, fsck.stderr
    assert not (repo / ".git" / "index.lock").exists()


def test_sigkill_at_any_moment_then_the_next_run_completes(repo: Path, site,
                                                           tmp_path: Path) -> None:
    count = 600
    feed = site.add("/feed.xml", rss(many_items(count)), content_type=RSS)
    probe = tmp_path / "probe"
    for where in (repo, probe):
        where.mkdir(exist_ok=True)
        git(where, "init", "-q")
        write_config(where, [{"name": "新闻", "url": feed}], content="feed")
    # Kills land in every phase of a run: polling, writing posts, the ledger, the commit.
    moments = [lambda: site.hits["/feed.xml"] > polls, *(
        (lambda n=n: len(list((repo / "archive").glob("*.md"))) >= n) for n in (1, 250, 599)),
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
    feed = site.add("/feed.xml", rss(many_items(120)), content_type=RSS, delay=0.5)
    write_config(repo, [{"name": "新闻", "url": feed}], content="feed")

    first, second = start_mirror(repo, "fetch"), start_mirror(repo, "fetch")
    results = [(*p.communicate(timeout=120), p.returncode) for p in (first, second)]

    assert [code for _, _, code in results] == [0, 0], results
    archived = froms(repo / "archive")
    assert len(archived) == len(set(archived)) == 120
    assert commits(repo) == 1


@contextmanager
def lock_held_by_another_run(repo: Path) -> Iterator[None]:
    folder = repo / ".git" / "mirror"
    folder.mkdir(parents=True, exist_ok=True)
    with filelock.FileLock(folder / "lock"):
        yield


def test_a_run_that_cannot_wait_says_so(repo: Path, site) -> None:
    feed = site.add("/feed.xml", rss(many_items(2)), content_type=RSS)
    write_config(repo, [{"name": "n", "url": feed}], content="feed")
    with lock_held_by_another_run(repo):
        result = mirror(repo, "fetch", "--wait", "0")
    assert result.returncode == 3
    assert result.stderr.strip().splitlines() == [
        "mirror: another mirror run is using this archive; gave up after waiting 0s"]


def test_mirror_run_polls_commits_and_stops_cleanly(repo: Path, site) -> None:
    items = many_items(6)
    feed = site.add("/feed.xml", rss(items[:2]), content_type=RSS)
    write_config(repo, [{"name": "新闻", "url": feed}], content="feed", every="2s")
    process = start_mirror(repo, "run")
    wait_until(lambda: commits(repo) == 1, what="the first cycle's commit")
    site.add("/feed.xml", rss(items[:4]), content_type=RSS)
    wait_until(lambda: commits(repo) == 2, what="the second cycle's commit")
    site.add("/feed.xml", rss(items), content_type=RSS)
    wait_until(lambda: commits(repo) == 3, what="the third cycle's commit")
    polls = site.hits["/feed.xml"]
    wait_until(lambda: site.hits["/feed.xml"] > polls, what="a poll with nothing new")

    out, err, seconds = terminate(process)

    assert process.returncode == 0, err
    assert seconds < 10
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


def test_sigterm_during_fetch_commits_what_is_complete(repo: Path, site) -> None:
    page = article()
    fast = [site.add(f"/fast/{i}.html", page) for i in range(3)]
    slow = [site.add(f"/slow/{i}.html", page, delay=30) for i in range(2)]
    feed = site.add("/feed.xml", rss([Item(title=f"t{i}", link=link, body=None, summary="s")
                                      for i, link in enumerate(fast + slow)]), content_type=RSS)
    write_config(repo, [{"name": "n", "url": feed}], per_host=8, timeout="60s")
    process = start_mirror(repo, "fetch")
    wait_until(lambda: len(list((repo / "archive").glob("*.md"))) == 3, what="3 posts")

    process.send_signal(signal.SIGTERM)
    _out, err = process.communicate(timeout=20)

    assert process.returncode == 1 and "stopped early" in err
    assert sorted(froms(repo / "archive")) == sorted(fast)
    assert commits(repo) == 1
    for route in slow:
        site.routes[route.split(str(site.server.server_address[1]))[1]].delay = 0
    assert mirror(repo, "fetch").returncode == 0
    assert sorted(froms(repo / "archive")) == sorted(fast + slow)


def test_retry_after_reads_seconds_and_http_dates() -> None:
    from email.utils import formatdate

    from mirror.fetching.http import retry_after

    assert retry_after("120") == 120
    assert retry_after(None) is None and retry_after("soon") is None
    later = retry_after(formatdate(time.time() + 60, usegmt=True))
    assert later is not None and 55 <= later <= 61
    assert retry_after(formatdate(time.time() - 60, usegmt=True)) == 0


def test_a_page_down_for_a_week_is_written_from_the_summary(repo: Path, site,
                                                            fake_clock) -> None:
    down = site.add("/p/down.html", "busy", status=503)
    feed = site.add("/feed.xml", rss([Item(title="t", link=down, body=None, summary="摘要。")]),
                    content_type=RSS, etag='"v1"')
    write_config(repo, [{"name": "n", "url": feed}], retries=0)
    assert mirror(repo, "fetch").returncode == 1
    fake_clock.advance(6 * 86_400)
    assert mirror(repo, "fetch").returncode == 1  # not yet: it is retried
    assert site.hits["/p/down.html"] == 2
    fake_clock.advance(86_400)

    result = mirror(repo, "fetch")

    assert result.returncode == 0, result.stderr
    assert "could not be had for 7 days" in result.stdout
    [text] = posts(repo / "archive").values()
    assert "<div>\n摘要。\n</div>" in text
    assert site.hits["/p/down.html"] == 2


def test_mirror_run_stops_at_once_while_waiting_for_the_lock(repo: Path, site) -> None:
    feed = site.add("/feed.xml", rss(many_items(2)), content_type=RSS)
    write_config(repo, [{"name": "n", "url": feed}], content="feed")
    said = repo / "stderr.txt"
    with lock_held_by_another_run(repo), said.open("w") as errors:
        process = start_mirror(repo, "run", stderr=errors)
        wait_until(lambda: "waiting up to" in said.read_text(), what="a wait for the lock")
        _, _, seconds = terminate(process)
    assert process.returncode == 0, said.read_text()
    assert seconds < 5
    assert posts(repo / "archive") == {}


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


def test_two_feeds_yaml_in_one_repository_keep_apart(repo: Path, site) -> None:
    feed = site.add("/feed.xml", rss(many_items(2)), content_type=RSS, etag='"v1"')
    for name, archive in (("a.yaml", "site-a/_posts"), ("b.yaml", "site-b/_posts")):
        (repo / name).write_text(f"archive: {archive}\ncontent: feed\nindex_pages: false\n"
                                 f"feeds:\n  - name: news\n    url: {feed}\n", encoding="utf-8")
        result = mirror(repo, "fetch", "--config", name)
        assert result.returncode == 0, result.stderr
        assert "news: 2 new" in result.stdout
    assert len(posts(repo / "site-a")) == len(posts(repo / "site-b")) == 2


def test_a_feeds_ttl_outlives_its_304s(repo: Path, site) -> None:
    feed = site.add("/feed.xml", rss(many_items(1), extra="<ttl>120</ttl>"), content_type=RSS,
                    etag='"v1"')
    write_config(repo, [{"name": "n", "url": feed}], content="feed", every="1m")
    state_file = Workspace.open(_load(repo / "feeds.yaml")).cache / "state.json"
    for _ in range(2):
        assert mirror(repo, "fetch").returncode == 0
        assert json.loads(state_file.read_text())["feeds"]["n"]["min_interval"] == 7200
    assert site.not_modified["/feed.xml"] == 1


def test_a_shortened_every_takes_effect_at_once(repo: Path, site, fake_clock) -> None:
    from mirror.config import load_config
    from mirror.scheduler import due_feeds

    feed = site.add("/feed.xml", rss(many_items(1)), content_type=RSS)
    write_config(repo, [{"name": "n", "url": feed}], content="feed", every="1h")
    assert mirror(repo, "fetch").returncode == 0
    fake_clock.advance(60)
    assert due_feeds(load_config(repo / "feeds.yaml"), ())[0] == ()
    write_config(repo, [{"name": "n", "url": feed}], content="feed", every="30s")
    assert due_feeds(load_config(repo / "feeds.yaml"), ())[0] == ("n",)


def test_mirror_run_with_a_feed_that_is_not_there(repo: Path, site) -> None:
    write_config(repo, [{"name": "n", "url": site.url("/feed.xml")}])
    result = mirror(repo, "run", "--feed", "Typo", timeout=20)
    assert result.returncode == 2 and "no such feed" in result.stderr


def test_two_repositories_sharing_a_cache_folder_keep_apart(tmp_path: Path, site) -> None:
    feed = site.add("/feed.xml", rss(many_items(1)), content_type=RSS, etag='"v1"')
    cache = tmp_path / "cache"
    for name in ("x", "y"):
        where = tmp_path / name
        where.mkdir()
        git(where, "init", "-q")
        write_config(where, [{"name": "n", "url": feed}], content="feed")
        result = mirror(where, "fetch", env={"MIRROR_CACHE_DIR": str(cache)})
        assert "n: 1 new" in result.stdout, result.stdout + result.stderr


def test_a_damaged_cache_never_stops_a_run(repo: Path, site) -> None:
    feed = site.add("/feed.xml", rss(many_items(1)), content_type=RSS)
    write_config(repo, [{"name": "n", "url": feed}], content="feed")
    state_file = Workspace.open(_load(repo / "feeds.yaml")).cache / "state.json"
    state_file.parent.mkdir(parents=True)
    state_file.write_text('{"version": 1, "feeds": {"n": {"pending": [{"oops": 1}, 7]}}}')
    result = mirror(repo, "fetch")
    assert result.returncode == 0, result.stderr
    assert "n: 1 new" in result.stdout


def test_ctrl_c_stops_without_tracebacks(repo: Path, site) -> None:
    page = article()
    links = [site.add(f"/slow/{i}.html", page, delay=20) for i in range(3)]
    feed = site.add("/feed.xml", rss([Item(title=f"t{i}", link=link, body=None, summary="s")
                                      for i, link in enumerate(links)]), content_type=RSS)
    write_config(repo, [{"name": "n", "url": feed}], timeout="60s", per_host=4)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(GUARD), str(ROOT)]),
               SOURCE_DATE_EPOCH=SEED_EPOCH)
    process = subprocess.Popen([sys.executable, "-m", "mirror", "fetch"], cwd=repo, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)
    wait_until(lambda: sum(site.hits[f"/slow/{i}.html"] for i in range(3)) == 3,
               what="the page requests")
    wait_until(lambda: _extraction_workers_loaded(process.pid), what="the extraction workers")
    os.killpg(process.pid, signal.SIGINT)  # as a terminal's Ctrl-C does
    _, err = process.communicate(timeout=30)
    assert "Traceback" not in err, err
    assert "stopped early" in err


def test_one_bad_page_or_answer_never_takes_the_run_down(repo: Path, site) -> None:
    words = "word " * 40
    pages = {
        "control": site.add("/p/control.html", f"<article><p>{words}\x0b\x01 end</p></article>"),
        "base": site.add("/p/base.html", '<head><base href="http://[::1"></head><body>'
                                         f'<article><p>{words}<a href="/x">l</a></p></article>'),
        "port": site.add("/p/port.html", redirect="http://127.0.0.1:99999/"),
        "scheme": site.add("/p/scheme.html", redirect="ftp://127.0.0.1/x"),
    }
    busy = site.add("/feed/busy.xml", "busy", status=503, content_type="text/plain",
                    fail_headers={}, headers={"Retry-After": "\u00b2"})
    items = [Item(title=name, link=url, body=None, summary="摘要。") for name, url in pages.items()]
    write_config(repo, [{"name": "pages", "url": site.add("/feed/p.xml", rss(items))},
                        {"name": "busy", "url": busy},
                        {"name": "good", "url": site.add("/feed/g.xml", rss(many_items(2))),
                         "content": "feed"}], retries=1)

    result = mirror(repo, "fetch")

    assert result.returncode == 1  # the busy feed
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr
    assert "busy: failed: HTTP 503" in result.stderr
    assert "good: 2 new" in result.stdout and "pages: 4 new" in result.stdout
    assert "redirected to 'ftp://127.0.0.1/x', not a web address" in result.stdout


def test_redirects_wait_for_their_own_hosts_turn(repo: Path, site) -> None:
    target = Site()
    server = start(target)
    try:
        page = article()
        links = []
        for i in range(8):
            final = target.add(f"/final/{i}.html", page, delay=0.5)
            links.append(site.add(f"/go/{i}.html", redirect=final))
        feed = site.add("/feed.xml", rss([Item(title=f"t{i}", link=link, body=None, summary="s")
                                          for i, link in enumerate(links)]), content_type=RSS)
        write_config(repo, [{"name": "n", "url": feed}], per_host=2)

        assert mirror(repo, "fetch").returncode == 0
        assert target.max_in_flight == 2
    finally:
        server.shutdown()
        server.server_close()


def test_run_timeout_bounds_a_run_even_with_a_delay(repo: Path, site) -> None:
    page = article()
    links = [site.add(f"/p/{i}.html", page) for i in range(30)]
    feed = site.add("/feed.xml", rss([Item(title=f"t{i}", link=link, body=None, summary="s")
                                      for i, link in enumerate(links)]), content_type=RSS)
    write_config(repo, [{"name": "n", "url": feed}], delay="1s", run_timeout="3s")
    started = time.monotonic()

    result = mirror(repo, "fetch")

    assert time.monotonic() - started < 12
    assert result.returncode == 1 and "run_timeout reached" in result.stderr
    assert "timed out after 30s" not in result.stderr
    assert site.page_hits() < 10


def test_compressed_bodies_stay_within_the_cap(repo: Path, site) -> None:
    import gzip as gz

    bomb = gz.compress(gz.compress(b"<p>" + b"0" * 50_000_000))
    double = site.add("/p/double.html", b"", headers={"Content-Encoding": "gzip, gzip"})
    site.routes["/p/double.html"].body = bomb
    single = site.add("/p/single.html", b"<p>" + b"0" * 60_000_000, gzip=True)
    items = [Item(title="double", link=double, body=None, summary="摘要。"),
             Item(title="single", link=single, body=None, summary="摘要。")]
    write_config(repo, [{"name": "n", "url": site.add("/feed.xml", rss(items))}],
                 max_page_bytes="5MB")

    result = mirror(repo, "fetch")

    assert result.returncode == 0, result.stderr
    assert "compressed more than once" in result.stdout
    assert "larger than 5 MB" in result.stdout
