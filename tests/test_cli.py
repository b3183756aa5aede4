"""The command line: usage errors as one line and the usage, a bad or missing feeds.yaml as
a line per problem and exit 2, help with examples and exit codes, -q and -v, --feed,
--no-commit, --dry-run and --refresh reaching the run, shell completion, a quick start."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from mirror import cli
from tests.conftest import ROOT, commits, mirror, posts, write_config
from tests.feeds import Item
from tests.helpers import FULL_TEXT, serve_feed, voa_items

COMMANDS = ("fetch", "run", "check", "add", "import", "export", "status", "index", "rotate",
            "init", "completion")


@pytest.mark.parametrize(("args", "message", "usage"), [
    (["fetch", "--shard", "3/2"], "mirror: argument --shard: '3/2' is not K/N with 1 <= K <= N",
     "usage: mirror fetch "),
    (["fetch", "--bogus"], "mirror: unrecognized arguments: --bogus", "usage: mirror "),
    (["frob"], "mirror: argument COMMAND: invalid choice: 'frob'", "usage: mirror "),
    ([], "mirror: say which command to run: fetch, run, check", "usage: mirror "),
    (["rotate", "--to", "old"], "mirror: the following arguments are required: --older-than",
     "usage: mirror rotate "),
    (["fetch", "-q", "-v"], "mirror: argument -v/--verbose: not allowed with argument -q",
     "usage: mirror fetch "),
    (["completion", "fish"], "mirror: argument shell: invalid choice: 'fish'",
     "usage: mirror completion "),
])
def test_usage_errors_say_the_message_then_the_usage(tmp_path: Path, args: list[str],
                                                     message: str, usage: str) -> None:
    result = mirror(tmp_path, *args)
    assert result.returncode == 2
    first, *rest = result.stderr.splitlines()
    assert first.startswith(message) and not first.startswith("mirror: mirror")
    assert rest[0].startswith(usage)
    assert result.stdout == ""


@pytest.mark.parametrize("command", COMMANDS)
def test_each_command_has_help_with_an_example_and_exit_codes(tmp_path: Path,
                                                              command: str) -> None:
    result = mirror(tmp_path, command, "--help")
    assert result.returncode == 0
    text = result.stdout
    assert text.startswith(f"usage: mirror {command}")
    assert f"\nexamples:\n  mirror {command}" in text
    assert "\nexit codes:\n  0  " in text and "  2  " in text


def test_the_top_help_lists_every_command(tmp_path: Path) -> None:
    text = mirror(tmp_path, "--help").stdout
    for command in COMMANDS:
        assert f"    {command} " in text, command
    assert "exit codes:" in text and "mirror add https://" in text


def test_version(tmp_path: Path) -> None:
    result = mirror(tmp_path, "--version")
    assert result.returncode == 0 and result.stdout.startswith("mirror ")


def test_the_command_does_not_import_the_pipeline_to_start() -> None:
    probe = ("import sys; from mirror import cli; cli.build_parser(); "
             "print(sorted(m for m in ('httpx', 'rich', 'listparser', 'shtab', 'feedparser', "
             "'mirror.pipeline', 'yaml', 'asyncio') if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            cwd=ROOT, check=True).stdout.strip()
    assert loaded == "[]"


# ---------------------------------------------------------------- -q, -v, exit codes

def feed_site(site, count: int = 2) -> str:
    entries = [Item(title=f"t{n}", link=f"https://news.example/{n}", body=FULL_TEXT)
               for n in range(count)]
    return serve_feed(site, entries, "/feed/a.xml")


def test_quiet_prints_nothing_when_all_is_well_and_errors_when_not(repo: Path, site) -> None:
    write_config(repo, [{"name": "a", "url": feed_site(site)},
                        {"name": "b", "url": site.url("/feed/missing.xml")}], retries=0)
    quiet = mirror(repo, "fetch", "-q", "--feed", "a")
    assert quiet.returncode == 0 and quiet.stdout == "" and quiet.stderr == ""
    assert commits(repo) == 1
    failing = mirror(repo, "-q", "fetch")  # before the command, too
    assert failing.returncode == 1 and failing.stdout == ""
    assert failing.stderr.startswith("b: failed: HTTP 404")


def test_verbose_prints_each_request(repo: Path, site) -> None:
    url = feed_site(site)
    write_config(repo, [{"name": "a", "url": url}])
    result = mirror(repo, "fetch", "-v", "--no-commit")
    assert result.returncode == 0, result.stderr
    requests = [line for line in result.stderr.splitlines() if line.startswith("GET ")]
    assert requests and requests[0].startswith(f"GET {url} -> 200 (")
    assert "a: 2 new, 0 known" in result.stdout


def test_dry_run_and_refresh_reach_the_run(repo: Path, site) -> None:
    write_config(repo, [{"name": "a", "url": feed_site(site)}])
    dry = mirror(repo, "fetch", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "a: 2 new" in dry.stdout and commits(repo) == 0
    assert posts(repo / "archive") == {}
    assert mirror(repo, "fetch").returncode == 0 and commits(repo) == 1
    site.routes["/feed/a.xml"].etag = '"v1"'
    assert mirror(repo, "fetch").returncode == 0
    again = mirror(repo, "fetch")
    assert "feed not modified" in again.stdout
    refreshed = mirror(repo, "fetch", "--refresh")
    assert "feed not modified" not in refreshed.stdout and "0 new, 2 known" in refreshed.stdout


def test_exit_code_of_a_bad_feeds_yaml_and_of_a_lock(tmp_path: Path) -> None:
    (tmp_path / "feeds.yaml").write_text("feeds: {}\n", encoding="utf-8")
    assert mirror(tmp_path, "fetch").returncode == 2
    assert cli.EXIT_LOCKED == 3


def test_a_bad_feeds_yaml_exits_2_with_a_line_for_each_problem(repo: Path) -> None:
    (repo / "feeds.yaml").write_text("archive: archive\nfeeds:\n  - name: x\n    urll: http://a\n")

    result = mirror(repo, "fetch")

    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert lines == ["mirror: feeds.yaml:3: feed without 'url'",  # every problem, a line each
                     "feeds.yaml:4: unknown key 'urll' (did you mean 'url'?)"]


def test_a_missing_feeds_yaml_and_bad_usage_exit_2(repo: Path) -> None:
    missing = mirror(repo, "fetch")
    usage = mirror(repo, "fetch", "--bogus")
    negative = mirror(repo, "fetch", "--wait", "-1")
    assert missing.returncode == usage.returncode == negative.returncode == 2
    assert len(missing.stderr.strip().splitlines()) == 1
    message, usage_line = usage.stderr.strip().splitlines()  # the message, then the usage
    assert message == "mirror: unrecognized arguments: --bogus"
    assert usage_line.startswith("usage: mirror ")


def test_no_commit_and_feed_selection(repo: Path, site) -> None:
    a = serve_feed(site, voa_items()[:1], "/a.xml")
    b = serve_feed(site, [Item(link="https://b.example/1")], "/b.xml")
    write_config(repo, [{"name": "A", "url": a}, {"name": "B", "url": b}], content="feed")

    result = mirror(repo, "fetch", "--feed", "B", "--no-commit")

    assert result.returncode == 0, result.stderr
    assert "A:" not in result.stdout and "B: 1 new" in result.stdout
    assert commits(repo) == 0
    assert len(posts(repo / "archive")) == 1
    assert mirror(repo, "fetch", "--feed", "Nope").returncode == 2


# ---------------------------------------------------------------- completion

@pytest.mark.parametrize("shell", ["bash", "zsh"])
def test_completion_scripts(tmp_path: Path, shell: str) -> None:
    result = mirror(tmp_path, "completion", shell)
    assert result.returncode == 0, result.stderr
    script = result.stdout
    for command in COMMANDS:
        assert command in script
    assert "--dry-run" in script and "--config" in script
    if shell == "bash":
        assert "complete " in script and "_shtab_compgen_files" in script
        checked = subprocess.run(["bash", "-n"], input=script, capture_output=True, text=True)
        assert checked.returncode == 0, checked.stderr
    else:
        assert script.startswith("#compdef mirror")


def test_the_completion_constants_are_shtab_s() -> None:
    import shtab

    assert {shell: shtab.FILE[shell] for shell in cli.COMPLETE_FILE} == cli.COMPLETE_FILE
    assert {shell: shtab.DIRECTORY[shell] for shell in cli.COMPLETE_DIRECTORY} == \
        cli.COMPLETE_DIRECTORY
    assert set(cli.SHELLS) <= set(cli.COMPLETE_FILE)
