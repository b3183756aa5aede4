"""The front matter: what render writes, the archive reads back, for every value."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from mirror.errors import EntryError
from mirror.publish.front_matter import Front, front_matter, iso_date, parse_front

SETTINGS = settings(derandomize=True, max_examples=300, deadline=None)
TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40) \
    .map(str.strip).filter(bool)
SEED_HEAD = """---
layout: post
title: "美国常驻联合国代表克拉夫特即将访问台湾"
date: 2021-01-12T09:24:06.000Z
author: 美国之音
from: https://www.voachinese.com/a/us-un-envoy-craft-to-visit-taiwan-20210107/5728410.html
tags: [ 美国之音 ]
categories: [ 美国之音 ]
---
"""


def test_the_seed_post_reads_back() -> None:
    front = parse_front(SEED_HEAD)
    assert front == Front(
        link="https://www.voachinese.com/a/us-un-envoy-craft-to-visit-taiwan-20210107/"
             "5728410.html",
        feed="美国之音", title="美国常驻联合国代表克拉夫特即将访问台湾",
        date=datetime(2021, 1, 12, 9, 24, 6, tzinfo=UTC))


def test_what_is_not_a_front_matter_reads_as_nothing() -> None:
    assert parse_front("no front matter\nfrom: https://a.example/\n") == Front()
    assert parse_front("---\ntitle: t\nfrom:\n---\n").link is None


@SETTINGS
@given(TEXT, TEXT, st.integers(0, 253402300799999),
       st.lists(TEXT, min_size=1, max_size=3))
def test_written_front_matter_reads_back(title: str, author: str, ms: int,
                                         categories: list[str]) -> None:
    link = "https://news.example/a?b=1"
    try:
        text = front_matter(title, ms, author, link, ("t",), tuple(categories))
    except EntryError:  # a value YAML cannot hold is refused by the writer, not misread
        return
    front = parse_front(text)
    assert front.link == link and front.feed == categories[0]
    assert front.title in (title, title.replace("<", "&lt;"))
    assert front.date is not None and iso_date(ms).startswith(
        front.date.strftime("%Y-%m-%dT%H:%M:%S"))
