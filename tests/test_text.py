"""mirror.text: one rule for what counts as a unit of text, and what a reader sees."""

from __future__ import annotations

import lxml.etree
import lxml.html
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mirror.text import block_text, count_units, has_units, markup_text, tokens, visible_text


def test_each_cjk_character_is_one_unit_and_other_words_one_each() -> None:
    assert tokens("美国之音 reports") == ["美", "国", "之", "音", "reports"]
    assert tokens("ひらがなカタカナ") == list("ひらがなカタカナ")
    assert tokens("한국어") == ["한", "국", "어"]
    assert tokens("COVID19 and foo_bar, 2024年") == ["COVID19", "and", "foo_bar", "2024", "年"]


def test_a_latin_word_never_swallows_the_chinese_after_it() -> None:
    # The rule fulltext.py had let "TikTok将所有" count as one word.
    assert tokens("TikTok将所有用户") == ["TikTok", "将", "所", "有", "用", "户"]


def test_characters_beyond_the_basic_plane_and_iteration_marks_count_one_each() -> None:
    assert tokens("𠀀𠀁々〇") == ["𠀀", "𠀁", "々", "〇"]


def test_punctuation_and_space_are_no_units() -> None:
    assert tokens("，。！？ 「」…—") == []
    assert count_units("") == 0


@pytest.mark.parametrize("text", ["", "a", "美国之音 VOA 2024年", "x_y z9 ９ Ⅻ", "\u200b\ufeff"])
def test_count_units_is_the_number_of_tokens(text: str) -> None:
    assert count_units(text) == len(tokens(text))


def test_visible_text_ends_lines_at_blocks_and_skips_what_is_not_shown() -> None:
    root = lxml.html.fragment_fromstring(
        "<div>第一段<p>second<b>bold</b>text</p><script>var x</script><style>p{}</style>"
        "<!-- note -->tail<br>after &nbsp; break<table><tr><td>a</td><td>b</td></tr></table>"
        "<iframe>fallback</iframe></div>")
    assert visible_text(root) == "第一段\nsecondboldtext\ntail\nafter break\na\nb"


def test_markup_text_drops_tags_and_reads_references() -> None:
    assert markup_text("<p>a &amp; b</p>\n<p>c&#x4e2d;</p>") == "a & b c中"


PIECES = ["<p>", "</p>", "<b>", "</b>", "<br>", "<div>", "</div>", "<!-- note -->", "<li>",
          "<script>x()</script>", "<iframe src='v'>fallback</iframe>", "<td>", "<svg><text>s</text>"
          "</svg>", "<span>", "</span>", "字", "word", " ", "\n", "\u00a0", "&amp;", "<?pi x?>"]


@settings(derandomize=True, max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=30))
def test_libxslt_and_the_python_walk_see_the_same_text(pieces: list[str]) -> None:
    """visible_text walks in libxslt, block_text in Python: one text either way."""
    root = lxml.html.fragment_fromstring("".join(pieces), create_parent="div")
    assert visible_text(root, tidy=False) == block_text(root)
    for element in root.iter(lxml.etree.Element):
        assert visible_text(element, tidy=False) == block_text(element)


def test_has_units_reads_no_further_than_it_needs() -> None:
    assert has_units("美国之音 reports", 5) and not has_units("美国之音 reports", 6)
    assert not has_units("", 1) and has_units("a", 1)
