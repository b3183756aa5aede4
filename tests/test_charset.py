"""Bytes -> text: real Chinese pages and CJK feeds with their charset declared rightly,
wrongly or not at all, with characters cut in half, and fetched (``fetch_raw``, then
``decode_page``)."""

from __future__ import annotations

import asyncio
import html
import re
from pathlib import Path

import httpx
import pytest

from mirror.errors import PageGone
from mirror.fetching.article_page import fetch_raw
from mirror.fetching.charset import CharsetHint, Undecodable, decode, decode_page, document_language
from mirror.fetching.http import Http, Limits
from tests.charset_cases import (
    CONFUSABLE,
    FOLDER_CODECS,
    LABELS,
    RSSANT_CODECS,
    cut_characters,
    declared,
    same_text,
    undeclared,
)
from tests.conftest import SHARED, shared

ZH = SHARED / "corpus" / "zh"
FEEDS = SHARED / "corpus" / "feeds"
CJK_RUN = re.compile(r"[\u3400-\u9fff]{4,}")
NOT_CJK = re.compile(r"[^\u3400-\u9fff]+")


def listed(folder: Path, pattern: str) -> list[str]:
    """File names for parametrising; none (a skipped test) when ../shared is absent."""
    return sorted(path.name for path in folder.glob(pattern)) if folder.exists() else []


def cjk_feeds() -> list[str]:
    if not FEEDS.exists():
        return []
    found = [f"{path.parent.name}/{path.name}"
             for path in sorted((FEEDS / "nonutf8-cjk").rglob("*")) if path.is_file()]
    return found + [f"zh-rssant/{name}" for name in RSSANT_CODECS]


def variants(data: bytes, codec: str, media_type: str) -> dict[str, tuple[bytes, str]]:
    """The document as servers send it: declared rightly, wrongly, or not at all."""
    bare = undeclared(data)
    return {
        "undeclared": (bare, media_type),
        "right": (declared(bare, LABELS[codec]), media_type),
        "right in the header": (bare, f"{media_type}; charset={LABELS[codec]}"),
        "latin-1 declared": (declared(bare, "iso-8859-1"), media_type),
        "utf-8 in the header": (bare, f"{media_type}; charset=utf-8"),
        "another CJK charset declared": (declared(bare, CONFUSABLE[codec]), media_type),
        "undeclared, titles cut": (cut_characters(bare), media_type),
        "latin-1 declared, titles cut": (cut_characters(declared(bare, "iso-8859-1")), media_type),
    }


def truth_found(decoded: str, truth: str) -> float:
    """The share of the ground truth's runs of CJK characters the decoded page holds."""
    page = NOT_CJK.sub("", html.unescape(decoded))
    runs = CJK_RUN.findall(re.sub(r"\s+", "", truth))
    return sum(run in page for run in runs) / len(runs)


@pytest.mark.parametrize("name", listed(ZH / "html", "*.html"))
def test_chinese_pages_read_right_however_declared(name: str) -> None:
    data = shared("corpus", "zh", "html", name).read_bytes()
    truth = shared("corpus", "zh", "text", name.replace(".html", ".txt")).read_text("utf-8")
    codec = "utf-8" if is_utf8(data) else "gb18030"
    for variant, (body, content_type) in variants(data, codec, "text/html").items():
        for hint in (None, CharsetHint(language="zh-CN")):
            text, _ = decode(body, content_type, hint)
            assert truth_found(text, truth) >= 0.8, (variant, hint)
            assert same_text(text, body, codec), (variant, hint)


@pytest.mark.parametrize("name", cjk_feeds())
def test_cjk_feeds_read_right_however_declared(name: str) -> None:
    folder, file = name.split("/")
    if folder == "zh-rssant":
        path, codec = shared("corpus", "feeds", "zh-rssant", "encoding", "chardet", file), \
            RSSANT_CODECS[file]
    else:
        path, codec = shared("corpus", "feeds", "nonutf8-cjk", folder, file), FOLDER_CODECS[folder]
    data = path.read_bytes()
    for variant, (body, content_type) in variants(data, codec, "application/xml").items():
        text, _ = decode(body, content_type)
        assert same_text(text, body, codec), variant


def is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


CHINESE = ("美国之音中文网报道，联合国安全理事会周二就朝鲜半岛局势举行紧急会议，"
           "各国代表在会上发言，呼吁有关各方保持克制，通过对话解决分歧。") * 4


def test_undeclared_gb_with_a_cut_character_is_not_read_as_a_cyrillic_code_page() -> None:
    title = "朝鲜半岛局势".encode("gb18030")[:-1]  # cut at a byte count, in the middle of 势
    data = f"<html><body><p>{CHINESE}</p><ul><li>".encode("gb18030") + title + b"</li></ul>"

    text, codec = decode(data, "text/html")

    assert codec == "gb18030"
    assert text.count("\ufffd") == 1 and "<li>朝鲜半岛局\ufffd</li>" in text


def test_gb_and_big5_are_told_apart_by_their_commonest_characters() -> None:
    traditional = ("美國之音中文網報導，聯合國安全理事會週二就朝鮮半島局勢舉行緊急會議，"
                   "各國代表在會上發言，呼籲有關各方保持克制，通過對話解決分歧。") * 3
    for text, codec, wrong in ((CHINESE, "gb18030", "big5"), (traditional, "big5hkscs", "gbk")):
        data = f"<p>{text}</p>".encode(codec)
        for content_type in ("text/html", f"text/html; charset={wrong}"):
            assert decode(data, content_type) == (f"<p>{text}</p>", codec)


def test_the_hint_decides_what_too_little_text_cannot() -> None:
    name = "<p>刘德华</p>"  # no common character: GB18030 and Big5 read it as well
    data = name.encode("gb18030")
    with pytest.raises(Undecodable):
        decode(data, "text/html")
    assert decode(data, "text/html", CharsetHint(language="zh-CN")) == (name, "gb18030")
    assert decode(data, "text/html", CharsetHint(encoding="gb2312")) == (name, "gb18030")
    assert decode(data, "text/html; charset=gbk") == (name, "gb18030")


def test_a_few_rare_characters_are_refused_undeclared_and_read_as_declared() -> None:
    rare = "<p>琩琮瑢璉璟甁畯皂皜皞</p>"  # no common character, and they read as GB18030 too
    data = rare.encode("cp932")
    with pytest.raises(Undecodable):
        decode(data, "text/html")  # not windows-1252, whatever charset-normalizer says
    assert decode(data, "text/html; charset=shift_jis") == (rare, "cp932")


KOI8 = ("Наверное, единственное, во что сегодня можно верить безоговорочно, так это в то, "
        "что Новый год обязательно наступит. ") * 3


def test_a_chinese_document_is_never_taken_as_a_cyrillic_code_page() -> None:
    data = f"<html><body><p>{KOI8}</p></body></html>".encode("koi8-r")
    assert "Новый год" in decode(data, "text/html")[0]  # no hint: Russian, as it is
    for hint in (CharsetHint(language="zh-CN"), CharsetHint(encoding="big5")):
        with pytest.raises(Undecodable, match="Chinese"):
            decode(data, "text/html", hint)
    own_lang = f'<html lang="zh-CN"><body><p>{KOI8}</p></body></html>'.encode("koi8-r")
    with pytest.raises(Undecodable):
        decode(own_lang, "text/html; charset=koi8-r")


@pytest.mark.parametrize(("head", "language"), [
    (b'<!DOCTYPE html>\n<html class="no-js" lang="zh-CN">', "zh-cn"),
    (b"<HTML LANG=zh-Hant-TW>", "zh-hant-tw"),
    (b'<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="ja">', "ja"),
    (b'<html><head><meta http-equiv="Content-Language" content="ko">', "ko"),
    (b"<rss><channel><title>t</title><language>zh-cn</language>", "zh-cn"),
    (b'<html data-lang="fr"><body lang="de">', None),
])
def test_the_document_says_its_language(head: bytes, language: str | None) -> None:
    assert document_language(head) == language


def test_damaged_chinese_is_refused_not_guessed() -> None:
    data = bytearray(f"<p>{CHINESE}</p>".encode("gb18030"))
    del data[10::9]  # every ninth byte gone: fluent Chinese, one character in five broken
    with pytest.raises(Undecodable, match="broken"):
        decode(bytes(data), "text/html")
    with pytest.raises(Undecodable):
        decode(bytes(data), "text/html; charset=iso-8859-1")


@pytest.mark.parametrize(("text", "codec"), [
    ("Ils ont été élus à l'unanimité. Ça marche très bien, déjà.", "cp1252"),
    ("Zażółć gęślą jaźń: źdźbło.", "iso8859_2"),
])
def test_latin_pages_keep_their_declared_code_page(text: str, codec: str) -> None:
    data = f"<p>{text}</p>".encode(codec)
    label = "iso-8859-1" if codec == "cp1252" else "iso-8859-2"
    assert decode(data, f"text/html; charset={label}")[0] == f"<p>{text}</p>"
    assert decode(data, f"text/html; charset={label}", CharsetHint(language="zh-CN"))[0] == \
        f"<p>{text}</p>"


def test_nearly_valid_utf8_is_utf8_whatever_is_declared() -> None:
    data = f"<p>{CHINESE}</p>".encode()
    cut = data.replace("局势".encode(), "局".encode() + "势".encode()[:2], 1)
    text, codec = decode(cut, "text/html; charset=gb2312")
    assert codec == "utf-8" and text.count("\ufffd") == 1


def test_gbk_full_width_space_reads_as_browsers_read_it() -> None:
    data = b"<p>\xa3\xa0\xa3\xa0" + CHINESE.encode("gb18030") + b"</p>"
    assert decode(data, "text/html; charset=gbk")[0].startswith("<p>\u3000\u3000美国")


def serve(body: bytes, content_type: str) -> httpx.MockTransport:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, stream=httpx.ByteStream(body),
                              headers={"content-type": content_type})
    return httpx.MockTransport(answer)


def fetch(body: bytes, content_type: str = "text/html", hint: CharsetHint | None = None):
    async def run():
        async with Http(Limits(retries=0), transport=serve(body, content_type)) as http:
            raw = await fetch_raw("https://news.example/a.html", http, timeout=5,
                                  max_bytes=1_000_000)
            return decode_page(raw, hint)
    return asyncio.run(run())


def test_a_fetched_undeclared_gb_page_reads_right() -> None:
    name = "c268c1b4-6864-45a1-bcaa-ec0922eb10d1"
    data = undeclared(shared("corpus", "zh", "html", f"{name}.html").read_bytes())
    truth = shared("corpus", "zh", "text", f"{name}.txt").read_text("utf-8")

    page = fetch(cut_characters(data))

    assert page.charset == "gb18030" and truth_found(page.html, truth) > 0.9


def test_a_fetched_unreadable_page_gives_up_with_the_url() -> None:
    data = f"<html><body><p>{KOI8}</p></body></html>".encode("koi8-r")
    assert "Новый год" in fetch(data, "text/html; charset=koi8-r").html
    with pytest.raises(PageGone, match=r"^https://news\.example/a\.html: .*Chinese") as gone:
        fetch(data, "text/html; charset=koi8-r", CharsetHint(language="zh-TW"))
    assert "\n" not in str(gone.value)
