"""In GitHub Actions: annotations for what failed, a step summary table, and step outputs.

Annotations point at the failing feed's line of feeds.yaml, so GitHub shows
them on the file; ``new``, ``failed`` and ``commit`` go to ``$GITHUB_OUTPUT``
for later steps (``steps.<id>.outputs.new``).
"""

from __future__ import annotations

import os
from pathlib import Path

from mirror.models import RunReport


def in_actions() -> bool:
    return os.environ.get("GITHUB_ACTIONS") == "true"


def tell_actions(report: RunReport, config_file: str | None = None) -> list[str]:
    """Everything a run tells GitHub Actions: writes the step summary and the step
    outputs, and returns the annotation lines to print."""
    write_summary(report)
    write_outputs(report)
    return annotation_lines(report, config_file)


def annotation_lines(report: RunReport, config_file: str | None = None) -> list[str]:
    """``::error::`` for each failed feed, ``::warning::`` for each failed entry, at the
    feed's line of ``config_file`` (a path relative to the repository) when given."""
    lines = []
    for feed in report.feeds:
        where = f"file={_property(config_file)},line={feed.line}," \
            if config_file and feed.line else ""
        title = f"{where}title={_property(f'mirror: {feed.name}')}"
        if feed.error:
            lines.append(f"::error {title}::{_data(feed.error)}")
        lines += [f"::warning {title}::{_data(error)}" for error in feed.entry_errors]
    if report.push_error:
        lines.append(f"::error title=mirror: push::{_data(report.push_error)}")
    return lines


def write_summary(report: RunReport, path: str | None = None) -> None:
    """Append a Markdown table (feed, new posts, errors) to ``$GITHUB_STEP_SUMMARY``."""
    target = path or os.environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return
    rows = ["### mirror", "", "| feed | new posts | errors |", "|---|---:|---|"]
    for feed in report.feeds:
        errors = ([feed.error] if feed.error else []) + list(feed.entry_errors)
        rows.append(f"| {_cell(feed.name)} | {feed.new} | "
                    f"{'<br>'.join(_cell(e) for e in errors)} |")
    outcome = f"**{report.new} new post{'s' if report.new != 1 else ''}**"
    if report.commit:
        outcome += f", committed `{report.commit[:10]}`"
    if report.pushed:
        outcome += ", pushed"
    if report.push_error:
        outcome += f"; push failed: {_cell(report.push_error)}"
    rows += ["", outcome, ""]
    with Path(target).open("a", encoding="utf-8") as handle:
        handle.write("\n".join(rows) + "\n")


def write_outputs(report: RunReport, path: str | None = None) -> None:
    """``new``, ``failed`` (feeds and entries that failed) and ``commit`` (empty when none)
    appended to ``$GITHUB_OUTPUT``."""
    target = path or os.environ.get("GITHUB_OUTPUT")
    if not target:
        return
    failed = sum(bool(feed.error) + len(feed.entry_errors) for feed in report.feeds)
    lines = [f"new={report.new}", f"failed={failed}", f"commit={report.commit or ''}"]
    with Path(target).open("a", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")
