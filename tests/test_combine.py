"""combine: readability's article, checked and completed with trafilatura's."""

from __future__ import annotations

import lxml.html
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml.html import HtmlElement

from mirror.extraction.combine import (
    Reference,
    combine,
    is_data_table,
    leaf_blocks,
    reads_as_prose,
    wrap_loose_inline,
)
from mirror.text import tokens, visible_text

PROSE = "The council voted on Tuesday to close the old bridge, citing safety reports. "
CHINESE = "这是文章的一段正文，内容完整，足够长，读者需要看到它。"


def tree(html: str) -> HtmlElement:
    return lxml.html.fragment_fromstring(html, create_parent="div")


def paragraphs(n: int, start: int = 0) -> str:
    return "".join(f"<p>{i}: {PROSE * 3}</p>" for i in range(start, start + n))


def test_leaf_blocks_are_the_smallest_blocks_and_rows_without_nested_rows() -> None:
    root = tree("<div><p>a</p><div>b<p>c</p></div></div><table><tr><td><p>x</p></td>"
                "<td>y</td></tr></table><ul><li>one</li></ul>")
    assert [visible_text(b) for b in leaf_blocks(root)] == ["a", "c", "x\ny", "one"]


def test_short_blocks_trafilatura_lacks_go_and_confirmed_ones_stay() -> None:
    base = tree(f"<p>Share this on WhatsApp</p>{paragraphs(4)}<p>Photo: Jane Doe, AP</p>")
    second = tree(paragraphs(4))
    text = visible_text(combine(base, second))
    assert "WhatsApp" not in text and "Jane Doe" not in text
    assert text.count("citing safety reports.") == 12


def test_captions_list_items_and_ledes_stay_although_trafilatura_lost_them() -> None:
    base = tree("<p>A lede of one whole sentence that opens the story, says what happened"
                " and why it matters to the readers today.</p>"
                f"{paragraphs(2)}<ul><li>New graphics.</li><li>New sounds.</li></ul>"
                f"{paragraphs(2, 2)}<div class='media-caption'>The bridge at night</div>"
                f"{paragraphs(1, 4)}")
    second = tree(paragraphs(5))
    text = visible_text(combine(base, second))
    assert "A lede" in text and "New graphics." in text and "bridge at night" in text


def test_long_prose_readability_lost_is_added_where_trafilatura_has_it() -> None:
    lost = "<p>" + "The lost paragraph explains the vote, and what comes next. " * 4 + "</p>"
    base = tree(paragraphs(2) + paragraphs(2, 3))
    second = tree(paragraphs(2) + lost + paragraphs(2, 3))
    text = visible_text(combine(base, second))
    assert text.index("1: ") < text.index("lost paragraph") < text.index("3: ")


def test_menus_and_layout_tables_of_trafilatura_are_not_added() -> None:
    menu = "<p>" + " - ".join(f'<a href="/{i}">频道{i}</a>' for i in range(20)) + "</p>"
    layout = f"<table><tr><td><p>{CHINESE}</p><p>{CHINESE}</p></td></tr></table>"
    base = tree(paragraphs(2) + paragraphs(2, 3))
    second = tree(paragraphs(2) + menu + layout + paragraphs(2, 3))
    text = visible_text(combine(base, second))
    assert "频道" not in text and CHINESE not in text


def test_reads_as_prose() -> None:
    assert reads_as_prose(tree(f"<p>{CHINESE}</p>"))
    assert not reads_as_prose(tree("<p>首页 - 新闻 - 北京 - 体育 - 娱乐 - 文化</p>"))
    assert not reads_as_prose(tree('<p><a href="/a">One, two.</a> and</p>'))


def test_is_data_table() -> None:
    data = tree("<table><tr><th>城市</th><th>人数</th></tr><tr><td>台北</td><td>1200</td></tr>"
                "</table>")[0]
    one_cell = tree(f"<table><tr><td>{CHINESE}</td></tr><tr><td>x</td></tr></table>")[0]
    nested = tree("<table><tr><td><table><tr><td>a</td><td>b</td></tr></table></td><td>c</td>"
                  "</tr><tr><td>d</td><td>e</td></tr></table>")[0]
    assert is_data_table(data) and not is_data_table(one_cell) and not is_data_table(nested)


def test_trafilatura_replaces_a_readability_that_found_little_prose() -> None:
    base = tree("<p>Only the caption of the photo.</p>")
    second = tree(paragraphs(6))
    assert combine(base, second) is second


def test_a_thread_of_reply_links_does_not_replace_the_post_readability_found() -> None:
    post = f"<p>{CHINESE * 6}</p>"
    replies = "".join(f'<p><a href="/r{i}">回复：我也遇到过{i}</a>【网友{i}】08-11 16:06</p>'
                      for i in range(60))
    base = tree(post)
    assert combine(base, tree(post + replies)) is base


def test_nothing_from_trafilatura_keeps_readability() -> None:
    base = tree(paragraphs(2))
    assert combine(base, None) is base and combine(None, base) is base


def test_coverage_is_the_share_of_words_in_some_shared_four_gram() -> None:
    reference = Reference("a b c d e f g".split())
    assert reference.coverage("a b c d x y z w".split()) == 0.5
    assert reference.coverage("x a b c d e y".split()) == 5 / 7
    assert reference.coverage("b c d".split()) == 1.0 and reference.coverage("d c".split()) == 0
    assert reference.coverage([]) == 1.0


PIECES = ["<p>", "</p>", "<div>", "</div>", "<span>", "</span>", "<font>", "</font>", "<b>", "</b>",
          "<li>", "<br>", "ab", "字", " ", "x y", "<table><tr><td>", "</td></tr></table>"]


@settings(derandomize=True, max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=24))
def test_wrapping_says_when_the_tokens_may_have_changed(pieces: list[str]) -> None:
    """combine trusts the tokens it counted before wrapping unless wrapping says so."""
    root = tree("".join(pieces))
    before = tokens(visible_text(root, tidy=False))
    if not wrap_loose_inline(root):
        assert tokens(visible_text(root, tidy=False)) == before
