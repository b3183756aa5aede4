"""The pipeline as a library call, in process: dry runs, refreshes, what a run leaves."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from mirror import load_config, run
from mirror.workspace import Workspace
from tests.conftest import commits, git, posts, write_config
from tests.feeds import Item, rss

RSS = "application/rss+xml; charset=utf-8"
BODY = "<p>" + "新闻内容。" * 100 + "</p>"


def tree(folder: Path) -> dict[str, str]:
    """Every file under a folder and a digest of its bytes."""
    if not folder.exists():
        return {}
    return {path.relative_to(folder).as_posix(): hashlib.sha1(path.read_bytes()).hexdigest()
            for path in sorted(folder.rglob("*")) if path.is_file()}


@pytest.fixture
def epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")


def items(count: int) -> list[Item]:
    return [Item(title=f"新闻 {i}", link=f"https://news.example/{i}", body=BODY,
                 date=1_610_444_483 - i * 60) for i in range(count)]


def test_a_dry_run_writes_nothing_and_changes_what_follows_in_nothing(
        repo: Path, tmp_path: Path, site, epoch) -> None:
    feed = site.add("/feed.xml", rss(items(3)), content_type=RSS, etag='"v1"')
    write_config(repo, [{"name": "n", "url": feed}], content="feed")
    config = load_config(repo / "feeds.yaml")
    before = tree(repo)
    dry = run(config, dry_run=True)
    assert [(f.name, f.new) for f in dry.feeds] == [("n", 3)] and dry.commit is None
    assert "dry run" in " ".join(dry.notes)
    assert tree(repo) == before  # not a post, not a cache file, not a lock
    assert not Workspace.open(config).cache.exists()

    real = run(config)
    twin = tmp_path / "twin"
    twin.mkdir()
    git(twin, "init", "-q", "-b", "main")
    write_config(twin, [{"name": "n", "url": feed}], content="feed")
    single = run(load_config(twin / "feeds.yaml"))
    assert real.new == single.new == 3
    assert posts(repo / "archive") == posts(twin / "archive")
    assert commits(repo) == commits(twin) == 1


def test_refresh_ignores_the_stored_validators(repo: Path, site, epoch) -> None:
    feed = site.add("/feed.xml", rss(items(1)), content_type=RSS, etag='"v1"')
    write_config(repo, [{"name": "n", "url": feed}], content="feed")
    config = load_config(repo / "feeds.yaml")
    run(config)
    assert run(config).feeds[0].not_modified
    again = run(config, refresh=True)
    assert not again.feeds[0].not_modified and again.feeds[0].known == 1
    assert site.conditional["/feed.xml"] == 1


def test_a_json_feed_is_archived_like_its_rss_twin(repo: Path, tmp_path: Path, site,
                                                   epoch) -> None:
    import json
    from datetime import UTC, datetime

    chosen = items(3)
    site.add("/feed.xml", rss(chosen), content_type=RSS)
    site.add("/feed.json", json.dumps({
        "version": "https://jsonfeed.org/version/1.1", "title": "Test feed",
        "items": [{"id": item.link, "url": item.link, "title": item.title,
                   "content_html": item.body,
                   "date_published": datetime.fromtimestamp(item.date or 0, UTC).isoformat()}
                  for item in chosen]}), content_type="application/feed+json")
    twin = tmp_path / "twin"
    twin.mkdir()
    git(twin, "init", "-q", "-b", "main")
    for where, path in ((repo, "/feed.xml"), (twin, "/feed.json")):
        write_config(where, [{"name": "n", "url": site.url(path)}], content="feed")
        assert run(load_config(where / "feeds.yaml")).new == 3
    assert posts(repo / "archive") == posts(twin / "archive")
