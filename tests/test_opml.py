"""mirror import / export: OPML from other readers in (nested folders, duplicates skipped),
OPML out, and an import, export and re-import give the same feeds."""

from __future__ import annotations

from pathlib import Path

import pytest

from mirror.config import load_config
from mirror.errors import ConfigError
from mirror.opml import read_subscriptions, write_opml
from tests.conftest import mirror, write_config

# As Miniflux, reader, newsboat and Feedly export them: folders, nested folders, a feed in
# two folders, an outline with only text, one with no feed at all.
READER_OPML = """\
<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
  <head><title>Subscriptions</title></head>
  <body>
    <outline text="中文新闻">
      <outline type="rss" text="美国之音" title="VOA" xmlUrl="https://feedx.net/rss/mgzy1.xml"
               htmlUrl="https://www.voachinese.com/"/>
      <outline text="深一层">
        <outline type="rss" text="自由亚洲电台"
                 xmlUrl="https://www.rfa.org/mandarin/yataibaodao/rss2.xml"/>
      </outline>
    </outline>
    <outline text="Tech">
      <outline type="rss" text="美国之音 again" xmlUrl="https://feedx.net/rss/mgzy1.xml"/>
      <outline type="rss" xmlUrl="https://blog.example/atom.xml?a=1&amp;b=2"/>
      <outline type="rss" text="News" xmlUrl="https://news.example/rss"/>
      <outline type="rss" text="News" xmlUrl="https://other.example/rss"/>
      <outline type="rss" text="mail" xmlUrl="mailto:someone@example.org"/>
    </outline>
    <outline text="just a note"/>
  </body>
</opml>
"""


def test_read_subscriptions_flattens_folders_and_skips_what_is_no_feed() -> None:
    found, refused = read_subscriptions(READER_OPML.encode())
    assert [(s.title, s.url) for s in found] == [
        ("美国之音", "https://feedx.net/rss/mgzy1.xml"),
        ("自由亚洲电台", "https://www.rfa.org/mandarin/yataibaodao/rss2.xml"),
        (None, "https://blog.example/atom.xml?a=1&b=2"),
        ("News", "https://news.example/rss"),
        ("News", "https://other.example/rss")]
    assert [(r.title, r.reason) for r in refused] == [("mail", "not an http(s) URL")]


@pytest.mark.parametrize(("data", "message"), [
    (b"", "empty"),
    (b"<html><body>not opml", "not an OPML file"),
    (b"\x00\x01binary", "not an OPML file"),
])
def test_not_an_opml_file(data: bytes, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        read_subscriptions(data, "x.opml")


def test_import_adds_feeds_and_says_what_it_skipped(tmp_path: Path) -> None:
    write_config(tmp_path, [{"name": "RFA", "url": "http://www.rfa.org/mandarin/yataibaodao/rss2.xml"}])
    (tmp_path / "subs.opml").write_text(READER_OPML, encoding="utf-8")
    imported = mirror(tmp_path, "import", "subs.opml")
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.splitlines() == [
        "skipped https://www.rfa.org/mandarin/yataibaodao/rss2.xml: already listed, as 'RFA'",
        "added 美国之音: https://feedx.net/rss/mgzy1.xml at feeds.yaml:5",
        "added blog.example: https://blog.example/atom.xml?a=1&b=2 at feeds.yaml:7",
        "added News: https://news.example/rss at feeds.yaml:9",
        "added News (other.example): https://other.example/rss at feeds.yaml:11",
        "imported 4 feeds into feeds.yaml; skipped 2"]
    assert imported.stderr == "skipped 'mail': not an http(s) URL\n"
    names = [feed.name for feed in load_config(tmp_path / "feeds.yaml").feeds]
    assert names == ["RFA", "美国之音", "blog.example", "News", "News (other.example)"]

    again = mirror(tmp_path, "import", "subs.opml", "-q")
    assert again.returncode == 0 and again.stdout == ""
    assert len(load_config(tmp_path / "feeds.yaml").feeds) == 5


def test_import_export_and_import_again_give_the_same_feeds(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    (tmp_path / "subs.opml").write_text(READER_OPML, encoding="utf-8")
    assert mirror(first, "import", "../subs.opml").returncode == 0
    exported = mirror(first, "export", "-o", "../out.opml")
    assert exported.returncode == 0 and exported.stdout == "wrote 5 feeds to ../out.opml\n"
    to_stdout = mirror(first, "export")
    assert to_stdout.stdout == (tmp_path / "out.opml").read_text(encoding="utf-8")
    assert mirror(second, "import", "../out.opml").returncode == 0

    def feeds(folder: Path) -> list[tuple[str, str]]:
        return [(f.name, f.url) for f in load_config(folder / "feeds.yaml").feeds]

    assert feeds(first) == feeds(second) and len(feeds(first)) == 5


def test_export_writes_no_secret(tmp_path: Path) -> None:
    write_config(tmp_path, [
        {"name": "private", "url": "https://user:hunter2@feeds.example/rss",
         "auth": {"bearer": "${TOKEN}"}},
        {"name": "keyed", "url": "https://api.example/rss?key=${API_KEY}"},
        {"name": "a & <b>", "url": "https://a.example/?x=1&y=2"}])
    exported = mirror(tmp_path, "export", env={"TOKEN": "t0ken", "API_KEY": "k3y"})
    assert exported.returncode == 0, exported.stderr
    for secret in ("hunter2", "t0ken", "k3y", "user:"):
        assert secret not in exported.stdout
    assert 'xmlUrl="https://feeds.example/rss"' in exported.stdout
    assert 'xmlUrl="https://api.example/rss?key=${API_KEY}"' in exported.stdout
    assert 'text="a &amp; &lt;b&gt;"' in exported.stdout
    found, _ = read_subscriptions(exported.stdout.encode())
    assert [s.title for s in found] == ["private", "keyed", "a & <b>"]


def test_write_opml_is_deterministic_and_valid_xml() -> None:
    from xml.etree import ElementTree

    text = write_opml([("名字", "https://a.example/rss"), ('q"uote', "https://b.example/")])
    assert text == write_opml([("名字", "https://a.example/rss"),
                               ('q"uote', "https://b.example/")])
    outlines = ElementTree.fromstring(text.encode()).findall("./body/outline")
    assert [(o.get("text"), o.get("xmlUrl"), o.get("type")) for o in outlines] == [
        ("名字", "https://a.example/rss", "rss"), ('q"uote', "https://b.example/", "rss")]


def test_import_from_standard_input_and_missing_files(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import sys

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(READER_OPML.encode())))
    assert mirror(tmp_path, "import", "-").returncode == 0
    assert len(load_config(tmp_path / "feeds.yaml").feeds) == 5
    missing = mirror(tmp_path, "import", "nope.opml")
    assert missing.returncode == 2 and "nope.opml: not found" in missing.stderr
