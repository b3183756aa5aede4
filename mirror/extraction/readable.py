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

Some things change the cost and not the result (tests compare each with the
library's own):

- the tree mirror gives it is shared with the other steps: it is copied
  once, and hidden elements are dropped and the page cleaned on the copy
  (``cleaner.PageCleaner``: the library's cleaning at half its cost);
- the length of a text "cleaned" the library's way (``clean``: three
  regular expressions over the whole text) is counted without building the
  cleaned text (``clean_length``). The library takes such lengths of every
  candidate and of every link in it to weigh links; it was a third of its
  time;
- a ``<div>`` without blocks becomes a paragraph as in the library, found
  from the tags below it instead of from its children serialised;
- class and id names are matched without IGNORECASE where they are ASCII.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from functools import lru_cache
from itertools import chain
from typing import Any

import lxml.etree
from lxml.html import HtmlElement, fragment_fromstring
from readability import Document
from readability.readability import REGEXES

from mirror.extraction.cleaner import PageCleaner

# Readability.js's REGEXPS.commas: ASCII, Arabic, small, vertical, fullwidth and others.
COMMAS = re.compile("[\u002c\u060c\ufe50\ufe10\ufe11\u2e41\u2e34\u2e32\uff0c]")
SCORED = ("p", "pre", "td", "blockquote")  # the tags readability-lxml scores


class Names:
    """A pattern of lower-case names matched in any case. Python's ``re`` is several times
    slower with IGNORECASE, and this runs on every class and id of the page: ASCII text
    (nearly all of it) is lowered and matched as it is; the rest with IGNORECASE."""

    def __init__(self, pattern: str) -> None:
        self.lower = re.compile(pattern)
        self.any_case = re.compile(pattern, re.I)

    def found_in(self, text: str) -> bool:
        if text.isascii():
            return self.lower.search(text.lower()) is not None
        return self.any_case.search(text) is not None


# Readability.js's REGEXPS.unlikelyCandidates, okMaybeItsACandidate, positive and negative.
UNLIKELY = Names(
    r"-ad-|ai2html|banner|breadcrumbs|combx|comment|community|cover-wrap|disqus|extra|footer|"
    r"gdpr|header|legends|menu|related|remark|replies|rss|shoutbox|sidebar|skyscraper|social|"
    r"sponsor|supplemental|ad-break|agegate|pagination|pager|popup|yom-remote")
MAYBE_CONTENT = Names(r"and|article|body|column|content|main|shadow")
POSITIVE = Names(
    r"article|body|content|entry|hentry|h-entry|main|page|pagination|post|text|blog|story")
NEGATIVE = Names(
    r"-ad-|hidden|^hid$| hid$| hid |^hid |banner|combx|comment|com-|contact|footer|gdpr|"
    r"masthead|media|meta|outbrain|promo|related|scroll|share|shoutbox|sidebar|skyscraper|"
    r"sponsor|shopping|tags|widget")
# What keeps an unlikely element: being code or inside it, or holding one of these.
CODE = ("pre", "code")
HOLDS_CONTENT = ("main", "article", "math")
UNLIKELY_ROLES = frozenset(
    "menu menubar complementary navigation alert alertdialog dialog".split())
# What the library looks for in the markup of a <div>'s children: a block tag, or a tag
# whose name merely starts like one (<param>, <picture>, <tablex>); and the inline tags
# whose runs it wraps into paragraphs.
BLOCK_MARKUP = REGEXES["divToPElementsRe"]
BLOCK_TAG = re.compile(BLOCK_MARKUP.pattern.removeprefix("<"), re.I)
INLINE_TAGS = frozenset("a b cite code em font i small span strong sub sup u".split())
# What each serialisation the library uses writes unescaped: comments and processing
# instructions; in HTML, also the text of scripts and styles.
RAW_IN_XML = (lxml.etree.Comment, lxml.etree.ProcessingInstruction)
RAW_IN_HTML = (*RAW_IN_XML, "script", "style")
HIDDEN = REGEXES["displayNoneRe"]  # what the library drops from the tree it is given
CLEANER = PageCleaner()
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
        """The library's: hidden elements dropped, the page cleaned; on a copy, which
        the library's cleaner makes anyway, since the tree is shared.

        Links stay as the page wrote them: ``finish`` resolves them once against the
        page's ``<base>``. (Given no URL, the library resolves them against the
        ``<base>`` alone, and a relative one, such as ``base/``, was then applied twice.)"""
        if not isinstance(input, HtmlElement) or self.url:
            return super()._parse(input)  # type: ignore[no-any-return]
        self.encoding = "utf-8"
        document = copy.deepcopy(input)
        for element in document.xpath("//*[@hidden]|//base[@href]"):
            element.drop_tree()
        for element in document.xpath("//*[@style]"):
            if HIDDEN.search(element.get("style")):
                element.drop_tree()
        CLEANER(document)
        return document

    def transform_misused_divs_into_paragraphs(self) -> None:
        """The library's step, without serialising the children of every ``<div>`` to
        look for block tags in the markup (a tenth of its time): the markup holds one
        exactly where an element below has a block tag, or where raw text (of a
        comment, a script, a style) spells one. The rest is the library's own code."""
        holds_block = _holding_block(self.html)
        for element in self.tags(self.html, "div"):
            if element not in holds_block and not _spells_block(element, RAW_IN_XML):
                element.tag = "p"
        for element in self.tags(self.html, "div"):
            children = list(element)
            paragraph = None
            if element.text and element.text.strip():
                paragraph = fragment_fromstring("<p/>")
                paragraph.text = element.text
                element.text = None
                element.insert(0, paragraph)
            for child in children:
                if child.tag == "br":
                    paragraph = None
                    continue
                if child.tag not in INLINE_TAGS or child in holds_block \
                        or _spells_block(child, RAW_IN_HTML):
                    paragraph = None
                    continue
                if paragraph is None:
                    paragraph = fragment_fromstring("<p/>")
                    child.addprevious(paragraph)
                paragraph.append(child)
            for at, child in reversed(list(enumerate(element))):
                if child.tail and child.tail.strip():
                    paragraph = fragment_fromstring("<p/>")
                    paragraph.text = child.tail
                    child.tail = None
                    element.insert(at + 1, paragraph)
                if child.tag == "br":
                    child.drop_tree()

    def remove_unlikely_candidates(self) -> None:
        """The library's step with Readability.js's names and roles. An unlikely element
        stays when it is (or is inside) code, or holds a main part, an article or a
        formula; what holds those is found in one pass, and each class and id string
        is judged once (a page repeats most of them)."""
        holds_content = _at_or_above(self.html.iter(*HOLDS_CONTENT))
        judged: dict[str, bool] = {}
        # without a class, an id or a role, nothing marks an element unlikely
        for element in self.html.xpath(".//*[@class or @id or @role]"):
            if element.tag in ("html", "body"):
                continue
            names = f"{element.get('class', '')} {element.get('id', '')}"
            if names not in judged:
                judged[names] = len(names) >= 2 and UNLIKELY.found_in(names) \
                    and not MAYBE_CONTENT.found_in(names)
            unlikely = element.get("role") in UNLIKELY_ROLES or judged[names]
            if unlikely and element not in holds_content and not _in_code(element):
                element.drop_tree()

    def class_weight(self, e: HtmlElement) -> int:
        """The library's weight of a class and an id, with Readability.js's names (mirror
        gives the library no keywords of its own)."""
        weight = 0
        for feature in (e.get("class"), e.get("id")):
            if feature:
                weight += 25 * POSITIVE.found_in(feature)
                weight -= 25 * NEGATIVE.found_in(feature)
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


def _at_or_above(elements: Iterable[HtmlElement]) -> set[HtmlElement]:
    """The elements and all that hold them."""
    found: set[HtmlElement] = set()
    for element in elements:
        for holder in chain((element,), element.iterancestors()):
            if holder in found:
                break
            found.add(holder)
    return found


def _in_code(element: HtmlElement) -> bool:
    return element.tag in CODE or any(True for _ in element.iterancestors(*CODE))


def _holding_block(root: HtmlElement) -> set[HtmlElement]:
    """The elements with an element of a block tag (``BLOCK_TAG``) below them."""
    blocks = (element for element in root.iter() if _is_block_tag(element.tag))
    return _at_or_above(parent for block in blocks if (parent := block.getparent()) is not None)


@lru_cache(maxsize=512)
def _is_block_tag(tag: object) -> bool:
    return isinstance(tag, str) and BLOCK_TAG.match(tag) is not None


def _spells_block(element: HtmlElement, raw: tuple[object, ...]) -> bool:
    """Whether text the serialiser writes unescaped (``raw``: what holds such text in
    the library's XML or HTML serialisation) below the element reads as a block tag."""
    return any(BLOCK_MARKUP.search(node.text or "") for node in element.iter(*raw))


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
