"""Index pages (``archive.index_pages``): an overview and a page per feed linking to its
newest posts, rewritten only when the posts change, never over a file mirror did not write."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

from tests.conftest import commits, git, mirror, write_config
from tests.feeds import Item, rss
from tests.helpers import FULL_TEXT, index_links


def test_index_pages_link_to_posts_and_change_only_with_them(repo: Path, site) -> None:
    entries = [Item(title=f"第{i}条 [x] | *y*", link=f"https://a.example/{i}", body=FULL_TEXT,
                    date=1_610_444_483 - i * 3600) for i in range(5)]
    url = site.add("/feed.xml", rss(entries[:3]))
    write_config(repo, [{"name": "新闻 (A)", "url": url}], content="feed",
                 index_pages={"time_zone": "Asia/Taipei", "newest": 2})
    assert mirror(repo, "fetch").returncode == 0
    overview = (repo / "feeds" / "README.md").read_text(encoding="utf-8")
    assert "3 posts from 1 feed; newest post 2021-01-12 17:41 (Asia/Taipei)" in overview
    links = index_links(repo / "feeds")
    assert len(links) == 6  # overview: the feed's page, 2 posts; feed page: overview, 2 posts
    for target in links:
        assert target.exists(), target
        if target.parent.name == "archive":
            assert target.read_text(encoding="utf-8").startswith("---\nlayout: post\n")
    assert sum(target.parent.name == "archive" for target in links) == 4
    before = {p.name: p.read_bytes() for p in (repo / "feeds").iterdir()}

    assert mirror(repo, "index").returncode == 0
    assert {p.name: p.read_bytes() for p in (repo / "feeds").iterdir()} == before
    assert commits(repo) == 1

    site.add("/feed.xml", rss(entries))
    assert mirror(repo, "fetch").returncode == 0
    assert "5 posts" in (repo / "feeds" / "README.md").read_text(encoding="utf-8")
    assert git(repo, "status", "--porcelain", "--", "feeds", "archive") == ""


def test_a_file_of_the_same_name_is_never_overwritten(repo: Path, site) -> None:
    (repo / "feeds").mkdir()
    (repo / "feeds" / "README.md").write_text("my own notes\n")
    url = site.add("/feed.xml", rss([Item(link="https://a.example/1", body=FULL_TEXT)]))
    write_config(repo, [{"name": "A", "url": url}], content="feed")
    result = mirror(repo, "fetch")
    assert result.returncode == 0
    assert "not written by mirror, so left alone" in result.stdout
    assert (repo / "feeds" / "README.md").read_text() == "my own notes\n"


def test_feeds_whose_names_share_a_slug_get_pages_of_their_own(repo: Path, site) -> None:
    names = ["BBC News", "BBC.News", "📰", "📺"]
    feeds = [{"name": name, "url": site.add(f"/{i}.xml", rss(
        [Item(title=f"t{i}", link=f"https://a.example/{i}", body=FULL_TEXT)]))}
        for i, name in enumerate(names)]
    write_config(repo, feeds, content="feed")

    assert mirror(repo, "fetch").returncode == 0

    pages = [p for p in (repo / "feeds").glob("*.md") if p.name != "README.md"]
    assert len(pages) == 4
    for page in pages:
        assert len([line for line in page.read_text(encoding="utf-8").splitlines()
                    if line.startswith("- ")]) == 1


def test_newest_posts_when_file_names_hold_only_the_month(repo: Path, site) -> None:
    entries = [Item(title=f"story {i:02d}", link=f"https://a.example/{i}", body=FULL_TEXT,
                    date=1_610_444_483 - i * 3600) for i in range(30)]
    write_config(repo, [{"name": "A", "url": site.add("/a.xml", rss(entries))}],
                 content="feed", filename="{year}/{month}/{slug}.md", index_pages={"newest": 5})

    assert mirror(repo, "fetch").returncode == 0

    page = (repo / "feeds" / "a.md").read_text(encoding="utf-8")
    listed = re.findall(r"\[(story \d\d)\]", page)
    assert listed == [f"story {i:02d}" for i in range(5)]


def test_an_overview_in_a_subfolder_links_from_where_it_is(repo: Path, site) -> None:
    write_config(repo, [{"name": "A", "url": site.add("/a.xml", rss(
        [Item(link="https://a.example/1", body=FULL_TEXT)]))}], content="feed",
        index_pages={"overview": "index/README.md"})

    assert mirror(repo, "fetch").returncode == 0

    overview = repo / "feeds" / "index" / "README.md"
    links = re.findall(r"\]\(([^)]+\.md)\)", overview.read_text(encoding="utf-8"))
    assert links and all((overview.parent / unquote(link)).resolve().exists() for link in links)
