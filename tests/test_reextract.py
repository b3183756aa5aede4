"""mirror reextract: which posts (--feed, --since), and a post today's extractor cannot make
is left as it is."""

from __future__ import annotations

import re
from pathlib import Path

from mirror.preserve import kept_pages
from tests.conftest import commits, git, mirror, posts, write_config
from tests.feeds import Item, rss
from tests.test_preservation import PARAGRAPHS, RSS, article


def damage(repo: Path) -> dict[str, str]:
    before = posts(repo / "archive")
    for path, text in before.items():
        (repo / "archive" / path).write_text(re.sub(r"<p>.*?</p>", "<p>x</p>", text, count=1),
                                             encoding="utf-8")
    return before


def test_only_the_posts_asked_for_and_never_one_that_would_get_worse(repo: Path, site) -> None:
    feeds = []
    for path, name in (("a", "甲"), ("b", "乙")):
        link = site.add(f"/{path}/1.html", article(name, PARAGRAPHS, []))
        feeds.append({"name": name, "url": site.add(f"/{path}.xml", rss([Item(
            title=name, link=link, body=None, summary="摘要。", date=1_699_999_000)]),
            content_type=RSS)})
    write_config(repo, feeds, content="page", keep_pages=True)
    assert mirror(repo, "fetch").returncode == 0
    before = damage(repo)
    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qam", "edit")

    later = mirror(repo, "reextract", "--since", "2100-01-01", "--no-commit")
    assert later.stdout.startswith("re-extracted 0 posts, 0 unchanged")
    only = mirror(repo, "reextract", "--feed", "甲")
    assert only.returncode == 0 and only.stdout.startswith("re-extracted 1 post, 0 unchanged")
    now = posts(repo / "archive")
    assert [now[p] == before[p] for p in sorted(now)] == [False, True] or \
        [now[p] == before[p] for p in sorted(now)] == [True, False]
    assert commits(repo) == 3

    # A kept page whose text is now shorter than the feed's: the post stays as it is.
    [path] = [p for p in kept_pages.kept_files(load(repo)) if "乙" in str(p)]
    page = kept_pages.decode(path.read_bytes())
    short = kept_pages.Fetched.of(page.fetched.url, 200, dict(page.fetched.headers),
                                  "<html><body><p>短。</p></body></html>".encode())
    from dataclasses import replace

    kept_pages.write(load(repo), replace(page, fetched=short, entry=replace(
        page.entry, summary="<p>" + "长的摘要。" * 50 + "</p>")), 1)
    left = mirror(repo, "reextract", "--feed", "乙")
    assert left.returncode == 0 and "left as it is" in left.stdout
    assert commits(repo) == 3
    assert sum(text == before[path] for path, text in posts(repo / "archive").items()) == 1


def load(repo: Path):
    from mirror.config import load_config

    return load_config(repo / "feeds.yaml")
