"""trim: the headline and the lines about the article go, the article stays."""

from __future__ import annotations

import lxml.html
import pytest

from mirror.extraction.trim import is_about_the_article, page_titles, trim
from mirror.text import visible_text

SENTENCE = "这是文章的一段正文，内容完整，足够长，读者需要看到它。"
BODY = "".join(f"<p>{i}。{SENTENCE}</p>" for i in range(8))


def block(html: str) -> lxml.html.HtmlElement:
    return lxml.html.fragment_fromstring(html)


def titles(title: str) -> list[list[str]]:
    return page_titles(lxml.html.document_fromstring(
        f"<html><head><title>{title}</title></head><body></body></html>"))


@pytest.mark.parametrize("title", [
    "日本无性婚姻问题严重--雅虎新闻", "雅虎新闻 | 日本无性婚姻问题严重",
    "日本无性婚姻问题严重_商业频道", "日本无性婚姻问题严重"])
def test_a_block_that_is_the_title_goes_whatever_its_tag(title: str) -> None:
    root = block(f"<div><div><font size='5'><b>日本无性婚姻问题严重</b></font></div>{BODY}</div>")
    trim(root, titles(title))
    assert "无性婚姻" not in visible_text(root) and visible_text(root).count("正文") == 8


def test_a_heading_that_is_only_part_of_the_title_stays() -> None:
    root = block(f"<div><h2>问题</h2>{BODY}</div>")
    trim(root, titles("日本无性婚姻问题严重--雅虎新闻"))
    assert "问题" in visible_text(root)


@pytest.mark.parametrize("line", [
    "2005-04-05 06:40更新 来源：转载文章", "编辑：山石", "作者：芊草凡凡 时间：2005-08-22 19:13:18",
    "本报记者 王燕平 方云凤", "By Jane Doe", "Updated 1:39 am EST, November 20, 2019",
    "Reporting by Rodrigo Campos; Editing by Nick Zieminski."])
def test_datelines_sources_and_credits_are_about_the_article(line: str) -> None:
    assert is_about_the_article(block(f"<p>{line}</p>"))


@pytest.mark.parametrize("line", [
    "记者：你怎么看这件事？", "2004年11月14日，回国探亲时候，我和外婆再次去了江南一个小乡村。",
    "thekian1@entermedia.co.kr", "<figcaption>2019年的照片 来源：新华社</figcaption>"])
def test_sentences_contacts_and_captions_are_not(line: str) -> None:
    html = line if line.startswith("<") else f"<p>{line}</p>"
    assert not is_about_the_article(block(f"<div>{html}</div>")[0])


def test_only_the_edges_are_trimmed() -> None:
    root = block(f"<div><p>来源：新华社</p>{BODY}<p>时间：2005-08-22</p>{BODY}"
                 f"<p>编辑：山石</p></div>")
    trim(root, [])
    text = visible_text(root)
    assert "新华社" not in text and "山石" not in text and "2005-08-22" in text
