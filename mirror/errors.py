"""Errors say how far the damage goes.

    MirrorError
    ├── ConfigError    feeds.yaml missing or invalid: nothing runs (exit 2)
    ├── LockError      another run holds this archive: nothing runs (exit 3)
    ├── FeedError      this feed is skipped this run; the others go on
    ├── EntryError     this article is skipped and retried next run
    │   ├── PageGone   the article page can never be used: fall back to the summary
    │   └── BodyLost   the body cannot be made safe without losing its text: it is not
    │       │          written that way (the feed's summary instead, else retried)
    │       └── EmptyBody  the body would show nothing: likewise
    ├── ArchiveError   writing failed: stop (disk problems are global)
    └── GitError       git failed: stop; the files are already safe on disk

Every message reads "where: what" so that it fits on one line of output.
"""

from __future__ import annotations


class MirrorError(Exception):
    """Base of every error mirror reports as one line instead of a traceback."""


class ConfigError(MirrorError):
    """feeds.yaml is missing or invalid."""


class LockError(MirrorError):
    """Another mirror run holds the archive."""


class FeedError(MirrorError):
    """A feed could not be polled or parsed."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class EntryError(MirrorError):
    """One entry could not be archived this run; the next run retries it."""


class PageGone(EntryError):
    """The article page is permanently unusable (404, not HTML, too large, empty)."""


class BodyLost(EntryError):
    """Making the body safe would lose text it holds outside the unsafe elements.

    Never written emptied or cut: the pipeline writes the post from the feed's own
    content instead, with a note, or leaves the entry for the next run.
    """


class ArchiveError(MirrorError):
    """Writing to the archive failed."""


class GitError(MirrorError):
    """A git command failed."""


def internal_error(exc: Exception) -> str:
    """A bug, said in one line: the exception's kind and message, no traceback."""
    return f"internal error: {type(exc).__name__}: {exc}"


class EmptyBody(BodyLost):
    """The body, made safe, would show nothing (no text, no image): never written empty."""
