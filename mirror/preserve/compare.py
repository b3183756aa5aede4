"""Has an article's text changed? Two versions compared sentence by sentence.

What counts is the text a reader sees: markup, whitespace and the width of
characters (full- and half-width forms) do not, nor do very short blocks,
which are a page's furniture (share buttons, bylines, dates, counters) far
more often than its news. A version is edited when a sentence of
substance was added, removed or changed; a changed sentence shows as one
removed and one added.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

from selectolax.lexbor import LexborHTMLParser

# Where a reader sees a new line: text on either side of these tags is not one sentence.
BLOCK = re.compile(r"<(?=/?(?:p|div|li|ul|ol|h[1-6]|tr|td|th|table|blockquote|figure|figcaption|"
                   r"pre|section|article|header|footer|aside|dd|dt|br|hr)\b)", re.I)
SENTENCE_END = re.compile(r"(?<=[。！？!?；;…])[”」』\"'）)]*|(?<=[.])[”\"')]*(?=\s)")
UNIT = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]|[^\W_]+")
SPACE = re.compile(r"\s+")
LEAST_UNITS = 8  # a block with less text than this is furniture, not news


@dataclass(frozen=True)
class Difference:
    """Sentences of substance only one of two versions holds, in their order."""

    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed)


def paragraphs(markup: str) -> list[str]:
    """The text of markup as a reader sees it, one string per block."""
    tree = LexborHTMLParser("<body>" + BLOCK.sub("\n<", markup) + "</body>")
    tree.strip_tags(["script", "style", "noscript", "template"])
    body = tree.body
    text = body.text(separator="") if body is not None else ""
    return [line for line in (SPACE.sub(" ", part).strip() for part in text.split("\n")) if line]


def sentences(paragraph: str) -> list[str]:
    """A paragraph's sentences, each with its closing punctuation."""
    found, start = [], 0
    for end in SENTENCE_END.finditer(paragraph):
        if end.end() > start:
            found.append(paragraph[start:end.end()].strip())
            start = end.end()
    found.append(paragraph[start:].strip())
    return [sentence for sentence in found if sentence]


def key(sentence: str) -> str:
    """What two sentences must share to be the same: their letters, CJK characters and
    digits, in order, width and case folded."""
    return "".join(UNIT.findall(unicodedata.normalize("NFKC", sentence).casefold()))


def significant(paragraph: str) -> bool:
    return len(UNIT.findall(paragraph)) >= LEAST_UNITS


def marked_sentences(markup: str) -> list[tuple[str, bool]]:
    """Each sentence, and whether its block is more than furniture."""
    return [(sentence, significant(paragraph)) for paragraph in paragraphs(markup)
            for sentence in sentences(paragraph) if key(sentence)]


def difference(old: str, new: str) -> Difference:
    """The sentences of substance the new version (markup) added, and those it removed.

    A sentence is of substance when it stands in a block of substance in either version,
    so that text moved out of a paragraph into a block of its own is no edit."""
    before, after = marked_sentences(old), marked_sentences(new)
    counted = {key(s) for s, weighty in [*before, *after] if weighty}
    old_sentences = [s for s, _ in before if key(s) in counted]
    new_sentences = [s for s, _ in after if key(s) in counted]
    old_keys, new_keys = Counter(map(key, old_sentences)), Counter(map(key, new_sentences))
    return Difference(added=_only_in(new_sentences, new_keys - old_keys),
                      removed=_only_in(old_sentences, old_keys - new_keys))


def shared(old: str, new: str) -> float:
    """The share of the old version's sentences of substance the new one still holds (1.0
    when it had none): low when a page is no longer the article."""
    old_keys = Counter(key(s) for s, weighty in marked_sentences(old) if weighty)
    if not old_keys:
        return 1.0
    new_keys = Counter(key(s) for s, _ in marked_sentences(new))
    return sum((old_keys & new_keys).values()) / sum(old_keys.values())


def _only_in(ordered: list[str], extra: Counter[str]) -> tuple[str, ...]:
    left = Counter(extra)
    picked = []
    for sentence in ordered:
        k = key(sentence)
        if left[k] > 0:
            left[k] -= 1
            picked.append(sentence)
    return tuple(picked)
