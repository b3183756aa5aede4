"""``mirror init``: a ready mirror repository, scheduled by GitHub Actions.

Writes a commented feeds.yaml, the archive folder, a .gitignore line for the
cache, a requirements.txt that installs mirror, and
``.github/workflows/mirror.yml``: hourly off the top of the hour and on
demand, never overlapping itself, allowed to push, with pip and mirror's own
cache kept between runs. Existing files are never overwritten unless asked.
"""

from __future__ import annotations

import json
import subprocess
from importlib import metadata
from pathlib import Path

from mirror.archive.ledger import INDEX_NAME
from mirror.errors import ConfigError

CACHE_DIR = ".mirror-cache"

FEEDS_YAML = """\
# mirror: the feeds this repository archives; see mirror's README, "feeds.yaml".
# Top-level keys other than `feeds` are defaults that each feed may override.

archive: archive                            # where posts go, relative to this file
image_proxy: "https://images.weserv.nl?url="  # load images through a proxy readers can reach
content: auto                               # auto | feed | page: where post bodies come from
# format: markdown                          # bodies as Markdown instead of one line of HTML
# every: 1h                                 # how often `mirror run` polls each feed
# per_host: 2                               # requests in flight to one host
# index_pages: { folder: feeds, time_zone: Asia/Taipei }

feeds:
  - name: 美国之音
    url: https://feedx.net/rss/mgzy1.xml
  - name: 自由亚洲电台
    url: https://www.rfa.org/mandarin/yataibaodao/rss2.xml
    tags: [ RFA, 自由亚洲电台 ]
  - name: 中国数字时代
    url: https://chinadigitaltimes.net/chinese/feed/
"""

WORKFLOW = """\
# mirror: archive the feeds of feeds.yaml as posts, one commit per run, pushed here.
name: mirror

on:
  schedule:
    - cron: "{minute} * * * *"  # hourly, off the top of the hour when runners are busiest
  workflow_dispatch:

permissions:
  contents: write  # to push the new posts

concurrency:
  group: mirror-${{{{ github.ref }}}}  # never two runs at once; a late one waits
  cancel-in-progress: false

jobs:
  fetch:
    runs-on: ubuntu-latest
    timeout-minutes: 40
{strategy}    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
          cache: pip
          cache-dependency-path: requirements.txt
      - name: Install mirror
        run: pip install -r requirements.txt
      - name: Restore mirror's cache (feed validators, schedule, archive snapshot)
        uses: actions/cache@v4
        with:
          path: {cache}
          key: mirror{shard_key}-${{{{ github.run_id }}}}
          restore-keys: mirror{shard_key}-
      - name: Fetch, commit and push
        env:
          MIRROR_CACHE_DIR: {cache}
        # --fail-on error: a feed that fails fails the run; an article that times
        # out is only a warning, and is retried by the next run.
        run: mirror fetch --push --fail-on error{shard_option}
"""

STRATEGY = """\
    strategy:
      fail-fast: false  # one shard's trouble never stops the others
      matrix:
        shard: [{shards}]
"""


def scaffold(folder: Path, *, force: bool = False, shards: int = 1, minute: int = 17,
             install: str | None = None) -> list[Path]:
    """Write the files of a new mirror repository into folder.

    Files a person keeps (feeds.yaml, requirements.txt, the archive) are only
    written when missing; the workflow is written when missing, and again
    with ``force`` (to change its shards, say).
    """
    if shards < 1:
        raise ConfigError(f"--shards must be at least 1, not {shards}")
    if folder.exists() and not folder.is_dir():
        raise ConfigError(f"{folder}: exists and is not a folder")
    workflow_file = folder / ".github" / "workflows" / "mirror.yml"
    if workflow_file.exists() and not force:
        raise ConfigError(f"{workflow_file}: already exists; nothing was written "
                          "(--force writes the workflow again, and only the workflow)")
    kept = {
        folder / "feeds.yaml": FEEDS_YAML,
        folder / "archive" / ".gitkeep": "",
        folder / "requirements.txt": f"{install or default_install()}\n",
    }
    written = []
    for path, text in [*kept.items(), (workflow_file, workflow(shards, minute))]:
        if path in kept and path.exists():
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    written += [*_ignore_cache(folder), *_merge_index_by_union(folder)]
    if not (folder / ".git").exists():
        subprocess.run(["git", "init", "-q", str(folder)], check=False)
    return written


def default_install() -> str:
    """The pip requirement that installs this mirror: where it came from, if that was git.

    Not a bare ``mirror``: that name on PyPI is another project.
    """
    try:
        origin = json.loads(metadata.distribution("mirror").read_text("direct_url.json") or "")
    except (metadata.PackageNotFoundError, ValueError):
        origin = {}
    vcs = origin.get("vcs_info", {})
    if vcs.get("vcs") == "git" and origin.get("url"):
        return f"mirror @ git+{origin['url']}@{vcs.get('commit_id', '')}".rstrip("@")
    checkout = origin.get("url", "").removeprefix("file://")
    remote = _git_out(checkout, "remote", "get-url", "origin") if checkout else ""
    if remote.startswith(("https://", "git@", "ssh://")):
        commit = _git_out(checkout, "rev-parse", "HEAD")
        return f"mirror @ git+{remote}@{commit}".rstrip("@")
    raise ConfigError("say where the workflow installs mirror from, such as --install "
                      "'mirror @ git+https://github.com/you/mirror' (mirror was not "
                      "installed from a git repository it could name)")


def _git_out(folder: str, *args: str) -> str:
    result = subprocess.run(["git", "-C", folder, *args], capture_output=True, text=True,
                            check=False)
    return result.stdout.strip() if result.returncode == 0 else ""


def workflow(shards: int, minute: int) -> str:
    if shards == 1:
        return WORKFLOW.format(minute=minute, strategy="", cache=CACHE_DIR, shard_key="",
                               shard_option="")
    listed = ", ".join(str(k) for k in range(1, shards + 1))
    return WORKFLOW.format(minute=minute, strategy=STRATEGY.format(shards=listed),
                           cache=CACHE_DIR, shard_key="-${{ matrix.shard }}",
                           shard_option=f" --shard ${{{{ matrix.shard }}}}/{shards}")


def _ignore_cache(folder: Path) -> list[Path]:
    return _add_line(folder / ".gitignore", f"/{CACHE_DIR}/",
                     "mirror's cache (never the source of truth)")


def _merge_index_by_union(folder: Path) -> list[Path]:
    # Index lines are only ever appended: merging two branches keeps both sides' lines.
    return _add_line(folder / ".gitattributes", f"/archive/{INDEX_NAME} merge=union",
                     "mirror's index: a union of lines is a valid index")


def _add_line(path: Path, line: str, why: str) -> list[Path]:
    """A line added to a file (created if need be): appended to, never overwritten."""
    current = path.read_text(encoding="utf-8") if path.exists() else ""
    if line in current.splitlines():
        return []
    prefix = "" if not current or current.endswith("\n") else "\n"
    path.write_text(f"{current}{prefix}# {why}\n{line}\n", encoding="utf-8")
    return [path]
