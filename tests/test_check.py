"""mirror check: every problem of feeds.yaml with its line; --online polls each feed once,
through the run's own code, and writes nothing."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import commits, mirror, posts, write_config
from tests.feeds import Item
from tests.helpers import FULL_TEXT, serve_feed


def test_every_problem_is_listed_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "feeds.yaml").write_text(
        "per_host: 0\nfeeds:\n  - name: a\n    urll: http://a\n"
        "  - {name: b, url: 'https://b.example/', content: full}\n", encoding="utf-8")
    checked = mirror(tmp_path, "check")
    assert checked.returncode == 2
    assert checked.stderr.splitlines() == [
        "feeds.yaml:1: 'per_host' must be a whole number of at least 1, not 0",
        "feeds.yaml:3: feed without 'url'",
        "feeds.yaml:4: unknown key 'urll' (did you mean 'url'?)",
        "feeds.yaml:5: 'content' must be one of auto, feed, page, not 'full'",
        "mirror: 4 problems in feeds.yaml",
    ]
    assert checked.stdout == ""


def test_the_other_commands_report_every_problem_too(tmp_path: Path) -> None:
    (tmp_path / "feeds.yaml").write_text("every: soon\nfeeds:\n  - {name: a}\n",
                                         encoding="utf-8")
    fetched = mirror(tmp_path, "fetch")
    assert fetched.returncode == 2
    assert fetched.stderr.splitlines() == [
        "mirror: feeds.yaml:1: 'every' must be a duration such as 30s, 15m or 1h, not 'soon'",
        "feeds.yaml:3: feed without 'url'"]


def test_a_valid_file(tmp_path: Path) -> None:
    write_config(tmp_path, [{"name": "a", "url": "https://a.example/rss"},
                            {"name": "b", "url": "https://b.example/rss"}])
    checked = mirror(tmp_path, "check")
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout == "feeds.yaml: no problems, 2 feeds\n"
    assert mirror(tmp_path, "check", "-q").stdout == ""


def test_missing_and_unreadable_files(tmp_path: Path) -> None:
    missing = mirror(tmp_path, "check")
    assert missing.returncode == 2 and "feeds.yaml: not found" in missing.stderr
    (tmp_path / "feeds.yaml").write_text("feeds: [\n", encoding="utf-8")
    broken = mirror(tmp_path, "check", "--config", "feeds.yaml")
    assert broken.returncode == 2 and "feeds.yaml:2: invalid YAML" in broken.stderr


def test_online_says_what_a_run_would_archive_and_writes_nothing(repo: Path, site) -> None:
    items = [Item(title=f"t{n}", link=f"https://news.example/{n}", body=FULL_TEXT)
             for n in range(3)]
    items.append(Item(title="short", link="https://news.example/short", body=None,
                      summary="<p>一句话。</p>"))
    feed = serve_feed(site, items[:1], "/feed/a.xml")
    site.add("/feed/b.xml", "nope", status=500, content_type="text/plain")
    write_config(repo, [{"name": "a", "url": feed},
                        {"name": "b", "url": site.url("/feed/b.xml")}], retries=0)
    assert mirror(repo, "fetch", "--feed", "a").returncode == 0
    serve_feed(site, items, "/feed/a.xml")
    before = (commits(repo), posts(repo / "archive"), _cache(repo))

    checked = mirror(repo, "check", "--online")
    assert checked.returncode == 1
    assert checked.stdout.splitlines() == [
        "a: 4 entries, 3 new (2 from the feed, 1 from its page)",
        "total: 3 new in 2 feeds, nothing written; 1 feed failed"]
    assert checked.stderr.startswith("b: failed: HTTP 500")
    assert (commits(repo), posts(repo / "archive"), _cache(repo)) == before
    assert site.page_hits() == 0

    verbose = mirror(repo, "check", "--online", "--feed", "a", "-v")
    assert verbose.returncode == 0
    assert f"GET {feed} -> 200 (" in verbose.stderr


def _cache(repo: Path) -> dict[str, bytes]:
    cache = repo / ".git" / "mirror"
    return {str(p.relative_to(cache)): p.read_bytes() for p in sorted(cache.rglob("*"))
            if p.is_file() and p.name != "lock"}
