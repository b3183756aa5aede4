"""Where preservation keeps its files in the repository, and how to tell them.

A leaf module (paths only, nothing heavy imported), for the run's crash
recovery (``workspace``: a killed run's files are committed by the next) and
for ``--push``'s rebase (``push``: files carried onto the remote's commit).
"""

from __future__ import annotations

import re
from pathlib import Path

from mirror.models import Config

MANIFEST_NAME = ".mirror-assets.tsv"
CHANGES_NAME = ".mirror-changes.tsv"
REVISION_BANNER = "<!-- mirror revision v1: the article as the source showed it later; " \
                  "the archived post is unchanged -->"
STORED_IMAGE = re.compile(r"[0-9a-f]{2}/[0-9a-f]{64}\.(?:png|jpg|gif|webp|avif|bmp|ico)")
KEPT_PAGE = re.compile(r"[^/]+/[0-9a-f]{40}\.warc\.gz")


def assets_folder(config: Config) -> Path:
    return (config.root / config.assets).resolve()


def raw_folder(config: Config) -> Path:
    return (config.root / config.raw).resolve()


def changes_ledger(config: Config) -> Path:
    return config.archive / CHANGES_NAME


def changes_folder(config: Config) -> Path:
    """Where the changes page and the revision files go: beside the index pages."""
    return (config.root / config.index_pages.folder).resolve() / "changes"


def folders(config: Config) -> list[Path]:
    """The folders preservation writes to (besides the archive)."""
    return [assets_folder(config), raw_folder(config), changes_folder(config)]


def is_ours(config: Config, path: Path) -> bool:
    """Whether a file is one preservation writes: a stored image or the manifest, a kept
    page, the changes ledger, the changes page or a revision file."""
    path = path.resolve()
    for folder, pattern, name in ((assets_folder(config), STORED_IMAGE, MANIFEST_NAME),
                                  (raw_folder(config), KEPT_PAGE, None)):
        if path.is_relative_to(folder):
            inside = path.relative_to(folder).as_posix()
            return bool(pattern.fullmatch(inside)) or inside == name
    if path == changes_ledger(config).resolve():
        return True
    if path.is_relative_to(changes_folder(config)) and path.suffix == ".md":
        return _starts_with(path, (REVISION_BANNER, "<!-- written by mirror"))
    return False


def mark(config: Config) -> list[object]:
    """What changes when a run records changes or snapshots (for ``Workspace.settled``)."""
    try:
        stat = changes_ledger(config).stat()
    except FileNotFoundError:
        return [None]
    return [[stat.st_size, stat.st_mtime_ns]]


def _starts_with(path: Path, banners: tuple[str, ...]) -> bool:
    try:
        with path.open("rb") as handle:
            head = handle.read(200).decode("utf-8", "replace")
    except OSError:
        return False
    return head.startswith(banners)
