"""What many test files build or read: feeds served on the loopback site, the archive read
back, a remote with its clones. (The fixtures and the mirror command: ``conftest.py``.)"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import yaml

from tests.conftest import git, posts
from tests.feeds import Item, rss
from tests.server import Site

RSS_TYPE = "application/rss+xml; charset=utf-8"
FULL_TEXT = "<p>" + "这是一篇完整的新闻报道，内容足够长。" * 30 + "</p>"  # the whole article
SUMMARY = "一句话摘要。"
ARTICLE_HTML = ("<html><head><title>t</title></head><body><article>"  # a small article page
                + "<p>The article itself says what happened, in whole sentences. </p>" * 20
                + "</article></body></html>")


# ---------------------------------------------------------------- feeds

def items(count: int, body: str = FULL_TEXT) -> list[Item]:
    """``count`` entries that carry their whole article, newest first, a minute apart."""
    return [Item(title=f"新闻 {i}", link=f"https://news.example/{i}", body=body,
                 date=1_610_444_483 - i * 60) for i in range(count)]


def voa_items() -> list[Item]:
    """Two short VOA stories, as its feed carries them."""
    return [
        Item(title="第一条新闻", link="https://www.voachinese.com/a/one/1.html",
             date=1_610_444_483, body="<p>第一条新闻的正文。</p>"),
        Item(title="第二条新闻", link="https://www.voachinese.com/a/two/2.html",
             date=1_610_440_000, body="<p>第二条新闻的正文。</p>"),
    ]


def serve_feed(site: Site, entries: list[Item], path: str = "/feed.xml",
               **options: Any) -> str:
    """An RSS feed of ``entries`` on the site; its URL."""
    return site.add(path, rss(entries), content_type=RSS_TYPE, **options)


def summary_feed(site: Site, links: list[str], path: str = "/feed.xml",
                 **options: Any) -> str:
    """A feed that only summarises the pages at ``links``: each article is on its page."""
    entries = [Item(title=f"Story {i}", link=link, body=None, summary=SUMMARY)
               for i, link in enumerate(links)]
    return serve_feed(site, entries, path, **options)


# ---------------------------------------------------------------- the archive read back

def fronts(folder: Path) -> list[dict[str, Any]]:
    """The front matter of every post under a folder."""
    return [yaml.safe_load(text.split("---\n")[1]) for text in posts(folder).values()]


def froms(folder: Path) -> list[str]:
    """The link every post under a folder was made from."""
    return [front["from"] for front in fronts(folder)]


def by_link(folder: Path) -> dict[str, str]:
    """The posts under a folder by the link they were made from."""
    return {yaml.safe_load(text.split("---\n")[1])["from"]: text
            for text in posts(folder).values()}


def body_of(post: str) -> str:
    """The body of a post in the seed format: what is between <div> and </div>."""
    return post.split("<div>\n", 1)[1].rsplit("\n</div>", 1)[0]


def index_links(folder: Path) -> list[Path]:
    """Where the links of the index pages in a folder lead."""
    targets = []
    for page in folder.glob("*.md"):
        for link in re.findall(r"\]\(([^)]+\.md)\)", page.read_text(encoding="utf-8")):
            targets.append((page.parent / unquote(link)).resolve())
    return targets


# ---------------------------------------------------------------- git

def commit_by_hand(repo: Path, message: str) -> None:
    """Commit what is staged, as a person would (an identity given on the command line)."""
    git(repo, "-c", "user.name=u", "-c", "user.email=u@x", "commit", "-qm", message)


def remote_and_clones(tmp_path: Path, count: int = 2) -> tuple[Path, list[Path]]:
    """An empty bare remote and ``count`` clones of it."""
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
    clones = []
    for name in ("one", "two", "three", "four")[:count]:
        git(tmp_path, "clone", "-q", str(remote), str(tmp_path / name))
        clones.append(tmp_path / name)
    return remote, clones


def clone_of(remote: Path, tmp_path: Path, name: str = "final") -> Path:
    """A fresh clone: what the remote holds."""
    git(tmp_path, "clone", "-q", str(remote), str(tmp_path / name))
    return tmp_path / name
