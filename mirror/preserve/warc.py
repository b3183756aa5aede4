"""WARC records (ISO 28500, WARC/1.1), written byte for byte the same for the same inputs.

The web archives' own format: what ``keep_pages`` stores can be replayed by
the tools archivists use (pywb, ReplayWeb.page) as well as by ``mirror
reextract``. Each record is its own gzip member (as ``.warc.gz`` files are
made), with no time and no file name in the gzip header; the record's date
is the run's time and its ID is derived from what it holds, so the same
page fetched in the same run gives the same bytes.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import uuid
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus

VERSION = b"WARC/1.1"
CRLF = b"\r\n"


class WarcError(ValueError):
    """Bytes that are no WARC file mirror wrote."""


@dataclass(frozen=True)
class Record:
    """One record: its named fields, in order, and its block."""

    fields: tuple[tuple[str, str], ...]
    block: bytes

    def field(self, name: str) -> str | None:
        lowered = name.lower()
        return next((value for key, value in self.fields if key.lower() == lowered), None)


def record_id(*parts: str) -> str:
    """A record ID that is the same for the same parts, unique for different ones."""
    return f"<urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, chr(0).join(parts))}>"


def warc_date(ms: int) -> str:
    return datetime.fromtimestamp(ms // 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def digest(data: bytes) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode()


def http_response(status: int, headers: Sequence[tuple[str, str]], body: bytes) -> bytes:
    """An HTTP/1.1 response as a WARC ``response`` record's block."""
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = ""
    lines = [f"HTTP/1.1 {status} {reason}".rstrip()]
    lines += [f"{name}: {value}" for name, value in headers]
    lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace") + body


def split_http(block: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
    """(status, headers, body) of a ``response`` record's block."""
    head, separator, body = block.partition(b"\r\n\r\n")
    if not separator:
        raise WarcError("a response record without its HTTP head")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    parts = status_line.split(" ", 2)
    if len(parts) < 2 or not parts[1].isdigit():
        raise WarcError(f"not an HTTP status line: {status_line!r}")
    headers = [(name.strip(), value.strip()) for name, _, value in
               (line.partition(":") for line in lines)]
    return int(parts[1]), headers, body


def record(kind: str, fields: Sequence[tuple[str, str]], block: bytes,
           content_type: str) -> bytes:
    """One record, gzip-compressed on its own, with no time in the gzip header."""
    head = [("WARC-Type", kind), *fields, ("Content-Type", content_type),
            ("WARC-Block-Digest", digest(block)), ("Content-Length", str(len(block)))]
    text = VERSION + CRLF + b"".join(f"{k}: {v}".encode() + CRLF for k, v in head) + CRLF
    return gzip.compress(text + block + CRLF + CRLF, compresslevel=9, mtime=0)


def read(data: bytes) -> list[Record]:
    """The records of a ``.warc.gz`` (or plain ``.warc``) file."""
    try:
        plain = gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data
    except (OSError, EOFError, zlib.error) as exc:
        raise WarcError(f"cannot be decompressed: {exc}") from None
    records, at = [], 0
    while at < len(plain):
        one, at = _record_at(plain, at)
        records.append(one)
    return records


def _record_at(plain: bytes, at: int) -> tuple[Record, int]:
    end = plain.find(CRLF + CRLF, at)
    if not plain.startswith(VERSION + CRLF, at) or end < 0:
        raise WarcError(f"no WARC record at byte {at}")
    fields = []
    for line in plain[at + len(VERSION) + 2:end].decode("utf-8").split("\r\n"):
        name, _, value = line.partition(":")
        fields.append((name.strip(), value.strip()))
    found = Record(tuple(fields), b"")
    length = found.field("Content-Length")
    if length is None or not length.isdigit():
        raise WarcError("a record without its Content-Length")
    start = end + 4
    block = plain[start:start + int(length)]
    if len(block) != int(length):
        raise WarcError("a record cut short")
    return Record(found.fields, block), start + int(length) + 4
