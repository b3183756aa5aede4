"""Append-only tab-separated ledgers: the kept images' manifest and the changes ledger.

Like the archive's index (``archive.ledger``): one line per record, fields
escaped so that a tab or a line break inside one cannot split it, lines only
ever appended (a union of two files' lines is a valid file, so runners'
ledgers merge), and a line cut short by a killed run dropped.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from mirror.errors import ArchiveError

ESCAPES = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"}
UNESCAPES = {v: k for k, v in ESCAPES.items()}


def line(fields: Sequence[str]) -> str:
    """One record as a line of the file."""
    return "\t".join(re.sub(r"[\\\t\n\r]", lambda m: ESCAPES[m.group(0)], f)
                     for f in fields) + "\n"


def parse(text: str, width: int) -> list[tuple[str, ...]]:
    """The records of a file's text with ``width`` fields; comments and damaged lines and a
    last line without its line break (cut short) are skipped."""
    if text and not text.endswith("\n"):
        text = text[: text.rfind("\n") + 1]
    rows = []
    for row in text.splitlines():
        fields = row.split("\t")
        if row.startswith("#") or len(fields) != width:
            continue
        if "\\" in row:
            fields = [re.sub(r"\\[\\tnr]", lambda m: UNESCAPES[m.group(0)], f) for f in fields]
        rows.append(tuple(fields))
    return rows


def read(path: Path, width: int) -> list[tuple[str, ...]]:
    try:
        return parse(path.read_text(encoding="utf-8"), width)
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as exc:
        raise ArchiveError(f"{path}: cannot read: {exc}") from None


def append(path: Path, header: str, rows: Iterable[Sequence[str]]) -> bool:
    """Append the rows in one write, flushed to disk (the header first in a new file; a
    line a killed run cut short is dropped first); whether anything was written."""
    text = "".join(line(row) for row in rows)
    if not text:
        return False
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fresh = _drop_cut_line(path)
        with path.open("a", encoding="utf-8", newline="\n") as handle:
            handle.write((header if fresh else "") + text)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        raise ArchiveError(f"{path}: cannot write: {exc}") from None
    return True


def _drop_cut_line(path: Path) -> bool:
    """Cut a last line left without its line break; whether the file is new or empty."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return True
    if size == 0:
        return True
    with path.open("r+b") as handle:
        handle.seek(size - 1)
        if handle.read(1) == b"\n":
            return False
        handle.seek(0)
        data = handle.read()
        handle.truncate(data.rfind(b"\n") + 1)
    return data.rfind(b"\n") < 0
