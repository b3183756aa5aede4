"""Does a feed entry carry the whole article, or only a summary? Decided from the content.

The rule (``content: auto``):

1. Nothing to show, little but links (aggregators such as Hacker News), or
   text that ends like an excerpt (``…``, ``[...]``, "Read more", "阅读全文",
   ...): a summary.
2. A ``content:encoded`` or Atom ``<content>`` that is not an excerpt: the article.
3. Only a ``description``/``summary``: the article when it holds at least
   ``FULL_TEXT_UNITS`` units of text (a CJK character or a word each, as
   ``mirror.text`` counts them) or several images (photo stories, comics);
   otherwise a summary.
"""

from __future__ import annotations

import re

from mirror.models import Entry
from mirror.text import count_units, markup_text

FULL_TEXT_UNITS = 250
LINKS_ONLY_UNITS = 15
URL = re.compile(r"https?://\S+")
IMAGE = re.compile(r"<img\b", re.I)
EXCERPT_END = re.compile(
    r"(?:…|\.\.\.|\[…\]|\[\.\.\.\]|\(more…?\)|more…?|read more|continue reading|read the rest"
    r"|阅读全文|閱讀全文|继续阅读|繼續閱讀|查看全文|阅读更多|閱讀更多|全文|更多)\W*$",
    re.I,
)


def is_full_text(entry: Entry) -> bool:
    markup = entry.content or entry.summary or ""
    text = markup_text(markup)
    has_image = IMAGE.search(markup) is not None
    if not has_image and count_units(URL.sub(" ", text)) < LINKS_ONLY_UNITS:
        return False
    if EXCERPT_END.search(text):
        return False
    if entry.content:
        return True
    return count_units(text) >= FULL_TEXT_UNITS or len(IMAGE.findall(markup)) >= 2
