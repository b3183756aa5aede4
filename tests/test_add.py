"""mirror add: feeds.yaml keeps every other byte (block and flow lists, comments), a site's
page leads to its feed, duplicates are refused."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from mirror.config import load_config
from mirror.errors import ConfigError
from mirror.feeds_file import NewFeed, listed_feeds, same_url, with_feeds
from tests.conftest import ROOT, mirror, write_config
from tests.feeds import Item, atom, rss
from tests.helpers import RSS_TYPE

HTML = "text/html; charset=utf-8"

BLOCK = """\
# mirror's feeds  (a comment, kept)
archive: archive                 # folder for posts
image_proxy: "https://images.weserv.nl?url="   # optional

feeds:
  - name: 美国之音                 # required
    url: https://feedx.net/rss/mgzy1.xml   # required
    tags: [ RFA, 自由亚洲电台 ]
  # - name: disabled
  #   url: https://off.example/rss

every: 1h   # after the list
"""

FLOW = """\
# flow style
feeds: [ {name: a, url: 'https://a.example/rss'},   # first
         {name: b, url: "https://b.example/rss"} ]  # last
per_host: 2
"""

NEW = [NewFeed("新闻: 台湾", "https://new.example/feed?a=1&b=2"),
       NewFeed("plain", "https://p.example/rss")]


def added_lines(before: str, after: str) -> list[str]:
    """The lines of after that are not in before, checking that before's lines are all
    there, byte for byte, in order."""
    old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
    extra, i = [], 0
    for line in new:
        if i < len(old) and line == old[i]:
            i += 1
        else:
            extra.append(line)
    assert i == len(old), "a line of the file changed"
    return extra


def test_a_block_list_keeps_every_byte_and_comment() -> None:
    after, lines = with_feeds(BLOCK, NEW)
    assert added_lines(BLOCK, after) == [
        '  - name: "新闻: 台湾"\n', "    url: https://new.example/feed?a=1&b=2\n",
        "  - name: plain\n", "    url: https://p.example/rss\n"]
    assert after.index("plain") < after.index("# - name: disabled")  # after the last item
    assert lines == [9, 11]
    assert yaml.safe_load(after)["feeds"][1:] == [{"name": f.name, "url": f.url} for f in NEW]


def test_a_flow_list_keeps_every_byte_and_comment() -> None:
    after, lines = with_feeds(FLOW, NEW[1:])
    assert after == FLOW.replace('"https://b.example/rss"}',
                                 '"https://b.example/rss"},\n         '
                                 "{name: plain, url: https://p.example/rss}")
    assert lines == [4]
    one_line = "feeds: [ {name: a, url: 'https://a.example/rss'} ]  # c\n"
    assert with_feeds(one_line, NEW[1:])[0] == (
        "feeds: [ {name: a, url: 'https://a.example/rss'}, "
        "{name: plain, url: https://p.example/rss} ]  # c\n")
    assert with_feeds("feeds: []\n", NEW[1:])[0] == \
        "feeds: [{name: plain, url: https://p.example/rss}]\n"


@pytest.mark.parametrize(("text", "expected"), [
    ("", "feeds:\n  - name: plain\n    url: https://p.example/rss\n"),
    ("archive: a", "archive: a\nfeeds:\n  - name: plain\n    url: https://p.example/rss\n"),
    ("feeds:\n", "feeds:\n  - name: plain\n    url: https://p.example/rss\n"),
    ("feeds: ~  # none yet\nx: 1\n",
     "feeds:  # none yet\n  - name: plain\n    url: https://p.example/rss\nx: 1\n"),
    ("feeds:\n- {name: a, url: b}\n# end",
     "feeds:\n- {name: a, url: b}\n- {name: plain, url: https://p.example/rss}\n# end"),
    ("feeds:\r\n  - name: a\r\n    url: b\r\n",
     "feeds:\r\n  - name: a\r\n    url: b\r\n  - name: plain\r\n    url: https://p.example/rss\r\n"),
    ("feeds:\n  - name: a\n    url: |\n      b\n\n# end\n",
     "feeds:\n  - name: a\n    url: |\n      b\n  - name: plain\n"
     "    url: https://p.example/rss\n\n# end\n"),
])
def test_other_shapes_of_the_list(text: str, expected: str) -> None:
    assert with_feeds(text, NEW[1:])[0] == expected


@pytest.mark.parametrize("value", ["yes", "123", "a: b", "#x", "- x", "[x]", " x", "${HOME}",
                                   "it's", 'say "hi"', "a, b", "{x}", "~", "null", "@x"])
def test_any_name_reads_back_as_written(value: str) -> None:
    for text in ("feeds:\n  - {name: a, url: 'https://a.example/'}\n", "feeds: []\n"):
        after, _ = with_feeds(text, [NewFeed(value, "https://n.example/")])
        assert yaml.safe_load(after)["feeds"][-1]["name"] == value.replace("${", "$${")


def test_the_repository_feeds_yaml_stays_valid(tmp_path: Path) -> None:
    text = (ROOT / "feeds.yaml").read_text(encoding="utf-8")
    (tmp_path / "feeds.yaml").write_text(with_feeds(text, NEW)[0], encoding="utf-8")
    names = [feed.name for feed in load_config(tmp_path / "feeds.yaml").feeds]
    assert names[-2:] == ["新闻: 台湾", "plain"]


def test_what_cannot_be_added_by_text_is_refused() -> None:
    with pytest.raises(ConfigError, match="expected a mapping"):
        with_feeds("- a\n", NEW)
    with pytest.raises(ConfigError, match="'feeds' is not a list"):
        with_feeds("feeds: {a: b}\n", NEW)


def test_listed_feeds_and_same_url() -> None:
    assert [(f.name, f.url, f.line) for f in listed_feeds(BLOCK)] == [
        ("美国之音", "https://feedx.net/rss/mgzy1.xml", 6)]
    assert same_url("http://FEEDX.net/rss/mgzy1.xml", "https://feedx.net/rss/mgzy1.xml")
    assert same_url("https://a.example/rss?utm_source=x", "https://a.example/rss")
    assert not same_url("https://a.example/rss", "https://a.example/atom")


# ---------------------------------------------------------------- mirror add URL

def page(*links: str) -> str:
    tags = "".join(links)
    return f"<!doctype html><html><head><title>Site</title>{tags}</head><body>hi</body></html>"


def test_a_site_page_names_its_feed(tmp_path: Path, site) -> None:
    feed = site.add("/news/rss.xml", rss([Item()], title="  Site   News "), content_type=RSS_TYPE)
    site.add("/", page('<link rel="stylesheet" href="/x.css">',
                       '<link rel="alternate" type="application/rss+xml" href="news/rss.xml">'),
             content_type=HTML)
    (tmp_path / "feeds.yaml").write_text(BLOCK, encoding="utf-8")
    added = mirror(tmp_path, "add", site.url("/"))
    assert added.returncode == 0, added.stderr
    assert added.stdout == f"added Site News: {feed} (RSS, 1 entry) at feeds.yaml:9\n"
    after = (tmp_path / "feeds.yaml").read_text(encoding="utf-8")
    assert added_lines(BLOCK, after) == ["  - name: Site News\n", f"    url: {feed}\n"]

    again = mirror(tmp_path, "add", site.url("/"))
    assert again.returncode == 2 and "already listed, as 'Site News' (line 9)" in again.stderr
    same_name = mirror(tmp_path, "add", site.url("/news/rss.xml?x"), "--name", "美国之音")
    assert same_name.returncode == 2 and "a feed named '美国之音' is already" in same_name.stderr
    assert (tmp_path / "feeds.yaml").read_text(encoding="utf-8") == after


def test_common_paths_when_the_page_names_no_feed(tmp_path: Path, site) -> None:
    site.add("/blog/", page(), content_type=HTML)
    feed = site.add("/atom.xml", atom([Item()], title="Blog"),
                    content_type="application/atom+xml")
    added = mirror(tmp_path, "add", site.url("/blog/"), "-v")
    assert added.returncode == 0, added.stderr
    assert f"added Blog: {feed} (Atom, 1 entry)" in added.stdout
    tried = [line.split()[1] for line in added.stderr.splitlines() if line.startswith("GET ")]
    assert tried[0] == site.url("/blog/") and tried[-1] == feed
    assert site.url("/blog/feed") in tried  # the page's own folder first
    assert load_config(tmp_path / "feeds.yaml").feeds[0].url == feed


def test_a_json_feed_and_a_feed_url_given_directly(tmp_path: Path, site) -> None:
    site.add("/", page('<link rel="alternate" type="application/feed+json" href="/feed.json">'),
             content_type=HTML)
    site.add("/feed.json", '{"version": "https://jsonfeed.org/version/1.1", "title": "J", '
                           '"items": []}', content_type="application/feed+json")
    assert "added J: " in mirror(tmp_path, "add", site.url("/")).stdout
    direct = site.add("/direct.xml", rss([Item()], title="D"), content_type=RSS_TYPE)
    assert "added D: " in mirror(tmp_path, "add", direct).stdout
    assert [f.name for f in load_config(tmp_path / "feeds.yaml").feeds] == ["J", "D"]


def test_no_feed_found(tmp_path: Path, site) -> None:
    site.add("/", page('<link rel="alternate" type="application/rss+xml" href="/gone.xml">'),
             content_type=HTML)
    write_config(tmp_path, [{"name": "a", "url": "https://a.example/rss"}], retries=0)
    before = (tmp_path / "feeds.yaml").read_text()
    failed = mirror(tmp_path, "add", site.url("/"))
    assert failed.returncode == 1
    assert "no feed found at" in failed.stderr and "give the feed's own URL" in failed.stderr
    assert (tmp_path / "feeds.yaml").read_text() == before
    unreachable = mirror(tmp_path, "add", "http://127.0.0.1:9/feed")
    assert unreachable.returncode == 1 and "cannot fetch http://127.0.0.1:9/feed" in \
        unreachable.stderr


def test_without_fetching_and_with_a_bare_host(tmp_path: Path) -> None:
    added = mirror(tmp_path, "add", "news.example/rss.xml", "--no-fetch")
    assert added.returncode == 0, added.stderr
    feed, = load_config(tmp_path / "feeds.yaml").feeds
    assert (feed.name, feed.url) == ("news.example", "https://news.example/rss.xml")
    bad = mirror(tmp_path, "add", "ftp://x/y", "--no-fetch")
    assert bad.returncode == 2 and "not an http:// or https:// URL" in bad.stderr


def test_a_broken_feeds_yaml_is_left_alone(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "feeds.yaml").write_text("per_host: 0\nfeeds: []\n", encoding="utf-8")
    refused = mirror(tmp_path, "add", "https://a.example/rss", "--no-fetch")
    assert refused.returncode == 2 and "feeds.yaml:1: 'per_host'" in refused.stderr
    # a ${NAME} set only where the runs are (CI's secrets) is no reason to refuse
    (tmp_path / "feeds.yaml").write_text(
        "feeds:\n  - {name: s, url: 'https://s.example/rss', auth: {bearer: '${TOKEN}'}}\n",
        encoding="utf-8")
    monkeypatch.delenv("TOKEN", raising=False)
    assert mirror(tmp_path, "add", "https://a.example/rss", "--no-fetch").returncode == 0
