"""A page of several posts (a blog's archive or day page, a forum thread, an article followed
by teasers of others): the first post is the article.

Both extractors take such a page for one long article: every post, with its
title, date and "comments" line in between. The posts are recognised by
the page's own markup, each holding a paragraph's worth of text, together
most of the extracted article:

- elements of the same tag and class with a date or a time between each one
  and the next (every post has its own). A body split in two by an
  advertisement has no date in between; comments and teasers are not in
  the extracted article;
- ``<article>`` elements, whatever their class: HTML's element for one
  self-contained composition, so two of them are two posts (the article and
  the related posts, comments or next story after it). The article is the
  first of them that holds the page's headline, else the first.
"""

from __future__ import annotations

import copy
import re
from collections import defaultdict
from itertools import pairwise
from typing import NamedTuple

from lxml.html import HtmlElement

from mirror.text import count_units, four_grams, has_units, tokens, visible_text

CONTAINERS = ("div", "td", "article", "section", "li", "dd", "blockquote")
MIN_POST_UNITS = 50  # a post holds at least a paragraph
MOST = 0.5  # the posts hold this share of the extracted article
DATE = re.compile(r"\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}|\d{1,2}:\d{2}")


class Posts(NamedTuple):
    members: list[HtmlElement]
    semantic: bool  # <article> elements: no date needed between them


def first_post(document: HtmlElement, article: HtmlElement,
               titles: list[list[str]] | None = None) -> HtmlElement | None:
    """A copy of the page's first post when ``article`` runs over several; else None.
    ``titles``: the page's headline in tokens (``trim.page_titles``)."""
    groups = _groups(document)
    if not groups:
        return None
    have = _Grams(tokens(visible_text(article, tidy=False)))
    for posts, semantic in groups:
        inside = [post for post in posts if have.share_of(post) >= 0.5]
        if len(inside) < 2 or sum(count_units(visible_text(p, tidy=False)) for p in inside) < \
                MOST * have.size:
            continue
        if semantic:
            first = next((p for p in inside if _holds_headline(p, titles or [])), inside[0])
        elif all(DATE.search(_text_between(one, next_one))
                 for one, next_one in pairwise(inside)):
            first = inside[0]
        else:
            continue
        post = copy.deepcopy(first)
        post.tag, post.tail = "div", None
        return post
    return None


def _groups(document: HtmlElement) -> list[Posts]:
    """Outermost elements sharing a tag and a class, and outermost ``<article>`` elements:
    two or more holding a paragraph each."""
    groups: dict[tuple[str, str], list[HtmlElement]] = defaultdict(list)
    for element in document.iter(*CONTAINERS):
        names = " ".join((element.get("class") or "").split())
        if names:
            groups[(element.tag, names)].append(element)
        if element.tag == "article":
            groups[("article", "")].append(element)
    found = []
    for (tag, names), members in groups.items():
        if len(members) < 2:
            continue
        # text_content() is lxml's, in C: fast enough for every element with a class
        large = [m for m in members if has_units(m.text_content(), MIN_POST_UNITS)]
        inner = set(large)
        large = [m for m in large if not any(a in inner for a in m.iterancestors())]
        if len(large) >= 2:
            found.append(Posts(large, semantic=tag == "article" and not names))
    return found


def _holds_headline(post: HtmlElement, titles: list[list[str]]) -> bool:
    joined = " " + " ".join(tokens(post.text_content())) + " "
    return any(" " + " ".join(title) + " " in joined for title in titles)


def _text_between(first: HtmlElement, second: HtmlElement) -> str:
    """The page's text after ``first`` ends and before ``second`` starts."""
    holds_second = set(second.iterancestors())
    parts = [first.tail or ""]
    for ancestor in first.iterancestors():  # those that close before second opens
        if ancestor in holds_second:
            break
        parts.append(ancestor.tail or "")
    for element in first.xpath("following::*"):
        if element is second:
            break
        parts.append(element.text or "")
        if element not in holds_second:
            parts.append(element.tail or "")
    return " ".join(parts)


class _Grams:
    """The token 4-grams of the extracted article."""

    def __init__(self, words: list[str]) -> None:
        self.size = len(words)
        self.grams = set(four_grams(words))

    def share_of(self, element: HtmlElement) -> float:
        words = tokens(element.text_content())  # in C; a word joined across blocks is rare
        if len(words) < 4:
            return 0.0
        return sum(map(self.grams.__contains__, four_grams(words))) / (len(words) - 3)
