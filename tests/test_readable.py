"""readable: readability-lxml scoring the commas of every script, as Readability.js does."""

from __future__ import annotations

from readability import Document

from mirror.extraction.readable import ReadableDocument

CHINESE = "这是文章的一段正文，内容完整，足够长，读者需要看到它，" * 3
LATIN = "This is a paragraph of the article, long enough, with commas, " * 3


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

