"""The edges of an extracted article: its headline and the lines about it, not of it; and the
lines that point to other pages.

Both extractors keep what sits just above and below the body of many news
pages: the headline (the post has its own), a dateline, "来源：", "作者：",
"编辑：", "By ...", a "print / close / comments" bar. The rule, on the
smallest text blocks (``combine.leaf_blocks``) of the article:

a. among the first three blocks, one whose text is the page's headline (a
   run of at least half of the ``<title>``, og:title or twitter:title, or of
   one of their parts between separators) is dropped;
b. among the first and the last four blocks, a short one (under 30 units)
   with no sentence in it is dropped when it is about the article (a date
   or a time, a source, author or editor label, a reporter's credit) or is
   mostly links (a menu, a "print / comments" bar); one that opens with a
   credit ("Reporting by", "本报记者") goes even when it has sentences, and so
   does, among the last four, the author's or the outlet's contact line
   ("Email ... at name@example.com", "Follow us on Twitter @...");
c. anywhere, a short block that points to another page is dropped: a label
   such as "Read more:", "Related:", "See also:", "相关阅读：" (or "Click
   here") followed by a link holding most of the block. A label alone stays
   (the list it introduces is not touched), so does a block with a picture.

No other block in the middle of the article is touched.
"""

from __future__ import annotations

import re

from lxml.html import HtmlElement

from mirror.extraction.combine import leaf_blocks, link_share
from mirror.text import block_text, has_units, tokens

HEADLINE_BLOCKS = 3
EDGE = 4
SHORT = 30
TITLE_SEPARATOR = re.compile(r"\s+[|\-\u2013\u2014:\u00bb\u00b7]\s+|_|-{2,}|\s*[|»·]\s*")
SENTENCE_END = re.compile(r"[。！？!?]|[.;][\"'”’»)]*(?:\s|$)")
DATE_OR_TIME = re.compile(
    r"\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}|\b\d{1,2}:\d{2}\b|"
    r"\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.? \d{1,2}(?:st|nd|rd|th)?,"
    r" \d{4}\b")
CREDIT = re.compile(
    r"^\W*(?:(?:本报|本報)\w{0,3}(?:记者|記者|实习生|實習生|通讯员|通訊員)|"
    r"(?:Additional )?(?:Reporting|Editing|Writing) by\b)", re.I)
ABOUT_LABEL = re.compile(
    r"(?:来源|來源|出处|出處|稿源|作者|编辑|編輯|责编|責編|记者|記者|通讯员|通訊員|摄影|攝影|撰稿|撰文|"
    r"发布时间|發布時間|发表时间|發表時間|更新时间|更新時間|时间|時間|日期)\s*[:：]|"
    r"^\W*(?:记者|記者|通讯员|通訊員)\s|"
    r"^\W*(?:By|Posted by|Written by|Posted on|Published|Updated)\b", re.I)

# The author's or the outlet's address: an e-mail address or a social handle.
CONTACT = re.compile(
    r"^\W*(?:E-?mail|Write to|Contact|Reach|Follow)\b.*(?:\w@\w[\w-]*\.\w|(?:^|\s)@\w)", re.I)
POINTER = re.compile(
    r"^\W*(?:(?:Read|See|Watch|Listen)(?: (?:more|also))?|Also(?: read| see)?|More|Related"
    r"(?: (?:articles?|stories|posts?|coverage|content|reading))?|Recommended|Don'?t miss|"
    r"相关阅读|相關閱讀|延伸阅读|延伸閱讀|推荐阅读|推薦閱讀|相关新闻|相關新聞|相关文章|相關文章|"
    r"相关报道|相關報道|阅读更多|閱讀更多|更多|另见|另見)\s*[:：]|^\W*Click here\b", re.I)
POINTER_MAX = 40  # units: a title or a sentence, not a paragraph


def trim(root: HtmlElement, titles: list[list[str]]) -> None:
    """Drop the headline and the lines about the article at its edges, and the lines that
    point to other pages (rules a, b, c)."""
    blocks = leaf_blocks(root)
    headline = next((b for b in blocks[:HEADLINE_BLOCKS] if is_headline(b, titles)), None)
    if headline is not None:
        headline.drop_tree()
        blocks.remove(headline)
    last = set(blocks[max(EDGE, len(blocks) - EDGE):])
    edges = set(blocks[:EDGE]) | last
    for block in blocks:
        if (block in edges and is_about_the_article(block)) or \
                (block in last and is_contact(block)) or points_elsewhere(block):
            block.drop_tree()


def page_titles(document: HtmlElement) -> list[list[str]]:
    """The page's headline as <title>, og:title and twitter:title give it, and their parts
    between separators (" | ", " - ", "_", "--", "»"), in tokens."""
    raw = document.xpath('//meta[@property="og:title" or @name="twitter:title"]/@content')
    raw.extend(title.text_content() for title in document.iter("title"))
    pieces = [piece for title in raw for piece in [title, *TITLE_SEPARATOR.split(title)]]
    found = [tokens(piece) for piece in pieces]
    return [units for units in found if len(units) >= 2]


def is_headline(block: HtmlElement, titles: list[list[str]]) -> bool:
    """The block's text is a run of a title that holds at least half of it."""
    units = tokens(block_text(block))
    if len(units) < 2:
        return False
    joined = " " + " ".join(units) + " "
    return any(2 * len(units) >= len(title) and joined in " " + " ".join(title) + " "
               for title in titles)


def is_contact(block: HtmlElement) -> bool:
    """An author's or an outlet's address: "Email ... at a@b.com", "Follow us @..."."""
    return bool(CONTACT.search(block_text(block).strip())) and \
        not block.xpath(".//img|.//video|.//iframe|.//audio")


def points_elsewhere(block: HtmlElement) -> bool:
    """A label ("Read more:", "Related:", "相关阅读：", "Click here") and a link to another
    page holding most of the block. (Its text as lxml joins it: every block is looked at,
    and a label and a link hold no line breaks.)"""
    text = block.text_content()
    if not POINTER.search(text) or not text.strip() or \
            has_units(text, POINTER_MAX) or block.xpath(".//img|.//video|.//iframe|.//audio"):
        return False
    return link_share(block, text) >= 0.5


def is_about_the_article(block: HtmlElement) -> bool:
    """A dateline, a credit, a source, or a short bar of links, with no sentence in it."""
    if block.xpath(".//img|.//video|.//iframe|.//audio|ancestor-or-self::blockquote"
                   "|ancestor-or-self::figcaption"):
        return False  # a quotation's or a picture's credit belongs to it
    text = block_text(block)
    units = tokens(text)
    if not units or len(units) >= SHORT:
        return False
    if CREDIT.search(text):
        return True
    if SENTENCE_END.search(text):
        return False
    return bool(DATE_OR_TIME.search(text) or ABOUT_LABEL.search(text))
