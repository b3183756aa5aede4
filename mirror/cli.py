"""The ``mirror`` command: a thin layer over the pipeline, errors as one line, exit codes.

Exit codes: 0 every feed fine; 1 some feed or entry failed (the rest were
archived) or git/disk failed (``--fail-on`` chooses which failures count);
2 bad configuration or usage; 3 another run holds the archive.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import signal
import sys
import traceback
from collections.abc import Iterator, Sequence
from pathlib import Path

from mirror import __version__, github, progress
from mirror.config import load_config, parse_duration
from mirror.errors import ConfigError, LockError, MirrorError, internal_error
from mirror.init import scaffold
from mirror.maintenance import rotate_posts, write_index_pages
from mirror.models import Config, Progress, RunReport
from mirror.pipeline import Options, run_async
from mirror.report import error_lines, feed_line, note_lines, total_line
from mirror.scheduler import serve
from mirror.status import feed_statuses

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_LOCKED = 0, 1, 2, 3
FAIL_ON = ("never", "error", "partial")


class _Parser(argparse.ArgumentParser):
    """argparse that exits 2 with one line, as every other bad input does."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise ConfigError(f"{self.prog}: {message} (see --help)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="mirror", description="Archive news feeds as posts in a git repository.")
    parser.add_argument("--version", action="version", version=f"mirror {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    fetch = commands.add_parser("fetch", help="archive every new entry of the feeds, once")
    _add_config(fetch)
    _add_run_options(fetch)
    fetch.add_argument("--push", action="store_true",
                       help="push the commit to the branch's upstream, rebasing when needed")
    fetch.add_argument("--shard", type=_shard, metavar="K/N",
                       help="only the K-th of N stable parts of the feeds (for CI matrices)")
    fetch.add_argument("--fail-on", choices=FAIL_ON, default="partial",
                       help="which failures make the exit code 1: never; error (a feed "
                            "failed); partial (a feed or an entry failed; the default)")

    scheduler = commands.add_parser("run", help="keep polling each feed on its own schedule")
    _add_config(scheduler)
    _add_run_options(scheduler)

    status = commands.add_parser("status", help="each feed's last poll, result, posts, next poll")
    _add_config(status, feeds=False)
    status.add_argument("--json", action="store_true", help="print JSON instead of a table")

    index = commands.add_parser("index", help="write the index pages again, and commit them")
    _add_config(index, feeds=False)
    index.add_argument("--no-commit", action="store_true", help="write but do not commit")

    rotation = commands.add_parser("rotate", help="move old posts out of the archive")
    _add_config(rotation, feeds=False)
    rotation.add_argument("--older-than", required=True, type=_duration, metavar="AGE",
                          help="posts dated longer ago than this (such as 14d, 12h)")
    rotation.add_argument("--to", required=True, metavar="DIR",
                          help="folder of the repository the posts move to")
    rotation.add_argument("--no-commit", action="store_true", help="move but do not commit")

    init = commands.add_parser("init", help="make a ready mirror repository")
    init.add_argument("dir", nargs="?", type=Path, default=Path("."),
                      help="where (default: here)")
    init.add_argument("--force", action="store_true",
                      help="write the workflow again (feeds.yaml and the rest are kept)")
    init.add_argument("--shards", type=int, default=1, metavar="N",
                      help="split the feeds over N parallel jobs in the workflow")
    init.add_argument("--install", metavar="SPEC",
                      help="pip requirement that installs mirror (default: the git "
                           "repository this mirror was installed from)")
    return parser


def _add_config(parser: argparse.ArgumentParser, feeds: bool = True) -> None:
    parser.add_argument("--config", type=Path, default=Path("feeds.yaml"), metavar="FILE",
                        help="the feeds.yaml to read (default ./feeds.yaml)")
    if feeds:
        parser.add_argument("--feed", action="append", default=[], metavar="NAME",
                            help="only this feed (repeatable)")


def _add_run_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--no-commit", action="store_true", help="write posts but do not commit")
    parser.add_argument("--wait", type=_seconds, default=300.0, metavar="SECONDS",
                        help="how long to wait for another run to finish (default 300)")


def _seconds(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds < float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds (0 or more)")
    return seconds


def _shard(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"(\d+)/(\d+)", text.strip())
    if not match or not 1 <= int(match.group(1)) <= int(match.group(2)):
        raise argparse.ArgumentTypeError(f"{text!r} is not K/N with 1 <= K <= N")
    return int(match.group(1)), int(match.group(2))


def _duration(text: str) -> float:
    days = re.fullmatch(r"(\d+(?:\.\d+)?)d", text.strip())
    seconds = float(days.group(1)) * 86400 if days else parse_duration(text)
    if seconds is None or seconds <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not an age such as 14d or 12h")
    return seconds


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        return _dispatch(args)
    except ConfigError as exc:
        _error(str(exc))
        return EXIT_USAGE
    except LockError as exc:
        _error(str(exc))
        return EXIT_LOCKED
    except MirrorError as exc:
        _error(str(exc))
        return EXIT_FAILED
    except KeyboardInterrupt:
        _error("interrupted")
        return 130
    except Exception as exc:  # a bug: one line, the traceback only on request
        if os.environ.get("MIRROR_DEBUG"):
            traceback.print_exc()
        _error(f"{internal_error(exc)} (set MIRROR_DEBUG=1 for details)")
        return EXIT_FAILED


def _dispatch(args: argparse.Namespace) -> int:
    commands = {"fetch": _fetch, "run": _run, "status": _status, "index": _index,
                "rotate": _rotate, "init": _init}
    return commands[args.command](args)


# ------------------------------------------------------------------ fetch, run

def _fetch(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    with _progress() as shown:
        report = asyncio.run(_fetch_until_stopped(config, _options(args, shown)))
    print_report(report)
    if github.in_actions():
        for line in github.tell_actions(report, github.workspace_path(config.path)):
            print(line, flush=True)
    if report.interrupted:
        _error("stopped early: what was complete is written and committed; "
               "the next run does the rest")
    return exit_code(report, args.fail_on)


def exit_code(report: RunReport, fail_on: str) -> int:
    """0 or 1 as the ``--fail-on`` policy says."""
    if fail_on == "never":
        return EXIT_OK
    feed_failed = any(feed.error for feed in report.feeds) or report.push_error is not None
    if fail_on == "error":
        return EXIT_FAILED if feed_failed else EXIT_OK
    return EXIT_FAILED if report.failed or report.interrupted else EXIT_OK


async def _fetch_until_stopped(config: Config, options: Options) -> RunReport:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for number in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(number, stop.set)
    return await run_async(config, options, stop)


def _run(args: argparse.Namespace) -> int:
    return asyncio.run(serve(args.config, _options(args, None), print_report, _error))


def _options(args: argparse.Namespace, shown: Progress | None) -> Options:
    return Options(feeds=tuple(args.feed), commit=not args.no_commit, wait=args.wait,
                   progress=shown, push=getattr(args, "push", False),
                   shard=getattr(args, "shard", None), say=_error)


@contextlib.contextmanager
def _progress() -> Iterator[Progress | None]:
    if not progress.wanted():
        yield None
        return
    with progress.TerminalProgress() as shown:
        yield shown


def print_report(report: RunReport) -> None:
    for feed in report.feeds:
        print(feed_line(feed), file=sys.stderr if feed.error else sys.stdout, flush=True)
        for line in note_lines(feed):
            print(line, flush=True)
        for line in error_lines(feed):
            print(line, file=sys.stderr, flush=True)
    for note in report.notes:
        print(f"note: {note}", flush=True)
    if report.push_error:
        print(f"push failed: {report.push_error}", file=sys.stderr, flush=True)
    print(total_line(report), flush=True)


# ------------------------------------------------------------------ the others

def _status(args: argparse.Namespace) -> int:
    statuses = feed_statuses(load_config(args.config))
    if args.json:
        print(json.dumps([s.as_dict() for s in statuses], ensure_ascii=False, indent=2))
        return EXIT_OK
    from rich.console import Console
    from rich.table import Table

    table = Table("feed", "last poll", "result", "posts", "next poll")
    for s in statuses:
        table.add_row(s.name, s.last_poll or "-", s.result, str(s.posts), s.next_poll or "-")
    Console(width=max(100, Console().width)).print(table)
    return EXIT_OK


def _index(args: argparse.Namespace) -> int:
    done = asyncio.run(write_index_pages(load_config(args.config), commit=not args.no_commit))
    for note in done.notes:
        print(f"note: {note}")
    commit = f"; committed {done.commit[:10]}" if done.commit else ""
    print(f"index pages: {len(done.written)} written{commit}")
    return EXIT_OK


def _rotate(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    result, commit = asyncio.run(rotate_posts(config, args.older_than, args.to,
                                              commit=not args.no_commit))
    moved = len(result.moved)
    cutoff = f"{result.cutoff:%Y-%m-%d %H:%M}Z" if result.cutoff else "the cut-off"
    text = f"rotated {moved} post{'s' if moved != 1 else ''} dated before {cutoff} to {args.to}"
    print(text + (f"; committed {commit[:10]}" if commit else ""))
    return EXIT_OK


def _init(args: argparse.Namespace) -> int:
    written = scaffold(args.dir, force=args.force, shards=args.shards, install=args.install)
    for path in written:
        print(f"wrote {path}")
    print(f"next: edit {args.dir / 'feeds.yaml'}, then `mirror fetch`, or push the repository "
          "to GitHub and let the workflow run")
    return EXIT_OK


def _error(message: str) -> None:
    print(f"mirror: {message}", file=sys.stderr, flush=True)
