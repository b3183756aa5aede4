"""mirror status: from the cache, or from the status file a clone got with the posts."""

from __future__ import annotations

import json
from pathlib import Path

from mirror import feed_statuses, load_config
from tests.conftest import git, mirror, write_config
from tests.helpers import items, serve_feed


def test_a_fresh_clone_shows_what_the_committing_run_did(repo: Path, tmp_path: Path,
                                                          site) -> None:
    feed = serve_feed(site, items(1))
    down = site.add("/down.xml", "no", status=404)
    write_config(repo, [{"name": "n", "url": feed}, {"name": "d", "url": down}], content="feed")
    assert mirror(repo, "fetch").returncode == 1
    committed = json.loads((repo / "feeds" / "status.json").read_text())
    assert committed["feeds"]["n"] == {"last_run": "2023-11-14T22:13:20Z", "pending": 0,
                                       "result": "1 new"}
    assert committed["feeds"]["d"]["result"].startswith("failed: HTTP 404")

    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(repo), str(clone))
    write_config(clone, [{"name": "n", "url": feed}, {"name": "d", "url": down}],
                 content="feed")
    statuses = {s.name: s for s in feed_statuses(load_config(clone / "feeds.yaml"))}
    assert statuses["n"].source == "committed" and statuses["n"].result == "1 new"
    assert statuses["n"].last_poll == "2023-11-14T22:13:20Z" and statuses["n"].posts == 1
    here = {s.name: s for s in feed_statuses(load_config(repo / "feeds.yaml"))}
    assert here["n"].source == "cache" and here["n"].next_poll


def test_secrets_in_a_feed_url_never_show(repo: Path, site) -> None:
    url = site.url("/feed.xml").replace("http://", "http://user:s3cret@")
    write_config(repo, [{"name": "n", "url": url + "?token=abc"}])
    [status] = feed_statuses(load_config(repo / "feeds.yaml"))
    assert "s3cret" not in status.url and "abc" not in status.url
