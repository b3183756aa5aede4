"""readability-lxml's ``Document``, judging a page as Readability.js (Mozilla) does.

readability-lxml is a port of an old Readability. Where Mozilla's current
Readability.js decides otherwise, this subclass follows Readability.js:

- a paragraph scores one point per comma of any script (``REGEXPS.commas``):
  readability-lxml counts only the ASCII ``,``, so Chinese text, written
  with the fullwidth ``，``, scored as if it had no commas at all, and an
  article of long Chinese paragraphs lost to a table of short cells or to a
  list of headlines;
- what is unlikely to be content before any scoring: elements whose class or
  id names a related-articles box, a social or share bar, a banner,
  breadcrumbs, replies... (``REGEXPS.unlikelyCandidates``, which knows more
  such names than readability-lxml's), and elements whose ARIA role says
  they are navigation, a menu, a complementary aside or a dialog
  (``UNLIKELY_ROLES``);
- the weight of a class or an id (``REGEXPS.positive`` and ``negative``:
  "share", "banner", "hidden" count against a candidate too).

Everything else is the library's own scoring.

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
from readability.readability import REGEXES, describe, log

# Readability.js's REGEXPS.commas: ASCII, Arabic, small, vertical, fullwidth and others.
COMMAS = re.compile("[\u002c\u060c\ufe50\ufe10\ufe11\u2e41\u2e34\u2e32\uff0c]")
SCORED = ("p", "pre", "td", "blockquote")  # the tags readability-lxml scores
# Readability.js's REGEXPS.unlikelyCandidates, okMaybeItsACandidate, positive and negative.
UNLIKELY = re.compile(
    r"-ad-|ai2html|banner|breadcrumbs|combx|comment|community|cover-wrap|disqus|extra|footer|"
    r"gdpr|header|legends|menu|related|remark|replies|rss|shoutbox|sidebar|skyscraper|social|"
    r"sponsor|supplemental|ad-break|agegate|pagination|pager|popup|yom-remote", re.I)
MAYBE_CONTENT = re.compile(r"and|article|body|column|content|main|shadow", re.I)
POSITIVE = re.compile(
    r"article|body|content|entry|hentry|h-entry|main|page|pagination|post|text|blog|story", re.I)
NEGATIVE = re.compile(
    r"-ad-|hidden|^hid$| hid$| hid |^hid |banner|combx|comment|com-|contact|footer|gdpr|"
    r"masthead|media|meta|outbrain|promo|related|scroll|share|shoutbox|sidebar|skyscraper|"
    r"sponsor|shopping|tags|widget", re.I)
UNLIKELY_ROLES = frozenset(
    "menu menubar complementary navigation alert alertdialog dialog".split())
HIDDEN = REGEXES["displayNoneRe"]  # what the library drops from the tree it is given
# ``clean``'s rules: a run of white space of LONG_RUN or more, or holding a newline, reads
# as one character; in a run without, a tab is a space and two or more spaces and tabs
# after a space are one.
LONG_RUN = 255
UNUSUAL_SPACE = re.compile(r"[^\S \n]")  # white space other than a space or a newline
INNER_RUN_OF_UNUSUAL_SPACE = re.compile(r"\S[ ]*+[^\S \n][^\S\n]*+(?=\S)")
TABS_AND_SPACES = re.compile(r"\t|[ \t]{2,}")


class ReadableDocument(Document):
    """``Document`` that scores and prunes a page as Readability.js does."""

    def _parse(self, input: Any) -> HtmlElement:
        if isinstance(input, HtmlElement) and _hides_something(input):
            input = copy.deepcopy(input)  # the library drops them in place
        return super()._parse(input)  # type: ignore[no-any-return]

    def remove_unlikely_candidates(self) -> None:
        """The library's step with Readability.js's names and roles."""
        # without a class, an id or a role, nothing marks an element unlikely
        for element in self.html.xpath(".//*[@class or @id or @role]"):
            if element.tag in ("html", "body"):
                continue
            names = f"{element.get('class', '')} {element.get('id', '')}"
            unlikely = element.get("role") in UNLIKELY_ROLES or (
                len(names) >= 2 and UNLIKELY.search(names) is not None
                and MAYBE_CONTENT.search(names) is None)
            if unlikely and not element.xpath(
                    "ancestor-or-self::pre|ancestor-or-self::code|descendant-or-self::main|"
                    "descendant-or-self::article|descendant-or-self::math"):
                log.debug("Removing unlikely candidate - %s", describe(element))
                element.drop_tree()

    def class_weight(self, e: HtmlElement) -> int:
        """The library's weight of a class and an id, with Readability.js's names (mirror
        gives the library no keywords of its own)."""
        weight = 0
        for feature in (e.get("class"), e.get("id")):
            if feature:
                weight += 25 * (POSITIVE.search(feature) is not None)
                weight -= 25 * (NEGATIVE.search(feature) is not None)
        return weight

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
