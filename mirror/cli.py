"""The ``mirror`` command: a thin layer over the library, errors as one line, exit codes.

Exit codes: 0 every feed fine; 1 some feed or entry failed (the rest were
archived) or git/disk failed (``--fail-on`` chooses which failures count);
2 bad configuration or usage; 3 another run holds the archive.

``mirror --version`` and ``--help`` must stay quick: this module imports only the
standard library and mirror's errors at the top; each command imports what it
needs (the pipeline, httpx, rich, listparser, shtab) when it runs.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import re
import sys
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from mirror import __version__
from mirror.errors import ConfigError, LockError, MirrorError, internal_error

if TYPE_CHECKING:
    from mirror.config import Problem
    from mirror.feeds_file import Listed
    from mirror.fetching.discover import Found
    from mirror.models import Config, Progress, RunReport
    from mirror.pipeline import Options

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_LOCKED = 0, 1, 2, 3
FAIL_ON = ("never", "error", "partial")
SHELLS = ("bash", "zsh")
# What shtab completes a file or a folder argument with (shtab.FILE, shtab.DIRECTORY),
# written out so that building the parser does not import shtab; a test keeps them equal.
COMPLETE_FILE = {"bash": "_shtab_compgen_files", "zsh": "_files", "tcsh": "f"}
COMPLETE_DIRECTORY = {"bash": "_shtab_compgen_dirs", "zsh": "_files -/", "tcsh": "d"}

EXITS_RUN = """\
exit codes:
  0  every feed fine
  1  a feed or an entry failed (the rest were archived; --fail-on chooses), or git or
     the disk failed
  2  bad feeds.yaml or usage
  3  another run holds the archive (after --wait)"""
EXITS_PLAIN = """\
exit codes:
  0  done
  1  git or the disk failed
  2  bad feeds.yaml or usage"""
EXITS_LOCKING = EXITS_PLAIN + "\n  3  another run holds the archive"


class UsageError(Exception):
    """A command line argparse cannot read: the message, and the usage of the command."""

    def __init__(self, message: str, usage: str) -> None:
        super().__init__(message)
        self.usage = usage


class _Parser(argparse.ArgumentParser):
    """argparse whose errors are raised, to be said as one line and the usage (exit 2)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(message, self.format_usage().strip())


# ------------------------------------------------------------------ the parser

_Commands = argparse._SubParsersAction  # the commands of the parser (``add_subparsers``)


def build_parser() -> argparse.ArgumentParser:
    """The command line of ``mirror``: every command, its options, help and exit codes."""
    parser = _Parser(
        prog="mirror", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Keep a git repository's archive in step with news feeds: every new "
                    "article\nbecomes one front-matter Markdown post, archived once, "
                    "committed.",
        epilog="examples:\n  mirror init news && cd news   # a new mirror repository\n"
               "  mirror add https://www.rfa.org/mandarin   # a site's page finds its feed\n"
               "  mirror check                  # is feeds.yaml right?\n"
               "  mirror fetch                  # archive what is new, commit it\n\n"
               "'mirror COMMAND --help' says more about each command.\n\n" + EXITS_RUN)
    parser.add_argument("--version", action="version", version=f"mirror {__version__}")
    _add_verbosity(parser, top=True)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    _fetch_parser(commands)
    _run_parser(commands)
    _check_parser(commands)
    _add_parser(commands)
    _import_parser(commands)
    _export_parser(commands)
    _status_parser(commands)
    _index_parser(commands)
    _rotate_parser(commands)
    _reextract_parser(commands)
    _init_parser(commands)
    _completion_parser(commands)
    return parser


def _command(commands: _Commands, name: str,
             summary: str, description: str, examples: str,
             exits: str) -> argparse.ArgumentParser:
    return commands.add_parser(
        name, help=summary, description=description,
        epilog=f"examples:\n{examples}\n\n{exits}",
        formatter_class=argparse.RawDescriptionHelpFormatter)


def _fetch_parser(commands: _Commands) -> None:
    fetch = _command(
        commands, "fetch", "archive every new entry of the feeds, once",
        "Archive every new entry of the feeds once, then exit (for cron and CI). Each new\n"
        "article becomes one post; a run that wrote posts makes one commit.",
        "  mirror fetch\n  mirror fetch --feed 美国之音 --no-commit\n"
        "  mirror fetch --dry-run -v      # what would be archived, every request shown\n"
        "  mirror fetch --push --fail-on error   # in CI", EXITS_RUN)
    _add_config(fetch)
    _add_run_options(fetch)
    fetch.add_argument("--push", action="store_true",
                       help="push the commit to the branch's upstream, rebasing when needed")
    fetch.add_argument("--shard", type=_shard, metavar="K/N",
                       help="only the K-th of N stable parts of the feeds (for CI matrices)")
    fetch.add_argument("--fail-on", choices=FAIL_ON, default="partial",
                       help="which failures make the exit code 1: never; error (a feed "
                            "failed); partial (a feed or an entry failed; the default)")
    fetch.add_argument("--dry-run", action="store_true",
                       help="do everything but write: no posts, no cache, no commit")


def _run_parser(commands: _Commands) -> None:
    scheduler = _command(
        commands, "run", "keep polling each feed on its own schedule",
        "A long-running scheduler: each feed is polled on its own interval ('every'),\n"
        "feeds due together run as one cycle of fetch, one timestamped line per cycle.\n"
        "SIGTERM or Ctrl-C: what is being written is committed, then it exits 0.",
        "  mirror run\n  mirror run -q --feed 美国之音",
        "exit codes:\n  0  stopped by SIGTERM or Ctrl-C\n  1  git or the disk failed\n"
        "  2  bad feeds.yaml or usage")
    _add_config(scheduler)
    _add_run_options(scheduler)


def _check_parser(commands: _Commands) -> None:
    check = _command(
        commands, "check", "validate feeds.yaml; with --online, poll each feed once",
        "Validate feeds.yaml and list every problem, one line each (FILE:LINE: message).\n"
        "With --online, also poll each feed once, as a run would, and say what it would\n"
        "archive; nothing is written (no post, no cache, no commit).",
        "  mirror check\n  mirror check --online --feed 美国之音\n"
        "  mirror check site-a/feeds.yaml site-b/feeds.yaml   # as the pre-commit hook does",
        "exit codes:\n  0  no problem (and, with --online, every feed polled)\n"
        "  1  --online: a feed could not be polled\n  2  a problem in feeds.yaml, or usage")
    check.add_argument("files", nargs="*", type=Path, metavar="FILE",
                       help="the feeds.yaml files to check (default: --config)"
                       ).complete = COMPLETE_FILE  # type: ignore[attr-defined]
    _add_config(check)
    check.add_argument("--online", action="store_true",
                       help="poll each feed once and say what a run would archive")


def _add_parser(commands: _Commands) -> None:
    add = _command(
        commands, "add", "add a feed to feeds.yaml (a site's page finds its feed)",
        "Add a feed to feeds.yaml, keeping every comment and the layout. Given a site's\n"
        "page, the feed is discovered: the page's <link rel=alternate> feeds, then the\n"
        "usual places (/feed, /rss.xml, /atom.xml, ...). The name defaults to the feed's\n"
        "title. A feed already listed (same URL or name) is refused.",
        "  mirror add https://www.rfa.org/mandarin/yataibaodao/rss2.xml\n"
        "  mirror add https://chinadigitaltimes.net/chinese/ --name 中国数字时代",
        "exit codes:\n  0  added\n  1  no feed could be fetched or found there\n"
        "  2  already listed, bad feeds.yaml, or usage")
    add.add_argument("url", metavar="URL", help="the feed's URL, or a page of the site")
    add.add_argument("--name", help="the feed's name (default: its title)")
    add.add_argument("--no-fetch", action="store_true",
                     help="add the URL as it is, without fetching it (the name defaults to "
                          "its host)")
    _add_config(add, feeds=False)


def _import_parser(commands: _Commands) -> None:
    importing = _command(
        commands, "import", "add the feeds of an OPML file to feeds.yaml",
        "Add the feeds of an OPML file (as reader, Miniflux, newsboat, rss2email and other\n"
        "readers export) to feeds.yaml, folders flattened. Feeds already listed are\n"
        "skipped; a name already taken gets the feed's host after it.",
        "  mirror import subscriptions.opml\n  miniflux ... | mirror import -",
        "exit codes:\n  0  done (feeds skipped as duplicates are no failure)\n"
        "  2  not an OPML file, bad feeds.yaml, or usage")
    importing.add_argument("file", metavar="FILE.opml",
                           help="the OPML file ('-': standard input)"
                           ).complete = COMPLETE_FILE  # type: ignore[attr-defined]
    _add_config(importing, feeds=False)


def _export_parser(commands: _Commands) -> None:
    export = _command(
        commands, "export", "write the feeds as OPML, for other readers",
        "Write the feeds of feeds.yaml as OPML 2.0 (standard output by default). URLs are\n"
        "written as feeds.yaml has them, without user:password@; ${NAME} is not read,\n"
        "so no secret goes into the file.",
        "  mirror export > feeds.opml\n  mirror export -o feeds.opml", EXITS_PLAIN)
    export.add_argument("-o", "--output", type=Path, metavar="FILE",
                        help="write to this file instead of standard output"
                        ).complete = COMPLETE_FILE  # type: ignore[attr-defined]
    _add_config(export, feeds=False)


def _status_parser(commands: _Commands) -> None:
    status = _command(
        commands, "status", "each feed's last poll, result, posts, next poll",
        "Per feed: the last poll, its result, the posts archived, the next poll due.",
        "  mirror status\n  mirror status --json | jq '.[] | select(.result != \"ok\")'",
        "exit codes:\n  0  done\n  2  bad feeds.yaml or usage")
    _add_config(status, feeds=False)
    status.add_argument("--json", action="store_true", help="print JSON instead of a table")


def _index_parser(commands: _Commands) -> None:
    index = _command(
        commands, "index", "write the index pages again, and commit them",
        "Write the index pages (one per feed, and an overview) again, and commit them.",
        "  mirror index\n  mirror index --no-commit", EXITS_LOCKING)
    _add_config(index, feeds=False)
    index.add_argument("--no-commit", action="store_true", help="write but do not commit")


def _rotate_parser(commands: _Commands) -> None:
    rotation = _command(
        commands, "rotate", "move old posts out of the archive",
        "Move the posts dated before the cut-off out of the archive, to the same paths\n"
        "under DIR, in one commit; they are never fetched again.",
        "  mirror rotate --older-than 14d --to old-posts", EXITS_LOCKING)
    _add_config(rotation, feeds=False)
    rotation.add_argument("--older-than", required=True, type=_duration, metavar="AGE",
                          help="posts dated longer ago than this (such as 14d, 12h)")
    rotation.add_argument("--to", required=True, metavar="DIR",
                          help="folder of the repository the posts move to"
                          ).complete = COMPLETE_DIRECTORY  # type: ignore[attr-defined]
    rotation.add_argument("--no-commit", action="store_true", help="move but do not commit")


def _reextract_parser(commands: _Commands) -> None:
    again = _command(
        commands, "reextract", "make posts again from their kept pages (keep_pages: true)",
        "Render the posts written from article pages again, from the pages keep_pages\n"
        "stored, with today's extractor: same file names, identity and dates; no network;\n"
        "a post that comes out the same is not touched; one commit.",
        "  mirror reextract\n  mirror reextract --feed 美国之音 --since 2024-01-01",
        EXITS_LOCKING)
    _add_config(again)
    again.add_argument("--since", type=_date, metavar="DATE",
                       help="only posts dated on or after DATE (YYYY-MM-DD, UTC)")
    again.add_argument("--no-commit", action="store_true", help="write but do not commit")


def _date(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date such as 2024-01-31") \
            from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _init_parser(commands: _Commands) -> None:
    init = _command(
        commands, "init", "make a ready mirror repository (GitHub Actions included)",
        "Make a ready mirror repository: a commented feeds.yaml, archive/, the GitHub\n"
        "workflow, requirements.txt (how the workflow installs this mirror), .gitignore\n"
        "and .gitattributes lines; then git init and the first commit.",
        "  mirror init news\n  mirror init . --shards 4 --force   # write the workflow again",
        "exit codes:\n  0  done\n  1  git failed\n"
        "  2  the workflow exists (see --force), or usage")
    init.add_argument("dir", nargs="?", type=Path, default=Path("."),
                      help="where (default: here)"
                      ).complete = COMPLETE_DIRECTORY  # type: ignore[attr-defined]
    init.add_argument("--force", action="store_true",
                      help="write the workflow again (feeds.yaml and the rest are kept)")
    init.add_argument("--shards", type=int, default=1, metavar="N",
                      help="split the feeds over N parallel jobs in the workflow")
    init.add_argument("--install", metavar="SPEC",
                      help="pip requirement that installs mirror in the workflow (default: "
                           "where this mirror was installed from)")


def _completion_parser(commands: _Commands) -> None:
    completion = _command(
        commands, "completion", "print the shell completion script (bash, zsh)",
        "Print the completion script of mirror for bash or zsh (made by shtab).",
        "  mirror completion bash > ~/.local/share/bash-completion/completions/mirror\n"
        "  mirror completion zsh > \"${fpath[1]}/_mirror\"   # then: compinit",
        "exit codes:\n  0  done\n  2  usage")
    completion.add_argument("shell", choices=SHELLS, help="the shell")


def _add_config(parser: argparse.ArgumentParser, feeds: bool = True) -> None:
    parser.add_argument("--config", type=Path, default=Path("feeds.yaml"), metavar="FILE",
                        help="the feeds.yaml to read (default ./feeds.yaml)"
                        ).complete = COMPLETE_FILE  # type: ignore[attr-defined]
    if feeds:
        parser.add_argument("--feed", action="append", default=[], metavar="NAME",
                            help="only this feed (repeatable)")
    _add_verbosity(parser)


def _add_verbosity(parser: argparse.ArgumentParser, top: bool = False) -> None:
    """-q and -v, before the command or after it (``mirror -q fetch``, ``mirror fetch -q``)."""
    default = False if top else argparse.SUPPRESS
    group = parser.add_mutually_exclusive_group()
    group.add_argument("-q", "--quiet", action="store_true", default=default,
                       help="print errors only (a run that succeeds prints nothing)")
    group.add_argument("-v", "--verbose", action="store_true", default=default,
                       help="also print one line per HTTP request: its URL, result and time")


def _add_run_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--no-commit", action="store_true", help="write posts but do not commit")
    parser.add_argument("--wait", type=_seconds, default=300.0, metavar="SECONDS",
                        help="how long to wait for another run to finish (default 300)")
    parser.add_argument("--refresh", action="store_true",
                        help="poll without the stored ETag/Last-Modified (no 304 answers)")


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
    from mirror.config import parse_duration

    days = re.fullmatch(r"(\d+(?:\.\d+)?)d", text.strip())
    seconds = float(days.group(1)) * 86400 if days else parse_duration(text)
    if seconds is None or seconds <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not an age such as 14d or 12h")
    return seconds


# ------------------------------------------------------------------ main

def command() -> None:
    """The ``mirror`` command: ``main``, then exit at once.

    When ``main`` returns, everything is written, committed and flushed, the
    lock released and the extraction workers gone; what is left is the
    interpreter tearing down some 400 modules, which cost a mirror run from
    cron or CI about a tenth of a second every time.
    """
    # Loading some 400 modules allocates a great many objects, and Python's default
    # thresholds collect cycles after every 700: a command would spend a tenth of its
    # start-up collecting. Rarer collections cost a few megabytes at most.
    gc.set_threshold(50_000, 50, 50)
    code = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:  # a closed pipe: nothing more can be said
        code = code or EXIT_FAILED
    os._exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        if args.command is None:
            raise UsageError("say which command to run: fetch, run, check, add, import, "
                             "export, status, index, rotate, reextract, init or completion",
                             build_parser().format_usage().strip())
        return _dispatch(args)
    except UsageError as exc:
        _error(str(exc))
        print(exc.usage, file=sys.stderr, flush=True)
        return EXIT_USAGE
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
    commands: dict[str, Callable[[argparse.Namespace], int]] = {
        "fetch": _fetch, "run": _run, "check": _check, "add": _add, "import": _import,
        "export": _export, "status": _status, "index": _index, "rotate": _rotate,
        "reextract": _reextract, "init": _init, "completion": _completion}
    return commands[args.command](args)


@dataclass(frozen=True)
class Output:
    """Where lines go: results to standard output, errors to standard error; ``quiet``
    keeps only errors, ``verbose`` adds a line per HTTP request."""

    quiet: bool = False
    verbose: bool = False

    @classmethod
    def of(cls, args: argparse.Namespace) -> Output:
        return cls(quiet=bool(getattr(args, "quiet", False)),
                   verbose=bool(getattr(args, "verbose", False)))

    def info(self, line: str) -> None:
        if not self.quiet:
            print(line, flush=True)

    def note(self, line: str) -> None:
        """A remark on standard error that is not an error (such as waiting for a lock)."""
        if not self.quiet:
            _error(line)

    def error(self, line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    def request(self, method: str, url: str, outcome: int | str, seconds: float) -> None:
        """``-v``: one line per HTTP request (each redirect and retry is one)."""
        print(f"{method} {url} -> {outcome} ({seconds:.2f}s)", file=sys.stderr, flush=True)

    @property
    def on_request(self) -> Callable[[str, str, int | str, float], None] | None:
        return self.request if self.verbose else None


# ------------------------------------------------------------------ fetch, run

def _fetch(args: argparse.Namespace) -> int:
    import asyncio

    from mirror import github
    from mirror.config import load_config

    out = Output.of(args)
    config = load_config(args.config)
    with _progress(out) as shown:
        report = asyncio.run(_fetch_until_stopped(config, _options(args, shown, out)))
    print_report(report, out)
    if github.in_actions():
        for line in github.tell_actions(report, _in_repository(config.path)):
            print(line, flush=True)
    if report.interrupted:
        out.error("mirror: stopped early: what was complete is written and committed; "
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
    from mirror.pipeline import run_async
    from mirror.stopping import stop_on_signals

    return await run_async(config, options, stop_on_signals())


def _in_repository(path: Path) -> str | None:
    """feeds.yaml's path from the top of its repository, as GitHub names files."""
    from mirror.git import Repo

    repo = Repo.find(path)
    try:
        return repo.relative(path) if repo is not None else None
    except ValueError:
        return None


def _run(args: argparse.Namespace) -> int:
    import asyncio

    from mirror.scheduler import serve

    out = Output.of(args)

    def cycle(report: RunReport) -> None:
        print_report(report, out)

    return asyncio.run(serve(args.config, _options(args, None, out), cycle, out.error,
                             out.info))


def _options(args: argparse.Namespace, shown: Progress | None, out: Output) -> Options:
    from mirror.pipeline import Options

    return Options(feeds=tuple(args.feed), commit=not args.no_commit, wait=args.wait,
                   progress=shown, push=getattr(args, "push", False),
                   shard=getattr(args, "shard", None), say=out.note,
                   dry_run=getattr(args, "dry_run", False), refresh=args.refresh,
                   on_request=out.on_request)


@contextlib.contextmanager
def _progress(out: Output) -> Iterator[Progress | None]:
    """Progress bars in a terminal, unless -q or -v (whose lines they would garble)."""
    from mirror import progress

    if out.quiet or out.verbose or not progress.wanted():
        yield None
        return
    with progress.TerminalProgress() as shown:
        yield shown


def print_report(report: RunReport, out: Output | None = None) -> None:
    """A run's lines: one per feed, its notes and errors, then the total. Errors go to
    standard error; ``-q`` keeps only them."""
    from mirror.report import error_lines, feed_line, note_lines, total_line

    out = out or Output()
    for feed in report.feeds:
        (out.error if feed.error else out.info)(feed_line(feed))
        for line in note_lines(feed):
            out.info(line)
        for line in error_lines(feed):
            out.error(line)
    for note in report.notes:
        out.info(f"note: {note}")
    if report.push_error:
        out.error(f"push failed: {report.push_error}")
    out.info(total_line(report))


# ------------------------------------------------------------------ check

def _check(args: argparse.Namespace) -> int:
    from mirror.config import check_config

    out = Output.of(args)
    files = args.files or [args.config]
    found = [(path, *check_config(path)) for path in files]
    problems = [(path, problem) for path, _, listed in found for problem in listed]
    for path, problem in problems:
        out.error(_problem_line(path, problem))
    if problems:
        count = len(problems)
        out.error(f"mirror: {count} problem{'s' if count != 1 else ''} in "
                  f"{', '.join(str(path) for path in files)}")
        return EXIT_USAGE
    configs = [config for _, config, _ in found if config is not None]
    if not args.online:
        for config, path in zip(configs, files, strict=True):
            count = len(config.feeds)
            out.info(f"{path}: no problems, {count} feed{'s' if count != 1 else ''}")
        return EXIT_OK
    return max(_check_online(config, args, out) for config in configs)


def _problem_line(path: Path, problem: Problem) -> str:
    """FILE:LINE: message, FILE as given on the command line."""
    where = f"{path}:{problem.line}" if problem.line else str(path)
    return f"{where}: {problem.message}"


def _check_online(config: Config, args: argparse.Namespace, out: Output) -> int:
    import asyncio

    from mirror.check import preview
    from mirror.config import select_feeds

    feeds = select_feeds(config, args.feed)
    previews = asyncio.run(preview(config, feeds, out.on_request))
    for seen in previews:
        (out.error if seen.error else out.info)(seen.line_text())
    failed = sum(1 for seen in previews if seen.error)
    new = sum(seen.new for seen in previews)
    total = f"total: {new} new in {len(previews)} feeds, nothing written"
    out.info(total + (f"; {failed} feed{'s' if failed != 1 else ''} failed" if failed else ""))
    return EXIT_FAILED if failed else EXIT_OK


# ------------------------------------------------------------------ add, import, export

def _add(args: argparse.Namespace) -> int:
    from mirror.feeds_file import NewFeed, add_feeds, same_url

    out = Output.of(args)
    listed = _feeds_to_add_to(args.config)
    url = _as_url(args.url)
    _refuse_listed(url, listed, same_url)
    if args.no_fetch:
        name = args.name or _host(url)
        where = "as given, not fetched"
    else:
        found = _discover(args.config, url, out)
        _refuse_listed(found.url, listed, same_url)
        url, name = found.url, args.name or found.title or _host(found.url)
        entries = f"{found.entries} entr{'y' if found.entries == 1 else 'ies'}"
        where = f"{found.format}, {entries}"
    taken = next((feed for feed in listed if feed.name == name), None)
    if taken is not None:
        raise ConfigError(f"{args.config}:{taken.line}: a feed named {name!r} is already "
                          "listed; give this one another name with --name")
    line, = add_feeds(args.config, [NewFeed(name, url)])
    out.info(f"added {name}: {_shown(url)} ({where}) at {args.config}:{line}")
    return EXIT_OK


def _feeds_to_add_to(path: Path) -> list[Listed]:
    """The feeds the file lists; ConfigError when it has problems other than a ``${NAME}``
    not set here (adding a feed needs no secret)."""
    from mirror.config import check_config
    from mirror.feeds_file import listed_feeds

    if not path.exists():
        return []
    _, problems = check_config(path)
    serious = [p for p in problems if not re.search(r"\$\{\w+\} is not set", p.message)]
    if serious:
        raise ConfigError("\n".join([*(_problem_line(path, p) for p in serious),
                                     f"fix {path} first (mirror check lists its problems)"]))
    return listed_feeds(path.read_text(encoding="utf-8-sig"))


def _refuse_listed(url: str, listed: list[Listed],
                   same_url: Callable[[str, str], bool]) -> None:
    for feed in listed:
        if feed.url and same_url(url, feed.url):
            raise ConfigError(f"{_shown(url)} is already listed, as {feed.name!r} "
                              f"(line {feed.line})")


def _discover(config_path: Path, url: str, out: Output) -> Found:
    """The feed at url, or the one its page leads to, fetched as a new feed of this
    feeds.yaml would be (its defaults: headers, proxy, timeout, limits)."""
    import asyncio
    from dataclasses import replace

    from mirror.config import feed_defaults
    from mirror.fetching.discover import discover
    from mirror.fetching.http import DEFAULT_USER_AGENT, Http, RequestOptions

    defaults = feed_defaults(config_path)
    feed = replace(defaults.feed, url=url)

    async def find() -> Found:
        async with Http(defaults.limits, feed.user_agent or DEFAULT_USER_AGENT,
                        on_request=out.on_request) as http:
            return await discover(url, http, timeout=feed.timeout,
                                  max_bytes=defaults.max_feed_bytes,
                                  options=RequestOptions.for_feed(feed))

    return asyncio.run(find())


def _import(args: argparse.Namespace) -> int:
    from mirror.feeds_file import NewFeed, add_feeds, same_url
    from mirror.opml import read_subscriptions

    out = Output.of(args)
    name = "standard input" if args.file == "-" else args.file
    data = sys.stdin.buffer.read() if args.file == "-" else _read_bytes(Path(args.file))
    subscriptions, refused = read_subscriptions(data, name)
    listed = _feeds_to_add_to(args.config)
    names = {feed.name for feed in listed if feed.name}
    urls = [(feed.url, feed.name) for feed in listed if feed.url]
    added: list[NewFeed] = []
    for subscription in subscriptions:
        already = next((n for u, n in urls if same_url(subscription.url, u)), None)
        if already is not None:
            out.info(f"skipped {_shown(subscription.url)}: already listed, as {already!r}")
            continue
        feed = NewFeed(_free_name(subscription.title, subscription.url, names),
                       subscription.url)
        names.add(feed.name)
        urls.append((feed.url, feed.name))
        added.append(feed)
    for outline in refused:
        out.error(f"skipped {outline.title or outline.url!r}: {outline.reason}")
    lines = add_feeds(args.config, added) if added else []
    for feed, line in zip(added, lines, strict=True):
        out.info(f"added {feed.name}: {_shown(feed.url)} at {args.config}:{line}")
    skipped = len(subscriptions) - len(added) + len(refused)
    out.info(f"imported {len(added)} feed{'s' if len(added) != 1 else ''} into {args.config}"
             + (f"; skipped {skipped}" if skipped else ""))
    return EXIT_OK


def _export(args: argparse.Namespace) -> int:
    from mirror.feeds_file import listed_feeds
    from mirror.opml import write_opml

    out = Output.of(args)
    text = _read_bytes(args.config).decode("utf-8-sig", errors="replace")
    feeds = [(feed.name, _without_userinfo(feed.url)) for feed in listed_feeds(text)
             if feed.name and feed.url]
    opml = write_opml(feeds)
    if args.output is None:
        sys.stdout.write(opml)
        sys.stdout.flush()
        return EXIT_OK
    from mirror.archive.atomic import atomic_write

    atomic_write(args.output, opml.encode("utf-8"))
    out.info(f"wrote {len(feeds)} feed{'s' if len(feeds) != 1 else ''} to {args.output}")
    return EXIT_OK


def _as_url(text: str) -> str:
    """The URL given, https:// added to a bare host such as ``example.com/news``."""
    from mirror.urls import normalise

    text = text.strip()
    if not re.match(r"[a-z][a-z0-9+.-]*://", text, re.I):
        text = "https://" + text
    url = normalise(text)
    if url is None:
        raise ConfigError(f"{text!r} is not an http:// or https:// URL")
    return url


def _host(url: str) -> str:
    from mirror.urls import host_of

    return host_of(url).removeprefix("www.") or url


def _free_name(title: str | None, url: str, taken: set[str]) -> str:
    """The title (else the host), with the host after it, then a number, when taken."""
    host = _host(url)
    name = (title or host).replace("\n", " ").strip() or host
    for candidate in (name, f"{name} ({host})"):
        if candidate not in taken:
            return candidate
    number = 2
    while f"{name} ({host}) {number}" in taken:
        number += 1
    return f"{name} ({host}) {number}"


def _shown(url: str) -> str:
    from mirror.urls import redact

    return redact(url)


def _without_userinfo(url: str) -> str:
    return re.sub(r"^([a-z][a-z0-9+.-]*://)[^/?#@]*@", r"\1", url.strip(), flags=re.I)


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{path}: not found") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None


# ------------------------------------------------------------------ the others

def _status(args: argparse.Namespace) -> int:
    import json

    from mirror.config import load_config
    from mirror.status import feed_statuses

    statuses = feed_statuses(load_config(args.config))
    if args.json:
        print(json.dumps([s.as_dict() for s in statuses], ensure_ascii=False, indent=2))
        return EXIT_OK
    from rich.console import Console
    from rich.table import Table

    table = Table("feed", "last poll", "result", "posts", "next poll")
    kept = ("images_kept", "pages_kept", "watched", "changes", "snapshots")
    preserving = any(getattr(s, name) for s in statuses for name in kept)
    for name in kept if preserving else ():  # issue 11: preservation, when any is kept
        table.add_column(name.replace("_", " "), justify="right")
    for s in statuses:
        table.add_row(s.name, s.last_poll or "-", s.result, str(s.posts), s.next_poll or "-",
                      *(str(getattr(s, name)) for name in kept if preserving))
    Console(width=max(100, Console().width)).print(table)
    return EXIT_OK


def _index(args: argparse.Namespace) -> int:
    import asyncio

    from mirror.config import load_config
    from mirror.maintenance import write_index_pages

    out = Output.of(args)
    done = asyncio.run(write_index_pages(load_config(args.config), commit=not args.no_commit))
    for note in done.notes:
        out.info(f"note: {note}")
    commit = f"; committed {done.commit[:10]}" if done.commit else ""
    out.info(f"index pages: {len(done.written)} written{commit}")
    return EXIT_OK


def _rotate(args: argparse.Namespace) -> int:
    import asyncio

    from mirror.config import load_config
    from mirror.maintenance import rotate_posts

    out = Output.of(args)
    config = load_config(args.config)
    result, commit = asyncio.run(rotate_posts(config, args.older_than, args.to,
                                              commit=not args.no_commit))
    moved = len(result.moved)
    cutoff = f"{result.cutoff:%Y-%m-%d %H:%M}Z" if result.cutoff else "the cut-off"
    text = f"rotated {moved} post{'s' if moved != 1 else ''} dated before {cutoff} to {args.to}"
    out.info(text + (f"; committed {commit[:10]}" if commit else ""))
    return EXIT_OK


def _reextract(args: argparse.Namespace) -> int:
    import asyncio

    from mirror.config import load_config
    from mirror.preserve.reextract import reextract

    out = Output.of(args)
    done = asyncio.run(reextract(load_config(args.config), tuple(args.feed), args.since,
                                 commit=not args.no_commit))
    for note in done.notes:
        out.info(f"note: {note}")
    count = len(done.written)
    commit = f"; committed {done.commit[:10]}" if done.commit else ""
    out.info(f"re-extracted {count} post{'s' if count != 1 else ''}, {done.unchanged} "
             f"unchanged{commit}")
    return EXIT_OK


def _init(args: argparse.Namespace) -> int:
    from mirror.init import scaffold

    out = Output.of(args)
    done = scaffold(args.dir, force=args.force, shards=args.shards, install=args.install)
    for path in done.written:
        out.info(f"wrote {path}")
    for note in done.notes:
        out.info(f"note: {note}")
    if done.commit:
        out.info(f"committed {done.commit[:10]}")
    here = "" if args.dir == Path(".") else f"cd {args.dir} && "
    out.info(f"next: edit {args.dir / 'feeds.yaml'} (or `mirror add URL`), then `mirror fetch`;"
             f" or push it to GitHub and let the workflow run:\n  {here}git remote add origin "
             "https://github.com/you/news-mirror.git && git push -u origin HEAD")
    return EXIT_OK


def _completion(args: argparse.Namespace) -> int:
    import shtab

    sys.stdout.write(shtab.complete(build_parser(), shell=args.shell))
    sys.stdout.flush()
    return EXIT_OK


def _error(message: str) -> None:
    print(f"mirror: {message}", file=sys.stderr, flush=True)

