"""The cache file (state.json): each feed's memory read back as written, a damaged or old
file taken as no memory (never a reason to stop), and what a run remembers in it."""

from __future__ import annotations

import json
from pathlib import Path

from mirror.config import load_config
from mirror.models import Entry, FeedMemory, Pending
from mirror.state import STATE_NAME, State
from mirror.workspace import Workspace
from tests.conftest import mirror, write_config
from tests.feeds import rss
from tests.helpers import RSS_TYPE, items, serve_feed

ENTRY = Entry(feed="n", link="https://n.example/1", title="一", guid="g-1",
              summary="<p>摘要</p>")


def state_file(repo: Path) -> Path:
    return Workspace.open(load_config(repo / "feeds.yaml")).cache / STATE_NAME


def test_each_feeds_memory_reads_back_as_written(tmp_path: Path) -> None:
    memory = FeedMemory(url="https://n.example/feed", etag='"v1"', last_poll_ms=1,
                        result="1 new", new=1, next_poll_ms=2, min_interval=7200.0,
                        pending=(Pending(ENTRY, 1_700_000_000_000), Pending(ENTRY, None)),
                        guids_unreliable=True)
    State(tmp_path / STATE_NAME, {"n": memory}, settled=["abc", 1]).save()
    again = State.load(tmp_path)
    assert again.feeds == {"n": memory} and again.settled == ["abc", 1]


def test_a_missing_damaged_or_old_file_is_no_memory(tmp_path: Path) -> None:
    assert State.load(tmp_path).feeds == {}
    for text in ("{not json", "[]", '{"version": 0, "feeds": {"n": {}}}',
                 '{"version": 1, "feeds": []}'):
        (tmp_path / STATE_NAME).write_text(text)
        assert State.load(tmp_path).feeds == {}, text


def test_hand_edited_entries_are_dropped_one_by_one(tmp_path: Path) -> None:
    good = {"entry": {"feed": "n", "link": "https://n.example/1", "title": "一"},
            "since_ms": "yesterday"}
    (tmp_path / STATE_NAME).write_text(json.dumps({"version": 1, "feeds": {"n": {
        "etag": '"v1"', "colour": "red",
        "pending": [good, {"oops": 1}, 7, {"entry": {"link": "x", "extra": 1}}]}}}))
    memory = State.load(tmp_path).feeds["n"]
    assert memory.etag == '"v1"'
    assert memory.pending == (Pending(Entry(feed="n", link="https://n.example/1", title="一"),
                                      None),)


# ---------------------------------------------------------------- through a run

def test_a_damaged_cache_never_stops_a_run(repo: Path, site) -> None:
    write_config(repo, [{"name": "n", "url": serve_feed(site, items(1))}], content="feed")
    path = state_file(repo)
    path.parent.mkdir(parents=True)
    path.write_text('{"version": 1, "feeds": {"n": {"pending": [{"oops": 1}, 7]}}}')
    result = mirror(repo, "fetch")
    assert result.returncode == 0, result.stderr
    assert "n: 1 new" in result.stdout


def test_a_feeds_ttl_outlives_its_304s(repo: Path, site) -> None:
    feed = site.add("/feed.xml", rss(items(1), extra="<ttl>120</ttl>"), content_type=RSS_TYPE,
                    etag='"v1"')
    write_config(repo, [{"name": "n", "url": feed}], content="feed", every="1m")
    for _ in range(2):
        assert mirror(repo, "fetch").returncode == 0
        assert json.loads(state_file(repo).read_text())["feeds"]["n"]["min_interval"] == 7200
    assert site.not_modified["/feed.xml"] == 1
