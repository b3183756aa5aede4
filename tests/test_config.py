"""feeds.yaml: the documented keys, defaults and overrides, and errors that name the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from mirror.config import load_config, parse_duration
from mirror.errors import ConfigError

EXAMPLE = """\
archive: archive                 # folder for posts, relative to this file
image_proxy: "https://images.weserv.nl?url="   # optional
feeds:
  - name: 美国之音                 # required: tags, categories, default author
    url: https://feedx.net/rss/mgzy1.xml   # required
    content: auto                # auto | feed | page
  - name: 自由亚洲电台
    url: https://www.rfa.org/mandarin/yataibaodao/rss2.xml
    tags: [ RFA, 自由亚洲电台 ]
"""


def load(tmp_path: Path, text: str):
    path = tmp_path / "feeds.yaml"
    path.write_text(text, encoding="utf-8")
    return load_config(path)


def test_the_documented_example(tmp_path: Path) -> None:
    config = load(tmp_path, EXAMPLE)
    voa, rfa = config.feeds
    assert config.archive == (tmp_path / "archive").resolve()
    assert voa.name == "美国之音" and voa.content == "auto"
    assert voa.tags == voa.categories == ("美国之音",)
    assert voa.image_proxy == rfa.image_proxy == "https://images.weserv.nl?url="
    assert rfa.tags == ("RFA", "自由亚洲电台") and rfa.categories == ("自由亚洲电台",)


def test_top_level_keys_are_defaults_that_feeds_override(tmp_path: Path) -> None:
    config = load(tmp_path, "content: feed\nauthor: 编辑部\nevery: 15m\ntimeout: 10s\nfeeds:\n"
                            "  - {name: a, url: 'http://a/'}\n"
                            "  - {name: b, url: 'http://b/', content: page, every: 1h,"
                            " author: B}\n")
    a, b = config.feeds
    assert (a.content, a.author, a.every, a.timeout) == ("feed", "编辑部", 900, 10)
    assert (b.content, b.author, b.every) == ("page", "B", 3600)


@pytest.mark.parametrize(("text", "message"), [
    ("feeds:\n  - name: a\n    url: http://a\n    colour: red\n",
     "feeds.yaml:4: unknown key 'colour'"),
    ("feeds:\n  - name: a\n", "feeds.yaml:2: feed without 'url'"),
    ("feeds:\n  - url: http://a\n", "feeds.yaml:2: feed without 'name'"),
    ("feeds:\n  - {name: a, url: 'http://a'}\n  - {name: a, url: 'http://b'}\n",
     "feeds.yaml:3: duplicate feed name 'a'"),
    ("archive: ../../etc\nfeeds: []\n", "feeds.yaml:1: archive '../../etc' is outside"),
    ("archive: /tmp/x\nfeeds: []\n", "feeds.yaml:1: archive '/tmp/x' is outside"),
    ("feeds:\n  - {name: a, url: 'file:///etc/passwd'}\n", "feeds.yaml:2: 'url' must be an http"),
    ("feeds:\n  - {name: a, url: 'http://a', content: full}\n", "'content' must be one of"),
    ("every: soon\nfeeds: []\n", "feeds.yaml:1: 'every' must be a duration"),
    ("per_host: 0\nfeeds: []\n", "feeds.yaml:1: 'per_host' must be a whole number of at least 1"),
    ("feeds: {a: b}\n", "'feeds' must be a list"),
    ("archive: a\n", "missing 'feeds'"),
    ("feeds: [\n", "feeds.yaml:2: invalid YAML"),
    ("feeds: []\nfeeds: []\n", "feeds.yaml:2: duplicate key 'feeds'"),
    ("- a\n- b\n", "expected a mapping"),
    ("filename: '{date}.md'\nfeeds: []\n", "must be a relative path ending in .md"),
    ("filename: '../{slug}.md'\nfeeds: []\n", "must be a relative path"),
    ("filename: '{title}.md'\nfeeds: []\n", "unknown field {title}"),
    ("commit_author: bot\nfeeds: []\n", "'Name <email>'"),
    ("filename: '{date}-{slug:d}.md'\nfeeds: []\n", "fields take no format"),
    ("filename: '{date}-{slug!r}.md'\nfeeds: []\n", "fields take no format"),
    ("every: .inf\nfeeds: []\n", "'every' must be a duration"),
    ("every: 0s\nfeeds: []\n", "'every' must be at least 1s"),
    ("timeout: 0\nfeeds: []\n", "'timeout' must be at least 0.1s"),
    ("content: !feed\nfeeds: []\n", "feeds.yaml:1: 'content': cannot read"),
    ("every: !!int 1h\nfeeds: []\n", "feeds.yaml:1: 'every': cannot read '1h'"),
    ("timeout: !!timestamp x\nfeeds: []\n", "feeds.yaml:1: 'timeout': cannot read 'x'"),
    ("timeout: nan\nfeeds: []\n", "'timeout' must be a duration"),
])
def test_errors_name_the_line(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, text)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_an_archive_that_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(ConfigError, match=r"feeds\.yaml:1: archive 'notes\.txt' is a file"):
        load(tmp_path, "archive: notes.txt\nfeeds: []\n")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.yaml")


def test_durations() -> None:
    assert parse_duration("90") == 90
    assert parse_duration("2s") == 2
    assert parse_duration("30m") == 1800
    assert parse_duration("1h30m") == 5400
    assert parse_duration("soon") is None


def test_the_repository_feeds_yaml_is_valid() -> None:
    config = load_config(Path(__file__).resolve().parents[1] / "feeds.yaml")
    assert len(config.feeds) >= 3
