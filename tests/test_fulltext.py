"""fulltext: does a feed entry carry the whole article, or only a summary?"""

from __future__ import annotations

import json

import pytest

from mirror.extraction.fulltext import FULL_TEXT_UNITS, is_full_text
from mirror.models import Entry
from mirror.text import count_units, markup_text
from tests.conftest import shared


def entry(content: str | None = None, summary: str | None = None) -> Entry:
    return Entry(feed="f", link="https://a.example/1", title="t", content=content,
                 summary=summary)


def test_a_long_description_is_the_article_and_a_short_one_a_summary() -> None:
    assert is_full_text(entry(summary="<p>" + "字" * FULL_TEXT_UNITS + "</p>"))
    assert not is_full_text(entry(summary="<p>" + "字" * (FULL_TEXT_UNITS - 1) + "</p>"))
    assert not is_full_text(entry(summary="<p>" + "word " * 100 + "</p>"))


@pytest.mark.parametrize("ending", ["……", "...", "[…]", "Read more", "阅读全文", "(more…)"])
def test_text_that_ends_like_an_excerpt_is_a_summary(ending: str) -> None:
    assert not is_full_text(entry(content="<p>" + "字" * 400 + ending + "</p>"))


def test_content_that_is_not_an_excerpt_is_the_article() -> None:
    assert is_full_text(entry(content="<p>" + "一段完整的文字。" * 4 + "</p>"))


def test_little_but_links_is_a_summary() -> None:
    assert not is_full_text(entry(content='<a href="https://x.example/a">https://x.example/a</a>'
                                          " Comments"))


def test_images_make_a_photo_story_the_article() -> None:
    assert is_full_text(entry(summary='<img src="a.jpg"><img src="b.jpg">'))


def test_text_units_counts_the_text_of_markup() -> None:
    assert count_units(markup_text("<p>美国之音&nbsp;<b>VOA</b> news</p>")) == 6


def test_the_labelled_feed_and_page_pairs() -> None:
    folder = shared("corpus", "feeds", "zh-rssant", "fulltext")
    labels = json.loads((folder / "LABELS.json").read_text())["is_fulltext"]
    for name, label in labels.items():
        markup = (folder / f"{name}.html").read_text(encoding="utf-8")
        if name.endswith("_rss") and name != "xkcd_rss":
            assert is_full_text(entry(summary=markup)) == label, name
