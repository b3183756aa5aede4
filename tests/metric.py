"""The Article Extraction Benchmark's metric: one copy, for the tests that check real pages
and for ``benchmarks/extraction.py``, which states it in full (benchmarks import tests'
helpers; tests never import benchmarks)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable

import lxml.html

from mirror.text import visible_text

WORD = re.compile(r"\w+")


def text_of(fragment: str) -> str:
    """The visible text of an HTML fragment."""
    if not fragment.strip():
        return ""
    return visible_text(lxml.html.fragment_fromstring(fragment, create_parent="div"))


def shingles(units: list[str]) -> Counter[tuple[str, ...]]:
    if len(units) < 4:
        return Counter([tuple(units)]) if units else Counter()
    return Counter(tuple(units[i:i + 4]) for i in range(len(units) - 3))


def precision_recall(truth: str, predicted: str,
                     tokenise: Callable[[str], list[str]] = WORD.findall) -> tuple[float, float]:
    """Precision and recall of the predicted text's token 4-grams against the truth's
    (words, or ``mirror.text.tokens`` for Chinese)."""
    expected, found = shingles(tokenise(truth)), shingles(tokenise(predicted))
    hits = sum((expected & found).values())
    false_pos, false_neg = sum(found.values()) - hits, sum(expected.values()) - hits
    if false_pos == 0 and false_neg == 0:
        return 1.0, 1.0
    return (hits / (hits + false_pos) if hits + false_pos else 0.0,
            hits / (hits + false_neg) if hits + false_neg else 0.0)
