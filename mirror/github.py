"""In GitHub Actions: a step summary table and annotations for the feeds that failed."""

from __future__ import annotations

import os
from pathlib import Path

from mirror.models import RunReport


def in_actions() -> bool:
    return os.environ.get("GITHUB_ACTIONS") == "true"


def annotation_lines(report: RunReport) -> list[str]:
    """``::error::`` for each failed feed, ``::warning::`` for each failed entry."""
    lines = []
    for feed in report.feeds:
        title = _property(f"mirror: {feed.name}")
        if feed.error:
            lines.append(f"::error title={title}::{_data(feed.error)}")
        lines += [f"::warning title={title}::{_data(error)}" for error in feed.entry_errors]
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


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")
