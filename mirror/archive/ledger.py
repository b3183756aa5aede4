"""The archive's index file: one line per post mirror wrote (path, feed, guid, link).

Committed with the posts, because guids have no place in the post format and
because reading it is far quicker than reading every post. Lines are only
ever appended (a union of lines is always a valid index), so concurrent
runners' indexes merge; a line cut short by a killed run is dropped.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from mirror.errors import ArchiveError

INDEX_NAME = ".mirror-index.tsv"
INDEX_HEADER = "# mirror index v1: path, feed, guid, link of each archived entry; do not edit\n"
ESCAPES = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"}
UNESCAPES = {v: k for k, v in ESCAPES.items()}


@dataclass(frozen=True)
class IndexLine:
    path: str
    feed: str
    guid: str
    link: str

    def text(self) -> str:
        return "\t".join(_escape(f) for f in (self.path, self.feed, self.guid, self.link)) + "\n"


def read_index(path: Path) -> list[tuple[str, str, str, str]]:
    """(path, feed, guid, link) of every line; plain tuples, as there may be 100,000."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as exc:
        raise ArchiveError(f"{path}: cannot read the index: {exc}") from None
    if text and not text.endswith("\n"):
        text = _drop_cut_line(path, text)
    return parse_rows(text)


def parse_rows(text: str) -> list[tuple[str, str, str, str]]:
    """The lines of an index file's text; comments and damaged lines are skipped."""
    rows = []
    for row in text.splitlines():
        fields = row.split("\t")
        if len(fields) != 4 or row.startswith("#"):
            continue
        if "\\" in row:
            fields = [_unescape(field) for field in fields]
        rows.append((fields[0], fields[1], fields[2], fields[3]))
    return rows


def append_index(path: Path, lines: list[IndexLine]) -> None:
    """Append lines in one write, flushed to disk."""
    text = ("" if path.exists() else INDEX_HEADER) + "".join(line.text() for line in lines)
    try:
        with path.open("a", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        raise ArchiveError(f"{path}: cannot write the index: {exc}") from None


def _drop_cut_line(path: Path, text: str) -> str:
    """A line cut short by a killed run goes, so that the next append starts clean."""
    kept = text[: text.rfind("\n") + 1]
    with path.open("r+", encoding="utf-8") as handle:
        handle.truncate(len(kept.encode("utf-8")))
    return kept


def _escape(text: str) -> str:
    return re.sub(r"[\\\t\n\r]", lambda m: ESCAPES[m.group(0)], text)


def _unescape(text: str) -> str:
    return re.sub(r"\\[\\tnr]", lambda m: UNESCAPES[m.group(0)], text)
