"""The ``mirror`` command: a thin layer over the pipeline, errors as one line, exit codes.

Exit codes: 0 every feed fine; 1 some feed or entry failed (the rest were
archived) or git/disk failed; 2 bad configuration or usage; 3 another run
holds the archive.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import sys
import traceback
from collections.abc import Iterator, Sequence
from pathlib import Path

from mirror import __version__, progress
from mirror.config import load_config
from mirror.errors import ConfigError, LockError, MirrorError
from mirror.models import Config, RunReport
from mirror.pipeline import Options, Progress, run_async
from mirror.report import error_lines, feed_line, note_lines, total_line
from mirror.scheduler import serve
from mirror.status import feed_statuses

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_LOCKED = 0, 1, 2, 3


class _Parser(argparse.ArgumentParser):
    """argparse that exits 2 with one line, as every other bad input does."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise ConfigError(f"{self.prog}: {message} (see --help)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="mirror", description="Archive news feeds as posts in a git repository.")
    parser.add_argument("--version", action="version", version=f"mirror {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    fetch = commands.add_parser("fetch", help="archive every new entry of the feeds, once")
    _add_common(fetch)
    _add_run_options(fetch)
    scheduler = commands.add_parser("run", help="keep polling each feed on its own schedule")
    _add_common(scheduler)
    _add_run_options(scheduler)
    status = commands.add_parser("status", help="each feed's last poll, result, posts, next poll")
    status.add_argument("--config", type=Path, default=Path("feeds.yaml"), metavar="FILE",
                        help="the feeds.yaml to read (default ./feeds.yaml)")
    status.add_argument("--json", action="store_true", help="print JSON instead of a table")
    return parser


def _add_run_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--no-commit", action="store_true", help="write posts but do not commit")
    parser.add_argument("--wait", type=float, default=300.0, metavar="SECONDS",
                        help="how long to wait for another run to finish (default 300)")


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, default=Path("feeds.yaml"), metavar="FILE",
                        help="the feeds.yaml to read (default ./feeds.yaml)")
    parser.add_argument("--feed", action="append", default=[], metavar="NAME",
                        help="only this feed (repeatable)")


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
        _error(f"internal error: {type(exc).__name__}: {exc} (set MIRROR_DEBUG=1 for details)")
        return EXIT_FAILED


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "fetch":
        return _fetch(args)
    if args.command == "run":
        return _run(args)
    if args.command == "status":
        return _status(args)
    raise ConfigError(f"unknown command {args.command!r}")


def _fetch(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    with _progress() as shown:
        report = asyncio.run(_fetch_until_stopped(config, _options(args, shown)))
    print_report(report)
    if report.interrupted:
        _error("stopped early: what was complete is written and committed; "
               "the next run does the rest")
    return EXIT_FAILED if report.failed or report.interrupted else EXIT_OK


async def _fetch_until_stopped(config: Config, options: Options) -> RunReport:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for number in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(number, stop.set)
    return await run_async(config, options, stop)


def _run(args: argparse.Namespace) -> int:
    options = _options(args, None)
    return asyncio.run(serve(args.config, options, print_report, _error))


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


def _options(args: argparse.Namespace, shown: Progress | None) -> Options:
    return Options(feeds=tuple(args.feed), commit=not args.no_commit, wait=args.wait,
                   progress=shown)


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
    print(total_line(report), flush=True)


def _error(message: str) -> None:
    print(f"mirror: {message}", file=sys.stderr, flush=True)
