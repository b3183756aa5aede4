"""cleaner: readability-lxml's cleaning, the same tree as the library's, for any page."""

from __future__ import annotations

import copy
import gzip
from pathlib import Path

import lxml.html
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from readability.cleaners import html_cleaner

from mirror.extraction.cleaner import PageCleaner
from mirror.extraction.extract import parse, prepare
from tests.conftest import SHARED

LINKS = ["https://news.example/a", "/relative/b.html", "c.png", "#top", "mailto:x@news.example",
         "javascript:alert(1)", " JaVaScRiPt:alert(1) ", "java\nscript:alert(1)", "java+script:x",
         "jav%61script:x", "javascript%3Ax", "vbscript:x", "livescript:x", "about:blank",
         "mocha:x", "data:image/png;base64,AAAA", "data:image/svg+xml;base64,AAAA",
         "data:text/html,x", "https://news.example/about:x", "  https://news.example/c  ",
         "", " ", "%", "tel:+123", "a\x01b:", "HTTPS://NEWS.EXAMPLE/"]
ATTRIBUTES = ["href", "src", "action", "background", "cite", "data", "longdesc", "usemap",
              "lowsrc", "formaction", "onclick", "onload", "title", "style", "class", "http-equiv",
              "content", "valuetype", "value", "codebase", "classid", "archive", "xlink:href"]
TAGS = ["a", "img", "div", "p", "form", "blockquote", "iframe", "object", "param", "meta",
        "link", "style", "span", "image", "video", "source"]


def attribute() -> st.SearchStrategy[str]:
    return st.builds(lambda name, value: f' {name}="{value}"', st.sampled_from(ATTRIBUTES),
                     st.sampled_from([*LINKS, "ref", "REF", "refresh", "Refresh", "color: red",
                                      "background: url(javascript:x)"]))


def element() -> st.SearchStrategy[str]:
    return st.builds(lambda tag, attributes, text: f"<{tag}{''.join(attributes)}>{text}</{tag}>",
                     st.sampled_from(TAGS), st.lists(attribute(), max_size=4),
                     st.sampled_from(["", "text", "0; url=javascript:x"]))


def page(parts: list[str]) -> str:
    return f"<html><head><title>t</title></head><body><div>{''.join(parts)}</div></body></html>"


def cleaned_both_ways(tree: lxml.html.HtmlElement) -> tuple[bytes, bytes]:
    theirs = html_cleaner.clean_html(copy.deepcopy(tree))
    ours = copy.deepcopy(tree)
    PageCleaner()(ours)
    return lxml.html.tostring(ours), lxml.html.tostring(theirs)


@settings(derandomize=True, max_examples=300, deadline=None)
@given(st.lists(element(), min_size=1, max_size=8))
def test_the_page_is_cleaned_as_the_library_cleans_it(parts: list[str]) -> None:
    ours, theirs = cleaned_both_ways(lxml.html.document_fromstring(page(parts)))
    assert ours == theirs


def test_links_that_run_script_are_emptied_and_events_go() -> None:
    tree = lxml.html.document_fromstring(page([
        '<a href=" java script:alert(1)" onclick="x()">one</a>',
        '<a href=" https://news.example/a ">two</a>',
        '<img src="data:image/svg+xml;base64,AAAA" onload="x()">']))
    PageCleaner()(tree)
    links = [(element.tag, dict(element.attrib)) for element in tree.iter("a", "img")]
    assert links == [("a", {"href": ""}), ("a", {"href": "https://news.example/a"}),
                     ("img", {"src": ""})]


def corpus_pages() -> list[Path]:
    corpus = SHARED / "corpus"
    return [*sorted((corpus / "aeb" / "html").glob("*.html.gz")),
            *sorted((corpus / "mozilla" / "test-pages").glob("*/source.html")),
            *sorted((corpus / "zh" / "html").glob("*.html"))]


def test_every_corpus_page_is_cleaned_as_the_library_cleans_it() -> None:
    found = corpus_pages()
    if not found:
        pytest.skip("../shared/corpus is absent")
    for path in found:
        raw = path.read_bytes()
        raw = gzip.decompress(raw) if path.suffix == ".gz" else raw
        tree = parse(raw.decode("utf-8", "replace"))
        ours, theirs = cleaned_both_ways(tree)
        assert ours == theirs, path.name
        prepare(tree)  # the tree readability is given: scripts, styles, hidden text gone
        ours, theirs = cleaned_both_ways(tree)
        assert ours == theirs, path.name
