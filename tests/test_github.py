"""What a run tells GitHub Actions: annotations on feeds.yaml's lines, summary, outputs, and
--fail-on deciding what fails the step."""

from __future__ import annotations

import re
from pathlib import Path

from mirror import github
from mirror.models import FeedReport, RunReport
from tests.conftest import mirror, write_config
from tests.feeds import Item, rss
from tests.helpers import FULL_TEXT

REPORT = RunReport(feeds=(
    FeedReport(name="美国之音", new=2, line=7),
    FeedReport(name="a,b:c", error="HTTP 503 (https://a.example/feed)", line=9),
    FeedReport(name="x", new=1, entry_errors=("https://x.example/1: timed out\nagain",), line=12),
), commit="0123456789abcdef")


def test_annotations_point_at_the_feeds_line() -> None:
    lines = github.annotation_lines(REPORT, "feeds.yaml")
    assert lines == [
        "::error file=feeds.yaml,line=9,title=mirror%3A a%2Cb%3Ac::HTTP 503 (https://a.example/feed)",
        "::warning file=feeds.yaml,line=12,title=mirror%3A x::"
        "https://x.example/1: timed out%0Aagain",
    ]
    assert github.annotation_lines(REPORT)[0].startswith("::error title=")


def test_outputs_and_summary(tmp_path: Path, monkeypatch) -> None:
    outputs, summary = tmp_path / "out", tmp_path / "summary"
    monkeypatch.setenv("GITHUB_OUTPUT", str(outputs))
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    lines = github.tell_actions(REPORT, "feeds.yaml")
    assert len(lines) == 2
    assert outputs.read_text() == "new=3\nfailed=2\ncommit=0123456789abcdef\n"
    assert "| 美国之音 | 2 |" in summary.read_text()
    github.write_outputs(RunReport())
    assert outputs.read_text().endswith("new=0\nfailed=0\ncommit=\n")


def test_a_run_in_actions_annotates_summarises_and_fails_on_what_it_is_told(
        repo: Path, site, tmp_path: Path) -> None:
    good = site.add("/good.xml", rss([Item(link="https://a.example/1", body=FULL_TEXT)]))
    write_config(repo, [{"name": "good, feed", "url": good},
                        {"name": "bad", "url": site.url("/missing.xml")}], content="feed")
    summary = tmp_path / "summary.md"
    env = {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)}

    result = mirror(repo, "fetch", env=env)

    assert result.returncode == 1
    # the annotation points at the feed's line of feeds.yaml
    assert "::error file=feeds.yaml,line=6,title=mirror%3A bad::HTTP 404 Not Found" in \
        result.stdout
    table = summary.read_text()
    assert "| feed | new posts | errors |" in table
    assert "| good, feed | 1 |  |" in table
    assert re.search(r"\| bad \| 0 \| HTTP 404 Not Found .*missing.xml\) \|", table)
    assert mirror(repo, "fetch", "--fail-on", "never", env=env).returncode == 0
    assert mirror(repo, "fetch", "--fail-on", "error", env=env).returncode == 1
    write_config(repo, [{"name": "good, feed", "url": good}], content="feed")
    assert mirror(repo, "fetch", "--fail-on", "error", env=env).returncode == 0
