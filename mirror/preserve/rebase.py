"""``--push``'s rebase, for preservation's files: carried onto the remote's commit.

When the remote moved on, ``push`` does a run's work again on top of it. The
files preservation added are carried as they are (stored images and kept
pages are named by what they hold, so the remote can only hold the same
bytes under a name; revision files are named by their post and time); the
lines it appended to its ledgers (the changes ledger, the images' manifest)
are added where the remote lacks them, as the archive's index is; the
changes page is written again from the merged ledger.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from mirror.archive.atomic import atomic_write
from mirror.models import Config
from mirror.preserve import changes, places, tsv
from mirror.preserve.assets import MANIFEST_HEADER


@dataclass
class Carried:
    """Preservation's work in the local commits: files added, ledger lines appended."""

    files: dict[str, bytes] = field(default_factory=dict)  # repository path -> bytes
    lines: dict[str, list[tuple[str, ...]]] = field(default_factory=dict)


def carry(top: Path, config: Config, base: str, head: str, path: str,
          carried: Carried) -> bool:
    """Take what a local commit did to ``path`` when it is preservation's; whether it was."""
    full = top / path
    if not places.is_ours(config, full):
        return False
    width = _ledger_width(full.name)
    if width is None:
        carried.files[path] = _git_bytes(top, "show", f"{head}:{path}")
        return True
    before = set(tsv.parse(_git_text(top, f"{base}:{path}"), width))
    carried.lines[path] = [row for row in tsv.parse(_git_text(top, f"{head}:{path}"), width)
                           if row not in before]
    return True


def redo(top: Path, config: Config, carried: Carried) -> list[Path]:
    """The carried work done again on top of the remote's commit: the files changed."""
    changed = []
    for path, data in carried.files.items():
        target = top / path
        if not target.exists() or target.read_bytes() != data:
            target.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(target, data)
            changed.append(target)
    for path, rows in carried.lines.items():
        target = top / path
        header = changes.HEADER if target.name == places.CHANGES_NAME else MANIFEST_HEADER
        present = set(tsv.read(target, len(rows[0]))) if rows else set()
        if tsv.append(target, header, [row for row in rows if row not in present]):
            changed.append(target)
    if any(Path(path).name == places.CHANGES_NAME for path in carried.lines):
        page = changes.write_page(config, changes.read_changes(config))
        changed += [page] if page is not None else []
    return changed


def _ledger_width(name: str) -> int | None:
    return {places.CHANGES_NAME: 5, places.MANIFEST_NAME: 4}.get(name)


def _git_text(top: Path, spec: str) -> str:
    return _git_bytes(top, "show", spec, check=False).decode("utf-8", "replace")


def _git_bytes(top: Path, *args: str, check: bool = True) -> bytes:
    result = subprocess.run(["git", *args], cwd=top, capture_output=True, check=False)
    if check and result.returncode != 0:
        from mirror.errors import GitError

        raise GitError(f"git {args[0]}: {result.stderr.decode('utf-8', 'replace').strip()}")
    return result.stdout if result.returncode == 0 else b""
