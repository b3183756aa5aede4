"""What the last runs did, per feed, committed beside the index pages.

The cache that ``mirror status`` reads lives outside the repository, so a
fresh clone of a mirror kept by CI would show every feed "never polled".
Each run that commits also writes this small file (``status.json`` in the
index pages' folder, or in the archive when there are none): per feed, when
it last ran (the run's time, so files stay reproducible), its result and
how many entries wait for a later run. It changes only with a commit: a run
with nothing new leaves it as it is. Two runners' files merge per feed, the
later run winning.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mirror.archive.atomic import write_if_changed
from mirror.models import Config

STATUS_NAME = "status.json"
VERSION = 1


def status_path(config: Config) -> Path:
    folder = config.index_pages.folder if config.index_pages.enabled else None
    return (config.root / folder if folder else config.archive).resolve() / STATUS_NAME


def read_status(path: Path) -> dict[str, dict[str, Any]]:
    """Each feed's last run as the file holds it; nothing when it is missing or damaged."""
    try:
        return parse_status(path.read_text(encoding="utf-8"))
    except OSError:
        return {}


def parse_status(text: str) -> dict[str, dict[str, Any]]:
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    feeds = data.get("feeds") if isinstance(data, dict) else None
    if not isinstance(feeds, dict):
        return {}
    return {name: run for name, run in feeds.items()
            if isinstance(run, dict) and isinstance(run.get("last_run"), str)}


def merged(*files: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Feeds from all files; where two hold a feed, its later run."""
    result: dict[str, dict[str, Any]] = {}
    for runs in files:
        for name, run in runs.items():
            if name not in result or run["last_run"] >= result[name]["last_run"]:
                result[name] = run
    return result


def write_status(path: Path, runs: dict[str, dict[str, Any]]) -> bool:
    """Write the file (feeds in name order, so it is the same for the same runs); whether
    it changed."""
    text = json.dumps({"version": VERSION, "feeds": dict(sorted(runs.items()))},
                      ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    return write_if_changed(path, text.encode("utf-8"))
