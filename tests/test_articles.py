"""An entry -> its post (``articles``): the body from the feed or from the article's page as
``content`` says; real pages extracted with their structure, links and allowed video players;
a rerun fetches no page; a body that cannot be published whole falls back to the feed's
content."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path
from typing import Any

import pytest

from mirror.articles import Articles
from mirror.errors import EntryError
from mirror.models import Article, Config, Entry, FeedConfig
from tests.conftest import commits, mirror, posts, shared, write_config
from tests.feeds import Item, rss
from tests.helpers import (
    ARTICLE_HTML,
    RSS_TYPE,
    SUMMARY,
    body_of,
    by_link,
    summary_feed,
)
from tests.metric import precision_recall, text_of

FEED = FeedConfig(name="n", url="https://n.example/feed")
CONFIG = Config(path=Path("feeds.yaml"), archive=Path("archive"), feeds=(FEED,))
NOW = 1_700_000_000_000


def articles() -> Articles:
    nothing: Any = None  # rendering needs no network or archive
    return Articles(CONFIG, nothing, nothing, NOW)


def test_a_page_body_that_would_show_nothing_falls_back_to_the_summary() -> None:
    entry = Entry(feed="n", link="https://n.example/1", title="t", summary="<p>摘要。</p>")
    page = Article(entry=entry, body="<div><script>x()</script></div>", source="page")
    post, used = articles()._render(page, FEED)
    assert used.source == "summary" and "<p>摘要。</p>" in post.text
    assert used.note == ("https://n.example/1: the post would show nothing: no text and no "
                         "image; post written from the feed's own content")


def test_nothing_to_show_anywhere_leaves_the_entry_pending_with_one_line() -> None:
    entry = Entry(feed="n", link="https://u:pw@n.example/2", title="t")
    for source in ("page", "feed", "summary"):
        with pytest.raises(EntryError) as failed:
            articles()._render(Article(entry=entry, body="<script>x()</script>",
                                       source=source), FEED)  # type: ignore[arg-type]
        message = str(failed.value)
        assert "\n" not in message and "pw" not in message and "would show nothing" in message


# ---------------------------------------------------------------- through a run

def test_real_article_pages_are_extracted(repo: Path, site) -> None:
    truth = json.loads(shared("corpus", "aeb", "ground-truth.json").read_text())
    names = sorted(truth)[:6]
    links = []
    for name in names:
        page = gzip.decompress(shared("corpus", "aeb", "html", f"{name}.html.gz").read_bytes())
        links.append(site.add(f"/aeb/{name}.html", page))
    write_config(repo, [{"name": "AEB", "url": summary_feed(site, links)}],
                 image_proxy="https://images.weserv.nl?url=")

    result = mirror(repo, "fetch")

    assert result.returncode == 0, result.stderr
    written = by_link(repo / "archive")
    assert len(written) == len(names)
    for name, link in zip(names, links, strict=True):
        body = body_of(written[link])
        assert "\n" not in body and SUMMARY not in body
        precision, recall = precision_recall(truth[name]["articleBody"], text_of(body))
        assert recall > 0.85 and precision > 0.6, (name, precision, recall)
        assert not re.search(r"<img[^>]+src=\"(?!https://images\.weserv\.nl\?url=)", body)
        assert not re.search(r"href=\"(?!https?:|mailto:|#)", body)


def test_a_rerun_fetches_no_page(repo: Path, site) -> None:
    link = site.add("/pixnet.html", ARTICLE_HTML)
    write_config(repo, [{"name": "痞客邦", "url": summary_feed(site, [link])}])
    assert mirror(repo, "fetch").returncode == 0
    assert site.hits["/pixnet.html"] == 1

    again = mirror(repo, "fetch")

    assert again.returncode == 0 and site.hits["/pixnet.html"] == 1
    assert commits(repo) == 1


def test_content_modes(repo: Path, site) -> None:
    article = ARTICLE_HTML
    full = "<p>" + "完整的文章内容。" * 60 + "</p>"
    site.add("/a.html", article)
    site.add("/b.html", article)
    site.add("/c.html", article)
    feeds = []
    for mode in ("feed", "page", "auto"):
        entries = [Item(title="summary", link=site.url("/a.html"), body=None, summary=SUMMARY),
                   Item(title="full", link=site.url("/b.html"), body=full),
                   Item(title="excerpt", link=site.url("/c.html"), body="<p>文章的开头……</p>")]
        url = site.add(f"/feed-{mode}.xml", rss(entries), content_type=RSS_TYPE)
        feeds.append({"name": mode, "url": url, "content": mode})
    write_config(repo, feeds[:1])
    assert mirror(repo, "fetch").returncode == 0
    assert site.page_hits() == 0

    for feed in feeds[1:]:
        write_config(repo, [feed])
        (repo / "archive").joinpath(".mirror-index.tsv").unlink()
        for post in (repo / "archive").glob("*.md"):
            post.unlink()
        before = dict(site.hits)
        assert mirror(repo, "fetch", "--no-commit").returncode == 0
        fetched = {p for p in ("/a.html", "/b.html", "/c.html")
                   if site.hits[p] > before.get(p, 0)}
        expected = {"page": {"/a.html", "/b.html", "/c.html"},
                    "auto": {"/a.html", "/c.html"}}[feed["content"]]
        assert fetched == expected, feed["content"]


def test_video_players_from_allowed_hosts_are_kept(repo: Path, site) -> None:
    paragraph = "<p>" + "A paragraph of the article that is long enough to be read. " * 8 + "</p>"
    page = ("<html><head><title>Video story</title></head><body><nav>menu</nav><article>"
            f"<h1>Video story</h1>{paragraph}"
            '<iframe src="https://www.youtube.com/embed/abc123" width="560"></iframe>'
            f'{paragraph}<iframe src="https://ads.example/frame"></iframe>{paragraph}'
            "</article></body></html>")
    link = site.add("/video.html", page)
    write_config(repo, [{"name": "v", "url": summary_feed(site, [link])}])

    assert mirror(repo, "fetch").returncode == 0

    body = body_of(next(iter(posts(repo / "archive").values())))
    assert '<iframe src="https://www.youtube.com/embed/abc123"' in body
    assert "ads.example" not in body


def test_extraction_keeps_the_structure_of_the_article(repo: Path, site) -> None:
    words = "这是文章的一段正文，内容完整，足够长，读者需要看到它。" * 6
    page = f"""<html><head><title>结构 | 新闻网</title></head><body>
      <header><nav><a href="/">首页</a> <a href="/world">国际</a></nav></header>
      <article>
        <h1>结构</h1>
        <p>{words}<a href="/related/1.html">相关报道</a>。</p>
        <h2>小标题</h2>
        <p>{words}</p>
        <figure><img class="lazyload" src="data:image/gif;base64,R0lGODlhAQABAAAAACw="
             data-src="/img/photo.jpg" alt="照片">
          <figcaption>图片说明：示威现场</figcaption></figure>
        <ul><li>第一点{words}</li><li>第二点{words}</li></ul>
        <table><tr><th>城市</th><th>人数</th></tr><tr><td>台北</td><td>1200</td></tr></table>
        <p>{words}</p>
      </article>
      <aside class="comments">评论区 登录后发表评论</aside>
      <footer>版权所有 © 新闻网</footer></body></html>"""
    link = site.add("/news/2021/story.html", page)
    write_config(repo, [{"name": "n", "url": summary_feed(site, [link])}],
                 image_proxy="https://images.weserv.nl?url=")

    assert mirror(repo, "fetch").returncode == 0

    body = body_of(next(iter(posts(repo / "archive").values())))
    host = site.base.split("://", 1)[1]
    assert "<h2>小标题</h2>" in body
    assert f'href="{site.base}/related/1.html"' in body
    assert f'src="https://images.weserv.nl?url={host}/img/photo.jpg"' in body
    assert "<figcaption>图片说明：示威现场</figcaption>" in body
    assert "<li>第一点" in body and "<td>台北</td>" in body
    assert "评论区" not in body and "版权所有" not in body and "首页" not in body
