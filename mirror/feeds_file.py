"""Adding feeds to feeds.yaml as a person would: every other byte of the file kept.

A round trip through a YAML library rewrites what it does not model (ruamel.yaml
turns ``[ RFA, 自由亚洲电台 ]`` into ``[RFA, 自由亚洲电台]``), so the new feeds are
inserted as text instead, at the place and in the style the list already has:

- a block list (``- name: ...``) gets items after its last item's last line, at the
  same indentation (comments after it, such as commented-out feeds, stay after it);
- a flow list (``[ {...}, {...} ]``) gets items before its ``]``;
- ``feeds:`` with nothing (or null) gets a block list; no ``feeds`` key, one at the end.

The result is checked: read back, it must hold exactly what the file held plus the
new feeds, else nothing is written. Line endings and a byte-order mark are kept.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from mirror.archive.atomic import atomic_write
from mirror.errors import ConfigError
from mirror.urls import identity, normalise

BOM = "\ufeff"
NEW_FILE = "# mirror: the feeds this repository archives; see mirror's README, \"feeds.yaml\".\n"
PLAIN = re.compile(r"[^\s#,\[\]{}&*!|>'\"%@`?:-][^#,\[\]{}]*")


@dataclass(frozen=True)
class NewFeed:
    """A feed to add: its name and its URL, as they will be written."""

    name: str
    url: str


@dataclass(frozen=True)
class Listed:
    """A feed as feeds.yaml writes it (``${NAME}`` not read), and its line."""

    name: str | None
    url: str | None
    line: int


def listed_feeds(text: str) -> list[Listed]:
    """The feeds a feeds.yaml text lists, as written; ConfigError when it is not YAML."""
    feeds = _feeds_node(_compose(text))
    if not isinstance(feeds, yaml.SequenceNode):
        return []
    listed = []
    for item in feeds.value:
        values: dict[str, str] = {}
        if isinstance(item, yaml.MappingNode):
            values = {k.value: v.value for k, v in item.value
                      if isinstance(k, yaml.ScalarNode) and isinstance(v, yaml.ScalarNode)}
        listed.append(Listed(values.get("name"), values.get("url"), item.start_mark.line + 1))
    return listed


def same_url(one: str, other: str) -> bool:
    """Whether two feed URLs name the same feed: as a browser requests them, the scheme
    and tracking parameters aside (the identity of a link, see ``mirror.urls``)."""
    first, second = normalise(one), normalise(other)
    if first is None or second is None:
        return one.strip() == other.strip()
    return identity(first) == identity(second)


def add_feeds(path: Path, feeds: Sequence[NewFeed]) -> list[int]:
    """Add the feeds to the feeds.yaml at path (created when missing), keeping every other
    byte of it; the line of each feed added. ConfigError when they cannot be added so."""
    raw = path.read_bytes().decode("utf-8") if path.exists() else NEW_FILE
    bom = raw.startswith(BOM)
    text = raw.removeprefix(BOM)
    new_text, lines = with_feeds(text, feeds)
    atomic_write(path, ((BOM if bom else "") + new_text).encode("utf-8"))
    return lines


def with_feeds(text: str, feeds: Sequence[NewFeed]) -> tuple[str, list[int]]:
    """The text with the feeds added, and the line of each; checked to hold exactly what
    it held plus the new feeds."""
    if not feeds:
        return text, []
    newline = "\r\n" if "\r\n" in text else "\n"
    root = _compose(text)
    if root is None:
        root_text = text + ("" if not text or text.endswith("\n") else newline)
        new_text = _append_key(root_text, feeds, newline)
    elif not isinstance(root, yaml.MappingNode):
        raise ConfigError("feeds.yaml: expected a mapping with a 'feeds' list; "
                          "add the feeds by hand")
    else:
        new_text = _insert(text, root, feeds, newline)
    _check_kept(text, new_text, feeds)
    return new_text, [item.line for item in listed_feeds(new_text)][-len(feeds):]


def _insert(text: str, root: yaml.MappingNode, feeds: Sequence[NewFeed],
            newline: str) -> str:
    entry = _feeds_entry(root)
    if entry is None:
        ended = text + ("" if not text or text.endswith(("\n", "\r")) else newline)
        return _append_key(ended, feeds, newline)
    key, value = entry
    if isinstance(value, yaml.SequenceNode) and value.flow_style:
        return _into_flow(text, value, feeds)
    if isinstance(value, yaml.SequenceNode) and value.value:
        return _into_block(text, value, feeds, newline)
    if isinstance(value, yaml.ScalarNode) and value.tag == "tag:yaml.org,2002:null":
        if value.end_mark.index > value.start_mark.index:  # `feeds: null` or `feeds: ~`
            start = value.start_mark.index
            while start > key.end_mark.index and text[start - 1] in " \t":
                start -= 1
            emptied = text[:start] + text[value.end_mark.index:]
            return _insert(emptied, _compose(emptied), feeds, newline)  # type: ignore[arg-type]
        at = _line_end(text, key.end_mark.index)
        indent = " " * (key.start_mark.column + 2)
        items = "".join(_block_item(feed, f"{indent}- ", f"{indent}  ", newline)
                        for feed in feeds)
        return text[:at] + items + text[at:]
    raise ConfigError("feeds.yaml: 'feeds' is not a list; add the feeds by hand")


def _append_key(text: str, feeds: Sequence[NewFeed], newline: str) -> str:
    items = "".join(_block_item(feed, "  - ", "    ", newline) for feed in feeds)
    return f"{text}feeds:{newline}{items}"


def _into_block(text: str, sequence: yaml.SequenceNode, feeds: Sequence[NewFeed],
                newline: str) -> str:
    """After the last item's last line, in the style of the list's items."""
    first, last = sequence.value[0], sequence.value[-1]
    dash = " " * sequence.start_mark.column
    gap = max(1, first.start_mark.column - sequence.start_mark.column - 1)
    if isinstance(first, yaml.MappingNode) and first.flow_style:
        items = "".join(f"{dash}-{' ' * gap}{_flow_item(feed)}{newline}" for feed in feeds)
    else:
        key_indent = " " * (sequence.start_mark.column + 1 + gap)
        items = "".join(_block_item(feed, f"{dash}-{' ' * gap}", key_indent, newline)
                        for feed in feeds)
    end = _content_end(last)
    while end > 0 and text[end - 1] in " \t\r\n":
        end -= 1
    at = _line_end(text, end)
    if at == len(text) and not text.endswith(("\n", "\r")):
        items = newline + items
    return text[:at] + items + text[at:]


def _into_flow(text: str, sequence: yaml.SequenceNode, feeds: Sequence[NewFeed]) -> str:
    """Before the ``]``: after the last item, on a line of its own when items are."""
    items = [_flow_item(feed) for feed in feeds]
    if not sequence.value:
        at = sequence.start_mark.index + 1  # after the [
        return text[:at] + ", ".join(items) + text[at:]
    last = sequence.value[-1]
    at = last.end_mark.index
    multiline = len({item.start_mark.line for item in sequence.value}) > 1 or \
        last.start_mark.line != sequence.start_mark.line
    if multiline:
        newline = "\r\n" if "\r\n" in text else "\n"
        indent = " " * last.start_mark.column
        joined = "".join(f",{newline}{indent}{item}" for item in items)
    else:
        joined = "".join(f", {item}" for item in items)
    return text[:at] + joined + text[at:]


def _block_item(feed: NewFeed, first: str, indent: str, newline: str) -> str:
    return (f"{first}name: {_scalar(feed.name, flow=False)}{newline}"
            f"{indent}url: {_scalar(feed.url, flow=False)}{newline}")


def _flow_item(feed: NewFeed) -> str:
    return f"{{name: {_scalar(feed.name, flow=True)}, url: {_scalar(feed.url, flow=True)}}}"


def _scalar(value: str, flow: bool) -> str:
    """The value as YAML reads it back exactly (and as feeds.yaml's ``${NAME}`` reading
    leaves it): plain when that is safe, else double-quoted."""
    value = value.replace("${", "$${")
    plain = bool(PLAIN.fullmatch(value)) and ": " not in value and " #" not in value and \
        not value.endswith((":", " ")) and (not flow or not re.search(r"[,\[\]{}]", value))
    if plain:
        try:
            plain = yaml.safe_load(f"k: {value}") == {"k": value}
        except yaml.YAMLError:
            plain = False
    return value if plain else json.dumps(value, ensure_ascii=False)


def _content_end(node: yaml.Node) -> int:
    """Where a node's own text ends: a block collection's end mark lies past the comments
    and blank lines that follow it, so its last leaf's end is taken instead."""
    if isinstance(node, yaml.MappingNode) and not node.flow_style and node.value:
        return _content_end(node.value[-1][1])
    if isinstance(node, yaml.SequenceNode) and not node.flow_style and node.value:
        return _content_end(node.value[-1])
    return int(node.end_mark.index)


def _line_end(text: str, index: int) -> int:
    """The start of the line after the one holding ``index``."""
    found = text.find("\n", index)
    return len(text) if found < 0 else found + 1


def _compose(text: str) -> yaml.Node | None:
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"feeds.yaml{where}: invalid YAML: {problem}") from None


def _feeds_entry(root: yaml.MappingNode) -> tuple[yaml.Node, yaml.Node] | None:
    for key, value in root.value:
        if isinstance(key, yaml.ScalarNode) and key.value == "feeds":
            return key, value
    return None


def _feeds_node(root: yaml.Node | None) -> yaml.Node | None:
    if not isinstance(root, yaml.MappingNode):
        return None
    entry = _feeds_entry(root)
    return entry[1] if entry else None


def _check_kept(before: str, after: str, feeds: Sequence[NewFeed]) -> None:
    """The new text holds what the old one held, plus the feeds, and nothing else."""
    old, new = _data(before), _data(after)
    added = [{"name": feed.name.replace("${", "$${"), "url": feed.url.replace("${", "$${")}
             for feed in feeds]
    expected = {**old, "feeds": [*(old.get("feeds") or []), *added]}
    if new != expected:
        raise ConfigError("feeds.yaml: the feeds could not be added without changing the "
                          "rest of the file; add them by hand")


def _data(text: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"feeds.yaml: invalid YAML: {exc}") from None
    return data if isinstance(data, dict) else {}
