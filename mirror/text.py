"""Text units: what counts as one word, how much text there is, what a reader sees.

One rule for every count and comparison mirror makes (the extractors' second
opinion, the ``auto`` rule's thresholds, "the page holds less text than the
feed", the benchmark's metric for Chinese): a CJK character (ideograph, kana,
hangul syllable) is one unit, as those scripts put no spaces between words;
any other run of letters, digits and underscores is one unit.
"""

from __future__ import annotations

import functools
import html
import logging
import re
from collections.abc import Callable
from itertools import islice
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lxml.html import HtmlElement

CJK = ("\u3005\u3007\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
       "\U00020000-\U0003134f")
TOKEN = re.compile(rf"[{CJK}]|[^\W{CJK}]+")
BLOCK_TAGS = frozenset(
    "address article aside blockquote caption dd details dialog div dl dt fieldset figcaption "
    "figure footer form h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section "
    "summary table tbody thead tfoot td th tr ul".split())
# What a browser does not show as text (an <iframe>'s content is its fallback).
INVISIBLE = frozenset("script style noscript template head title svg math iframe".split())
TAG = re.compile(r"<[^>]*>")


def tokens(text: str) -> list[str]:
    """The text's units in order: each CJK character, each other word."""
    return TOKEN.findall(text)


def count_units(text: str) -> int:
    """How much text there is: a CJK character or a word each."""
    return len(TOKEN.findall(text))


def has_units(text: str, count: int) -> bool:
    """Whether the text holds at least ``count`` units; reads no further than that."""
    if len(text) < count:
        return False  # a unit is a character or more
    return next(islice(TOKEN.finditer(text), count - 1, None), None) is not None


def four_grams(units: list[str]) -> zip[tuple[str, str, str, str]]:
    """The runs of four consecutive units, in order."""
    return zip(units, units[1:], units[2:], units[3:], strict=False)


def visible_text(element: HtmlElement, *, tidy: bool = True) -> str:
    """The text a reader sees in a tree: each block (and ``<br>``) on lines of its own,
    so that words never run across blocks; runs of spaces read as one. ``tidy=False``
    leaves the white space as it is, for counting and comparing (half the cost).

    libxslt walks the tree (``_as_text``, in C: a third of the cost on a whole
    article); the same walk in Python is the fallback for what it refuses (a tree
    nested deeper than its limit) and, cheaper there, ``block_text`` for small blocks."""
    if isinstance(element.tag, str):
        try:
            text = str(_as_text()(element))
        except _xslt_error() as error:
            logging.getLogger(__name__).debug("visible_text in Python: %s", error)
            text = _walked(element)
    else:
        text = _walked(element)
    if not tidy:
        return text
    text = re.sub(r"[ \t\r\f\v\u00a0]+", " ", text)
    return re.sub(r"\s*\n\s*", "\n", text).strip()


@functools.cache
def _as_text() -> Callable[[HtmlElement], object]:
    """An XSLT program that writes what ``_walk`` collects."""
    import lxml.etree

    blocks = "|".join(sorted(BLOCK_TAGS | {"br"}))
    return lxml.etree.XSLT(lxml.etree.XML(f"""\
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:output method="text" encoding="UTF-8"/>
  <xsl:template match="{"|".join(sorted(INVISIBLE))}|comment()|processing-instruction()"/>
  <xsl:template match="{blocks}">
    <xsl:text>&#10;</xsl:text><xsl:apply-templates/><xsl:text>&#10;</xsl:text>
  </xsl:template>
</xsl:stylesheet>"""))


def _xslt_error() -> type[Exception]:
    import lxml.etree

    return lxml.etree.XSLTApplyError


def block_text(element: HtmlElement) -> str:
    """``visible_text(element, tidy=False)`` of a small block (a paragraph, a table row):
    the walk in Python costs less than starting libxslt for a handful of nodes."""
    return _walked(element)


def _walked(element: HtmlElement) -> str:
    parts: list[str] = []
    _walk(element, parts)
    return "".join(parts)


def _walk(node: HtmlElement, parts: list[str]) -> None:
    tag = node.tag if isinstance(node.tag, str) else ""  # comments and processing instructions
    if tag in INVISIBLE:
        return
    block = tag in BLOCK_TAGS or tag == "br"
    if block:
        parts.append("\n")
    if tag and node.text:
        parts.append(node.text)
    for child in node:
        _walk(child, parts)
        if child.tail:
            parts.append(child.tail)
    if block:
        parts.append("\n")


def markup_text(markup: str) -> str:
    """The text of an HTML string, quickly (a feed's content): tags dropped, references
    read, white space collapsed."""
    return re.sub(r"\s+", " ", html.unescape(TAG.sub(" ", markup))).strip()
