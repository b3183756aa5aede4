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


@pytest.mark.parametrize("line", [
    'Read more: <a href="/x">Alibaba poised to launch a record listing</a>',
    '[Related: <a href="/y">Salesforce keynote: AI and integration</a>]',
    '<a href="/z">Related: Rich are paying more in taxes</a>',
    '延伸阅读：<a href="/w">57岁小学肄业 广西骗子演绎25亿美元惊天骗局</a>',
    '<a href="/app">CLICK HERE TO GET THE NEWS APP</a>'])
def test_a_line_pointing_to_another_page_goes_wherever_it_is(line: str) -> None:
    root = block(f"<div>{BODY}<p>{line}</p>{BODY}</div>")
    trim(root, [])
    assert visible_text(root).count("正文") == 16 and "http" not in visible_text(root)
    assert len(root.findall(".//a")) == 0


@pytest.mark.parametrize("line", [
    "Read more: the court's ruling, which runs to 40 pages, is online.",  # no link
    "<b>Read more:</b>",  # a label alone: the list it introduces stays, and so does it
    f'Related: <a href="/x">a link</a> {SENTENCE * 3}'])  # a paragraph, not a pointer
def test_a_label_without_a_link_to_point_to_stays(line: str) -> None:
    root = block(f"<div>{BODY}<p>{line}</p>{BODY}</div>")
    trim(root, [])
    assert len(visible_text(root)) > len(visible_text(block(f"<div>{BODY}{BODY}</div>")))


@pytest.mark.parametrize("line", [
    "Email Tariq Malik at tmalik@example.com or follow him @tariqjmalik.",
    "Write to Al Root at allen.root@example.com",
    "Follow us on Twitter @Spacedotcom and on Facebook."])
def test_the_authors_contact_line_at_the_end_goes(line: str) -> None:
    root = block(f"<div>{BODY}<p>{line}</p></div>")
    trim(root, [])
    assert "@" not in visible_text(root) and visible_text(root).count("正文") == 8
    root = block(f"<div><p>{line}</p>{BODY}{BODY}</div>")  # not at the end: part of the text
    trim(root, [])
    assert "@" in visible_text(root)
