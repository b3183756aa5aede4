"""readability-lxml's ``Document``, scoring paragraphs as Readability.js does for any script.

readability-lxml gives a paragraph one point per comma, and counts only the
ASCII ``,``: Chinese text, written with the fullwidth ``，``, scores as if
it had no commas at all, and an article of long Chinese paragraphs loses to
a table of short cells or to a list of headlines. Readability.js (Mozilla)
counts the commas of every script (``REGEXPS.commas``); so does this
subclass. Everything else is the library's own scoring, unchanged.
"""

from __future__ import annotations

import re
from typing import Any

from lxml.html import HtmlElement
from readability import Document
from readability.readability import clean

# Readability.js's REGEXPS.commas: ASCII, Arabic, small, vertical, fullwidth and others.
COMMAS = re.compile("[\u002c\u060c\ufe50\ufe10\ufe11\u2e41\u2e34\u2e32\uff0c]")
SCORED = ("p", "pre", "td", "blockquote")  # the tags readability-lxml scores


class ReadableDocument(Document):
    """``Document`` whose paragraphs score one point per comma of any script."""

    def score_paragraphs(self) -> dict[HtmlElement, dict[str, Any]]:
        candidates: dict[HtmlElement, dict[str, Any]] = {}
        ordered: list[HtmlElement] = []
        for paragraph in self.tags(self._html(), *SCORED):
            parent = paragraph.getparent()
            if parent is None:
                continue
            grandparent = parent.getparent()
            text = clean(paragraph.text_content() or "")
            if len(text) < self.min_text_length:
                continue  # too short to count, as the library has it
            for node in (parent, grandparent):
                if node is not None and node not in candidates:
                    candidates[node] = self.score_node(node)
                    ordered.append(node)
            score = 1 + len(COMMAS.findall(text)) + 1 + min(len(text) / 100, 3)
            candidates[parent]["content_score"] += score
            if grandparent is not None:
                candidates[grandparent]["content_score"] += score / 2.0
        for node in ordered:  # good content has few links
            candidates[node]["content_score"] *= 1 - self.get_link_density(node)
        return candidates
