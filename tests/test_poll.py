"""Feeds -> entries: feedparser with sanitising off, charsets, dates and odd entries."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mirror.errors import FeedError
from mirror.fetching.charset import decode
from mirror.fetching.http import Response
from mirror.fetching.poll import parse_date_ms, parse_feed
from mirror.models import FeedConfig
from tests.conftest import shared
from tests.feeds import Item, atom, rss

FEED = FeedConfig(name="test", url="https://feed.example/rss")


def parse(body: bytes | str, content_type: str = "application/rss+xml", url: str = FEED.url):
    data = body.encode() if isinstance(body, str) else body
    return parse_feed(FEED, Response(url=url, status=200, headers={"content-type": content_type},
                                     content=data))


def test_content_is_passed_through_unchanged() -> None:
    markup = '<div>  \n <img  class="photo" src="x.jpg" border="0"/>\n<p onclick="x">a &amp; b</p>'
    polled = parse(rss([Item(body=markup, summary="short")]))
    assert polled.entries[0].content == markup
    assert polled.entries[0].summary == "short"


def test_atom_dates_keep_milliseconds_and_authors() -> None:
    polled = parse(atom([Item(raw_date="2021-01-12T09:11:00.006Z", author="维权网记者")]))
    entry = polled.entries[0]
    assert entry.published_ms == 1_610_442_660_006
    assert entry.author == "维权网记者"


def test_relative_links_are_resolved_and_normalised() -> None:
    polled = parse(rss([Item(link="/新闻/a b.html#frag")]), url="https://news.example/feed/")
    assert polled.entries[0].link == \
        "https://news.example/%E6%96%B0%E9%97%BB/a%20b.html#frag"


def test_permalink_guid_stands_in_for_a_missing_link() -> None:
    body = rss([Item(link=None)]).replace("<item>", '<item><guid>https://n.example/p/1</guid>')
    assert parse(body).entries[0].link == "https://n.example/p/1"


def test_entry_without_link_is_reported_not_fatal() -> None:
    polled = parse(rss([Item(title="lost", link=None), Item(link="https://n.example/ok")]))
    assert [e.link for e in polled.entries] == ["https://n.example/ok"]
    assert polled.warnings == ("entry 'lost' has no link",)


@pytest.mark.parametrize(("body", "content_type", "message"), [
    ("<rss><channel><item><title>x</ti", "application/rss+xml", "invalid feed XML"),
    ("<!DOCTYPE html><html><body>hi</body></html>", "text/html", "served an HTML page"),
    ("", "application/rss+xml", "empty document"),
    ("just some text", "text/plain", "not an RSS or Atom feed"),
])
def test_not_a_feed(body: str, content_type: str, message: str) -> None:
    with pytest.raises(FeedError, match=message):
        parse(body, content_type)


@pytest.mark.parametrize(("text", "ms"), [
    ("Tue, 12 Jan 2021 09:41:23 GMT", 1_610_444_483_000),
    ("Tue, 12 Jan 2021 17:41:23 +0800", 1_610_444_483_000),
    ("2021-01-12T09:11:00.006Z", 1_610_442_660_006),
    ("2021-01-12T17:11:00.006+08:00", 1_610_442_660_006),
    ("2021-01-12 09:11:00", 1_610_442_660_000),
    ("not a date", None),
    ("9999-12-31T23:00:00-05:00", None),
    ("Tue, 12 Jan 2021 09:24:06 +08:00", 1_610_414_646_000),
    ("2021/01/12 09:24:06", 1_610_443_446_000),
    ("2021年01月12日 09:24", 1_610_443_440_000),
    ("2021.01.12", 1_610_409_600_000),
    ("1610444483", None),
    ("0001-01-01T00:30:00+01:00", None),
])
def test_dates(text: str, ms: int | None) -> None:
    assert parse_date_ms(text) == ms


CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize("folder", ["chardet-GB2312", "chardet-Big5", "chardet-EUC-JP",
                                    "chardet-SHIFT_JIS", "chardet-EUC-KR"])
def test_real_non_utf8_feeds_decode(folder: str) -> None:
    files = sorted(shared("corpus", "feeds", "nonutf8-cjk", folder).glob("*.xml"))
    parsed = 0
    for path in files:
        try:
            polled = parse(path.read_bytes(), "application/xml")
        except FeedError:
            continue
        parsed += 1
        text = "".join(e.title + (e.content or e.summary or "") for e in polled.entries)
        assert "\ufffd" not in text, path.name
    assert parsed >= len(files) // 2


def test_gb2312_news_feed_reads_as_chinese() -> None:
    path = shared("corpus", "feeds", "nonutf8-cjk", "rss-parser", "encoding-gb2312.xml")
    polled = parse(path.read_bytes(), "text/xml")
    assert polled.entries
    assert all(CJK.search(entry.title) for entry in polled.entries)


@pytest.mark.parametrize(("label", "declared"), [
    ("gb18030", "gb2312"), ("big5hkscs", "big5"), ("gb18030", None), ("big5hkscs", None)])
def test_charset_declared_wrongly_or_not_at_all(label: str, declared: str | None) -> None:
    text = ("<html><body><p>中華民國臺灣新聞報導，記者今日於臺北市政府前採訪市民對於新政策之看法。"
            "</p></body></html>")
    data = text.encode(label)
    decoded, _ = decode(data, f"text/html; charset={declared}" if declared else None)
    assert decoded == text
    utf8, codec = decode(text.encode(), "text/html; charset=gb2312")
    assert (utf8, codec) == (text, "utf-8")


@pytest.mark.parametrize("label", ["base64", "hex", "rot13", "zlib", "no-such-charset"])
def test_labels_that_are_not_text_encodings_are_ignored(label: str) -> None:
    text = "美国常驻联合国代表克拉夫特即将访问台湾，台湾本土社团召开记者会表示欢迎。"
    data = f"<html><head><meta charset='{label}'></head><body>{text}</body></html>"
    decoded, codec = decode(data.encode("gb18030"), f"text/html; charset={label}")
    assert text in decoded and codec == "gb18030"


def test_a_feed_declaring_a_codec_that_is_not_a_charset_still_parses() -> None:
    body = rss([Item(title="标题")]).replace('encoding="UTF-8"', 'encoding="hex"')
    assert parse(body.encode("utf-8")).entries[0].title == "标题"


@pytest.mark.parametrize(("ttl", "cache_control"), [("²", ""), ("60", "max-age=" + "9" * 400)])
def test_odd_ttl_and_max_age_are_ignored(ttl: str, cache_control: str) -> None:
    body = rss([Item()], extra=f"<ttl>{ttl}</ttl>")
    polled = parse_feed(FEED, Response(url=FEED.url, status=200, content=body.encode(),
                                       headers={"content-type": "application/rss+xml",
                                                "cache-control": cache_control}))
    assert polled.entries and 0 <= polled.min_interval < 10**9


def test_dates_feedparser_only_guesses_at_are_not_taken() -> None:
    polled = parse(rss([Item(raw_date="1610444483")]))
    assert polled.entries[0].published_ms is None


def test_atom_xhtml_content_keeps_single_line_breaks() -> None:
    body = atom([Item()]).replace(
        '<content type="html">', '<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">'
        '<p>line one<br/>line two</p><img src="https://a/x.png"/></div></content><x type="html">'
    ).replace("</content></entry>", "</x></entry>")
    content = parse(body).entries[0].content or ""
    assert "<br/>" in content and "</br>" not in content and "</img>" not in content


def test_undeclared_latin_text_reads_as_windows_1252() -> None:
    path = shared("corpus", "feeds", "news-other", "rss-parser", "uolNoticias.rss")
    titles = " ".join(e.title for e in parse(path.read_bytes(), "").entries)
    assert "Chávez" in titles and "\ufffd" not in titles


def test_bom_wins(tmp_path: Path) -> None:
    assert decode("\ufeff中文".encode("utf-16-le"), "text/html; charset=gb2312")[0] == "中文"


def test_entries_carry_their_feeds_language() -> None:
    assert parse(rss([Item()], extra="<language>zh-cn</language>")).entries[0].language == "zh-cn"
    tagged = atom([Item(), Item(link="https://news.example/b")]).replace(
        '<feed xmlns="http://www.w3.org/2005/Atom">',
        '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="zh-TW">').replace(
        "<entry>", '<entry xml:lang="en">', 1)
    assert [e.language for e in parse(tagged, "application/atom+xml").entries] == ["en", "zh-TW"]
    untagged = parse_feed(FEED, Response(url=FEED.url, status=200, content=rss([Item()]).encode(),
                                         headers={"content-type": "application/rss+xml",
                                                  "content-language": "ja, en"}))
    assert untagged.entries[0].language == "ja"
    assert parse(rss([Item()], extra="<language>not a language tag!</language>")
                 ).entries[0].language is None


def test_a_legacy_cjk_feed_without_a_language_is_taken_for_its_encodings() -> None:
    body = rss([Item(title="标题")]).replace('encoding="UTF-8"', 'encoding="gb2312"')
    assert parse(body.encode("gb18030")).entries[0].language == "zh-CN"
    big5 = rss([Item(title="標題")]).replace('encoding="UTF-8"', 'encoding="big5"')
    assert parse(big5.encode("big5")).entries[0].language == "zh-TW"
    assert parse(rss([Item()])).entries[0].language is None


def test_a_feed_no_charset_reads_is_a_feed_error() -> None:
    text = "Наверное, единственное, во что сегодня можно верить безоговорочно. " * 4
    body = rss([Item(title=text)], extra="<language>zh-cn</language>").replace(
        'encoding="UTF-8"', 'encoding="koi8-r"')
    with pytest.raises(FeedError, match=r"^unreadable feed: .*Chinese"):
        parse(body.encode("koi8-r"))
