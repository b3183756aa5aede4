"""``keep_pages: true``: each article page fetched, stored in the repository as fetched.

One ``.warc.gz`` file per article (``raw/<feed>/<sha1 of the link>.warc.gz``):
a ``response`` record holding the page as the server sent it (its final URL,
status, content type and the body's bytes, decompressed), and a ``metadata``
record holding what is needed to make the post again from it with no
network: the feed's entry (title, dates, the feed's own content, language),
where the post's body came from (``page``, or ``summary`` when the page
could not be used), the post's path when written, and the stored name of
each image the post kept. The file's name comes from the link's identity,
so a post renamed or moved elsewhere still finds it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from mirror.archive.atomic import atomic_write
from mirror.models import Config, Entry, RawPage
from mirror.preserve import warc
from mirror.preserve.places import raw_folder
from mirror.publish.render import slug
from mirror.urls import identity

SUFFIX = ".warc.gz"
# What a page's bytes need to be read again; the others (Date, cookies ...) change every
# time, or are nobody's business.
KEPT_HEADERS = ("content-type", "content-language", "last-modified", "etag")
METADATA_VERSION = 1


@dataclass(frozen=True)
class Fetched:
    """An article page as the server sent it: the final URL after redirects, the status,
    the headers worth keeping and the body (decompressed)."""

    url: str
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes

    @classmethod
    def of(cls, url: str, status: int, headers: Mapping[str, str], body: bytes) -> Fetched:
        lowered = {name.lower(): value for name, value in headers.items()}
        kept = tuple((name, lowered[name]) for name in KEPT_HEADERS if name in lowered)
        return cls(url=url, status=status, headers=kept, body=body)

    @classmethod
    def of_raw(cls, raw: RawPage) -> Fetched:
        """A page as the run fetched it for its post (a 200: nothing else is kept)."""
        return cls.of(raw.url, 200, {"content-type": raw.content_type}, raw.content)

    @property
    def content_type(self) -> str:
        return dict(self.headers).get("content-type", "")

    def raw(self) -> RawPage:
        """The page as the extraction workers take it."""
        return RawPage(url=self.url, content_type=self.content_type, content=self.body)


@dataclass(frozen=True)
class KeptPage:
    """A stored page and what its post was made of."""

    feed: str
    entry: Entry
    fetched: Fetched
    source: str  # "page" or "summary": where the post's body came from
    post: str = ""  # the post's path in the archive when it was written
    images: dict[str, str] = field(default_factory=dict)  # image URL -> stored name


def page_path(config: Config, feed: str, link: str) -> Path:
    """Where the page of an article is kept."""
    name = hashlib.sha1(identity(link).encode()).hexdigest()
    return raw_folder(config) / (slug(feed) or "feed") / f"{name}{SUFFIX}"


def encode(page: KeptPage, when_ms: int) -> bytes:
    """The page's WARC file: its response record, then the metadata record."""
    fetched, date = page.fetched, warc.warc_date(when_ms)
    response_id = warc.record_id("response", fetched.url, date, warc.digest(fetched.body))
    response = warc.record("response", [
        ("WARC-Record-ID", response_id), ("WARC-Date", date),
        ("WARC-Target-URI", fetched.url), ("WARC-Payload-Digest", warc.digest(fetched.body)),
    ], warc.http_response(fetched.status, fetched.headers, fetched.body),
        "application/http;msgtype=response")
    about = json.dumps({
        "version": METADATA_VERSION, "feed": page.feed, "source": page.source,
        "post": page.post, "entry": dataclasses.asdict(page.entry),
        "images": dict(sorted(page.images.items())),
    }, ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8")
    metadata = warc.record("metadata", [
        ("WARC-Record-ID", warc.record_id("metadata", fetched.url, date, warc.digest(about))),
        ("WARC-Date", date), ("WARC-Target-URI", fetched.url),
        ("WARC-Refers-To", response_id),
    ], about, "application/json")
    return response + metadata


def decode(data: bytes) -> KeptPage:
    """The page a file of ``encode`` holds; WarcError when it holds no such page."""
    records = {one.field("WARC-Type"): one for one in warc.read(data)}
    response, metadata = records.get("response"), records.get("metadata")
    if response is None or metadata is None:
        raise warc.WarcError("not a page mirror kept: a response and a metadata record needed")
    status, headers, body = warc.split_http(response.block)
    try:
        about = json.loads(metadata.block)
        entry = Entry(**about["entry"])
        return KeptPage(
            feed=str(about["feed"]), entry=entry, source=str(about["source"]),
            post=str(about.get("post", "")), images=dict(about.get("images") or {}),
            fetched=Fetched.of(response.field("WARC-Target-URI") or entry.link, status,
                               dict(headers), body))
    except (ValueError, KeyError, TypeError) as exc:
        raise warc.WarcError(f"its metadata cannot be read: {exc}") from None


def write(config: Config, page: KeptPage, when_ms: int) -> Path:
    """Store the page (atomically); its path."""
    target = page_path(config, page.feed, page.entry.link)
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(target, encode(page, when_ms))
    return target


def kept_files(config: Config, feeds: Iterator[str] | None = None) -> list[Path]:
    """Every kept page (of these feeds), in a stable order."""
    folder = raw_folder(config)
    if feeds is None:
        return sorted(folder.glob(f"*/*{SUFFIX}"))
    return sorted(path for name in feeds
                  for path in (folder / (slug(name) or "feed")).glob(f"*{SUFFIX}"))
