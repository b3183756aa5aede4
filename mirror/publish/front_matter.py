"""The front matter of a post: written (``front_matter``) and read back (``read_front``).

One owner for the format's header (see ../shared/FORMAT.md and the seed post):
what ``render`` writes, and what the archive reads of posts (the ``from:``
link that identifies an entry, the first category that names its feed, the
title and date the index pages list). Written front matter always loads back
with a YAML parser to exactly the values given; reading is lenient, as it
must take posts the original mirror or a person wrote.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

import yaml

from mirror.errors import EntryError
from mirror.publish.clean import holds_unsafe_markup
from mirror.urls import normalise

HEAD_BYTES = 4096  # the front matter of a post fits in its first few kilobytes
NO_BREAK_SPACES = re.compile("[\t\n\r\u00a0\u2007\u202f\u2028\u2029]")
INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufeff\ufffe\uffff]")
TAG_START = re.compile(r"<(?=[A-Za-z/!?])")
FIELD = re.compile(r"^(title|date|from):[ \t]*(.*?)[ \t]*$", re.M)
FIRST_CATEGORY = re.compile(
    r"^categories:[ \t]*\[[ \t]*(\"(?:[^\"\\]|\\.)*\"|[^,\]]*?)[ \t]*[,\]]", re.M)
Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


# ------------------------------------------------------------------ writing

def clean_text(text: str) -> str:
    """One line of printable text: control characters gone, odd spaces plain, trimmed."""
    text = NO_BREAK_SPACES.sub(" ", INVISIBLE.sub("", text))
    return text.strip()


def front_matter(title: str, date_ms: int, author: str, link: str,
                 tags: tuple[str, ...], categories: tuple[str, ...]) -> str:
    title = _inert_markup(title)
    author = _inert_markup(author)
    text = (
        "---\n"
        "layout: post\n"
        f"title: {quoted(title)}\n"
        f"date: {iso_date(date_ms)}\n"
        f"author: {scalar(author)}\n"
        f"from: {scalar(link)}\n"
        f"tags: {flow_list(tags)}\n"
        f"categories: {flow_list(categories)}\n"
        "---\n"
    )
    _check_loads(text, {"title": title, "author": author, "from": link,
                        "tags": list(tags), "categories": list(categories)})
    return text


def _inert_markup(text: str) -> str:
    """The text itself, unless as HTML it holds something unsafe (a theme may print a
    title unescaped): then each ``<`` that would start a tag is written as an entity."""
    if not TAG_START.search(text) or not holds_unsafe_markup(text):
        return text
    return TAG_START.sub("&lt;", text)


def quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


# A feed's posts share their author, tags and categories: each is judged once.
@lru_cache(maxsize=4096)
def scalar(text: str) -> str:
    """The text unquoted when YAML reads it back unchanged, else double-quoted."""
    return text if _loads_as(text, f"k: {text}", text) else quoted(text)


@lru_cache(maxsize=1024)
def flow_list(items: tuple[str, ...]) -> str:
    shown = [item if _loads_as(item, f"k: [ {item} ]", [item]) else quoted(item)
             for item in items]
    return "[ " + ", ".join(shown) + " ]"


def _loads_as(text: str, document: str, expected: object) -> bool:
    if not text or text != text.strip() or "\n" in text:
        return False
    try:
        return yaml.load(document, Loader=Loader) == {"k": expected}
    except yaml.YAMLError:
        return False


def _check_loads(text: str, expected: dict[str, object]) -> None:
    try:
        loaded = yaml.load(text.strip().strip("-"), Loader=Loader)
    except yaml.YAMLError as exc:
        raise EntryError(f"front matter would not load: {exc}") from None
    wrong = [key for key, value in expected.items() if loaded.get(key) != value]
    if wrong:
        raise EntryError(f"front matter would not load back: {', '.join(wrong)}")


def iso_date(ms: int) -> str:
    moment = datetime.fromtimestamp(ms // 1000, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


# ------------------------------------------------------------------ reading

@dataclass(frozen=True)
class Front:
    """What the archive reads of a post's front matter; None or "" where it says nothing."""

    link: str | None = None  # ``from:``, normalised
    feed: str = ""  # the first category: the feed, in this format
    title: str = ""
    date: datetime | None = None


def read_front(path: Path) -> Front:
    """The front matter of the post at ``path`` (nothing when it cannot be read)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(HEAD_BYTES).decode("utf-8", errors="replace")
    except OSError:
        return Front()
    return parse_front(head)


def parse_front(head: str) -> Front:
    """``read_front`` for the first few kilobytes of a post, as text."""
    if not head.startswith("---"):
        return Front()
    end = head.find("\n---", 3)
    front = head[: end if end > 0 else len(head)]
    fields: dict[str, str] = {}
    for key, value in FIELD.findall(front):
        fields.setdefault(key, value)
    category = FIRST_CATEGORY.search(front)
    link = _value(fields["from"]) if fields.get("from") else None
    return Front(link=(normalise(link) or link) if link else None,
                 feed=_value(category.group(1)) if category else "",
                 title=_value(fields.get("title", "")).strip(), date=_date(fields.get("date")))


def _value(raw: str) -> str:
    """A scalar as YAML reads it: quoted ones unescaped."""
    if raw[:1] not in ('"', "'"):
        return raw
    try:
        loaded = yaml.load(f"k: {raw}", Loader=Loader)
    except yaml.YAMLError:
        return raw.strip("\"'")
    return str(loaded["k"]) if isinstance(loaded, dict) and loaded["k"] is not None else ""


def _date(raw: str | None) -> datetime | None:
    if not raw:
        return None
    try:
        value = yaml.load(f"d: {raw}", Loader=Loader)["d"]
    except (yaml.YAMLError, TypeError, KeyError):
        return None
    if not isinstance(value, datetime):
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)
