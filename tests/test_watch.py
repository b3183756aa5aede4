"""Watching: a news site that edits and deletes, found through the page or the feed.

HTTP through httpx's MockTransport (a site whose pages change between runs);
the reader stands in for extraction: a page's body is its <article>.
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from pathlib import Path

import httpx

from mirror.fetching.http import Http
from mirror.models import Article, Config, Entry, FeedConfig, Limits
from mirror.preserve import changes, watch
from mirror.preserve.kept_pages import Fetched
from mirror.preserve.timing import Budget
from mirror.preserve.watched import Memory, Watched
from mirror.publish.render import render

NOW = 1_700_000_000_000
HOUR = 3_600_000
FIRST = ("<p>警方周二表示，数百名示威者在市中心广场聚集，要求政府回应。</p>"
         "<p>现场有三人被捕，警方称他们涉嫌扰乱公共秩序。</p>")
EDITED = FIRST.replace("三人", "三十人")
PAGE_FEED = FeedConfig(name="n", url="https://n.example/feed", content="page", robots="ignore",
                       watch=7 * 86400, watch_every=3600)
FEED_FEED = FeedConfig(name="f", url="https://n.example/feed2", content="feed",
                       robots="ignore", watch=7 * 86400, watch_every=3600)


class Site:
    """Pages by path: (status, body, headers); every request counted."""

    def __init__(self) -> None:
        self.pages: dict[str, tuple[int, str, dict[str, str]]] = {}
        self.asked: Counter[str] = Counter()
        self.conditional = 0

    def article(self, path: str, body: str, **headers: str) -> None:
        self.pages[path] = (200, f"<html><body><nav>首页</nav><article>{body}</article>"
                                 "</body></html>", headers)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.asked[request.url.path] += 1
        if "if-none-match" in request.headers:
            self.conditional += 1
        status, body, headers = self.pages.get(request.url.path, (404, "gone", {}))
        if headers.get("ETag") and request.headers.get("if-none-match") == headers["ETag"]:
            return httpx.Response(304, headers=headers)
        if status in (301, 302):
            return httpx.Response(status, headers={"Location": body})
        return httpx.Response(status, headers={"Content-Type": "text/html", **headers},
                              stream=httpx.ByteStream(body.encode()))


async def read(fetched: Fetched, entry: Entry | None) -> str:
    found = re.search(r"<article>(.*)</article>", fetched.body.decode())
    return found.group(1) if found else fetched.body.decode()


def setup(root: Path, feed: FeedConfig, body: str = FIRST) -> tuple[Config, Watched]:
    config = Config(path=root / "feeds.yaml", archive=root / "archive", feeds=(feed,))
    entry = Entry(feed=feed.name, link="https://n.example/news/1.html", title="示威",
                  published_ms=NOW - HOUR, content=body if feed.content == "feed" else None)
    post = render(Article(entry=entry, body=body, source="page"), feed, NOW)
    (root / "archive").mkdir(parents=True, exist_ok=True)
    (root / "archive" / post.path).write_text(post.text, encoding="utf-8")
    return config, Watched(feed, post.path, entry.link, NOW - HOUR)


def check(root: Path, config: Config, site: Site, watched: list[Watched], wall: int,
          carried: dict[str, Entry] | None = None, budget: float = 60.0) -> watch.Checked:
    async def go() -> watch.Checked:
        async with Http(Limits(retries=0), transport=httpx.MockTransport(site.handle)) as http:
            memory = Memory.load(root / "cache")
            watcher = watch.Watcher(config, http, read, memory, changes.read_changes(config),
                                    wall, Budget(None, 1.0, budget))
            done = await watcher.run(watched, carried or {})
            memory.save()
            lines, _ = watch.record(config, done.findings, wall)
            changes.append_changes(config, lines)
            return done
    return asyncio.run(go())


def kinds(done: watch.Checked) -> list[tuple[str, str]]:
    return [(f.kind, f.detail) for f in done.findings]


def test_an_edit_then_a_deletion_then_a_restoration_of_a_page(tmp_path: Path) -> None:
    config, watched = setup(tmp_path, PAGE_FEED)
    post_before = (tmp_path / "archive" / watched.post).read_bytes()
    site = Site()
    site.article("/news/1.html", FIRST, ETag='"v1"')
    assert kinds(check(tmp_path, config, site, [watched], NOW)) == []

    site.article("/news/1.html", EDITED, ETag='"v2"')
    not_yet = check(tmp_path, config, site, [watched], NOW + HOUR // 2)
    assert not_yet.checked == 0 and site.asked["/news/1.html"] == 1  # not due: no request
    edited = check(tmp_path, config, site, [watched], NOW + HOUR)
    assert kinds(edited) == [("edited", "1 sentence added, 1 sentence removed (page)")]
    assert site.conditional == 1  # asked with the ETag it had
    [line] = changes.read_changes(config)
    revision = tmp_path / line.revision
    assert "<ins>现场有三十人被捕，警方称他们涉嫌扰乱公共秩序。</ins>" in revision.read_text()

    site.article("/news/1.html", EDITED, ETag='"v2"')
    assert kinds(check(tmp_path, config, site, [watched], NOW + 2 * HOUR)) == []  # 304
    site.pages["/news/1.html"] = (410, "gone", {})
    assert kinds(check(tmp_path, config, site, [watched], NOW + 3 * HOUR)) == \
        [("deleted", "HTTP 410 Gone")]
    assert kinds(check(tmp_path, config, site, [watched], NOW + 4 * HOUR)) == []  # still gone
    site.article("/news/1.html", EDITED, ETag='"v2"')
    assert kinds(check(tmp_path, config, site, [watched], NOW + 5 * HOUR)) == \
        [("restored", "the article is back")]  # no ETag sent while it was deleted
    assert [c.kind for c in changes.read_changes(config)] == ["edited", "deleted", "restored"]
    assert (tmp_path / "archive" / watched.post).read_bytes() == post_before


def test_a_redirect_to_the_front_page_or_another_story_is_a_deletion(tmp_path: Path) -> None:
    config, watched = setup(tmp_path, PAGE_FEED)
    site = Site()
    site.pages["/news/1.html"] = (302, "https://n.example/", {})
    site.article("/", "<p>今日头条：天气晴朗，适合出行，欢迎阅读更多新闻报道。</p>")
    assert kinds(check(tmp_path, config, site, [watched], NOW)) == \
        [("deleted", "redirected to https://n.example/")]

    config, watched = setup(tmp_path / "other", PAGE_FEED)
    site.pages["/news/1.html"] = (301, "https://n.example/news/2.html", {})
    site.article("/news/2.html", "<p>另一篇报道：经济数据显示第三季度增长放缓。</p>")
    assert kinds(check(tmp_path / "other", config, site, [watched], NOW)) == \
        [("deleted", "redirected to https://n.example/news/2.html")]


def test_a_moved_article_is_no_deletion(tmp_path: Path) -> None:
    config, watched = setup(tmp_path, PAGE_FEED)
    site = Site()
    site.pages["/news/1.html"] = (301, "https://n.example/news/1-slug.html", {})
    site.article("/news/1-slug.html", FIRST)
    assert kinds(check(tmp_path, config, site, [watched], NOW)) == []


def test_a_page_emptied_of_its_article_is_a_deletion(tmp_path: Path) -> None:
    config, watched = setup(tmp_path, PAGE_FEED)
    site = Site()
    site.article("/news/1.html", "<p>此文章已被删除，请浏览其他内容。</p>")
    assert kinds(check(tmp_path, config, site, [watched], NOW)) == \
        [("deleted", "the page no longer holds the article")]


def test_a_post_from_the_feed_is_compared_with_the_feeds_content(tmp_path: Path) -> None:
    config, watched = setup(tmp_path, FEED_FEED)
    site = Site()
    site.article("/news/1.html", FIRST + "<p>页面上多出的一段说明文字，不在订阅源里。</p>")
    entry = Entry(feed="f", link=watched.link, title="示威", content=EDITED)
    done = check(tmp_path, config, site, [watched], NOW, carried={watched.key: entry})
    assert kinds(done) == [("edited", "1 sentence added, 1 sentence removed (feed)")]
    assert site.asked["/news/1.html"] == 1  # the page only for deletions; its extra text
    again = check(tmp_path, config, site, [watched], NOW + HOUR, carried={watched.key: entry})
    assert kinds(again) == []  # is the first page version seen, not an edit

    site.article("/news/1.html", EDITED + "<p>页面上多出的一段说明文字，不在订阅源里。</p>")
    later = check(tmp_path, config, site, [watched], NOW + 2 * HOUR)  # out of the feed
    assert kinds(later) == [("edited", "1 sentence added, 1 sentence removed (page)")]


def test_nothing_due_sends_no_request_and_no_time_checks_nothing(tmp_path: Path) -> None:
    config, watched = setup(tmp_path, PAGE_FEED)
    site = Site()
    site.article("/news/1.html", FIRST)
    assert check(tmp_path, config, site, [watched], NOW, budget=0).checked == 0
    assert check(tmp_path, config, site, [watched], NOW).checked == 1
    assert check(tmp_path, config, site, [watched], NOW + 1000).checked == 0
    assert sum(site.asked.values()) == 1


def test_watching_thousands_of_posts_stays_within_the_per_host_limit(tmp_path: Path) -> None:
    config = Config(path=tmp_path / "feeds.yaml", archive=tmp_path / "archive",
                    feeds=(PAGE_FEED,), per_host=2)
    in_flight: Counter[str] = Counter()
    most: Counter[str] = Counter()
    asked = 0

    async def handle(request: httpx.Request) -> httpx.Response:
        nonlocal asked
        host = request.url.host
        in_flight[host] += 1
        most[host] = max(most[host], in_flight[host])
        asked += 1
        await asyncio.sleep(0)
        in_flight[host] -= 1
        return httpx.Response(304)

    hosts = [f"h{i}.example" for i in range(4)]
    posts = [Watched(PAGE_FEED, f"p{i}.md", f"https://{hosts[i % 4]}/{i}", NOW)
             for i in range(2_000)]  # benchmarks/watch_scale.py: 10,000

    async def go(wall: int) -> watch.Checked:
        async with Http(config.limits, transport=httpx.MockTransport(handle)) as http:
            memory = Memory.load(tmp_path)
            watcher = watch.Watcher(config, http, read, memory, [], wall,
                                    Budget(None, 1.0, 600))
            done = await watcher.run(posts, {})
            memory.save()
            return done
    first = asyncio.run(go(NOW))
    assert first.checked == asked == 2_000
    assert max(most.values()) == 2
    second = asyncio.run(go(NOW + 1000))  # nothing due
    assert second.checked == 0 and asked == 2_000
