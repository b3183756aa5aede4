"""readability-lxml's ``Document``, scoring paragraphs as Readability.js does for any script.

readability-lxml gives a paragraph one point per comma, and counts only the
ASCII ``,``: Chinese text, written with the fullwidth ``，``, scores as if
it had no commas at all, and an article of long Chinese paragraphs loses to
a table of short cells or to a list of headlines. Readability.js (Mozilla)
counts the commas of every script (``REGEXPS.commas``); so does this
subclass. Everything else is the library's own scoring, unchanged.

Two things change the cost and not the result:

- the tree mirror gives it is shared with the other steps, and the library
  only ever changes a copy of it (its cleaner copies), except for hidden
  elements it drops before copying: a tree that still has some is copied
  first;
- the length of a text "cleaned" the library's way (``clean``: three
  regular expressions over the whole text) is counted without building the
  cleaned text (``clean_length``). The library takes such lengths of every
  candidate and of every link in it to weigh links; it was a third of its
  time.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from lxml.html import HtmlElement
from readability import Document
from readability.readability import REGEXES

# Readability.js's REGEXPS.commas: ASCII, Arabic, small, vertical, fullwidth and others.
COMMAS = re.compile("[\u002c\u060c\ufe50\ufe10\ufe11\u2e41\u2e34\u2e32\uff0c]")
SCORED = ("p", "pre", "td", "blockquote")  # the tags readability-lxml scores
HIDDEN = REGEXES["displayNoneRe"]  # what the library drops from the tree it is given
# ``clean``'s rules: a run of white space of LONG_RUN or more, or holding a newline, reads
# as one character; in a run without, a tab is a space and two or more spaces and tabs
# after a space are one.
LONG_RUN = 255
UNUSUAL_SPACE = re.compile(r"[^\S \n]")  # white space other than a space or a newline
INNER_RUN_OF_UNUSUAL_SPACE = re.compile(r"\S[ ]*+[^\S \n][^\S\n]*+(?=\S)")
TABS_AND_SPACES = re.compile(r"\t|[ \t]{2,}")


class ReadableDocument(Document):
    """``Document`` whose paragraphs score one point per comma of any script."""

    def _parse(self, input: Any) -> HtmlElement:
        if isinstance(input, HtmlElement) and _hides_something(input):
            input = copy.deepcopy(input)  # the library drops them in place
        return super()._parse(input)  # type: ignore[no-any-return]

    def score_paragraphs(self) -> dict[HtmlElement, dict[str, Any]]:
        candidates: dict[HtmlElement, dict[str, Any]] = {}
        ordered: list[HtmlElement] = []
        for paragraph in self.tags(self._html(), *SCORED):
            parent = paragraph.getparent()
            if parent is None:
                continue
            grandparent = parent.getparent()
            text = paragraph.text_content() or ""
            length = clean_length(text)
            if length < self.min_text_length:
                continue  # too short to count, as the library has it
            for node in (parent, grandparent):
                if node is not None and node not in candidates:
                    candidates[node] = self.score_node(node)
                    ordered.append(node)
            # cleaning changes only white space: the commas of the text are its own
            score = 1 + len(COMMAS.findall(text)) + 1 + min(length / 100, 3)
            candidates[parent]["content_score"] += score
            if grandparent is not None:
                candidates[grandparent]["content_score"] += score / 2.0
        for node in ordered:  # good content has few links
            candidates[node]["content_score"] *= 1 - self.get_link_density(node)
        return candidates

    def get_link_density(self, elem: HtmlElement) -> float:
        """The library's: the cleaned length of the links' text over the element's."""
        linked = sum(clean_length(link.text_content() or "") for link in elem.iterfind(".//a"))
        return float(linked) / max(clean_length(elem.text_content() or ""), 1)


def _hides_something(document: HtmlElement) -> bool:
    return any(element.get("hidden") is not None or HIDDEN.search(element.get("style") or "")
               for element in document.xpath("//*[@hidden or @style]"))


def clean_length(text: str) -> int:
    """``len(readability.readability.clean(text))``, without building the cleaned text:
    each word counts its characters, each run of white space between two words one,
    except a run free of newlines that holds tabs or other unusual spaces."""
    words = text.split()
    if not words:
        return 0
    length = sum(map(len, words)) + len(words) - 1
    if UNUSUAL_SPACE.search(text) is None:
        return length
    for found in INNER_RUN_OF_UNUSUAL_SPACE.findall(text):
        run = found[1:]  # the match opens with the word's last character
        if len(run) < LONG_RUN:
            length += len(TABS_AND_SPACES.sub(" ", run)) - 1
    return length
