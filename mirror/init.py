"""``mirror init``: a ready mirror repository, scheduled by GitHub Actions.

Writes a commented feeds.yaml, the archive folder, a .gitignore line for the
cache, a requirements.txt that installs mirror, and
``.github/workflows/mirror.yml``: hourly off the top of the hour and on
demand, never overlapping itself, allowed to push, with pip and mirror's own
cache kept between runs. Existing files are never overwritten unless asked.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit
from urllib.request import url2pathname

from mirror import __version__
from mirror.archive.ledger import INDEX_NAME
from mirror.errors import ConfigError
from mirror.git import Repo

# The distribution's name on PyPI: "mirror" there is another project (a task scheduler
# for mirror sites). The command and the import package are `mirror` all the same.
DIST = "news-mirror"
CACHE_DIR = ".mirror-cache"
INIT_MESSAGE = "mirror: a new mirror (mirror init)\n\nThe feeds, the archive and the workflow.\n"

FEEDS_YAML = """\
# mirror: the feeds this repository archives; see mirror's README, "feeds.yaml".
# Top-level keys other than `feeds` are defaults that each feed may override.
# `mirror check` validates this file; `mirror add URL` adds a feed (a site's page will do).

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
  # A feed behind a login, a key or a proxy: ${NAME} is read from the environment
  # (in GitHub Actions, from the workflow's secrets), so no secret is written here.
  # - name: members
  #   url: https://news.example/members.rss
  #   auth: { user: reader, password: "${FEED_PASSWORD}" }   # or { bearer: "${FEED_TOKEN}" }
  #   headers: { X-Api-Key: "${FEED_KEY}", Accept-Language: zh-CN }
  #   cookies: { session: "${FEED_SESSION}" }
  #   proxy: http://proxy.example:3128
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
        run: |
          pip install -r requirements.txt
          if ! command -v mirror >/dev/null; then
            echo "::error file=requirements.txt::it installs no mirror: say there where from"
            exit 1
          fi
      - name: Restore mirror's cache (feed validators, schedule, archive snapshot)
        uses: actions/cache@v4
        with:
          path: {cache}
          key: mirror{shard_key}-${{{{ github.run_id }}}}
          restore-keys: mirror{shard_key}-
      - name: Fetch, commit and push
        env:
          MIRROR_CACHE_DIR: {cache}
          # Each ${{NAME}} that feeds.yaml uses, from the repository's secrets:
          # FEED_PASSWORD: ${{{{ secrets.FEED_PASSWORD }}}}
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


@dataclass(frozen=True)
class Scaffolded:
    """What ``mirror init`` did: the files written, the first commit, what to tell."""

    written: tuple[Path, ...]
    commit: str | None = None
    notes: tuple[str, ...] = ()


def scaffold(folder: Path, *, force: bool = False, shards: int = 1, minute: int = 17,
             install: str | None = None) -> Scaffolded:
    """Write the files of a new mirror repository into folder, and commit them when the
    repository has no commit yet (pushing it then gives GitHub the workflow).

    Files a person keeps (feeds.yaml, requirements.txt, the archive) are only
    written when missing; the workflow is written when missing, and again
    with ``force`` (to change its shards, say). ``install`` is the pip requirement
    the workflow installs mirror with; by default, the one this mirror came from.
    """
    if shards < 1:
        raise ConfigError(f"--shards must be at least 1, not {shards}")
    if install is not None:
        _check_requirement(install)
    if folder.exists() and not folder.is_dir():
        raise ConfigError(f"{folder}: exists and is not a folder")
    workflow_file = folder / ".github" / "workflows" / "mirror.yml"
    if workflow_file.exists() and not force:
        raise ConfigError(f"{workflow_file}: already exists; nothing was written "
                          "(--force writes the workflow again, and only the workflow)")
    notes: list[str] = []
    requirements = folder / "requirements.txt"
    kept = {
        folder / "feeds.yaml": FEEDS_YAML,
        folder / "archive" / ".gitkeep": "",
    }
    if not requirements.exists():
        kept[requirements] = requirements_text(install or default_install(), notes)
    written = []
    for path, text in [*kept.items(), (workflow_file, workflow(shards, minute))]:
        if path in kept and path.exists():
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    written += [*_ignore_cache(folder), *_merge_index_by_union(folder)]
    commit = _first_commit(folder, written, notes)
    return Scaffolded(written=tuple(written), commit=commit, notes=tuple(notes))


def requirements_text(requirement: str | None, notes: list[str]) -> str:
    """requirements.txt: the requirement, or, when none is known, a comment saying what
    to write there (and a note saying so)."""
    if requirement is not None:
        return f"{requirement}\n"
    notes.append("requirements.txt names no mirror to install yet: this mirror came from a "
                 "folder with no public git remote; write there where the workflow gets it")
    return (
        "# What the GitHub workflow installs mirror with. This mirror was installed from a\n"
        "# folder that git knows no public URL for, so write the line yourself, such as\n"
        f"#   {DIST} @ git+https://github.com/you/mirror\n"
        f"# (your fork of mirror on GitHub), or {DIST}=={__version__} once that version is\n"
        "# on PyPI. Not a bare `mirror`: on PyPI that is another project.\n"
    )


def default_install() -> str | None:
    """The pip requirement that installs this mirror, from where it was installed from
    (PEP 610's ``direct_url.json``); None when that is a folder no runner can reach.

    - from an index: ``news-mirror==<version>``;
    - from a git URL: that URL, at the commit installed;
    - from an archive's URL: that URL;
    - from a local folder (``pip install .``, ``-e .``): the repository's own ``origin``,
      at the commit checked out when origin has it, else at origin's default branch.

    Never a bare ``mirror``: that name on PyPI is another project.
    """
    # The installed one first: a source tree's egg-info (on sys.path with `python -m`)
    # has no direct_url.json.
    found = sorted(metadata.distributions(name=DIST),
                   key=lambda d: d.read_text("direct_url.json") is None)
    if not found:  # run from a checkout, not installed
        return _from_checkout(Path(__file__).resolve().parents[1])
    try:
        origin = json.loads(found[0].read_text("direct_url.json") or "null")
    except ValueError:
        origin = None
    if not isinstance(origin, dict):
        return f"{DIST}=={found[0].version}"
    url = str(origin.get("url", ""))
    vcs = origin.get("vcs_info")
    if isinstance(vcs, dict) and vcs.get("vcs") == "git" and url:
        return _requirement(url, vcs.get("commit_id"))
    if "archive_info" in origin and url.startswith(("https://", "http://")):
        return f"{DIST} @ {_without_userinfo(url)}"
    if url.startswith("file:"):
        return _from_checkout(Path(url2pathname(urlsplit(url).path)))
    return None


def _from_checkout(folder: Path) -> str | None:
    """The requirement that installs the repository checked out in folder, from its
    ``origin``: pinned to the commit checked out when origin has that commit."""
    remote = pip_git_url(_git_out(folder, "remote", "get-url", "origin"))
    if remote is None:
        return None
    head = _git_out(folder, "rev-parse", "HEAD")
    on_remote = _git_out(folder, "branch", "-r", "--contains", "HEAD",
                         "--format=%(refname)") if head else ""
    pushed = any(ref.startswith("refs/remotes/origin/") for ref in on_remote.split())
    return _requirement(remote, head if pushed else None)


def pip_git_url(remote: str) -> str | None:
    """A git remote as a URL a runner can clone: https or ssh (scp-like ``git@host:path``
    becomes ``ssh://git@host/path``); None for a local path or ``file://``. Credentials
    in the URL are dropped: they never go into a committed file."""
    remote = remote.strip()
    scp = re.fullmatch(r"([A-Za-z0-9._-]+@)?([A-Za-z0-9.-]+):(?!//)([^\\]+)", remote)
    if scp and "/" in scp.group(3):
        return f"ssh://{scp.group(1) or ''}{scp.group(2)}/{scp.group(3).lstrip('/')}"
    if remote.startswith(("https://", "http://", "ssh://", "git://")):
        return _without_userinfo(remote, keep_user=remote.startswith("ssh://"))
    return None


def _requirement(url: str, commit: object) -> str:
    url = url.removeprefix("git+")
    pin = f"@{commit}" if isinstance(commit, str) and commit else ""
    return f"{DIST} @ git+{_without_userinfo(url, keep_user=url.startswith('ssh://'))}{pin}"


def _without_userinfo(url: str, keep_user: bool = False) -> str:
    """The URL without ``user:password@`` (ssh's ``git@`` kept: it is no secret)."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    userinfo, _, host = parts.netloc.rpartition("@")
    user = userinfo.split(":", 1)[0]
    netloc = f"{user}@{host}" if keep_user and user and ":" not in userinfo else host
    return urlunsplit(parts._replace(netloc=netloc))


def _check_requirement(spec: str) -> None:
    name = re.match(r"\s*([A-Za-z0-9._-]+)", spec)
    if not spec.strip() or "\n" in spec:
        raise ConfigError("--install takes one pip requirement, such as "
                          f"'{DIST} @ git+https://github.com/you/mirror'")
    if name and re.sub(r"[-_.]+", "-", name.group(1)).lower() == "mirror":
        raise ConfigError(f"--install {spec!r}: 'mirror' on PyPI is another project; "
                          f"this one is {DIST} (such as '{DIST} @ git+https://...')")


def _git_out(folder: Path, *args: str) -> str:
    if shutil.which("git") is None or not folder.is_dir():
        return ""
    result = subprocess.run(["git", "-C", str(folder), *args], capture_output=True, text=True,
                            check=False)
    return result.stdout.strip() if result.returncode == 0 else ""


def _first_commit(folder: Path, written: list[Path], notes: list[str]) -> str | None:
    """git init when the folder has no repository of its own, and commit what was written
    when the repository has no commit yet (a repository with history is left to you)."""
    if shutil.which("git") is None:
        notes.append("git is not installed: nothing was committed")
        return None
    if not (folder / ".git").exists():
        made = subprocess.run(["git", "init", "-q", "--initial-branch=main", str(folder)],
                              capture_output=True, text=True, check=False)
        if made.returncode != 0:
            subprocess.run(["git", "init", "-q", str(folder)], capture_output=True,
                           check=False)
    repo = Repo.find(folder)
    if repo is None or repo.top.resolve() != folder.resolve():
        notes.append(f"{folder} is not a git repository of its own: nothing was committed")
        return None
    if repo.head() is not None:
        if written:
            notes.append("not committed: this repository has history; review the files "
                         "and commit them")
        return None
    return repo.commit(sorted(repo.relative(path) for path in written), INIT_MESSAGE)


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
