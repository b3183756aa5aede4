"""What a run tells GitHub Actions: annotations on feeds.yaml's lines, summary, outputs."""

from __future__ import annotations

from pathlib import Path

from mirror import github
from mirror.models import FeedReport, RunReport

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
