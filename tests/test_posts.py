"""posts: on a page of several posts, the first post is the article."""

from __future__ import annotations

import lxml.html

from mirror.extraction.posts import first_post
from mirror.text import visible_text

TEXT = "这是文章的一段正文，内容完整，足够长，读者需要看到它。" * 3


def page(blocks: str) -> lxml.html.HtmlElement:
    return lxml.html.document_fromstring(f"<html><body>{blocks}</body></html>")


def posts(separator: str, n: int = 3, cls: str = "post-body", text: str = TEXT) -> str:
    return "".join(f'<div class="post-title">第{i}篇 {separator}</div>'
                   f'<div class="{cls}">{i}号。{text}</div>' for i in range(1, n + 1))


def article_of(document: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    return document.find(".//body")  # an extraction that took every post


def test_the_first_of_dated_posts_with_one_class_is_the_article() -> None:
    document = page(posts("2005-06-14 03:25:55"))
    post = first_post(document, article_of(document))
    assert post is not None and post.tag == "div" and visible_text(post).startswith("1号。")


def test_no_date_between_them_no_posts() -> None:
    document = page(posts("阅读更多"))
    assert first_post(document, article_of(document)) is None


def test_posts_outside_the_extracted_article_change_nothing() -> None:
    comment = "我也遇到过这种情况，导游总是带我们去购物，真是让人生气的经历。" * 3
    document = page(f"<article><p>{TEXT * 3}</p></article>"
                    + posts("08-11 16:06", cls="comment", text=comment))
    article = document.find(".//article")
    assert first_post(document, article) is None


def test_one_long_post_is_no_page_of_posts() -> None:
    document = page(posts("2005-06-14", n=1))
    assert first_post(document, article_of(document)) is None


def teasers(n: int) -> str:
    teaser = "另一篇文章的开头，读者点开才能看到全文，这里只有摘要而已。" * 3
    return "".join(f'<article class="post-{i}"><h3>另一篇{i}</h3><p>{teaser}</p></article>'
                   for i in range(n))


def test_of_several_article_elements_the_first_is_the_article() -> None:
    """<article> is one composition: the related posts after it are not part of it, even
    with classes of their own and no date between them."""
    document = page(f'<article class="post-1"><h1>标题</h1><p>{TEXT * 2}</p></article>'
                    f'<section class="related">{teasers(3)}</section>')
    post = first_post(document, article_of(document))
    assert post is not None and TEXT in visible_text(post) and "另一篇" not in visible_text(post)


def test_the_article_element_holding_the_headline_is_the_article() -> None:
    document = page(f"{teasers(1)}<article><h1>今天的新闻标题</h1><p>{TEXT * 2}</p></article>")
    post = first_post(document, article_of(document), [["今", "天", "的", "新", "闻", "标", "题"]])
    assert post is not None and visible_text(post).startswith("今天的新闻标题")


def test_one_article_element_is_the_whole_article() -> None:
    document = page(f"<article><p>{TEXT * 3}</p><p>{TEXT}</p></article>")
    assert first_post(document, article_of(document)) is None
