"""Which posts are watched (from committed files only), which are due, and the cache."""

from __future__ import annotations

from pathlib import Path

from mirror.models import Config, FeedConfig
from mirror.preserve.watched import Memory, Watched, due, watched_posts

DAY = 86_400_000
NOW = 1_700_000_000_000  # 2023-11-14T22:13:20Z


def post(root: Path, path: str, date: str, link: str) -> str:
    target = root / "archive" / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(f"---\nlayout: post\ntitle: \"t\"\ndate: {date}\nfrom: {link}\n"
                      "categories: [ n ]\n---\nbody\n", encoding="utf-8")
    return path


def test_the_posts_within_their_feeds_watch_are_watched(tmp_path: Path) -> None:
    watching = FeedConfig(name="n", url="https://n.example/f", watch=7 * 86400)
    dated = FeedConfig(name="d", url="https://d.example/f", watch=86400,
                       filename="{feed}/{slug}.md")
    idle = FeedConfig(name="i", url="https://i.example/f")
    config = Config(path=tmp_path / "feeds.yaml", archive=tmp_path / "archive",
                    feeds=(watching, dated, idle))
    by_feed = {
        "n": [post(tmp_path, "2023-11-14-new.md", "2023-11-14T20:00:00.000Z", "https://n.example/1"),
              post(tmp_path, "2023-11-07-edge.md", "2023-11-07T20:00:00.000Z", "https://n.example/2"),
              post(tmp_path, "2023-11-01-old.md", "2023-11-01T00:00:00.000Z", "https://n.example/3"),
              "2023-11-14-unreadable.md"],
        "d": [post(tmp_path, "d/1989-06-04-anniversary.md", "2023-11-14T10:00:00.000Z",
                   "https://d.example/1")],
        "i": [post(tmp_path, "2023-11-14-idle.md", "2023-11-14T20:00:00.000Z", "https://i.example/1")],
    }
    found = watched_posts(config, config.feeds, by_feed, NOW)
    assert [(w.feed.name, w.post, w.link) for w in found] == [
        ("n", "2023-11-14-new.md", "https://n.example/1"),
        ("d", "d/1989-06-04-anniversary.md", "https://d.example/1")]
    assert found[0].date_ms == NOW - 8000 * 1000


def test_due_takes_the_longest_unchecked_first_and_the_cache_survives(tmp_path: Path) -> None:
    feed = FeedConfig(name="n", url="https://n.example/f", watch=7 * 86400, watch_every=3600)
    posts = [Watched(feed, f"p{i}.md", f"https://n.example/{i}", NOW) for i in range(3)]
    memory = Memory.load(tmp_path)
    assert due(posts, memory, NOW) == posts  # never checked: all due
    memory.of(posts[0]).checked = NOW - 3600_000
    memory.of(posts[1]).checked = NOW - 1000
    memory.of(posts[2]).checked = NOW - 7200_000
    assert [w.post for w in due(posts, memory, NOW)] == ["p2.md", "p0.md"]
    memory.of(posts[0]).etag = '"e"'
    memory.save()
    again = Memory.load(tmp_path)
    assert again.of(posts[0]).etag == '"e"' and again.of(posts[2]).checked == NOW - 7200_000
    again.keep_only(posts[:1])
    assert list(again.seen) == [posts[0].key]


def test_a_damaged_cache_is_an_empty_one(tmp_path: Path) -> None:
    (tmp_path / "watch.json").write_text("{not json")
    assert Memory.load(tmp_path).seen == {}
