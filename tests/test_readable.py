"""readable: readability-lxml scoring the commas of every script, as Readability.js does."""

from __future__ import annotations

import lxml.html
from hypothesis import given, settings
from hypothesis import strategies as st
from readability import Document
from readability.readability import clean

from mirror.extraction.readable import (
    MAYBE_CONTENT,
    NEGATIVE,
    POSITIVE,
    UNLIKELY,
    ReadableDocument,
    clean_length,
)

CHINESE = "这是文章的一段正文，内容完整，足够长，读者需要看到它，" * 3
LATIN = "This is a paragraph of the article, long enough, with commas, " * 3
# Words and every kind of white space the library's clean() treats in its own way.
SPACES_AND_LETTERS = ["a", "b", "，", " ", " ", "\n", "\t", "\u00a0", "\r", "\u3000", "\x0b",
                      "\x0c", "\u2009", "\x1c"]


def paragraph_score(document: Document) -> float:
    scores = document.score_paragraphs()
    return max(candidate["content_score"] for candidate in scores.values())


def html(text: str) -> str:
    return f"<html><body><div><p>{text}</p></div></body></html>"


def test_a_fullwidth_comma_counts_as_a_comma() -> None:
    as_fullwidth = paragraph_score(ReadableDocument(html(CHINESE)))
    as_ascii = paragraph_score(ReadableDocument(html(CHINESE.replace("，", ","))))
    assert as_fullwidth == as_ascii
    assert as_fullwidth > paragraph_score(Document(html(CHINESE)))  # the library's own


def test_latin_text_scores_as_the_library_scores_it() -> None:
    assert paragraph_score(ReadableDocument(html(LATIN))) == paragraph_score(Document(html(LATIN)))



def test_the_tree_it_is_given_is_left_as_it_was() -> None:
    """mirror shares one tree between the extractors: readability works on copies, even
    of a page whose hidden elements the library drops before copying."""
    page = ("<html><body style='display: none'><div hidden><p>gone</p></div>"
            f"<div style='visibility:hidden'>x</div><div><p>{LATIN}</p></div></body></html>")
    for source in (page, html(LATIN)):
        tree = lxml.html.document_fromstring(source)
        before = lxml.html.tostring(tree)
        ReadableDocument(tree).summary(html_partial=True)
        assert lxml.html.tostring(tree) == before


@settings(derandomize=True, max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(SPACES_AND_LETTERS), max_size=40),
       st.integers(min_value=0, max_value=300))
def test_clean_length_is_the_length_of_the_librarys_cleaned_text(text: str, run: int) -> None:
    for sample in (text, text + " \t\u00a0"[run % 3] * run + "x" + text):
        assert clean_length(sample) == len(clean(sample))


def article_with(aside: str) -> str:
    return (f"<html><body><div class='story'><p>{LATIN}</p><p>{LATIN}</p></div>"
            f"{aside}</body></html>")


def test_what_readability_js_finds_unlikely_goes_before_scoring() -> None:
    """Related-article boxes, share bars and navigation by role are no candidates."""
    teaser = "<p>Another story, with its own commas, long enough to count as a paragraph.</p>"
    for aside in (f"<div class='related-posts'>{teaser * 3}</div>",
                  f"<div class='social-share'>{teaser * 3}</div>",
                  f"<section role='navigation'>{teaser * 3}</section>"):
        assert "Another story" in Document(article_with(aside)).summary()  # the library's
        assert "Another story" not in ReadableDocument(article_with(aside)).summary()


def test_a_share_class_weighs_against_a_candidate() -> None:
    document = ReadableDocument(html(LATIN))
    assert document.class_weight(lxml.html.fragment_fromstring("<div class='share-tools'/>")) \
        == -25
    assert document.class_weight(lxml.html.fragment_fromstring("<div class='entry'/>")) == 25


@settings(derandomize=True, max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(
    ["a", "d", "-", " ", "S", "i", "H", "İ", "ſ", "\u212a", "K", "ı", "é", "ad", "SIDEBAR",
     "hid", "share", "Menu", "ſhare", "ſidebar", "sİdebar", "\u212aey"]), max_size=12))
def test_names_match_in_any_case_as_re_ignorecase_does(parts: list[str]) -> None:
    text = "".join(parts)
    for names in (UNLIKELY, MAYBE_CONTENT, POSITIVE, NEGATIVE):
        assert names.found_in(text) == (names.any_case.search(text) is not None)


def test_a_relative_base_applies_once() -> None:
    """Links stay as the page wrote them, for mirror to resolve against the page's base."""
    page = (f"<html><head><base href='base/'></head><body><div><p>{LATIN}</p>"
            f"<img src='foo/bar.png'><p>{LATIN}</p></div></body></html>")
    summary = ReadableDocument(lxml.html.document_fromstring(page)).summary(html_partial=True)
    assert 'src="foo/bar.png"' in summary


def node() -> st.SearchStrategy[str]:
    tags = ["div", "span", "a", "b", "em", "font", "p", "param", "picture", "img", "ul", "table",
            "section", "br", "code", "tablex", "divider", "dlx", "olive"]
    leaves = st.sampled_from(["", "text", " ", "x &lt;p y", "<!-- <p> -->", "<!-- x -->",
                              "<?php <div ?>", "<script>var a = '<p>'</script>",
                              "<style>p { }</style>", "<br>", "<img src='a.png'>"])
    return st.recursive(leaves, lambda inner: st.builds(
        lambda tag, parts, tail: f"<{tag}>{''.join(parts)}</{tag}>{tail}",
        st.sampled_from(tags), st.lists(inner, max_size=4), leaves), max_leaves=12)


@settings(derandomize=True, max_examples=300, deadline=None)
@given(st.lists(node(), min_size=1, max_size=4))
def test_misused_divs_become_paragraphs_as_the_library_makes_them(parts: list[str]) -> None:
    source = f"<html><body><div>{''.join(parts)}</div></body></html>"
    theirs, ours = Document(source), ReadableDocument(source)
    theirs.html = lxml.html.document_fromstring(source)  # comments and scripts kept
    ours.html = lxml.html.document_fromstring(source)
    theirs.transform_misused_divs_into_paragraphs()
    ours.transform_misused_divs_into_paragraphs()
    assert lxml.html.tostring(ours.html) == lxml.html.tostring(theirs.html)


def test_an_unlikely_element_stays_when_it_is_code_or_holds_the_article() -> None:
    page = ("<html><body><div class='sidebar'><article><p>kept 1</p></article></div>"
            "<pre><span class='comment'>kept 2</span></pre>"
            "<code class='footer'>kept 3</code>"
            "<div class='menu'><div><main><p>kept 4</p></main></div></div>"
            "<div class='social'><math><mi>kept 5</mi></math></div>"
            "<div class='related'><p>gone 1</p></div>"
            "<div class='comment-list'><div class='replies'><p>gone 2</p></div></div>"
            "</body></html>")
    document = ReadableDocument(page)
    document._html(True)
    document.remove_unlikely_candidates()
    text = document.html.text_content()
    assert all(f"kept {i}" in text for i in range(1, 6))
    assert "gone" not in text
