"""An article page (``fetching.article_page``): fetched within the size cap (compressed
bombs included), only when it is HTML, decoded as a browser would whatever its charset
says; a page gone for good gives the post from the feed's summary with a note, one that
fails for now leaves the entry for the next run."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest

from tests.conftest import commits, mirror, posts, shared, write_config
from tests.feeds import Item, rss
from tests.helpers import ARTICLE_HTML, SUMMARY, body_of, by_link, summary_feed
from tests.metric import text_of


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
    links = {
        "gone": site.add("/gone.html", "no", status=404),
        "removed": site.add("/removed.html", "no", status=410),
        "pdf": site.add("/doc.pdf", b"%PDF-1.4", content_type="application/pdf"),
        "huge": site.add("/huge.html", b"<p>" + b"x" * 2_100_000 + b"</p>"),
        "loop": site.add("/loop.html", redirect="/loop2.html"),
        "empty": site.add("/empty.html", "<html><body><nav>menu</nav></body></html>"),
        "bomb": site.add("/bomb.html", b"<p>" + b"0" * 5_000_000, gzip=True),
        "fine": site.add("/fine.html", ARTICLE_HTML),
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
    article = ARTICLE_HTML
    busy = site.add("/busy.html", article, fail_first=1, fail_status=503)
    slow = site.add("/slow.html", article, delay=5, fail_first=0)
    flaky = site.add("/flaky.html", article, reset_first=1)
    feed = summary_feed(site, [busy, slow, flaky], etag='"v1"')
    write_config(repo, [{"name": "源", "url": feed, "timeout": "2s"}], retries=0)

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


def test_compressed_bodies_stay_within_the_cap(repo: Path, site) -> None:
    bomb = gzip.compress(gzip.compress(b"<p>" + b"0" * 3_000_000))
    double = site.add("/p/double.html", b"", headers={"Content-Encoding": "gzip, gzip"})
    site.routes["/p/double.html"].body = bomb
    single = site.add("/p/single.html", b"<p>" + b"0" * 3_600_000, gzip=True)
    entries = [Item(title="double", link=double, body=None, summary="摘要。"),
               Item(title="single", link=single, body=None, summary="摘要。")]
    write_config(repo, [{"name": "n", "url": site.add("/feed.xml", rss(entries))}],
                 max_page_bytes="1MB")

    result = mirror(repo, "fetch")

    assert result.returncode == 0, result.stderr
    assert "compressed more than once" in result.stdout
    assert "larger than 1 MB" in result.stdout
