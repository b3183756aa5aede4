"""The ``mirror`` command: a thin layer over the pipeline, errors as one line, exit codes.

Exit codes: 0 every feed fine; 1 some feed or entry failed (the rest were
archived) or git/disk failed; 2 bad configuration or usage; 3 another run
holds the archive.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path

from mirror import __version__
from mirror.config import load_config
from mirror.errors import ConfigError, LockError, MirrorError
from mirror.models import RunReport
from mirror.pipeline import Options, run
from mirror.report import error_lines, feed_line, note_lines, total_line

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
    fetch.add_argument("--no-commit", action="store_true", help="write posts but do not commit")
    fetch.add_argument("--wait", type=float, default=300.0, metavar="SECONDS",
                       help="how long to wait for another run to finish (default 300)")
    return parser


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
    raise ConfigError(f"unknown command {args.command!r}")


def _fetch(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    report = run(config, Options(feeds=tuple(args.feed), commit=not args.no_commit,
                                 wait=args.wait))
    print_report(report)
    return EXIT_FAILED if report.failed else EXIT_OK


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
