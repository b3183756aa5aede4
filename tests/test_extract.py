"""extract: a page's HTML -> the article's body, on made-up pages and on the shared corpus."""

from __future__ import annotations

import copy

import lxml.html
import pytest

from mirror.errors import PageGone
from mirror.extraction.extract import (
    KEEP_ATTRIBUTES,
    extract,
    finish,
    parse,
    parse_fragment,
    prepare,
    run_trafilatura,
    serialise,
)
from mirror.text import tokens
from tests.conftest import shared
from tests.metric import precision_recall, text_of

SENTENCE = "这是文章的一段正文，内容完整，足够长，读者需要看到它。"
URL = "http://127.0.0.1/news/2021/story.html"


def page(body: str, title: str = "标题") -> str:
    return f"<html><head><title>{title}</title></head><body>{body}</body></html>"


def test_the_body_is_one_div_on_one_line_with_absolute_links() -> None:
    html = extract(page(f'<nav><a href="/">首页</a></nav><article><h2>小标题</h2>'
                        f'<p>{SENTENCE * 5}<a href="/more.html">更多</a></p>'
                        f"<p>{SENTENCE * 5}</p><pre>line 1\nline 2</pre></article>"), URL)
    assert html.startswith("<div>") and html.endswith("</div>") and "\n" not in html
    assert 'href="http://127.0.0.1/more.html"' in html
    assert "line 1&#10;line 2" in html and "首页" not in html


LINKS = [" /a b.html ", "http://[::1", "#top", "mailto:x@example.org", "", "javascript:void(0)",
         "//cdn.example.org/i.png", "../up/x.jpg?w=1&amp;h=2", "\thttps://example.org/\n"]


@pytest.mark.parametrize("link", LINKS)
def test_links_are_made_absolute_as_lxml_makes_them(link: str) -> None:
    """finish() makes the links a post keeps absolute itself, in its one pass over the
    attributes: the same values as lxml's make_links_absolute()."""
    fragment = (f'<div><p><a href="{link}" onclick="x()">a</a> <audio src="{link}" controls>'
                f'</audio></p><blockquote cite="{link}">q</blockquote>'
                f'<iframe src="{link}"></iframe></div>')
    ours, lxmls = lxml.html.fragment_fromstring(fragment), lxml.html.fragment_fromstring(fragment)
    finish(ours, URL)
    lxmls.make_links_absolute(URL, resolve_base_href=False, handle_failures="ignore")
    for element in lxmls.iter():
        for name in [name for name in element.attrib if name not in KEEP_ATTRIBUTES]:
            del element.attrib[name]
    assert [(e.tag, dict(e.attrib)) for e in ours.iter()] == \
        [(e.tag, dict(e.attrib)) for e in lxmls.iter()]


def test_links_resolve_once_against_a_relative_base() -> None:
    """``<base href="media/">`` on http://127.0.0.1/news/2021/story.html: an image
    ``a.png`` is http://127.0.0.1/news/2021/media/a.png, as a browser loads it."""
    html = extract(page(f'<article><p>{SENTENCE * 5}</p><img src="a.png" alt="图">'
                        f'<p>{SENTENCE * 5}<a href="./b.html">链接</a></p></article>')
                   .replace("<head>", '<head><base href="media/">'), URL)
    assert 'src="http://127.0.0.1/news/2021/media/a.png"' in html
    assert 'href="http://127.0.0.1/news/2021/media/b.html"' in html


def test_trafilaturas_opinion_is_what_its_extract_returns() -> None:
    """run_trafilatura skips the fingerprint trafilatura.extract computes; the HTML is
    the same (and a change of trafilatura's API shows here, not as a lost opinion)."""
    import trafilatura

    html = page(f'<div class="story"><h2>小标题</h2><p>{SENTENCE * 5}<a href="/a.html">链接</a>'
                f'</p><p>{SENTENCE * 4}</p><img src="/i.png" alt="图"><table><tr><td>1</td>'
                f"<td>{SENTENCE}</td></tr></table></div><footer>版权所有</footer>")
    document = parse(html)
    prepare(document)
    expected = trafilatura.extract(copy.deepcopy(document), url=URL, output_format="html",
                                   include_images=True, include_tables=True,
                                   include_links=True, include_comments=False)
    ours = run_trafilatura(document, URL)
    assert expected and ours is not None
    assert lxml.html.tostring(ours) == lxml.html.tostring(parse_fragment(expected))


@pytest.mark.parametrize("body", ["", "<nav><a href='/'>首页</a></nav>", "<p>404 Not found</p>"])
def test_a_page_without_an_article_is_gone(body: str) -> None:
    with pytest.raises(PageGone, match="no article text"):
        extract(page(body), URL)


def test_the_headline_and_the_dateline_are_not_part_of_the_body() -> None:
    html = extract(page(f"<table><tr><td><b>日本无性婚姻问题严重</b></td></tr>"
                        f"<tr><td>2005-04-05 06:40更新 来源：新闻晨报</td></tr>"
                        f"<tr><td><p>{SENTENCE * 6}</p><p>{SENTENCE * 6}</p></td></tr></table>",
                        title="日本无性婚姻问题严重--雅虎新闻"), URL)
    assert "无性婚姻" not in html and "来源" not in html and html.count(SENTENCE) == 12


def test_only_the_first_post_of_a_page_of_posts_is_the_article() -> None:
    posts = "".join(
        f'<div class="post-title">第{i}篇 2005-06-1{i} 03:25:55</div>'
        f'<div class="post-body"><p>{i}号文章。{SENTENCE * 4}</p></div>'
        f'<div class="post-footer">张贴 @ 2005-06-1{i}</div>' for i in range(1, 4))
    html = extract(page(f"<div id='main'>{posts}</div>"), URL)
    assert "1号文章" in html and "2号文章" not in html and "3号文章" not in html


def test_a_body_split_by_an_advertisement_is_one_article() -> None:
    body = (f'<div class="entry"><p>第一部分。{SENTENCE * 4}</p></div><div class="ad">广告</div>'
            f'<div class="entry"><p>第二部分。{SENTENCE * 4}</p></div>')
    html = extract(page(f"<article>{body}</article>"), URL)
    assert "第一部分" in html and "第二部分" in html


def test_serialise_keeps_the_line_breaks_of_pre_only() -> None:
    body = lxml.html.fragment_fromstring("<div><p>a\n  b</p><pre>x\ny</pre>tail\n</div>")
    assert serialise(body) == "<div><p>a b</p><pre>x&#10;y</pre>tail </div>"


def test_the_chinese_pages_of_the_corpus() -> None:
    """The whole zh corpus, extracted (decoded right; the charset is charset.py's test)."""
    folder = shared("corpus", "zh")
    scores = []
    for path in sorted((folder / "html").glob("*.html")):
        raw = path.read_bytes()
        try:
            html = raw.decode("utf-8")
        except UnicodeDecodeError:
            html = raw.decode("gb18030", errors="replace")
        truth = (folder / "text" / f"{path.stem}.txt").read_text(encoding="utf-8")
        text = text_of(extract(html, URL))
        assert tokens(text), path.stem
        scores.append(precision_recall(truth, text, tokens))
    precision = sum(p for p, _ in scores) / len(scores)
    recall = sum(r for _, r in scores) / len(scores)
    assert 2 * precision * recall / (precision + recall) > 0.97
