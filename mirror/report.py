"""RunReport -> lines a person reads: one per feed, then a total."""

from __future__ import annotations

from mirror.models import FeedReport, RunReport


def feed_line(feed: FeedReport) -> str:
    """``美国之音: 3 new, 17 known`` or ``美国之音: failed: <cause>``."""
    if feed.error:
        return f"{feed.name}: failed: {feed.error}"
    parts = [f"{feed.new} new", f"{feed.known} known"]
    if feed.entry_errors:
        parts.append(f"{len(feed.entry_errors)} failed")
    if feed.not_modified:
        parts.append("feed not modified")
    return f"{feed.name}: {', '.join(parts)}"


def error_lines(feed: FeedReport) -> list[str]:
    """One line per entry that could not be archived, and per image not kept."""
    return [f"{feed.name}: entry failed: {error}" for error in feed.entry_errors] + \
        [f"{feed.name}: {error}" for error in feed.image_errors]


def note_lines(feed: FeedReport) -> list[str]:
    """One line per note, such as a post written from the feed's summary."""
    return [f"{feed.name}: note: {note}" for note in feed.notes]


def total_line(run: RunReport) -> str:
    failed = sum(1 for feed in run.feeds if feed.error)
    entries = sum(len(feed.entry_errors) for feed in run.feeds)
    images = sum(len(feed.image_errors) for feed in run.feeds)
    known = sum(feed.known for feed in run.feeds)
    text = f"total: {run.new} new, {known} known in {len(run.feeds)} feeds"
    if failed:
        text += f"; {failed} feed{'s' if failed != 1 else ''} failed"
    if entries:
        text += f"; {entries} entr{'ies' if entries != 1 else 'y'} failed"
    if images:
        text += f"; {images} image{'s' if images != 1 else ''} not kept"
    if run.recovered:
        text += f"; completed {run.recovered} file(s) left by an interrupted run"
    if run.commit:
        text += f"; committed {run.commit[:10]}"
    elif run.new:
        text += "; not committed"
    return text


def commit_message(counts: list[tuple[str, int]]) -> str:
    """A run's commit message: the new posts in all, then per feed."""
    total = sum(count for _, count in counts)
    subject = f"mirror: {total} new post{'s' if total != 1 else ''}" if total else \
        "mirror: complete an interrupted run"
    lines = [f"{name}: {count}" for name, count in counts if count]
    return subject + ("\n\n" + "\n".join(lines) if lines else "") + "\n"
