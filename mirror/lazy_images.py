"""Lazy-loaded images: which attributes hold the real image, and which URL a loader would show.

Pages and feeds ship ``<img>`` tags whose ``src`` is a placeholder (a 1x1
GIF, a ``data:`` URI, ``blank.gif``) and whose real URL sits in an attribute
a script copies into ``src`` later: ``data-src``, ``data-original``, a
``srcset``. An archived post runs no script, so extraction and the image
proxy both resolve the real URL here, the way such a loader would. A leaf
module: attribute values in, a URL out; no parsing, no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Callable

# Attributes a lazy loader copies into ``src``, most common first.
SOURCE_ATTRIBUTES = ("data-src", "data-original", "data-lazy-src", "data-url", "data-hi-res-src",
                     "data-lazy", "data-full-src", "data-orig-file", "data-actualsrc")
# Candidate lists (``url 640w, url 2x``) a loader copies into ``srcset``, or the browser reads.
SRCSET_ATTRIBUTES = ("srcset", "data-srcset", "data-lazy-srcset")
ATTRIBUTES = SOURCE_ATTRIBUTES + SRCSET_ATTRIBUTES

SRCSET_CANDIDATE = re.compile(r"(\S+)(?:\s+(\d+(?:\.\d+)?[wx]))?\s*,?")
PLACEHOLDER = re.compile(r"blank|placeholder|spacer|pixel\.|lazy|1x1|transparent|grey\.gif", re.I)
NOT_AN_IMAGE = re.compile(r"\s*(?:data|about|javascript):", re.I)
SHORT_DATA_URI = 200  # shorter data: URIs are 1x1 placeholders; longer ones real images


def real_source(attribute: Callable[[str], str | None]) -> str:
    """The URL a lazy loader would put in ``src``; "" when the image has only a placeholder.

    ``attribute`` gives an attribute's value by (lower-case) name, None when absent.
    ``src`` is the image unless it is missing, a placeholder, or the element is
    marked lazy (``class="lazyload"``): then the first lazy attribute holding a
    URL, else the widest candidate of a srcset, else ``src`` if it is no placeholder.
    """
    source = (attribute("src") or "").strip()
    marked_lazy = "lazy" in (attribute("class") or "").lower()
    if source and not is_placeholder(source) and not marked_lazy:
        return source
    for name in SOURCE_ATTRIBUTES:
        value = (attribute(name) or "").strip()
        if value and not NOT_AN_IMAGE.match(value):
            return value
    for name in SRCSET_ATTRIBUTES:
        value = widest_candidate(attribute(name) or "")
        if value:
            return value
    return "" if is_placeholder(source) else source


def is_placeholder(source: str) -> bool:
    """Whether a ``src`` only holds the place of the real image."""
    if source.startswith("data:"):
        return len(source) < SHORT_DATA_URI
    return bool(PLACEHOLDER.search(source.split("?")[0].rsplit("/", 1)[-1]))


def widest_candidate(srcset: str) -> str:
    """The widest candidate of a srcset ("" when none); URLs may themselves hold commas."""
    best, best_width = "", -1.0
    for candidate, descriptor in SRCSET_CANDIDATE.findall(srcset):
        candidate = candidate.rstrip(",")
        if not candidate or NOT_AN_IMAGE.match(candidate):
            continue
        width = float(descriptor[:-1]) if descriptor else 0.0
        if width > best_width:
            best, best_width = candidate, width
    return best
