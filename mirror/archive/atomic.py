"""Writing a file so that a crash leaves the old one or the new one, never half of either."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from mirror.errors import ArchiveError

TEMP_PREFIX = ".mirror-tmp-"


def atomic_write(target: Path, data: bytes, durable: bool = True) -> None:
    """Write to a temporary file beside target, flush it to disk, rename it into place.

    ``durable=False`` for caches, which are never the source of truth: the rename
    still leaves the old file or the new one, and a power cut may lose the new one.
    """
    temp = target.parent / f"{TEMP_PREFIX}{secrets.token_hex(6)}"
    try:
        with temp.open("xb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(temp, target)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise ArchiveError(f"{target}: cannot write: {exc}") from None


def write_if_changed(target: Path, data: bytes) -> bool:
    """Write atomically unless the file holds these bytes already; whether it was written.
    Generated files change only when what they show changes: no empty commits."""
    try:
        if target.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(target, data)
    return True


def remove_temp_files(folder: Path) -> None:
    """Remove what a killed run's writes left in a folder: never a whole file."""
    try:
        leftovers = [item for item in folder.iterdir() if item.name.startswith(TEMP_PREFIX)]
    except FileNotFoundError:
        return
    for item in leftovers:
        item.unlink(missing_ok=True)


def unused_path(path: Path) -> Path:
    """path, or path with a counter before its suffix when a file of that name exists."""
    candidate, counter = path, 2
    while candidate.exists():
        candidate = path.with_name(f"{path.stem}-{counter}{path.suffix}")
        counter += 1
    return candidate
