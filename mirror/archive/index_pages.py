"""Index pages: one page per feed with its newest posts, and an overview of all feeds.

By default they live in ``feeds/`` beside feeds.yaml: ``README.md`` (the
overview, which GitHub shows below the folder's file list) and one
``<feed>.md`` per feed. They have no front matter, so a Jekyll site copies
them as they are instead of rendering them into its pages; every link is a
relative link to a post file, which GitHub follows and GitHub Pages turns
into the post's address. They depend only on the posts, so they change only
when the posts do: ``mirror fetch`` rewrites them after each run that added
posts, ``mirror index`` on demand.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Protocol
from urllib.parse import quote

from mirror.archive.atomic import remove_temp_files, write_if_changed
from mirror.models import Config

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

BANNER = "<!-- written by mirror after each run that adds posts: edits here are lost -->"
PATH_DATE = re.compile(r"(\d{4})[-/](\d{2})(?:[-/](\d{2}))?")
LINK_UNSAFE = re.compile(r"[\s()<>%#?\\\[\]\x00-\x1f\x7f]")
MARKDOWN_SPECIAL = re.compile(r"([\\\[\]*_`|])")


class Posts(Protocol):
    """What the index pages need of the archive: its posts now, by feed."""

    def posts_by_feed_now(self) -> dict[str, list[str]]: ...


@dataclass(frozen=True)
class Listed:
    """A post as the index pages show it."""

    path: Path
    feed: str
    title: str
    date: datetime


def pages_folder(config: Config) -> Path:
    return (config.root / config.index_pages.folder).resolve()


def skipped_in_archive(config: Config) -> frozenset[str]:
    """The generated pages' paths relative to the archive, so they are never taken for posts."""
    if not config.index_pages.enabled:
        return frozenset()
    folder = pages_folder(config)
    if not folder.is_relative_to(config.archive):
        return frozenset()
    inside = folder.relative_to(config.archive).as_posix()
    if inside == ".":
        pages = feed_pages(config, [feed.name for feed in config.feeds])
        return frozenset({config.index_pages.overview, *(p.name for p in pages.values())})
    return frozenset({inside + "/"})


def feed_pages(config: Config, names: list[str]) -> dict[str, Path]:
    """Each feed's page: its slug, made unique (and kept clear of the overview's name) with
    a short hash of the name where two names share a slug or one has none."""
    from mirror.publish.render import slug  # index pages are written only with new posts

    stems = {name: slug(name) for name in names}
    seen: dict[str, int] = {}
    for stem in stems.values():
        seen[stem.lower()] = seen.get(stem.lower(), 0) + 1
    overview = Path(config.index_pages.overview).stem.lower()
    pages = {}
    for name, stem in stems.items():
        if not stem or seen[stem.lower()] > 1 or stem.lower() == overview:
            stem = f"{stem or 'feed'}-{hashlib.sha1(name.encode()).hexdigest()[:6]}"
        pages[name] = pages_folder(config) / f"{stem}.md"
    return pages


@dataclass
class Written:
    """The pages that changed, and what could not be written."""

    written: list[Path]
    notes: list[str]


def write_pages(config: Config, archive: Posts) -> Written:
    """Write the index pages that changed."""
    if not config.index_pages.enabled:
        return Written([], [])
    folder = pages_folder(config)
    from zoneinfo import ZoneInfo  # only runs that write posts write the pages

    zone = ZoneInfo(config.index_pages.time_zone)
    by_feed = archive.posts_by_feed_now()
    names = [feed.name for feed in config.feeds]
    names += sorted(set(by_feed) - set(names))
    newest = {name: _newest(config.archive, by_feed.get(name, []), name,
                            config.index_pages.newest) for name in names}
    pages = feed_pages(config, names)
    overview = folder / config.index_pages.overview
    wanted = {overview: _overview(overview, config, names, pages, by_feed, newest, zone)}
    for name in names:
        wanted[pages[name]] = _feed_page(pages[name], overview, name,
                                         len(by_feed.get(name, [])), newest[name], zone)
    result = Written([], [])
    remove_temp_files(folder)
    for path, text in wanted.items():
        if _foreign(path):
            result.notes.append(f"{path}: not written by mirror, so left alone "
                                "(set index_pages.overview or index_pages.folder)")
        elif write_if_changed(path, text.encode("utf-8")):
            result.written.append(path)
    return result


def _foreign(path: Path) -> bool:
    """A file of the same name that mirror did not write: never overwritten."""
    return path.exists() and not is_page(path)


def is_page(path: Path) -> bool:
    """Whether a file is an index page mirror wrote."""
    try:
        with path.open("rb") as handle:
            return handle.read(len(BANNER.encode())).decode("utf-8", "replace") == BANNER
    except OSError:
        return False


def _newest(archive: Path, paths: list[str], feed: str, count: int) -> list[Listed]:
    """The newest posts: candidates by the date in their path, then by their front matter.

    Every post whose path-date is as late as the ``count * 2 + 10``-th latest is a
    candidate: where names hold only a month, or no date, that is all of the month's.
    """
    ordered = sorted(paths, key=_path_date_key, reverse=True)
    enough = count * 2 + 10
    if len(ordered) > enough:
        floor = _path_date_key(ordered[enough - 1])[0]
        ordered = [path for path in ordered if _path_date_key(path)[0] >= floor]
    candidates = ordered
    listed = [post for post in (read_listed(archive, path, feed) for path in candidates)
              if post is not None]
    listed.sort(key=lambda post: (post.date, post.path.as_posix()), reverse=True)
    return listed[:count]


def _path_date_key(path: str) -> tuple[str, str]:
    match = PATH_DATE.search(path)
    return ("".join(g or "" for g in match.groups()) if match else "", path)


def read_listed(archive: Path, path: str, feed: str) -> Listed | None:
    """A post as the index pages list it; None when its front matter has no date."""
    from mirror.publish.front_matter import read_front

    front = read_front(archive / path)
    if front.date is None:
        return None
    return Listed(path=archive / path, feed=feed, title=front.title or path, date=front.date)


def _overview(overview: Path, config: Config, names: list[str], pages: dict[str, Path],
              by_feed: dict[str, list[str]], newest: dict[str, list[Listed]],
              zone: ZoneInfo) -> str:
    folder = overview.parent  # links are relative to where the overview is
    total = sum(len(by_feed.get(name, [])) for name in names)
    latest = sorted((post for posts in newest.values() for post in posts),
                    key=lambda post: (post.date, post.path.as_posix()), reverse=True)
    updated = _when(latest[0].date, zone) if latest else "never"
    lines = [BANNER, "# Archive", "",
             f"{_count(total, 'post')} from {_count(len(names), 'feed')}; newest post {updated} "
             f"({config.index_pages.time_zone}).", "",
             "| feed | posts | newest post |", "|---|---:|---|"]
    for name in names:
        page = pages[name]
        last = _when(newest[name][0].date, zone) if newest[name] else "-"
        lines.append(f"| [{_escape(name)}]({relative_link(folder, page)}) | "
                     f"{len(by_feed.get(name, [])):,} | {last} |")
    lines += ["", "## Newest posts", ""]
    lines += [_item(folder, post, zone, with_feed=True)
              for post in latest[: config.index_pages.newest]]
    return "\n".join(lines) + "\n"


def _feed_page(page: Path, overview: Path, name: str, count: int, newest: list[Listed],
               zone: ZoneInfo) -> str:
    folder = page.parent
    updated = _when(newest[0].date, zone) if newest else "never"
    lines = [BANNER, f"# {_escape(name)}", "",
             f"{_count(count, 'post')}; newest post {updated}. "
             f"[All feeds]({relative_link(folder, overview)})",
             "", *(_item(folder, post, zone, with_feed=False) for post in newest)]
    return "\n".join(lines) + "\n"


def _item(folder: Path, post: Listed, zone: ZoneInfo, with_feed: bool) -> str:
    feed = f"{_escape(post.feed)} · " if with_feed else ""
    link = relative_link(folder, post.path)
    return f"- {_when(post.date, zone)} · {feed}[{_escape(post.title)}]({link})"


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def _when(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def _escape(text: str) -> str:
    return MARKDOWN_SPECIAL.sub(r"\\\1", text.replace("\n", " "))


def relative_link(folder: Path, target: Path) -> str:
    """A relative link from a page's folder to a file; only what Markdown cannot hold in a
    link is percent-encoded, so CJK names stay readable."""
    relative = PurePosixPath(_relpath(target, folder)).as_posix()
    return LINK_UNSAFE.sub(lambda m: quote(m.group(0)), relative)


def _relpath(target: Path, folder: Path) -> str:
    return os.path.relpath(target, folder).replace(os.sep, "/")
