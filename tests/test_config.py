"""feeds.yaml: the documented keys, defaults and overrides, errors that name the line, an
archive kept inside the repository, and shards that cover every feed once."""

from __future__ import annotations

from pathlib import Path

import pytest

from mirror.config import load_config, parse_duration, shard_of
from mirror.errors import ConfigError
from mirror.models import Auth
from tests.conftest import mirror, write_config

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


REQUEST_OPTIONS = """\
headers: {Accept-Language: zh-CN}
proxy: http://proxy.example:3128
feeds:
  - name: private
    url: https://feeds.example/rss
    headers:
      Referer: https://feeds.example/
      X-Api-Key: ${FEED_KEY}
    cookies: {consent: "yes", session: "${FEED_SESSION}"}
    auth: {user: reader, password: "${FEED_PASSWORD}"}
  - name: token
    url: https://api.example/rss
    auth: {bearer: "${FEED_TOKEN}"}
    proxy: null
  - name: open
    url: https://open.example/rss
"""


@pytest.fixture
def secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {"FEED_KEY": "k3y", "FEED_SESSION": "s", "FEED_PASSWORD": "0123",
                        "FEED_TOKEN": "t0ken"}.items():
        monkeypatch.setenv(name, value)


def test_request_options_per_feed_and_as_defaults(tmp_path: Path, secrets: None) -> None:
    private, token, open_ = load(tmp_path, REQUEST_OPTIONS).feeds

    assert private.headers == (("Referer", "https://feeds.example/"), ("X-Api-Key", "k3y"))
    assert private.cookies == (("consent", "yes"), ("session", "s"))
    assert private.auth == Auth(user="reader", password="0123")  # text as written, not 83
    assert private.proxy == open_.proxy == "http://proxy.example:3128"
    assert token.auth == Auth(bearer="t0ken") and token.proxy is None
    assert token.headers == open_.headers == (("Accept-Language", "zh-CN"),)
    assert open_.auth is None and open_.cookies == ()
    for secret in ("k3y", "0123", "t0ken", "'s'"):
        assert secret not in repr(private) + repr(token)


def test_environment_variables_in_any_value(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RETRIES", "5")
    monkeypatch.setenv("HOST", "feeds.example")
    monkeypatch.setenv("EMPTY", "")
    config = load(tmp_path, "retries: ${RETRIES}\nproxy: ${EMPTY}\nfeeds:\n"
                            "  - name: '${HOST} $${HOST}'\n    url: https://${HOST}/rss\n")

    assert config.retries == 5  # typed by what it expands to, as if written so
    feed, = config.feeds
    assert feed.url == "https://feeds.example/rss" and feed.name == "feeds.example ${HOST}"
    assert feed.proxy is None


@pytest.mark.parametrize(("text", "message"), [
    ("feeds:\n  - name: a\n    url: http://a\n    auth:\n      bearer: ${FEED_TOKEN}\n",
     "feeds.yaml:5: ${FEED_TOKEN} is not set"),
    ("feeds:\n  - {name: a, url: 'http://a/${'}\n", "feeds.yaml:2: '${' without its '}'"),
    ("feeds:\n  - {name: a, url: 'http://a/${1X}'}\n",
     "feeds.yaml:2: ${1X}: not an environment variable's name"),
    ("headers: {Cookie: a=b}\nfeeds: []\n", "'headers': Cookie cannot be set here (use 'cookies')"),
    ("headers: {Host: x}\nfeeds: []\n", "'headers': Host cannot be set here (mirror sets it"),
    ("headers: {'Bad Name': x}\nfeeds: []\n", "feeds.yaml:1: 'headers': 'Bad Name' is not"),
    ("headers: {A: x, a: y}\nfeeds: []\n", "'headers': duplicate header 'a'"),
    ("headers: [a]\nfeeds: []\n", "'headers' must be a mapping of header names to values"),
    ("headers: {A: \"x\\ny\"}\nfeeds: []\n", "'headers: A' must be one line of text"),
    ("headers: {A: ''}\nfeeds: []\n", "'headers: A' must not be empty"),
    ("cookies: {a: 'x;y'}\nfeeds: []\n", "'cookies': the value of a cannot hold ';'"),
    ("auth: {user: a, bearer: b}\nfeeds: []\n", "either {user: ..., password: ...} or"),
    ("auth: {password: p}\nfeeds: []\n", "'auth' needs 'user'"),
    ("auth: {user: 'a:b', password: p}\nfeeds: []\n", "'user' cannot hold ':'"),
    ("auth: {user: a, pasword: p}\nfeeds: []\n", "unknown key 'pasword' (did you mean"),
    ("auth: secret\nfeeds: []\n", "'auth' must be {user: ..., password: ...} or {bearer: ...}"),
    ("proxy: ftp://p:21\nfeeds: []\n", "feeds.yaml:1: 'proxy' must be a URL such as"),
    ("proxy: proxy.example:3128\nfeeds: []\n", "'proxy' must be a URL such as"),
])
def test_request_option_errors_name_the_line(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, text)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("text", [
    "proxy: http://user:hunter2@proxy.example:3128/x\nfeeds: []\n",
    "feeds:\n  - {name: a, url: 'ftp://user:hunter2@a/?token=hunter2'}\n",
    "cookies: {a: 'hunter2;'}\nfeeds: []\n",
    "headers: {Authorization: hunter2}\nfeeds: []\n",
    "auth: {user: 'u:hunter2'}\nfeeds: []\n",
])
def test_errors_never_repeat_a_secret(tmp_path: Path, text: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, text)
    assert "hunter2" not in str(caught.value)


def test_socks_proxies_need_socksio(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import mirror.config

    monkeypatch.setattr(mirror.config, "find_spec", lambda name: None)
    with pytest.raises(ConfigError, match=r"feeds\.yaml:1: 'proxy': socks5 proxies need"):
        load(tmp_path, "proxy: socks5://127.0.0.1:1080\nfeeds: []\n")


def test_shards_cover_every_feed_exactly_once() -> None:
    names = [f"feed {i}" for i in range(200)]
    for shards in (1, 2, 3, 4, 7):
        seen = [shard_of(name, shards) for name in names]
        assert set(seen) <= set(range(1, shards + 1))
        assert len(seen) == len(names)
    assert shard_of("美国之音", 4) == shard_of("美国之音", 4)


def test_an_archive_outside_the_repository_is_refused(repo: Path, site) -> None:
    write_config(repo, [{"name": "x", "url": site.url("/f.xml")}], archive="../elsewhere")
    result = mirror(repo, "fetch")
    assert result.returncode == 2
    assert "outside the repository" in result.stderr
    assert not (repo.parent / "elsewhere").exists()
