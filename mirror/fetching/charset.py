"""Bytes -> text, deciding the charset as browsers do, and never into mojibake.

Order: a byte-order mark; then the charset the HTTP header declares; then the
one the document declares (``<meta>`` or the XML declaration); then detection.
Bytes that are valid UTF-8, or nearly (a character cut in half here and there),
are UTF-8 whatever the declarations say: real pages declare ``gb2312`` and send
UTF-8. A declaration wins only when the bytes decode with it cleanly and into
plausible text; a stray broken character (titles cut at a byte count, as
Chinese CMSs do) is tolerated and shown as U+FFFD, as browsers do. Labels map as
in the WHATWG Encoding standard: GB2312 and GBK decode as GB18030, Big5 as
Big5-HKSCS, ISO-8859-1 as windows-1252.

Plausible: the legacy CJK encodings decode one another's bytes without an
error (GB2312 text reads as Big5, EUC-KR as GB18030, EUC-JP kana as GB2312
kana), and a single-byte code page decodes anything. So a reading is judged by
its text: in real Chinese, Japanese or Korean a few characters (的 是 不, 日 人,
이 다 는) carry a large share of the text, while a misreading scatters over
the repertoire. Among the CJK readings the most fluent wins. A document whose
language is Chinese, Japanese or Korean (its feed's ``<language>``, its own
``lang``), or whose bytes read fluently as CJK, is never taken as a Latin or
Cyrillic code page. When no reading is plausible, ``Undecodable`` says so:
the caller reports it instead of archiving garbled text.

What the run already knows comes in as a ``CharsetHint``: the feed's language
and, for an article page, the encoding of its feed; the document's own
``lang`` counts too. Hints order the candidates, break near-ties and decide
what too little text cannot (a name of three characters); they never override
what the text shows.
"""

from __future__ import annotations

import codecs
import functools
import re
from dataclasses import dataclass

from mirror.errors import PageGone
from mirror.models import Page, RawPage
from mirror.urls import redact

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
# Where documents say their language, and how its value follows: <html lang>, xml:lang,
# a content-language <meta>, RSS <language> and <dc:language>. Each marker is found
# literally (fast), then its value read.
_TAG = rb"""["']?\s*([a-z]{2,3}(?:[-_][a-z0-9]{1,8})*)"""
LANGUAGE_MARKERS = (
    (b"<html", re.compile(rb"""\s[^>]*?(?<![\w:-])lang\s*=\s*""" + _TAG)),
    (b"xml:lang", re.compile(rb"""\s*=\s*""" + _TAG)),
    (b"content-language", re.compile(rb"""[^>]*?\bcontent\s*=\s*""" + _TAG)),
    (b"<language>", re.compile(rb"""\s*""" + _TAG)),
    (b"<dc:language>", re.compile(rb"""\s*""" + _TAG)),
)
PRESCAN_BYTES = 4096
LANGUAGE_PRESCAN_BYTES = 16384
LATIN_SINGLE_BYTE = frozenset({
    "cp1250", "cp1252", "cp1254", "cp1257", "cp1258", "latin-1", "iso8859-1", "iso8859-2",
    "iso8859-3", "iso8859-4", "iso8859-9", "iso8859-10", "iso8859-13", "iso8859-14",
    "iso8859-15", "iso8859-16", "mac-roman", "mac-latin2", "cp437", "cp850", "cp858",
})

# The legacy CJK encodings detection tries, in the order that breaks exact ties.
CJK_CODECS = ("gb18030", "big5hkscs", "euc_jp", "cp932", "cp949")
# What each language's pages are likely in, most likely first.
LANGUAGE_CODECS = {"zh-hant": ("big5hkscs", "gb18030"), "zh": ("gb18030", "big5hkscs"),
                   "ja": ("cp932", "euc_jp"), "ko": ("cp949",)}
# The script each CJK encoding is made for: GB2312 has kana and Big5 has kana too, but
# Japanese text is in Japanese encodings.
NATIVE_SCRIPTS = {"gb18030": "zh", "big5hkscs": "zh", "euc_jp": "ja", "cp932": "ja",
                  "cp949": "ko"}
# What a feed's own legacy encoding says about its language, when it declares none.
CODEC_LANGUAGES = {"gb18030": "zh-CN", "big5hkscs": "zh-TW", "cp950": "zh-TW",
                   "cp932": "ja", "euc_jp": "ja", "shift_jis": "ja", "iso2022_jp": "ja",
                   "cp949": "ko", "euc_kr": "ko"}

# The commonest characters of each script: 100 of Chinese (and their traditional
# forms), 79 Japanese kanji, 40 kana, 26 Hangul syllables. The lists are
# charset-normalizer's (MIT), which derives them from Wikipedia frequency counts.
TOP_HAN = re.compile("[" +
    "的一是不了在人有我他这个们中来上大为和国地到以说时要就出会可也你对生能而子那得于着下自之"
    "年过发后作里用道行所然家种事成方多经么去法学如都同现当没动面起看定天分还进好小部其些主样"
    "理心她本前开但因只从想实"
    "這個們來為國說時會對於著過發後裡裏種麼經學現當沒動還進樣實從開與"
    "日二本長出三見月五間東四今金九入高円外八六気七山話女北午百書先名川千水半男西電校語土木"
    "聞食車何南万毎白母火右読友左休父雨" + "]+")
TOP_KANA = re.compile("[のにるたとはしいをでてがなれからさっりすあもこまうくよきんめおけ"
                      "ーンスルトリイアラックドシレジタフロカテマ]+")
TOP_HANGUL = re.compile("[이다에의는로하을가고지서한은기으년대사시를리도인스일]+")
HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff]+")
KANA = re.compile("[\u3041-\u30ff]+")
HANGUL = re.compile("[\uac00-\ud7a3]+")
# Letters of alphabets: Latin, Greek, Cyrillic, Hebrew, Arabic, Thai; half-width katakana
OTHER_LETTERS = re.compile(
    "[\u00c0-\u024f\u0370-\u052f\u0590-\u06ff\u0e00-\u0e7f\u1e00-\u1fff\uff66-\uff9d]+")
JUNK = re.compile("[\x80-\x9f\ue000-\uf8ff\U000f0000-\U0010ffff]+")

NON_ASCII = re.compile(r"[^\x00-\x7f]+")
ASCII_RUNS = re.compile(r"[\x00-\x7f]+")
MAX_PROFILED_CHARS = 1_000  # non-ASCII characters a reading is judged on: plenty
SAMPLE_CHARS = 16_384  # the first stretch of a reading looked at for them (grown if need be)
PROBE_BYTES = 16_384  # detection reads this much with each candidate encoding
MIN_JUDGED_CHARS = 30  # below this a fluency figure is noise: ask for one common character
FLUENT = 0.10  # real CJK text: 0.15-0.6 of its characters are the commonest; misreadings <0.09
HINT_MARGIN = 0.8  # a hinted encoding wins when this close to the most fluent one
MAX_ERROR_SHARE = 0.02  # broken characters tolerated, as a share of the non-ASCII ones
MAX_STRAY_ERRORS = 2
UTF8_VALID_PER_ERROR = 20  # "nearly UTF-8": at least this many good characters per bad one
UTF8_WINDOW_BYTES = 16_384
NON_ASCII_BYTE = re.compile(rb"[\x80-\xff]")
MIN_PAIRED_CHARS = 8


@dataclass(frozen=True)
class CharsetHint:
    """What the run already knows about a document: its feed's language (``zh-CN``,
    ``zh-TW``, ``ja``...) and, for an article page, the encoding its feed was in."""

    language: str | None = None
    encoding: str | None = None


class Undecodable(ValueError):
    """No charset reads the bytes as plausible text; decoding would archive mojibake."""


@dataclass(frozen=True)
class Reading:
    """A document's text read with one codec, and how plausible that text is."""

    codec: str
    text: str
    errors: int  # U+FFFD, C1 controls, private-use and unassigned characters
    non_ascii: int
    script: str | None  # "zh", "ja", "ko"; None when the text is not mostly CJK
    fluency: float  # share of the script's commonest characters
    judged: int  # how many characters the fluency was measured on
    # Non-ASCII characters mostly in runs of three or more, as CJK bytes read one by one
    # are (and Cyrillic or Greek words); accented Latin letters mostly stand alone.
    paired: bool
    complete: bool = True  # False: read from a stretch of the document only

    @property
    def clean(self) -> bool:
        return self.errors <= MAX_STRAY_ERRORS + MAX_ERROR_SHARE * self.non_ascii

    @property
    def fluent(self) -> bool:
        """Reads as real CJK text. On a few characters, a share means little: then one
        common character and no flaw."""
        if self.script is None:
            return False
        if self.judged_enough:
            return self.clean and self.fluency >= FLUENT
        return self.errors == 0 and self.common >= 1

    @property
    def common(self) -> int:
        """How many of the judged characters are among the commonest."""
        return round(self.fluency * self.judged)

    @property
    def native(self) -> bool:
        """Text in the script its encoding is made for (Japanese in EUC-JP, not in GB2312)."""
        return NATIVE_SCRIPTS.get(self.codec) == self.script

    @property
    def telling(self) -> bool:
        """Fluent enough to show the encoding, broken characters or not."""
        return self.script is not None and self.judged_enough and self.fluency >= FLUENT

    @property
    def judged_enough(self) -> bool:
        return self.judged >= MIN_JUDGED_CHARS

    @property
    def cjk(self) -> bool:
        """Evidently CJK text: enough of it, clean or fluent (then damaged); or a little
        without a flaw (Cyrillic or Greek words of odd length break a CJK reading)."""
        if self.script is None:
            return False
        if self.judged_enough:
            return self.clean or self.telling
        return self.errors == 0


def decode(content: bytes, content_type: str | None = None,
           hint: CharsetHint | None = None) -> tuple[str, str]:
    """(text, codec name) for a document's bytes, its Content-Type header and what the
    run knows about it (``hint``).

    Raises Undecodable when no charset gives plausible text."""
    for bom, name in BOMS:
        if content.startswith(bom):
            return content[len(bom):].decode(name, errors="replace"), name
    if content.isascii():
        return content.decode("ascii"), "utf-8"
    utf8 = _utf8(content)
    if utf8 is not None:
        return utf8, "utf-8"
    declared = [codec for codec in map(codec_for, _labels(content_type, content))
                if codec and not codec.startswith(("utf-8", "utf-16"))]
    # not UTF-8 (seen above); UTF-16 without a byte-order mark never is
    return _Decision(content, hint).decide(declared)


def _labels(content_type: str | None, content: bytes) -> list[str]:
    return [label for label in (header_charset(content_type), document_charset(content))
            if label]


def header_charset(content_type: str | None) -> str | None:
    match = HEADER_CHARSET.search(content_type or "")
    return match.group(1) if match else None


def document_charset(content: bytes) -> str | None:
    head = content[:PRESCAN_BYTES]
    match = XML_ENCODING.match(head) or META_CHARSET.search(head)
    return match.group(1).decode("ascii") if match else None


def document_language(content: bytes) -> str | None:
    """The language a document declares: ``<html lang>``, ``xml:lang``, a
    content-language ``<meta>``, or a feed's ``<language>``: the first one found."""
    head = content[:LANGUAGE_PRESCAN_BYTES].lower()
    found = []
    for marker, value in LANGUAGE_MARKERS:
        at = head.find(marker)
        if at >= 0:
            match = value.match(head, at + len(marker))
            if match:
                found.append((at, match.group(1).decode("ascii")))
    return min(found)[1] if found else None


def language_of_codec(codec: str | None) -> str | None:
    """The language a legacy CJK encoding implies (a GB2312 feed is Chinese)."""
    return CODEC_LANGUAGES.get(codec or "")


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


def to_utf8_xml(content: bytes, content_type: str | None,
                hint: CharsetHint | None = None) -> tuple[bytes, str]:
    """A feed's bytes as UTF-8, its XML declaration saying so, and the codec it had.

    Raises Undecodable when no charset gives plausible text."""
    text, codec = decode(content, content_type, hint)
    text = re.sub(r"""^(\s*<\?xml[^>]*?encoding\s*=\s*["'])[^"']+(["'])""", r"\1utf-8\2",
                  text, count=1)
    return text.encode("utf-8"), codec


def _utf8(content: bytes) -> str | None:
    """The text when the bytes are UTF-8: valid, or broken in a few places only (judged
    on the stretch where the non-ASCII bytes start)."""
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError as error:
        start = error.start
    first = NON_ASCII_BYTE.search(content)
    begin = first.start() if first else start
    window = content[begin:begin + UTF8_WINDOW_BYTES].decode("utf-8", errors="replace")
    if not _nearly_valid(window):
        return None
    text = content.decode("utf-8", errors="replace")
    return text if _nearly_valid(text) else None


def _nearly_valid(utf8: str) -> bool:
    broken = utf8.count("\ufffd")
    good = len(utf8) - len(utf8.encode("ascii", "ignore")) - broken
    return good >= UTF8_VALID_PER_ERROR * broken


def _language_key(language: str | None) -> str | None:
    """zh-hant, zh, ja or ko for a language tag; None for the rest."""
    if not language:
        return None
    tag = language.strip().lower().replace("_", "-")
    primary, _, rest = tag.partition("-")
    if primary in ("zh", "chi", "zho", "cmn", "yue"):
        traditional = any(part in ("hant", "tw", "hk", "mo") for part in rest.split("-"))
        return "zh-hant" if traditional or primary == "yue" else "zh"
    if primary in ("ja", "jpn", "jp"):
        return "ja"
    if primary in ("ko", "kor", "kr"):
        return "ko"
    return None


@dataclass(frozen=True)
class _Expected:
    """The CJK script a document is known to be in, and its likeliest encodings."""

    script: str | None  # "zh", "ja", "ko"
    codecs: tuple[str, ...]


def _expected(hint: CharsetHint | None, content: bytes) -> _Expected:
    hinted: list[str] = []
    if hint and hint.encoding:
        codec = codec_for(hint.encoding)
        if codec in CJK_CODECS:
            hinted.append(codec)
    keys = [_language_key(document_language(content)),
            _language_key(hint.language if hint else None),
            _language_key(language_of_codec(hinted[0] if hinted else None))]
    key = next((k for k in keys if k), None)
    if key:
        hinted.extend(LANGUAGE_CODECS[key])
    script = key.partition("-")[0] if key else None
    return _Expected(script=script, codecs=tuple(dict.fromkeys(hinted)))


def _read(content: bytes, codec: str) -> Reading:
    return _judge(codec, _decoded(content, codec))


def _decoded(content: bytes, codec: str) -> str:
    """The bytes read with a codec, broken sequences as U+FFFD. GB18030's A3A0 is the
    full-width space of GBK pages; Python reads it as a private-use character, browsers
    (the WHATWG index) as U+3000."""
    text = content.decode(codec, errors="replace")
    return text.replace("\ue5e5", "\u3000") if codec == "gb18030" else text


def _judge(codec: str, text: str, complete: bool = True) -> Reading:
    """Measure a reading: broken characters, its script, and how fluent it is."""
    chars = _non_ascii_sample(text)
    non_ascii = len(text) - len(text.encode("ascii", "ignore"))
    junk = _count(JUNK, chars)  # C1 controls, private use: no real text has them
    errors = text.count("\ufffd") + round(junk * non_ascii / max(1, len(chars)))
    script, common, judged = _script(chars, japanese_codec=NATIVE_SCRIPTS.get(codec) == "ja")
    paired = script is None and non_ascii >= MIN_PAIRED_CHARS and _in_runs(text)
    return Reading(codec=codec, text=text, errors=errors, non_ascii=non_ascii, script=script,
                   fluency=common / judged if judged else 0.0, judged=judged, paired=paired,
                   complete=complete)


def _non_ascii_sample(text: str) -> str:
    """The first non-ASCII characters of a text, enough of them to judge it."""
    size = SAMPLE_CHARS
    while True:
        chars = ASCII_RUNS.sub("", text[:size])
        if len(chars) >= MAX_PROFILED_CHARS or size >= len(text):
            return chars[:MAX_PROFILED_CHARS]
        size *= 4


def _in_runs(text: str) -> bool:
    """Whether most non-ASCII characters come in runs of three or more."""
    runs = NON_ASCII.findall(text, 0, SAMPLE_CHARS * 4)
    return sum(len(run) for run in runs if len(run) >= 3) * 2 > sum(map(len, runs))


def _count(pattern: re.Pattern[str], text: str) -> int:
    """How many characters of ``text`` the (run-matching) pattern covers."""
    return sum(map(len, pattern.findall(text)))


def _script(chars: str, japanese_codec: bool) -> tuple[str | None, int, int]:
    """(script, commonest characters, characters judged) of a reading's non-ASCII text.

    Japanese read with a non-Japanese codec is judged on its kanji only: EUC-JP kana
    read as GB2312 are still the same kana, so only the kanji tell the two readings
    apart. Read with a Japanese codec, its kana count too (Shift_JIS and EUC-JP do
    not read each other's kana), so a page of katakana and rare kanji still reads."""
    han, kana, hangul = _count(HAN, chars), _count(KANA, chars), _count(HANGUL, chars)
    cjk = han + kana + hangul
    if not cjk or cjk < _count(OTHER_LETTERS, chars):
        return None, 0, 0
    if hangul * 2 >= cjk:
        return "ko", _count(TOP_HANGUL, chars), hangul
    if kana * 10 >= cjk:
        common_han = _count(TOP_HAN, chars)
        if han >= MIN_JUDGED_CHARS and not japanese_codec:
            return "ja", common_han, han
        return "ja", common_han + _count(TOP_KANA, chars), han + kana
    return "zh", _count(TOP_HAN, chars), han


def _cjk_readings(content: bytes, expected: _Expected) -> list[Reading]:
    """The text where the non-ASCII bytes start, read with each CJK encoding, the
    expected ones first. All of them: hiragana in EUC-JP are the commonest Chinese
    characters in Big5, so a fluent reading may still lose to a more fluent one."""
    probe = _probe(content)
    return [_judge(codec, _decoded(probe, codec), complete=probe == content)
            for codec in dict.fromkeys(expected.codecs + CJK_CODECS)]


def _probe(content: bytes) -> bytes:
    """A stretch of the content to try encodings on: from its first non-ASCII byte (the
    start of a character in any of them) to a byte below 0x40 (never inside one)."""
    first = NON_ASCII_BYTE.search(content)
    begin = first.start() if first else 0
    probe = content[begin:begin + PROBE_BYTES]
    if begin + PROBE_BYTES < len(content):
        end = max(probe.rfind(byte) for byte in (b"<", b">", b" ", b"\n"))
        probe = probe[:end + 1] if end > 0 else probe
    return probe


def _most_fluent(readings: list[Reading], preferred: tuple[str, ...]) -> Reading | None:
    """The most fluent reading, in its own script's encoding if one reads fluently; a
    preferred (declared, hinted) one when nearly as fluent."""
    fluent = [r for r in readings if r.fluent]
    fluent = [r for r in fluent if r.native] or fluent
    if not fluent:
        return None
    best = max(fluent, key=lambda r: r.fluency)  # the first of equals: the expected one
    for codec in preferred:
        for reading in fluent:
            if reading.codec == codec and reading.fluency >= HINT_MARGIN * best.fluency:
                return reading
    return best


class _Decision:
    """Which reading of a document to take; the CJK readings are made once, when needed."""

    def __init__(self, content: bytes, hint: CharsetHint | None) -> None:
        self.content = content
        self.hint = hint
        self._cjk: list[Reading] | None = None

    @functools.cached_property
    def expected(self) -> _Expected:
        return _expected(self.hint, self.content)

    @property
    def cjk_readings(self) -> list[Reading]:
        if self._cjk is None:
            self._cjk = _cjk_readings(self.content, self.expected)
        return self._cjk

    def decide(self, declared: list[str]) -> tuple[str, str]:
        """The first declaration that reads plausibly, else the most fluent CJK reading (a
        declared one preferred), else a clean declared CJK reading that nothing beats,
        else a single-byte code page if nothing says the text is CJK."""
        unproven: list[Reading] = []  # declared, clean, CJK, but not shown fluent
        for codec in declared:
            reading = _read(self.content, codec)
            if not reading.clean:
                continue
            if reading.script is not None:
                if reading.fluent and reading.judged_enough and reading.native:
                    return reading.text, codec
                unproven.append(reading)
            elif self._plausible_single_byte(reading):
                return reading.text, codec
        preferred = tuple(r.codec for r in unproven) + self.expected.codecs
        best = _most_fluent(unproven + self.cjk_readings, preferred)
        if best is not None:
            return self._whole(best)
        damaged = next((r for r in self.cjk_readings if r.telling), None)
        if damaged is not None:
            raise _damaged(damaged)
        if unproven:  # the declaration stands where the text cannot tell
            return unproven[0].text, unproven[0].codec
        hinted = next((r for r in self.cjk_readings if r.codec in self.expected.codecs
                       and r.script is not None and r.errors == 0), None)
        if hinted is not None:  # so does the hint: a flawless reading in its encoding
            return self._whole(hinted)
        return self._single_byte()

    def _plausible_single_byte(self, reading: Reading) -> bool:
        """Accented letters here and there are a Latin page; letters in runs are Cyrillic
        or Greek words, or CJK bytes read one by one: never the latter."""
        if not reading.paired:
            return True
        if self.expected.script is not None:
            return False
        return not any(r.cjk for r in self.cjk_readings)

    def _single_byte(self) -> tuple[str, str]:
        """A single-byte code page, when no CJK reading is evident and none is expected."""
        cjk = next((r for r in self.cjk_readings if r.cjk), None)
        if cjk is None:
            text, codec = _single_byte(self.content)
            reading = _judge(codec, text)
            if reading.script is None and self._plausible_single_byte(reading):
                return text, codec
        script = self.expected.script or (cjk.script if cjk else None)
        raise Undecodable(f"no charset reads it as plausible {_script_name(script)} text "
                          f"(a mixed, damaged or unknown encoding)")

    def _whole(self, reading: Reading) -> tuple[str, str]:
        """The whole document in the encoding a reading of its start chose."""
        if not reading.complete:
            reading = _read(self.content, reading.codec)
            if not reading.clean:
                raise _damaged(reading)
        return reading.text, reading.codec


def _damaged(reading: Reading) -> Undecodable:
    return Undecodable(f"it reads as {_script_name(reading.script)} only in {reading.codec}, "
                       f"where {reading.errors} of its {reading.non_ascii} characters are "
                       f"broken (a damaged or mixed encoding)")


def _single_byte(content: bytes) -> tuple[str, str]:
    """Neither UTF-8 nor CJK: charset-normalizer's guess among the single-byte code pages."""
    from charset_normalizer import from_bytes  # imported here: most runs never need it

    codec = None
    for match in from_bytes(content):  # best first; not UTF-8, which was ruled out
        codec = codec_for(match.encoding)
        if codec and codec not in ("utf-8", "ascii"):
            break
        codec = None
    if codec is None or codec in LATIN_SINGLE_BYTE:
        # Telling one Latin single-byte code page from another is guesswork; browsers
        # read undeclared Latin text as windows-1252, and so does mirror.
        codec = "cp1252"
    return content.decode(codec, errors="replace"), codec


def _script_name(script: str | None) -> str:
    return {"zh": "Chinese", "ja": "Japanese", "ko": "Korean"}.get(script or "", "CJK")


def decode_page(raw: RawPage, hint: CharsetHint | None = None) -> Page:
    """An article page's text; PageGone when no charset reads it as plausible text (it
    is never archived garbled)."""
    try:
        text, charset = decode(raw.content, raw.content_type, hint)
    except Undecodable as undecodable:
        raise PageGone(f"{redact(raw.url)}: {undecodable}") from None
    return Page(url=raw.url, html=text, charset=charset)
