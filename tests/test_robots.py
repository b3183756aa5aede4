"""robots.txt for article pages: honoured by default, fetched once per host and run."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import mirror, posts, write_config
from tests.feeds import Item
from tests.helpers import ARTICLE_HTML, serve_feed


def feed_of(site, paths: list[str]) -> str:
    links = [site.add(path, ARTICLE_HTML) for path in paths]
    return serve_feed(site, [Item(title=f"t{i}", link=link, body=None, summary=f"摘要 {i}。")
                             for i, link in enumerate(links)])


def test_a_disallowed_page_is_not_requested_and_the_summary_is_posted(repo: Path, site) -> None:
    site.add("/robots.txt", "User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    feed = feed_of(site, ["/private/1.html", "/news/2.html", "/news/3.html"])
    write_config(repo, [{"name": "n", "url": feed}])
    result = mirror(repo, "fetch")
    assert result.returncode == 0, result.stderr
    assert site.hits["/private/1.html"] == 0 and site.hits["/news/2.html"] == 1
    assert site.hits["/robots.txt"] == 1  # once for the host, however many pages
    assert "robots.txt does not allow fetching the page" in result.stdout
    bodies = sorted(posts(repo / "archive").values())
    assert sum("摘要 0。" in body for body in bodies) == 1
    assert sum("whole sentences" in body for body in bodies) == 2


def test_robots_ignore_fetches_every_page(repo: Path, site) -> None:
    site.add("/robots.txt", "User-agent: *\nDisallow: /\n", content_type="text/plain")
    feed = feed_of(site, ["/private/1.html"])
    write_config(repo, [{"name": "n", "url": feed, "robots": "ignore"}])
    assert mirror(repo, "fetch").returncode == 0
    assert site.hits["/private/1.html"] == 1 and site.hits["/robots.txt"] == 0


def test_a_missing_robots_txt_allows_and_a_failing_one_waits(repo: Path, site) -> None:
    feed = feed_of(site, ["/news/1.html"])
    write_config(repo, [{"name": "n", "url": feed}], retries=0)
    site.add("/robots.txt", "busy", status=503)
    waiting = mirror(repo, "fetch")
    assert waiting.returncode == 1 and "robots.txt: HTTP 503" in waiting.stderr
    assert site.hits["/news/1.html"] == 0 and posts(repo / "archive") == {}
    site.add("/robots.txt", "gone", status=404)
    done = mirror(repo, "fetch")
    assert done.returncode == 0, done.stderr
    assert site.hits["/news/1.html"] == 1 and len(posts(repo / "archive")) == 1


def test_the_group_for_mirror_wins_over_the_star_group(repo: Path, site) -> None:
    site.add("/robots.txt", "User-agent: *\nDisallow: /\n\nUser-agent: mirror\nAllow: /\n",
             content_type="text/plain")
    feed = feed_of(site, ["/news/1.html"])
    write_config(repo, [{"name": "n", "url": feed}])
    assert mirror(repo, "fetch").returncode == 0
    assert site.hits["/news/1.html"] == 1
