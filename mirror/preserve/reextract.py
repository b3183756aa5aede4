"""``mirror reextract``: posts made again from their kept pages with today's extractor.

For each page ``keep_pages`` stored whose post was written from it, the page's
bytes are decoded and extracted again (in worker processes, no network), its
kept images pointed at as before, and the body rendered; the post keeps its
file name, front matter and heading (its identity and dates) byte for byte,
and only its body changes. A post whose body comes out the same is not
touched; one that today's extractor cannot make (nothing extractable, less
text than the feed, nothing publishable) is left as it is, with a note. The
posts that changed are committed together.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from mirror import clock
from mirror.archive.atomic import atomic_write
from mirror.archive.ledger import INDEX_NAME, read_index
from mirror.errors import EntryError
from mirror.fetching.charset import CharsetHint
from mirror.models import Article, Config, FeedConfig
from mirror.preserve import kept_pages
from mirror.preserve.assets import assets_folder, image_src
from mirror.preserve.kept_pages import KeptPage
from mirror.preserve.warc import WarcError
from mirror.publish.front_matter import read_front
from mirror.publish.render import render_body
from mirror.text import count_units, markup_text
from mirror.urls import identity, redact
from mirror.workers import Extractor
from mirror.workspace import Workspace

HEADING_END = "\n------\n\n"


@dataclass
class Reextracted:
    """What ``mirror reextract`` did: posts written again, left as they were, notes."""

    written: list[Path] = field(default_factory=list)
    unchanged: int = 0
    notes: list[str] = field(default_factory=list)
    commit: str | None = None


async def reextract(config: Config, feeds: tuple[str, ...] = (), since: datetime | None = None,
                    commit: bool = True, wait: float = 300) -> Reextracted:
    """Render the page-made posts (of these feeds; dated ``since`` or later) again."""
    workspace = Workspace.open(config)
    async with workspace.locked(wait):
        done = Reextracted()
        posts = _posts_by_link(config)
        jobs = [job for job in _jobs(config, feeds, posts, since, done) if job is not None]
        extractor = Extractor(fetching=os.cpu_count() or 1)
        try:
            await asyncio.gather(*(_again(config, extractor, job, done) for job in jobs))
        finally:
            await extractor.close()
        done.written.sort()
        if done.written and commit and workspace.repo is not None:
            count = len(done.written)
            done.commit = workspace.commit(
                sorted(workspace.repo.relative(path) for path in done.written),
                f"mirror: re-extract {count} post{'s' if count != 1 else ''} from their kept "
                "pages\n", clock.now_ms())
        return done


@dataclass(frozen=True)
class _Job:
    page: KeptPage
    feed: FeedConfig
    post: Path


def _posts_by_link(config: Config) -> dict[str, str]:
    """Each archived link's post (the index's last line for it)."""
    return {identity(link): path for path, _, _, link in
            read_index(config.archive / INDEX_NAME)}


def _jobs(config: Config, feeds: tuple[str, ...], posts: dict[str, str],
          since: datetime | None, done: Reextracted) -> list[_Job | None]:
    by_name = {feed.name: feed for feed in config.feeds}
    names = iter(feeds) if feeds else None
    return [_job(config, path, by_name, posts, since, done)
            for path in kept_pages.kept_files(config, names)]


def _job(config: Config, path: Path, feeds: dict[str, FeedConfig], posts: dict[str, str],
         since: datetime | None, done: Reextracted) -> _Job | None:
    try:
        page = kept_pages.decode(path.read_bytes())
    except (OSError, WarcError) as exc:
        done.notes.append(f"{path}: cannot be read ({exc})")
        return None
    feed, post = feeds.get(page.feed), posts.get(identity(page.entry.link))
    if page.source != "page" or feed is None or post is None:
        return None  # written from the feed, or of a feed or post no longer here
    target = config.archive / post
    date = read_front(target).date
    if not target.exists() or (since is not None and (date is None or date < since)):
        return None
    return _Job(page, feed, target)


async def _again(config: Config, extractor: Extractor, job: _Job, done: Reextracted) -> None:
    async with extractor.slot():  # as many pages held at once as the workers can take
        try:
            body = await _body(config, extractor, job)
        except EntryError as exc:
            done.notes.append(f"{redact(job.page.entry.link)}: left as it is ({exc})")
            return
    text = job.post.read_text(encoding="utf-8")
    head, separator, _ = text.partition(HEADING_END)
    if not separator:
        done.notes.append(f"{job.post}: no heading line to keep; left as it is")
        return
    if head + separator + body == text:
        done.unchanged += 1
        return
    atomic_write(job.post, (head + separator + body).encode("utf-8"))
    done.written.append(job.post)


async def _body(config: Config, extractor: Extractor, job: _Job) -> str:
    """The post's body block made again from the kept page (EntryError when it cannot be)."""
    page, fetched = job.page, job.page.fetched
    entry = page.entry
    body = await extractor.body(fetched.raw(), CharsetHint(language=entry.language))
    # The rule of articles.Articles.article: a page with less text than the feed is not used.
    own = entry.content or entry.summary or ""
    if count_units(markup_text(body)) < count_units(markup_text(own)):
        raise EntryError("today's extraction holds less text than the feed")
    post = job.post.relative_to(config.archive).as_posix()
    images = tuple((url, image_src(config, name, post)) for url, name in page.images.items()
                   if (assets_folder(config) / name).is_file())
    article = Article(entry=entry, body=body, source="page", images=images)
    return render_body(article, job.feed, config.video_hosts)
