"""readability-lxml's article, checked and completed with trafilatura's second opinion.

readability keeps structure (headings, lists, tables, figures, captions) but
picks up short boilerplate (credits, teasers, share bars, bylines) and now
and then loses a lede or half a split body; trafilatura is the reverse. The
rule, on the smallest text blocks of readability's tree:

a. readability found nothing, or less than a fifth of the text of
   trafilatura's blocks that read as prose: trafilatura's article is used;
b. when trafilatura covers most (60 %) of readability's text, so that both
   found the same region, readability's short blocks (< 40 tokens) that
   trafilatura lacks are dropped; captions and images are kept, so are a
   paragraph of whole sentences (or a list item ending in one) between
   blocks both found and an opening paragraph of sentences before them
   (body text and ledes trafilatura lost), and a heading goes only with the
   block after it;
c. when readability covers most of trafilatura's text, trafilatura's long
   paragraphs (>= 30 tokens) of prose (a comma or a full stop, under half
   of it in links) and its tables of data that readability lacks are
   inserted where trafilatura has them, but never after the last block both
   share (trailing extras are copyright notes, newsletters and author bios).

Tokens are ``mirror.text``'s units: each CJK character counts. The headline
and the lines about the article are trimmed afterwards (``trim``).

Measured on the article-extraction benchmark in ``benchmarks/extraction.py``.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass

import lxml.html
from lxml.html import HtmlElement

from mirror.text import BLOCK_TAGS, block_text, count_units, four_grams, tokens, visible_text

TABLE_PARTS = frozenset("table thead tbody tfoot tr td th".split())
HEADINGS = frozenset("h1 h2 h3 h4 h5 h6".split())
NO_WRAP = frozenset("p pre h1 h2 h3 h4 h5 h6 table tbody thead tfoot tr ul ol dl".split())
MEDIA = ".//img|.//iframe|.//video|.//audio"
CONTAINERS = frozenset("ul ol dl li dt dd table thead tbody tfoot tr td th figure figcaption "
                       "blockquote".split())
SENTENCE_END = re.compile(r"[.!?。！？…”\"'»)]$")
FULL_STOP = re.compile(r"[.!?。！？:：][\"'”’»)）]*$")
# A comma or a full stop in the text: prose, not a menu, a byline or a list of links.
SENTENCE_MARK = re.compile(r"[。！？；，、]|[.!?;,](?:\s|$)")
LINK_HEAVY = 0.5  # blocks with this share of their text in links are menus and link lists


@dataclass(frozen=True)
class Rule:
    keep_share: float = 0.5      # a short block stays when this share of it is in trafilatura
    short_block: int = 40        # blocks under this many tokens may be dropped
    agree: float = 0.6           # coverage showing both extractors found the same region
    fallback_ratio: float = 0.2  # readability shorter than this share of trafilatura: replaced
    add_min: int = 30            # trafilatura-only paragraphs this long are added
    prose_min: int = 20          # a paragraph this long between confirmed ones is kept ...
    prose_window: int = 3        # ... when confirmed blocks lie this near on both sides


RULE = Rule()


def combine(base: HtmlElement | None, second: HtmlElement | None,
            rule: Rule = RULE) -> HtmlElement | None:
    """readability's tree (``base``), cleaned and completed with trafilatura's (``second``)."""
    base_tokens = tokens(visible_text(base, tidy=False)) if base is not None else []
    second_tokens = tokens(visible_text(second, tidy=False)) if second is not None else []
    if second is None or not second_tokens:
        return base
    if base is None or (len(base_tokens) < rule.fallback_ratio * len(second_tokens) and
                        len(base_tokens) < rule.fallback_ratio * prose_units(second)):
        return second
    in_second, in_base = Reference(second_tokens), Reference(base_tokens)
    changed = wrap_loose_inline(base)
    wrap_loose_inline(second)
    units = UnitTexts()
    if in_second.coverage(base_tokens) >= rule.agree:
        changed = drop_unconfirmed(base, in_second, rule, units) or changed
    if in_base.coverage(second_tokens) >= rule.agree:
        left = tokens(visible_text(base, tidy=False)) if changed else base_tokens
        add_missing(base, second, rule, units, in_base if left == base_tokens else Reference(left))
    return base


# ------------------------------------------------------------------- text

class Reference:
    """The token 4-grams of one extractor's text: "is this block there too?"."""

    def __init__(self, words: list[str]) -> None:
        self.words = words
        self.grams = set(four_grams(words))
        self._joined: str | None = None

    def coverage(self, words: list[str]) -> float:
        """The share of words that lie in some 4-gram of the reference (short runs: exact)."""
        if not words:
            return 1.0
        if len(words) < 4:
            if self._joined is None:
                self._joined = " " + " ".join(self.words) + " "
            return 1.0 if " " + " ".join(words) + " " in self._joined else 0.0
        # One bit per word, set where a 4-gram found in the reference starts; a word is
        # covered when a found 4-gram starts on it or on one of the three words before it.
        found = bytes(map(self.grams.__contains__, four_grams(words))) + bytes(3)
        starts = int(found.translate(_AS_DIGIT), 2)
        covered = starts | starts >> 1 | starts >> 2 | starts >> 3
        return covered.bit_count() / len(words)


_AS_DIGIT = b"01" + bytes(254)  # bytes.translate: True -> "1", False -> "0"




class UnitTexts(dict[HtmlElement, tuple[str, list[str]]]):
    """The visible text and the tokens of leaf blocks, each found once. Leaf blocks never
    hold one another, so dropping some changes the text of none of the others."""

    def __missing__(self, unit: HtmlElement) -> tuple[str, list[str]]:
        text = block_text(unit)
        found = self[unit] = (text, tokens(text))
        return found


# ------------------------------------------------------------------ blocks

def is_block(element: HtmlElement) -> bool:
    return isinstance(element.tag, str) and element.tag in BLOCK_TAGS


def leaf_blocks(root: HtmlElement) -> list[HtmlElement]:
    """The smallest blocks that carry text; a table row without nested rows is one unit."""
    elements = [e for e in root.iter() if isinstance(e.tag, str)]
    holds_block: set[HtmlElement] = set()
    holds_row: set[HtmlElement] = set()
    for element in reversed(elements):  # descendants before their ancestors
        parent = element.getparent()
        if parent is None:
            continue
        if element.tag in BLOCK_TAGS or element in holds_block:
            holds_block.add(parent)
        if element.tag == "tr" or element in holds_row:
            holds_row.add(parent)
    units: list[HtmlElement] = []
    in_row: set[HtmlElement] = set()
    for element in elements:
        if element is root or element in in_row:
            continue
        if element.tag == "tr" and element not in holds_row:
            units.append(element)
            in_row.update(element.iterdescendants())
        elif element.tag in BLOCK_TAGS and element.tag not in TABLE_PARTS and \
                element not in holds_block:
            units.append(element)
    return units


def is_caption(element: HtmlElement) -> bool:
    """A picture's or a video's caption: <figcaption>, or marked so by its class."""
    return any(e.tag == "figcaption" or "caption" in (e.get("class") or "").lower()
               for e in (element, *element.iterancestors()))


def wrap_loose_inline(root: HtmlElement) -> bool:
    """Inline runs beside block siblings become <p>, so all text sits in one leaf block.
    True when some run was inside an inline element: the new paragraph may then split a
    word that ran on from outside it, and the tree's tokens may have changed (otherwise
    every new paragraph starts and ends next to a block's own edge, and none did)."""
    inline_wrapped = False
    for element in list(root.iter()):
        if (not isinstance(element.tag, str) or element.tag in NO_WRAP
                or not any(is_block(child) for child in element)):
            continue
        inline_wrapped = inline_wrapped or (element is not root and not is_block(element))
        children, rebuilt = list(element), []
        text, run = element.text, list[HtmlElement]()
        element.text = None
        for child in children:
            element.remove(child)  # tails travel with their element
        for child in children:
            if is_block(child):
                rebuilt.extend(_inline_run(text, run))
                rebuilt.append(child)
                text, child.tail, run = child.tail, None, []
            else:
                run.append(child)
        rebuilt.extend(_inline_run(text, run))
        element.extend(rebuilt)
    return inline_wrapped


def _inline_run(text: str | None, run: list[HtmlElement]) -> list[HtmlElement]:
    paragraph = lxml.html.Element("p")
    paragraph.text = text
    paragraph.extend(run)
    return [paragraph] if (paragraph.text_content() or "").strip() else run


# ------------------------------------------------------------------- steps

def drop_unconfirmed(base: HtmlElement, second: Reference, rule: Rule,
                     known: UnitTexts | None = None) -> bool:
    """Step b: short blocks of readability's that trafilatura does not have; True when
    some went. Whether trafilatura has a block is looked up only where it decides
    something: for the short blocks, and for the blocks around one that may go."""
    units = leaf_blocks(base)
    known = UnitTexts() if known is None else known
    texts = [known[unit][0] for unit in units]
    words = [known[unit][1] for unit in units]
    found_at: dict[int, bool] = {}

    def found(i: int) -> bool:
        if i not in found_at:
            found_at[i] = second.coverage(words[i]) >= rule.keep_share
        return found_at[i]

    drop = [_may_go(unit, words[i], rule) and not found(i) for i, unit in enumerate(units)]
    first_drop = list(drop)

    def confirmed(i: int) -> bool:
        return not first_drop[i] and found(i)

    for i, unit in enumerate(units):
        if drop[i] and _reads_as_body(unit, texts[i], len(words[i]), i, len(units), confirmed,
                                      rule):
            drop[i] = False
    # Trafilatura often omits the headings of kept sections, while teaser headings
    # precede dropped teasers: a heading shares the fate of the block after it.
    for i, unit in enumerate(units):
        if unit.tag in HEADINGS and i + 1 < len(units):
            drop[i] = drop[i] and drop[i + 1]
    for unit, gone in zip(units, drop, strict=True):
        if gone:
            unit.drop_tree()
    return any(drop)


def _reads_as_body(unit: HtmlElement, text: str, size: int, at: int, total: int,
                   confirmed: Callable[[int], bool], rule: Rule) -> bool:
    """A paragraph or list item of whole sentences between blocks both extractors found
    is body text trafilatura lost, not a credit or a teaser: those stand apart. So is an
    opening paragraph of sentences followed by confirmed ones (a lede). ``total``: the
    number of blocks; ``confirmed``: whether both found the block at an index."""
    if unit.tag in HEADINGS or not FULL_STOP.search(text.rstrip()):
        return False
    if not (unit.tag == "li" or size >= rule.prose_min):
        return False
    near = rule.prose_window
    after = any(confirmed(j) for j in range(at + 1, min(total, at + 1 + near)))
    return after and (at == 0 or any(confirmed(j) for j in range(max(0, at - near), at)))


def _may_go(unit: HtmlElement, words: list[str], rule: Rule) -> bool:
    """A short block with text, no picture and no caption: boilerplate when unconfirmed."""
    return bool(words) and len(words) < rule.short_block and not is_caption(unit) and \
        not unit.xpath(MEDIA)


def add_missing(base: HtmlElement, second: HtmlElement, rule: Rule,
                known: UnitTexts | None = None, have: Reference | None = None) -> None:
    """Step c: trafilatura's long paragraphs and its tables that readability lost (its
    cleaning drops tables of short cells), in trafilatura's order. ``known``: texts of
    base's leaf blocks already found; ``have``: base's text as it is now.

    Most pages have nothing to add: that is found first, looking only at trafilatura's
    paragraphs and table rows; where to put what is added is worked out only then."""
    known = UnitTexts() if known is None else known
    have = Reference(tokens(visible_text(base, tidy=False))) if have is None else have
    units = leaf_blocks(second)
    texts = UnitTexts()
    shared_at: dict[int, bool] = {}
    verdicts: dict[HtmlElement, bool] = {}

    def shared(i: int) -> bool:
        if i not in shared_at:
            words = texts[units[i]][1]
            shared_at[i] = bool(words) and have.coverage(words) >= 0.5
        return shared_at[i]

    def missing_prose(i: int) -> bool:  # a long paragraph of prose readability lacks
        return units[i].tag == "p" and len(texts[units[i]][1]) >= rule.add_min and \
            not shared(i) and reads_as_prose(units[i])

    def missing_table(table: HtmlElement) -> bool:  # one verdict for all its rows
        if table not in verdicts:
            verdicts[table] = is_data_table(table) and \
                have.coverage(tokens(visible_text(table, tidy=False))) < 0.5
        return verdicts[table]

    def table_of(i: int) -> HtmlElement | None:
        return next(units[i].iterancestors("table"), None) if units[i].tag == "tr" else None

    def missing(i: int) -> bool:
        table = table_of(i)
        return missing_prose(i) or (table is not None and not shared(i) and missing_table(table))

    last_shared = next((i for i in reversed(range(len(units))) if shared(i)), -1)
    if not any(missing(i) for i in range(last_shared)):
        return
    base_units = [(u, " " + " ".join(known[u][1]) + " ") for u in leaf_blocks(base)]
    anchor: HtmlElement | None = None
    added_tables: set[HtmlElement] = set()
    for i, unit in enumerate(units[:last_shared]):
        table = table_of(i)
        if shared(i):
            found = _unit_starting(base_units, texts[unit][1])
            anchor = found if found is not None else anchor
        elif missing_prose(i):
            anchor = _insert_after(base, anchor, unit)
        elif table is not None and table not in added_tables and missing_table(table):
            added_tables.add(table)
            anchor = _insert_after(base, anchor, table)


def reads_as_prose(block: HtmlElement, text: str | None = None) -> bool:
    """Sentences, not a menu, a dateline or a list of links."""
    text = block_text(block) if text is None else text
    return bool(SENTENCE_MARK.search(text)) and link_share(block, text) < LINK_HEAVY


def prose_units(root: HtmlElement) -> int:
    """The units of text in blocks that read as prose: a thread's list of replies, a
    page of headlines or a menu is long, but no article."""
    texts = ((block, block_text(block)) for block in leaf_blocks(root))
    return sum(count_units(text) for block, text in texts if reads_as_prose(block, text))


def link_share(block: HtmlElement, text: str | None = None) -> float:
    """The share of the block's text that is the text of links."""
    total = count_units(visible_text(block, tidy=False) if text is None else text)
    linked = sum(count_units(link.text_content()) for link in block.iter("a"))
    return linked / total if total else 0.0


def is_data_table(table: HtmlElement) -> bool:
    """A table of data (rows of several cells), not one that lays out a page: those hold
    other tables, or a single row or column, or mostly links."""
    if table.find(".//table") is not None:
        return False
    rows = [row for row in table.iter("tr")
            if sum(1 for cell in row if cell.tag in ("td", "th")
                   and (cell.text_content() or "").strip()) >= 2]
    return len(rows) >= 2 and link_share(table) < LINK_HEAVY


def _insert_after(base: HtmlElement, anchor: HtmlElement | None,
                  block: HtmlElement) -> HtmlElement:
    """A copy of block after anchor, outside any list, table or figure anchor is in."""
    added = copy.deepcopy(block)
    added.tail = None
    if anchor is None:
        base.insert(0, added)
        return added
    while anchor.getparent() is not None and anchor.getparent() is not base and \
            anchor.getparent().tag in CONTAINERS:
        anchor = anchor.getparent()
    anchor.addnext(added)
    return added


def _unit_starting(units: list[tuple[HtmlElement, str]], words: list[str]) -> HtmlElement | None:
    probe = " " + " ".join(words[:4]) + " "
    return next((unit for unit, joined in units if probe in joined), None)
