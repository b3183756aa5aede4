"""What watching and snapshots found: the changes ledger, revision files and their page.

``<archive>/.mirror-changes.tsv`` holds one line per finding (time, kind,
link, post path, detail), only ever appended, so that runners' ledgers merge
by union like the archive's index. Kinds: ``deleted``, ``edited``,
``restored`` (back after being deleted) and ``snapshot`` (a copy the Wayback
Machine made; the detail is its address). An edit also gets a revision file
holding the new version, its changed sentences marked, beside the page that
lists the changes newest first (``<index pages>/changes/``). The archived
post itself is never rewritten.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from mirror.archive.atomic import atomic_write
from mirror.archive.index_pages import BANNER, relative_link
from mirror.models import Config
from mirror.preserve import tsv
from mirror.preserve.compare import Difference, key, paragraphs, sentences
from mirror.preserve.places import (
    CHANGES_NAME,
    REVISION_BANNER,
    changes_folder,
    changes_ledger,
)
from mirror.publish.front_matter import read_front

HEADER = "# mirror changes v1: time, kind, link, post path, detail of each finding; do not edit\n"
KINDS = ("deleted", "edited", "restored", "snapshot")
PAGE_NAME = "README.md"
VERSION_START = '<div class="mirror-revision">'
REVISION_IN_DETAIL = re.compile(r"; revision (\S+)$")
LISTED = 1000  # the changes the page lists; the ledger holds them all
MARKDOWN_SPECIAL = re.compile(r"([\\\[\]*_`|<>])")


@dataclass(frozen=True)
class Change:
    """One finding: when (UTC, ISO 8601), what, of which article, its post, a detail."""

    time: str
    kind: str
    link: str
    post: str
    detail: str = ""

    def fields(self) -> tuple[str, str, str, str, str]:
        return (self.time, self.kind, self.link, self.post, self.detail)

    @property
    def revision(self) -> str | None:
        """The revision file of an edit, relative to the repository."""
        found = REVISION_IN_DETAIL.search(self.detail)
        return found.group(1) if found else None


def stamp(ms: int) -> str:
    return datetime.fromtimestamp(ms // 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def ledger_path(config: Config) -> Path:
    return changes_ledger(config)


def folder(config: Config) -> Path:
    """Where the changes page and the revision files go."""
    return changes_folder(config)


def read_changes(config: Config) -> list[Change]:
    return [Change(*row) for row in tsv.read(ledger_path(config), 5)]


def append_changes(config: Config, changes: Sequence[Change]) -> bool:
    return tsv.append(ledger_path(config), HEADER, (change.fields() for change in changes))


def last_state(changes: Iterable[Change]) -> dict[str, str]:
    """Each link's last finding about whether it is there: ``deleted`` or ``restored``."""
    state: dict[str, str] = {}
    for change in changes:
        if change.kind in ("deleted", "restored"):
            state[change.link] = change.kind
    return state


# ------------------------------------------------------------------ revisions

def revision_path(config: Config, post: str, when_ms: int, channel: str) -> Path:
    moment = datetime.fromtimestamp(when_ms // 1000, UTC).strftime("%Y%m%dT%H%M%SZ")
    return folder(config) / "revisions" / post.removesuffix(".md") / f"{moment}-{channel}.md"


def write_revision(config: Config, change: Change, when_ms: int, channel: str,
                   version: str, found: Difference) -> Path:
    """The revision file of an edit: the new version (``version``, markup), its added
    sentences marked, those it removed listed."""
    path = revision_path(config, change.post, when_ms, channel)
    post = config.archive / change.post
    title = read_front(post).title or change.post
    added = {key(sentence) for sentence in found.added}
    lines = [REVISION_BANNER, f"# {_escape(title)}", "",
             f"Edited at the source; found {change.time.replace('T', ' ')} (from its "
             f"{channel}). [The archived post]({relative_link(path.parent, post)}) · "
             f"[the article]({_url(change.link)})", "",
             "<ins>Marked</ins>: sentences added or changed since the archived version."]
    if found.removed:
        lines += ["", "## Removed or changed", "",
                  *(f"- <del>{html.escape(sentence)}</del>" for sentence in found.removed)]
    lines += ["", "## The new version", "", VERSION_START]
    lines += [f"<p>{_marked(paragraph, added)}</p>" for paragraph in paragraphs(version)]
    lines.append("</div>")
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, ("\n".join(lines) + "\n").encode("utf-8"))
    return path


def read_revision(path: Path) -> str | None:
    """The version a revision file holds, as markup (None when it cannot be read)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return None
    start = text.find(VERSION_START)
    if not text.startswith(REVISION_BANNER) or start < 0:
        return None
    return re.sub(r"</?ins>", "", text[start:])


def _marked(paragraph: str, added: set[str]) -> str:
    return "".join(f"<ins>{html.escape(s)}</ins>" if key(s) in added else html.escape(s)
                   for s in _with_spaces(paragraph))


def _with_spaces(paragraph: str) -> list[str]:
    """The paragraph's sentences, each with the space that followed it."""
    parts, rest = [], paragraph
    for sentence in sentences(paragraph):
        at = rest.find(sentence)
        if at < 0:
            continue
        end = at + len(sentence)
        while end < len(rest) and rest[end] == " ":
            end += 1
        parts.append(rest[:end] if at == 0 else rest[at:end])
        rest = rest[end:]
    return parts


# ------------------------------------------------------------------ the page

def write_page(config: Config, changes: Sequence[Change]) -> Path | None:
    """The page listing the changes newest first; its path when it changed."""
    target = folder(config) / PAGE_NAME
    if target.exists() and not target.read_text(encoding="utf-8").startswith(BANNER):
        return None  # not mirror's: never overwritten
    text = page_text(config, changes, target.parent)
    data = text.encode("utf-8")
    if target.exists() and target.read_bytes() == data:
        return None
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(target, data)
    return target


def page_text(config: Config, changes: Sequence[Change], where: Path) -> str:
    found = [c for c in changes if c.kind != "snapshot"]
    snapshots = {c.link: c.detail for c in changes if c.kind == "snapshot"}
    counts = {kind: sum(1 for c in found if c.kind == kind) for kind in KINDS[:3]}
    zone = ZoneInfo(config.index_pages.time_zone)
    lines = [BANNER, "# Changes at the sources", "",
             f"{len(found):,} change{'s' if len(found) != 1 else ''} found: "
             + ", ".join(f"{n:,} {kind}" for kind, n in counts.items())
             + f"; {len(snapshots):,} snapshot{'s' if len(snapshots) != 1 else ''} made. "
             f"Newest first, times in {config.index_pages.time_zone}. The archived posts are "
             "never changed.", ""]
    newest = sorted(enumerate(found), key=lambda item: (item[1].time, item[0]), reverse=True)
    lines += [_item(config, change, where, zone, snapshots.get(change.link))
              for _, change in newest[:LISTED]]
    if len(found) > LISTED:
        lines += ["", f"Older changes are in `{CHANGES_NAME}` beside the posts."]
    return "\n".join(lines) + "\n"


def _item(config: Config, change: Change, where: Path, zone: ZoneInfo,
          snapshot: str | None) -> str:
    post = config.archive / change.post
    title = read_front(post).title or change.post
    moment = datetime.strptime(change.time, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    parts = [moment.astimezone(zone).strftime("%Y-%m-%d %H:%M"), f"**{change.kind}**",
             f"[{_escape(title)}]({relative_link(where, post)})"]
    if change.revision:
        parts.append(f"[revision]({relative_link(where, config.root / change.revision)})")
    parts.append(f"[source]({_url(change.link)})")
    if snapshot:
        parts.append(f"[snapshot]({_url(snapshot)})")
    detail = REVISION_IN_DETAIL.sub("", change.detail)
    if detail:
        parts.append(_escape(detail))
    return "- " + " · ".join(parts)


def _escape(text: str) -> str:
    return MARKDOWN_SPECIAL.sub(r"\\\1", text.replace("\n", " "))


def _url(url: str) -> str:
    return url.replace("(", "%28").replace(")", "%29").replace(" ", "%20")
