"""The charset cases shared by tests/test_charset.py and benchmarks/charset.py: documents
with their declaration removed, right, wrong, or with characters cut in half."""

from __future__ import annotations

import re

# The true encoding of each folder (chardet's "Expect:"), as the codec mirror reads it with.
FOLDER_CODECS = {"chardet-GB2312": "gb18030", "chardet-Big5": "big5hkscs",
                 "chardet-EUC-JP": "euc_jp", "chardet-SHIFT_JIS": "cp932",
                 "chardet-CP932": "cp932", "chardet-EUC-KR": "cp949", "chardet-CP949": "cp949",
                 "rss-parser": "gb18030"}
RSSANT_CODECS = {"big5.xml": "big5hkscs", "gb2312:gb18030.xml": "gb18030",
                 "gbk:gb18030.json": "gb18030", "euc-jp.xml": "euc_jp",
                 "euc-kr:cp949.xml": "cp949", "shift-jis.xml": "cp932"}
LABELS = {"gb18030": "gbk", "big5hkscs": "big5", "euc_jp": "euc-jp", "cp932": "shift_jis",
          "cp949": "euc-kr", "utf-8": "utf-8"}
# A declaration that reads the bytes without an error but into the wrong CJK text.
CONFUSABLE = {"gb18030": "big5", "big5hkscs": "gb2312", "euc_jp": "gb2312", "cp932": "euc-jp",
              "cp949": "gb2312", "utf-8": "gb2312"}
META = re.compile(rb"<meta[^>]+charset\s*=[^>]*>", re.I)
XML_ENCODING = re.compile(rb"""^(\s*<\?xml[^>]*?)\s+encoding\s*=\s*["'][^"']*["']""")
def undeclared(data: bytes) -> bytes:
    return XML_ENCODING.sub(rb"\1", META.sub(b"", data), count=1)


def declared(data: bytes, label: str) -> bytes:
    """The (undeclared) document declaring ``label``: in its XML declaration, else a <meta>."""
    if data.lstrip().startswith(b"<?xml"):
        return re.sub(rb"^(\s*<\?xml)", rb'\1 encoding="' + label.encode() + b'"', data, count=1)
    meta = b'<meta http-equiv="Content-Type" content="text/html; charset=' + label.encode() + b'">'
    head = re.search(rb"<head[^>]*>", data, re.I)
    return data[:head.end()] + meta + data[head.end():] if head else meta + data


def cut_characters(data: bytes) -> bytes:
    """Drop the last byte of a few characters right before a tag, as CMSs that cut titles
    at a byte count do: up to three broken characters, one in 200 at most."""
    ends = [match.end() - 1 for match in re.finditer(rb"[\x80-\xff]{2}<", data)]
    cuts = min(3, len(data.translate(None, bytes(range(128)))) // 400)
    if not ends or not cuts:
        return data
    step = max(1, len(ends) // (cuts + 1))
    out = bytearray(data)
    for end in reversed(ends[step::step][:cuts]):
        del out[end - 1]
    return bytes(out)


def same_text(decoded: str, data: bytes, codec: str) -> bool:
    """``decoded`` is ``data`` read with ``codec`` (or a superset differing in a few marks,
    like cp950's and Big5-HKSCS's tildes), broken characters apart."""
    truth = data.decode(codec, errors="replace").replace("\ue5e5", "\u3000").lstrip("\ufeff")
    if decoded == truth:
        return True
    if len(decoded) != len(truth):
        return False
    differ = sum(a != b for a, b in zip(decoded, truth, strict=True))
    return differ <= max(2, (len(truth) - len(truth.encode("ascii", "ignore"))) // 50)
