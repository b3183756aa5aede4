"""``images: keep``: each image of a new post downloaded into the repository.

An image is stored once, under a name made of the SHA-256 of its bytes and
the extension its bytes show (``assets/3f/3fa9….png``): the same picture in a
hundred posts is one file, and a file's name proves its content. Only raster
images browsers show are stored (``sniff``); an SVG, an HTML page served as an
image, an image over ``max_image_bytes`` or past the run's
``max_run_image_bytes`` stays a link. A manifest beside the files
(``.mirror-assets.tsv``: name, feed, URL, post) says where each came from,
and spares downloading a URL again.

The post points at the file: by a path relative to the post (GitHub shows
it), or ``image_base`` + the name (for a site that serves the folder, such as
``/assets/``). An image that cannot be had stays a link (through
``image_proxy`` when one is set) and the post is written all the same; the
failure is reported, so that the run's exit code says so.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import quote

from mirror.archive.atomic import atomic_write
from mirror.fetching.http import Http, HTTPFailure, RequestOptions
from mirror.models import Article, Config, FeedConfig
from mirror.preserve import tsv
from mirror.preserve.places import MANIFEST_NAME, assets_folder
from mirror.preserve.sniff import image_kind, is_svg, looks_like
from mirror.preserve.timing import Budget
from mirror.publish.images import image_sources
from mirror.urls import host_of, redact

MANIFEST_HEADER = "# mirror kept images v1: name, feed, URL, post of each image first kept\n"
IMAGE_ACCEPT = "image/avif,image/webp,image/apng,image/png,image/jpeg,image/gif,image/*;q=0.8"
SHARE = 0.5  # of the run's remaining time, at most, for one image


@dataclass(frozen=True)
class Got:
    """What became of one image URL: its stored name, or why it stays a link
    (``failed``: a failure to report; otherwise a rule, such as SVG, that kept it a link)."""

    name: str | None = None
    why: str = ""
    failed: bool = False


@dataclass
class Kept:
    """An article with its kept images, and what could not be kept."""

    article: Article
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)  # image URL -> stored name


class ImageStore:
    """The assets folder: files named by their content, and the manifest of their sources."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.manifest = folder / MANIFEST_NAME
        self._known: dict[str, str] | None = None
        self._lines: list[tuple[str, int, str, str, str]] = []  # post, order, url, name, feed
        self.written: list[Path] = []

    def known(self, url: str) -> str | None:
        """The stored name of an image URL kept before, while its file is there."""
        if self._known is None:
            self._known = {row[2]: row[0] for row in tsv.read(self.manifest, 4)}
        name = self._known.get(url)
        return name if name is not None and (self.folder / name).is_file() else None

    def has(self, name: str) -> bool:
        return (self.folder / name).is_file()

    def put(self, name: str, data: bytes) -> None:
        """Store the bytes under their name, unless a file of that name holds them already."""
        target = self.folder / name
        if not target.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(target, data)
            self.written.append(target)

    def note(self, post: str, order: int, url: str, name: str, feed: str) -> None:
        """Remember where an image came from; written to the manifest by ``save``."""
        self._lines.append((post, order, url, name, feed))

    def save(self) -> list[Path]:
        """Add the manifest lines of the URLs first kept in this run, in the order of the
        posts: the files changed."""
        known = self._known if self._known is not None else \
            {row[2]: row[0] for row in tsv.read(self.manifest, 4)}
        rows = []
        for post, _, url, name, feed_name in sorted(self._lines):
            if url not in known:  # the first post (in path order) that showed it
                known[url] = name
                rows.append((name, feed_name, url, post))
        self._lines.clear()
        changed = list(self.written)
        self.written = []
        if tsv.append(self.manifest, MANIFEST_HEADER, rows):
            changed.append(self.manifest)
        return changed


class ImageKeeper:
    """Keeps the images of a run's new posts, within its caps and its time."""

    def __init__(self, config: Config, http: Http, store: ImageStore) -> None:
        self.config, self.http, self.store = config, http, store
        self.spent = 0  # bytes stored this run
        self.budget = Budget(http.deadline, SHARE, cap=float("inf"))
        self._tasks: dict[str, asyncio.Task[Got]] = {}
        # Downloads wait their host's turn here, where the wait does not count against
        # each request's timeout (a post with 40 images on one host queues them all).
        self._hosts: dict[str, asyncio.Semaphore] = {}

    async def keep(self, article: Article, feed: FeedConfig, post: str) -> Kept:
        """The article with each of its images that could be kept pointing at its file."""
        base = article.entry.link
        urls = list(dict.fromkeys(image_sources(article.body, base)))
        got = await asyncio.gather(*(self._get(url, feed, base) for url in urls))
        kept = Kept(article)
        images = []
        for order, (url, result) in enumerate(zip(urls, got, strict=True)):
            if result.name is not None:
                self.store.note(post, order, url, result.name, feed.name)
                kept.names[url] = result.name
                images.append((url, image_src(self.config, result.name, post)))
                continue
            line = f"{redact(base)}: image {redact(url)} not kept ({result.why}); it stays a link"
            (kept.errors if result.failed else kept.notes).append(line)
        kept.article = replace(article, images=tuple(images))
        return kept

    async def close(self) -> None:
        for task in self._tasks.values():
            task.cancel()

    def _get(self, url: str, feed: FeedConfig, referer: str) -> asyncio.Task[Got]:
        """One download per URL and run, shared by the posts that show the image."""
        task = self._tasks.get(url)
        if task is None:
            task = asyncio.ensure_future(self._fetch(url, feed, referer))
            self._tasks[url] = task
        return task

    async def _fetch(self, url: str, feed: FeedConfig, referer: str) -> Got:
        name = self.store.known(url)
        if name is not None:
            return Got(name=name)
        host = self._hosts.setdefault(host_of(url), asyncio.Semaphore(self.config.per_host))
        async with host:
            wait = min(2 * feed.timeout, self.budget.left())
            if wait <= 0:
                return Got(why="no time left in this run", failed=True)
            try:
                async with asyncio.timeout(wait):
                    response = await self.http.get(
                        url, timeout=feed.timeout, max_bytes=self.config.max_image_bytes,
                        headers={"Accept": IMAGE_ACCEPT, "Referer": referer},
                        options=RequestOptions.for_feed(feed))
            except HTTPFailure as failure:
                return Got(why=str(failure), failed=True)
            except TimeoutError:
                return Got(why=f"not had within {wait:.0f}s", failed=True)
        return self._store(response.content)

    def _store(self, data: bytes) -> Got:
        kind = image_kind(data)
        if kind is None:
            if is_svg(data):
                return Got(why="SVG can carry script: only raster images are kept")
            return Got(why=f"the server sent {looks_like(data)}, not an image", failed=True)
        name = name_of(data, kind.extension)
        if self.store.has(name):  # another URL gave the same picture: nothing more to store
            return Got(name=name)
        if self.spent + len(data) > self.config.max_run_image_bytes:
            limit = self.config.max_run_image_bytes / 1_000_000
            return Got(why=f"the run's max_run_image_bytes ({limit:g} MB) is spent", failed=True)
        self.spent += len(data)
        self.store.put(name, data)
        return Got(name=name)


def image_src(config: Config, name: str, post: str) -> str:
    """How a post at ``post`` (relative to the archive) loads the stored image ``name``."""
    if config.image_base:
        return config.image_base + name
    target = assets_folder(config) / name
    relative = os.path.relpath(target, (config.archive / post).parent).replace(os.sep, "/")
    return quote(relative)


def name_of(data: bytes, extension: str) -> str:
    """Where an image is stored in the assets folder: by the SHA-256 of its bytes, in one
    of 256 folders (so that no folder grows past what a file browser lists)."""
    digest = hashlib.sha256(data).hexdigest()
    return f"{digest[:2]}/{digest}.{extension}"
