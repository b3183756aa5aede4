"""Summary-only feeds: article pages fetched from 127.0.0.1, decoded and extracted."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import pytest
import yaml

from tests.conftest import commits, mirror, posts, shared, write_config
from tests.feeds import Item, rss
from tests.metric import precision_recall, text_of

RSS = "application/rss+xml; charset=utf-8"
SUMMARY = "一句话摘要。"


def body_of(post: str) -> str:
    return post.split("<div>\n", 1)[1].rsplit("\n</div>", 1)[0]


def by_link(archive: Path) -> dict[str, str]:
    found = {}
    for text in posts(archive).values():
        found[yaml.safe_load(text.split("---\n")[1])["from"]] = text
    return found


def summary_feed(site, links: list[str]) -> str:
    items = [Item(title=f"Story {i}", link=link, body=None, summary=SUMMARY)
             for i, link in enumerate(links)]
    return site.add("/feed.xml", rss(items), content_type=RSS)


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
    page = shared("corpus", "mozilla", "test-pages", "pixnet", "source.html").read_bytes()
    link = site.add("/pixnet.html", page)
    write_config(repo, [{"name": "痞客邦", "url": summary_feed(site, [link])}])
    assert mirror(repo, "fetch").returncode == 0
    assert site.hits["/pixnet.html"] == 1

    again = mirror(repo, "fetch")

    assert again.returncode == 0 and site.hits["/pixnet.html"] == 1
    assert commits(repo) == 1


def encode_page(html: str, codec: str, meta: str | None) -> bytes:
    html = re.sub(r"<meta[^>]+charset=[^>]*>", "", html, flags=re.I)
    if meta:
        html = re.sub(r"(<head[^>]*>)", rf'\1<meta http-equiv="Content-Type" '
                                        rf'content="text/html; charset={meta}">', html, count=1)
    return html.encode(codec, errors="xmlcharrefreplace")


@pytest.mark.parametrize(("case", "codec", "labels"), [
    ("qq", "gb18030", ["gb2312", "gbk", "GB18030"]),
    ("pixnet", "big5hkscs", ["big5", "Big5-HKSCS"]),
])
def test_chinese_charsets_extract_to_the_utf8_text(repo: Path, site, case: str, codec: str,
                                                   labels: list[str]) -> None:
    folder = shared("corpus", "mozilla", "test-pages", case)
    original = (folder / "source.html").read_bytes()
    html = original.decode("utf-8")
    declared = labels[0]
    variants = {
        # the real page: UTF-8 bytes under a <meta> that says otherwise
        "utf8-declared-wrongly": (original, "text/html"),
        "by-header": (encode_page(html, codec, None), f"text/html; charset={declared}"),
        "by-meta": (encode_page(html, codec, labels[1]), "text/html"),
        "not-declared": (encode_page(html, codec, None), "text/html"),
        "header-says-utf8": (encode_page(html, codec, None), "text/html; charset=utf-8"),
        "meta-says-utf8": (encode_page(html, codec, "utf-8"), "text/html"),
    }
    links = {name: site.add(f"/{case}/{name}/page.html", data, content_type=content_type)
             for name, (data, content_type) in variants.items()}
    reference = site.add(f"/{case}/reference/page.html", original,
                         content_type="text/html; charset=utf-8")
    write_config(repo, [{"name": "中文", "url": summary_feed(site, [reference, *links.values()]),
                         "content": "page"}])

    result = mirror(repo, "fetch")

    assert result.returncode == 0, result.stderr
    written = by_link(repo / "archive")
    expected = text_of(body_of(written[reference]))
    assert len(re.findall(r"[\u4e00-\u9fff]", expected)) > 200
    for name, link in links.items():
        assert text_of(body_of(written[link])) == expected, name


def test_permanent_page_failures_fall_back_to_the_summary(repo: Path, site) -> None:
    article = shared("corpus", "mozilla", "test-pages", "pixnet", "source.html").read_bytes()
    links = {
        "gone": site.add("/gone.html", "no", status=404),
        "removed": site.add("/removed.html", "no", status=410),
        "pdf": site.add("/doc.pdf", b"%PDF-1.4", content_type="application/pdf"),
        "huge": site.add("/huge.html", b"<p>" + b"x" * 2_100_000 + b"</p>"),
        "loop": site.add("/loop.html", redirect="/loop2.html"),
        "empty": site.add("/empty.html", "<html><body><nav>menu</nav></body></html>"),
        "bomb": site.add("/bomb.html", b"<p>" + b"0" * 30_000_000, gzip=True),
        "fine": site.add("/fine.html", article),
    }
    site.add("/loop2.html", redirect="/loop.html")
    write_config(repo, [{"name": "源", "url": summary_feed(site, list(links.values()))}],
                 max_page_bytes="2MB", retries=0)

    result = mirror(repo, "fetch")

    assert result.returncode == 0, result.stderr
    written = by_link(repo / "archive")
    assert len(written) == len(links)
    for name, link in links.items():
        body = body_of(written[link])
        assert (body == SUMMARY) == (name != "fine"), name
    notes = [line for line in result.stdout.splitlines() if ": note: " in line]
    assert len(notes) == len(links) - 1
    assert any("HTTP 404" in n for n in notes) and any("redirects" in n for n in notes)
    assert any("larger than 2 MB" in n for n in notes) and any("not an HTML" in n for n in notes)


def test_transient_page_failures_write_nothing_and_retry_next_run(repo: Path, site) -> None:
    article = shared("corpus", "mozilla", "test-pages", "pixnet", "source.html").read_bytes()
    busy = site.add("/busy.html", article, fail_first=1, fail_status=503)
    slow = site.add("/slow.html", article, delay=3, fail_first=0)
    flaky = site.add("/flaky.html", article, reset_first=1)
    feed = summary_feed(site, [busy, slow, flaky])
    site.routes["/feed.xml"].etag = '"v1"'
    write_config(repo, [{"name": "源", "url": feed, "timeout": "1s"}], retries=0)

    first = mirror(repo, "fetch")

    assert first.returncode == 1
    assert first.stderr.count("will retry next run") == 3
    assert posts(repo / "archive") == {} and commits(repo) == 0
    site.routes["/slow.html"].delay = 0

    second = mirror(repo, "fetch")

    assert second.returncode == 0, second.stderr
    assert site.not_modified["/feed.xml"] == 1  # retried although the feed answered 304
    written = by_link(repo / "archive")
    assert sorted(written) == sorted([busy, slow, flaky])
    assert all(SUMMARY not in body_of(text) for text in written.values())
    assert commits(repo) == 1


def test_content_modes(repo: Path, site) -> None:
    article = shared("corpus", "mozilla", "test-pages", "pixnet", "source.html").read_bytes()
    full = "<p>" + "完整的文章内容。" * 60 + "</p>"
    site.add("/a.html", article)
    site.add("/b.html", article)
    site.add("/c.html", article)
    feeds = []
    for mode in ("feed", "page", "auto"):
        items = [Item(title="summary", link=site.url("/a.html"), body=None, summary=SUMMARY),
                 Item(title="full", link=site.url("/b.html"), body=full),
                 Item(title="excerpt", link=site.url("/c.html"), body="<p>文章的开头……</p>")]
        url = site.add(f"/feed-{mode}.xml", rss(items), content_type=RSS)
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


def test_markdown_posts_from_real_pages(repo: Path, site) -> None:
    cases = ["qq", "pixnet", "keep-tabular-data", "wikipedia-2", "wikipedia"]
    links = [site.add(f"/{c}.html", shared("corpus", "mozilla", "test-pages", c,
                                           "source.html").read_bytes()) for c in cases]
    write_config(repo, [{"name": "md", "url": summary_feed(site, links), "format": "markdown"}])

    result = mirror(repo, "fetch")

    assert result.returncode == 0, result.stderr
    written = by_link(repo / "archive")
    for case, link in zip(cases, links, strict=True):
        text = written[link]
        front, markdown = text.split("------\n\n", 1)
        assert front.startswith("---\nlayout: post\n")
        assert "<div" not in markdown and "<span" not in markdown and "<p>" not in markdown, case
        assert not re.search(r"</?[a-z][^>]*>", markdown.replace("<!--", "")), case
        assert "\n\n\n" not in markdown
    assert re.search(r"[\u4e00-\u9fff]{20}", written[links[0]])
    assert "| " in written[links[2]]  # a table
    assert re.search(r"^\d+\. ", written[links[3]], re.M)  # an ordered list
    assert re.search(r"\]\(https?://", written[links[4]])  # absolute links


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
