"""JSON Feed 1.0/1.1 -> the same entries RSS and Atom give: links, guids, content, dates,
authors; documents that are not JSON Feeds are refused with one clear line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mirror.errors import FeedError
from mirror.fetching.http import Response
from mirror.fetching.jsonfeed import is_json, parse_json_feed, read_json_feed
from mirror.fetching.poll import parse_feed
from mirror.models import FeedConfig
from tests.conftest import shared
from tests.feeds import Item, rss

FEED = FeedConfig(name="test", url="https://feed.example/feed.json")
V11 = "https://jsonfeed.org/version/1.1"


def response(body: bytes | str | dict, content_type: str = "application/feed+json",
             headers: dict[str, str] | None = None) -> Response:
    if isinstance(body, dict):
        body = json.dumps(body, ensure_ascii=False)
    data = body.encode() if isinstance(body, str) else body
    return Response(url=FEED.url, status=200,
                    headers={"content-type": content_type, **(headers or {})}, content=data)


def parse(body: bytes | str | dict, content_type: str = "application/feed+json"):
    return parse_json_feed(FEED, response(body, content_type))


def test_an_item_gives_the_entry_its_rss_twin_gives() -> None:
    body = "<p>正文 &amp; <b>markup</b>, byte for byte.</p>"
    twin = parse_feed(FEED, Response(url=FEED.url, status=200,
                                     headers={"content-type": "application/rss+xml"},
                                     content=rss([Item(title="标题", guid="urn:1", body=body,
                                                       summary="short", author="记者",
                                                       raw_date="Tue, 12 Jan 2021 09:41:23 GMT",
                                                       link="https://news.example/a")]).encode()))
    polled = parse({"version": V11, "title": "t", "items": [{
        "id": "urn:1", "url": "https://news.example/a", "title": "标题", "content_html": body,
        "summary": "short", "date_published": "2021-01-12T09:41:23Z",
        "authors": [{"name": "记者"}]}]})
    assert polled.entries == twin.entries
    assert polled.warnings == ()


def test_content_text_and_summary_are_escaped_into_paragraphs() -> None:
    entry, = parse({"version": V11, "items": [{
        "id": "1", "url": "https://a.example/1",
        "content_text": "<b> is not markup & a line\nnext line\n\n second paragraph ",
        "summary": "a < b"}]}).entries
    assert entry.content == ("<p>&lt;b&gt; is not markup &amp; a line<br>next line</p>"
                             "<p>second paragraph</p>")
    assert entry.summary == "a &lt; b"


def test_content_html_wins_over_content_text() -> None:
    entry, = parse({"version": V11, "items": [{
        "id": "1", "url": "https://a.example/1", "content_html": "<p>x</p>",
        "content_text": "x"}]}).entries
    assert entry.content == "<p>x</p>"


def test_dates_links_guids_and_authors() -> None:
    polled = parse({"version": "https://jsonfeed.org/version/1", "author": {"name": "编辑部"},
                    "items": [
        {"id": 42, "url": "/relative/1", "title": "a",
         "date_modified": "2021-01-12T17:41:23+08:00"},
        {"id": "https://a.example/permalink", "title": "b", "author": {"name": "Ann"},
         "date_published": "2021-01-12T09:41:23.006Z"},
        {"id": "3", "external_url": "https://elsewhere.example/x", "title": "c",
         "authors": [{"name": "A"}, {"url": "https://no.name"}, {"name": "B"}]},
    ]})
    first, second, third = polled.entries
    assert (first.guid, first.link) == ("42", "https://feed.example/relative/1")
    assert first.published_ms == 1_610_444_483_000 and first.author == "编辑部"
    assert second.link == "https://a.example/permalink" and second.author == "Ann"
    assert second.published_ms == 1_610_444_483_006
    assert third.link == "https://elsewhere.example/x" and third.author == "A, B"
    assert third.published_ms is None  # the run's time, as for an RSS item with no date


def test_languages() -> None:
    polled = parse({"version": V11, "language": "zh-TW", "items": [
        {"id": "1", "url": "https://a.example/1"},
        {"id": "2", "url": "https://a.example/2", "language": "en"}]})
    assert [entry.language for entry in polled.entries] == ["zh-TW", "en"]
    assert parse({"version": V11, "items": [{"url": "https://a.example/1"}]}
                 ).entries[0].language is None


def test_items_that_cannot_be_archived_are_warnings_not_failures() -> None:
    polled = parse({"version": V11, "items": [
        {"id": "no-link", "title": "only an id"}, "a string", {"url": "https://a.example/ok"}]})
    assert [e.link for e in polled.entries] == ["https://a.example/ok"]
    assert polled.warnings == ("entry 'only an id' has no link",
                               "an item of the JSON Feed is not an object")


def test_validators_and_max_age_are_kept() -> None:
    polled = parse_json_feed(FEED, response({"version": V11, "items": []}, headers={
        "etag": '"v1"', "last-modified": "Tue, 12 Jan 2021 09:41:23 GMT",
        "cache-control": "public, max-age=600"}))
    assert polled.etag == '"v1"' and polled.last_modified.startswith("Tue")
    assert polled.min_interval == 600


@pytest.mark.parametrize(("body", "message"), [
    ('{"version": "https://jsonfeed.org/version/1", "items": [', "invalid JSON Feed: "),
    ('{"name": "an app manifest"}', "not a JSON Feed"),
    ('["version"]', "not a JSON Feed"),
    ('{"version": "https://example.org/version/1", "items": []}', "not a JSON Feed"),
    ('{"version": "https://jsonfeed.org/version/1.1", "items": {}}',
     "invalid JSON Feed: it has no \"items\" list"),
    ("[" * 100_000, "invalid JSON Feed"),
])
def test_not_a_json_feed(body: str, message: str) -> None:
    with pytest.raises(FeedError, match="^" + message.replace("[", r"\[").replace("(", r"\(")):
        parse(body)


def test_the_charset_is_decided_as_for_any_document() -> None:
    document = {"version": V11, "items": [{"id": "1", "url": "https://a.example/1",
                                           "title": "中文标题"}]}
    text = json.dumps(document, ensure_ascii=False)
    assert parse(b"\xef\xbb\xbf" + text.encode()).entries[0].title == "中文标题"
    assert parse(text.encode("utf-16"), "application/json").entries[0].title == "中文标题"


@pytest.mark.parametrize(("content_type", "body", "expected"), [
    ("application/feed+json", b"", True),
    ("application/json; charset=utf-8", b"", True),
    ("text/plain", b"\n  {\"version\": 1}", True),
    ("application/rss+xml", b"<rss/>", False),
    ("text/html", b"<!doctype html>", False),
])
def test_is_json(content_type: str, body: bytes, expected: bool) -> None:
    assert is_json(Response(url=FEED.url, status=200, headers={"content-type": content_type},
                            content=body)) is expected


# ---------------------------------------------------------------- real JSON Feeds

CORPUS = ("corpus", "feeds", "zh-rssant", "parser")


def corpus(*parts: str) -> bytes:
    return shared(*CORPUS, *parts).read_bytes()


def test_real_json_feeds_parse() -> None:
    example = parse(corpus("well", "jsonfeed-example.json"))
    assert [(e.guid, e.link, e.content) for e in example.entries] == [
        ("2", "https://example.org/second-item", "This is a second item."),
        ("1", "https://example.org/initial-post", "<p>Hello, world!</p>")]
    podcast, = parse(corpus("well", "jsonfeed_audio.json")).entries
    assert podcast.title == "Special #1 - Chris Parrish"
    assert podcast.content.startswith('Chris has worked at <a href="http://adobe.com/">')
    assert podcast.summary.startswith("Brent interviews")
    assert podcast.published_ms == 1_399_669_440_000  # -07:00 taken into account


def test_a_real_json_feed_and_its_atom_twin_agree() -> None:
    from_json, = parse(corpus("well", "v2ex-jsonfeed.json")).entries
    from_atom, = parse_feed(FEED, Response(url=FEED.url, status=200,
                                           headers={"content-type": "application/atom+xml"},
                                           content=corpus("well", "v2ex-jsonfeed.xml"))).entries
    assert (from_json.title, from_json.author, from_json.published_ms, from_json.content) == \
        (from_atom.title, from_atom.author, from_atom.published_ms, from_atom.content)


def test_real_json_feeds_with_broken_items_keep_the_good_ones() -> None:
    polled = parse(corpus("warn", "v2ex-jsonfeed-warning.json"))
    assert [e.link for e in polled.entries] == ["https://www.v2ex.com/t/641290"]
    assert polled.warnings == ("an entry has no link",)


@pytest.mark.parametrize(("name", "message"), [
    ("jsonfeed-failed-syntax.json", "invalid JSON Feed"),
    ("rssant-manifest.json", "not a JSON Feed"),
])
def test_real_documents_that_are_not_json_feeds(name: str, message: str) -> None:
    with pytest.raises(FeedError, match=message):
        parse(corpus("failed", name))


def test_read_json_feed_gives_the_document(tmp_path: Path) -> None:
    assert read_json_feed(b'{"version": "https://jsonfeed.org/version/1.1", "title": "T", '
                          b'"items": []}')["title"] == "T"
