"""One run, in process: what it archives and commits, what it leaves for the next run, the
limits of feeds.yaml reaching every request, and errors kept per feed and per entry (one
broken feed, page or answer never takes the run down). The decider's rules as a run applies
them (a week pending, one guid for many articles) are here; the rules themselves are in
``test_decide.py``."""

from __future__ import annotations

import hashlib
import json
import socket
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from mirror import load_config, run
from mirror.workspace import Workspace
from tests.conftest import commits, git, mirror, new_repo, posts, write_config
from tests.feeds import Item, rss
from tests.helpers import (
    ARTICLE_HTML,
    RSS_TYPE,
    froms,
    items,
    serve_feed,
    voa_items,
)


def tree(folder: Path) -> dict[str, str]:
    """Every file under a folder and a digest of its bytes."""
    if not folder.exists():
        return {}
    return {path.relative_to(folder).as_posix(): hashlib.sha1(path.read_bytes()).hexdigest()
            for path in sorted(folder.rglob("*")) if path.is_file()}


@pytest.fixture
def epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")


def summary_items(links: list[str]) -> list[Item]:
    return [Item(title=f"t{i}", link=link, body=None, summary="s") for i, link in enumerate(links)]


# ---------------------------------------------------------------- the run as a library call

def test_a_dry_run_writes_nothing_and_changes_what_follows_in_nothing(
        repo: Path, tmp_path: Path, site, epoch) -> None:
    feed = serve_feed(site, items(3), etag='"v1"')
    write_config(repo, [{"name": "n", "url": feed}], content="feed")
    config = load_config(repo / "feeds.yaml")
    before = tree(repo)
    dry = run(config, dry_run=True)
    assert [(f.name, f.new) for f in dry.feeds] == [("n", 3)] and dry.commit is None
    assert "dry run" in " ".join(dry.notes)
    assert tree(repo) == before  # not a post, not a cache file, not a lock
    assert not Workspace.open(config).cache.exists()

    real = run(config)
    twin = new_repo(tmp_path / "twin")
    write_config(twin, [{"name": "n", "url": feed}], content="feed")
    single = run(load_config(twin / "feeds.yaml"))
    assert real.new == single.new == 3
    assert posts(repo / "archive") == posts(twin / "archive")
    assert commits(repo) == commits(twin) == 1


def test_refresh_ignores_the_stored_validators(repo: Path, site, epoch) -> None:
    feed = serve_feed(site, items(1), etag='"v1"')
    write_config(repo, [{"name": "n", "url": feed}], content="feed")
    config = load_config(repo / "feeds.yaml")
    run(config)
    assert run(config).feeds[0].not_modified
    again = run(config, refresh=True)
    assert not again.feeds[0].not_modified and again.feeds[0].known == 1
    assert site.conditional["/feed.xml"] == 1


def test_a_json_feed_is_archived_like_its_rss_twin(repo: Path, tmp_path: Path, site,
                                                   epoch) -> None:
    chosen = items(3)
    serve_feed(site, chosen)
    site.add("/feed.json", json.dumps({
        "version": "https://jsonfeed.org/version/1.1", "title": "Test feed",
        "items": [{"id": item.link, "url": item.link, "title": item.title,
                   "content_html": item.body,
                   "date_published": datetime.fromtimestamp(item.date or 0, UTC).isoformat()}
                  for item in chosen]}), content_type="application/feed+json")
    twin = new_repo(tmp_path / "twin")
    for where, path in ((repo, "/feed.xml"), (twin, "/feed.json")):
        write_config(where, [{"name": "n", "url": site.url(path)}], content="feed")
        assert run(load_config(where / "feeds.yaml")).new == 3
    assert posts(repo / "archive") == posts(twin / "archive")


def test_same_inputs_and_source_date_epoch_give_byte_identical_files(tmp_path: Path,
                                                                      site) -> None:
    entries = [*voa_items(), Item(title="无日期", link="https://www.voachinese.com/a/x/3.html",
                                  date=None, body="<p>正文。</p>")]
    url = serve_feed(site, entries)
    trees = []
    for name in ("one", "two"):
        where = new_repo(tmp_path / name)
        write_config(where, [{"name": "美国之音", "url": url}], content="feed")
        assert mirror(where, "fetch", epoch="1700000000").returncode == 0
        trees.append({p.relative_to(where).as_posix(): p.read_bytes()
                      for p in sorted(where.rglob("*")) if p.is_file() and ".git" not in p.parts})
        trees[-1]["HEAD^{tree}"] = git(where, "rev-parse", "HEAD^{tree}").encode()
    assert trees[0] == trees[1]


# ---------------------------------------------------------------- faults, and the next runs

def test_faults_two_runs_archive_everything_and_the_third_only_asks_304(repo: Path, site) -> None:
    page = ARTICLE_HTML
    pages = {
        "retry-after": site.add("/p/retry-after.html", page, fail_first=1, fail_status=503,
                                fail_headers={"Retry-After": "1"}),
        "dropped": site.add("/p/dropped.html", page, reset_first=1),
        "missing": site.add("/p/missing.html", "gone", status=404),
        "huge": site.add("/p/huge.html", b"<p>" + b"x" * 1_500_000 + b"</p>"),
        "bomb": site.add("/p/bomb.html", b"<p>" + b"0" * 3_000_000, gzip=True),
        "loop": site.add("/p/loop.html", redirect="/p/loop.html"),
        "fine": site.add("/p/fine.html", page),
        # answers after the timeout twice (this run's try and retry), then at once
        "hanging": site.add("/p/hanging.html", page, delay=4, delay_first=2, counted=False),
    }
    entries = [Item(title=name, link=url, body=None, summary="摘要。")
               for name, url in pages.items()]
    up = serve_feed(site, entries, "/feed/up.xml", etag='"up-1"')
    down = serve_feed(site, [Item(link="https://other.example/1")], "/feed/down.xml",
                      fail_first=2, fail_status=503, etag='"down-1"')
    write_config(repo, [{"name": "up", "url": up}, {"name": "down", "url": down,
                                                     "content": "feed"}],
                 per_host=2, retries=1, timeout="2s", max_page_bytes="1MB")

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
    before = dict(site.hits)
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


def test_a_page_down_for_a_week_is_written_from_the_summary(repo: Path, site,
                                                            fake_clock) -> None:
    down = site.add("/p/down.html", "busy", status=503)
    feed = serve_feed(site, [Item(title="t", link=down, body=None, summary="摘要。")],
                      etag='"v1"')
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


def test_a_feed_that_gives_one_guid_to_different_articles(repo: Path, site) -> None:
    entries = [Item(title=f"t{i}", link=f"https://news.example/{i}", guid="same-guid")
               for i in range(3)]
    serve_feed(site, entries)
    write_config(repo, [{"name": "n", "url": site.url("/feed.xml")}], content="feed")

    first = mirror(repo, "fetch")

    assert first.returncode == 0, first.stderr
    assert "n: 3 new" in first.stdout and "one guid to different articles" in first.stdout
    serve_feed(site, [Item(title="t9", link="https://news.example/9", guid="same-guid")])
    second = mirror(repo, "fetch")
    assert "n: 1 new" in second.stdout
    assert len(posts(repo / "archive")) == 4


# ---------------------------------------------------------------- errors per feed and entry

def test_a_broken_feed_does_not_stop_the_others(repo: Path, site) -> None:
    good = serve_feed(site, voa_items(), "/feed/good.xml")
    broken = site.url("/feed/missing.xml")
    write_config(repo, [{"name": "坏的", "url": broken}, {"name": "好的", "url": good}],
                 content="feed")

    result = mirror(repo, "fetch")

    assert result.returncode == 1
    failure_lines = [line for line in result.stderr.splitlines() if "坏的" in line]
    assert len(failure_lines) == 1
    assert "404" in failure_lines[0] and broken in failure_lines[0]
    assert "好的: 2 new" in result.stdout
    assert len(posts(repo / "archive")) == 2
    assert commits(repo) == 1


def test_bad_inputs_each_give_one_line_and_spare_the_rest(repo: Path, site) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    feeds = {
        "unreachable": f"http://127.0.0.1:{closed_port}/feed.xml",
        "server-error": site.add("/500.xml", "oops", status=500, content_type="text/plain"),
        "invalid-xml": site.add("/bad.xml", "<rss><channel><item><title>x</ti",
                                content_type=RSS_TYPE),
        "html-page": site.add("/page.xml", "<!DOCTYPE html><html><head><link rel=\"alternate\" "
                              "type=\"application/rss+xml\" href=\"/real.xml\"></head>"
                              "<body>hi</body></html>", content_type="text/html"),
        "empty-feed": serve_feed(site, [], "/empty.xml"),
        "good": serve_feed(site, voa_items(), "/good.xml"),
    }
    write_config(repo, [{"name": name, "url": url} for name, url in feeds.items()],
                 retries=0, content="feed")

    result = mirror(repo, "fetch")

    assert result.returncode == 1
    errors = result.stderr.strip().splitlines()
    for name in ("unreachable", "server-error", "invalid-xml", "html-page"):
        assert len([line for line in errors if line.startswith(f"{name}: failed: ")]) == 1, errors
    assert "HTTP 500" in result.stderr
    assert "names a feed: /real.xml" in result.stderr
    assert "Traceback" not in result.stderr
    assert "empty-feed: 0 new, 0 known" in result.stdout
    assert "good: 2 new, 0 known" in result.stdout
    assert commits(repo) == 1


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
    entries = [Item(title=name, link=url, body=None, summary="摘要。")
               for name, url in pages.items()]
    write_config(repo, [{"name": "pages", "url": site.add("/feed/p.xml", rss(entries))},
                        {"name": "busy", "url": busy},
                        {"name": "good", "url": site.add("/feed/g.xml", rss(items(2))),
                         "content": "feed"}], retries=1)

    result = mirror(repo, "fetch")

    assert result.returncode == 1  # the busy feed
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr
    assert "busy: failed: HTTP 503" in result.stderr
    assert "good: 2 new" in result.stdout and "pages: 4 new" in result.stdout
    assert "redirected to 'ftp://127.0.0.1/x', not a web address" in result.stdout


# ---------------------------------------------------------------- limits of feeds.yaml

def test_the_per_host_limit_holds_under_load(repo: Path, site) -> None:
    links = [site.add(f"/p/{i}.html", ARTICLE_HTML, delay=0.5) for i in range(6)]
    feed = serve_feed(site, summary_items(links))
    write_config(repo, [{"name": "n", "url": feed}], per_host=3)

    assert mirror(repo, "fetch").returncode == 0
    assert site.max_in_flight == 3


def test_redirects_wait_for_their_own_hosts_turn(repo: Path, site, other_site) -> None:
    links = []
    for i in range(6):
        final = other_site.add(f"/final/{i}.html", ARTICLE_HTML, delay=0.5)
        links.append(site.add(f"/go/{i}.html", redirect=final))
    write_config(repo, [{"name": "n", "url": serve_feed(site, summary_items(links))}],
                 per_host=2)

    assert mirror(repo, "fetch").returncode == 0
    assert other_site.max_in_flight == 2


def test_run_timeout_bounds_a_run_even_with_a_delay(repo: Path, site) -> None:
    links = [site.add(f"/p/{i}.html", ARTICLE_HTML) for i in range(30)]
    write_config(repo, [{"name": "n", "url": serve_feed(site, summary_items(links))}],
                 delay="1s", run_timeout="2s")
    started = time.monotonic()

    result = mirror(repo, "fetch")

    # Without the bound the run would take 29 s or more (30 pages a second apart); with it,
    # about 2 s. The bound between tells them apart, and no load on this machine makes a
    # 2-second run take ten times as long.
    assert time.monotonic() - started < 20
    assert result.returncode == 1 and "run_timeout reached" in result.stderr
    assert "timed out after 30s" not in result.stderr
    assert site.page_hits() < 10
