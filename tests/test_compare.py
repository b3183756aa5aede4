"""Comparing versions: edits found, whitespace, width, markup and furniture ignored."""

from __future__ import annotations

from mirror.preserve.compare import difference, paragraphs, sentences, shared

OLD = ("<div><p>警方周二表示，示威者在市中心聚集。有三人被捕。</p><p>分享</p>"
       "<p>The minister said the talks would resume next week. He gave no date.</p></div>")


def test_the_same_text_in_other_markup_and_spacing_is_no_edit() -> None:
    new = ("<article><h1>标题</h1><p>警方周二表示， 示威者在市中心聚集。</p><div>有三人被捕。</div>"
           "<p>The minister   said the talks would resume next week.<br>He gave no date.</p>"
           "<p>分享到微博</p><script>var x = '新的脚本内容，很长的一句话。';</script></article>")
    assert not difference(OLD, new).changed


def test_full_width_forms_and_case_are_no_edit() -> None:
    wide, narrow = "<p>ＡＢＣ公司今年赚了１００亿。</p>", "<p>abc公司今年赚了100亿。</p>"
    assert not difference(wide, narrow).changed


def test_a_changed_sentence_shows_removed_and_added() -> None:
    new = OLD.replace("有三人被捕。", "有三十人被捕，其中两人受伤。")
    found = difference(OLD, new)
    assert found.removed == ("有三人被捕。",)
    assert found.added == ("有三十人被捕，其中两人受伤。",)


def test_an_appended_correction_and_a_removed_paragraph_are_edits() -> None:
    new = OLD.replace("<p>The minister said the talks would resume next week. He gave no date."
                      "</p>", "") + "<p>更正：本文早前版本误报了被捕人数。</p>"
    found = difference(OLD, new)
    assert found.added == ("更正：本文早前版本误报了被捕人数。",)
    assert found.removed == ("The minister said the talks would resume next week.",
                             "He gave no date.")


def test_shared_tells_a_front_page_from_the_article() -> None:
    assert shared(OLD, OLD) == 1.0
    front_page = "<p>今日头条：天气晴朗，适合出行。</p><p>更多新闻请点击这里查看。</p>"
    assert shared(OLD, front_page) == 0.0
    assert shared("<p>短</p>", "<p>x</p>") == 1.0


def test_paragraphs_and_sentences() -> None:
    assert paragraphs("<p>a <b>b</b> c</p><p>d<br>e</p>") == ["a b c", "d", "e"]
    assert sentences("他说：“走吧。”然后离开了！Mr. Smith left. Then") == [
        "他说：“走吧。”", "然后离开了！", "Mr.", "Smith left.", "Then"]
