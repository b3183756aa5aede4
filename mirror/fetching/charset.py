"""Bytes -> text, deciding the charset as browsers do.

Order: a byte-order mark; then the charset the HTTP header declares; then the
one the document declares (``<meta>`` or the XML declaration); then detection
(charset-normalizer). A declaration only wins when the bytes decode cleanly
with it, and never over bytes that are valid UTF-8 (real pages declare
``gb2312`` and send UTF-8). Labels map as in the WHATWG Encoding standard:
GB2312 and GBK decode as GB18030, Big5 as Big5-HKSCS, ISO-8859-1 as
windows-1252.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"))
SUPERSETS = {
    "gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "chinese": "gb18030",
    "csgb2312": "gb18030", "iso-ir-58": "gb18030", "gb_2312-80": "gb18030", "gb_2312": "gb18030",
    "big5": "big5hkscs", "big5-hkscs": "big5hkscs", "cn-big5": "big5hkscs", "x-x-big5": "big5hkscs",
    "csbig5": "big5hkscs", "shift_jis": "cp932", "sjis": "cp932", "shift-jis": "cp932",
    "windows-31j": "cp932", "x-sjis": "cp932", "ms_kanji": "cp932", "euc-kr": "cp949",
    "ks_c_5601-1987": "cp949", "ksc5601": "cp949", "iso-8859-1": "cp1252", "latin1": "cp1252",
    "us-ascii": "cp1252", "ascii": "cp1252", "iso-8859-9": "cp1254", "tis-620": "cp874",
    "x-mac-roman": "mac-roman", "unicode": "utf-16-le", "utf-16": "utf-16-le",
}
META_CHARSET = re.compile(
    rb"""<meta[^>]+?charset\s*=\s*["']?\s*([a-zA-Z0-9_:.+-]+)""", re.I)
XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([a-zA-Z0-9_:.+-]+)["']""")
HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?([a-zA-Z0-9_:.+-]+)""", re.I)
PRESCAN_BYTES = 4096
LATIN_SINGLE_BYTE = frozenset({
    "cp1250", "cp1252", "cp1254", "cp1257", "cp1258", "latin-1", "iso8859-1", "iso8859-2",
    "iso8859-3", "iso8859-4", "iso8859-9", "iso8859-10", "iso8859-13", "iso8859-14",
    "iso8859-15", "iso8859-16", "mac-roman", "mac-latin2", "cp437", "cp850", "cp858",
})


def decode(content: bytes, content_type: str | None = None) -> tuple[str, str]:
    """(text, codec name) for a document's bytes and its Content-Type header."""
    for bom, name in BOMS:
        if content.startswith(bom):
            return content[len(bom):].decode(name, errors="replace"), name
    declared = [label for label in (header_charset(content_type), document_charset(content))
                if label]
    if declared and _is_utf8(content):
        return content.decode("utf-8"), "utf-8"
    for label in declared:
        codec = codec_for(label)
        if codec:
            try:
                return content.decode(codec), codec
            except (UnicodeDecodeError, LookupError):
                continue
    return _detect(content, declared)


def header_charset(content_type: str | None) -> str | None:
    match = HEADER_CHARSET.search(content_type or "")
    return match.group(1) if match else None


def document_charset(content: bytes) -> str | None:
    head = content[:PRESCAN_BYTES]
    match = XML_ENCODING.match(head) or META_CHARSET.search(head)
    return match.group(1).decode("ascii") if match else None


def codec_for(label: str) -> str | None:
    """The Python codec for a charset label, preferring the superset browsers use."""
    label = label.strip().lower()
    label = SUPERSETS.get(label, label)
    try:
        info = codecs.lookup(label)
    except LookupError:
        return None
    # base64, hex, rot13, zlib... are codecs too, but not for text
    return info.name if getattr(info, "_is_text_encoding", True) else None


def _is_utf8(content: bytes) -> bool:
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _detect(content: bytes, declared: list[str]) -> tuple[str, str]:
    if _is_utf8(content):
        return content.decode("utf-8"), "utf-8"
    codec = None
    for match in from_bytes(content):  # best first; not UTF-8, which was just ruled out
        codec = codec_for(match.encoding)
        if codec and codec not in ("utf-8", "ascii"):
            break
        codec = None
    if codec in LATIN_SINGLE_BYTE:
        # Telling one Latin single-byte code page from another is guesswork; browsers
        # read undeclared Latin text as windows-1252, and so does mirror.
        codec = "cp1252"
    if codec is None:
        codec = next((c for c in map(codec_for, declared) if c), "cp1252")
    return content.decode(codec, errors="replace"), codec


def to_utf8_xml(content: bytes, content_type: str | None) -> tuple[bytes, str]:
    """A feed's bytes as UTF-8, its XML declaration saying so, and the codec it had."""
    text, codec = decode(content, content_type)
    text = re.sub(r"""^(\s*<\?xml[^>]*?encoding\s*=\s*["'])[^"']+(["'])""", r"\1utf-8\2",
                  text, count=1)
    return text.encode("utf-8"), codec
