"""mirror run's scheduler, in process: cycles, their lines, reloads, and a clean stop."""

from __future__ import annotations

import asyncio
import os
import re
import signal
from pathlib import Path

from mirror.config import load_config
from mirror.models import FeedReport, RunReport
from mirror.pipeline import Options
from mirror.scheduler import cycle_line, due_feeds, serve
from tests.conftest import commits, mirror, write_config
from tests.helpers import items, serve_feed


def test_cycle_lines_are_timestamped_and_say_when_next(fake_clock) -> None:
    fake_clock.ms = 1_764_650_000_000
    done = RunReport(feeds=(FeedReport("a", new=2), FeedReport("b", error="HTTP 500")))
    assert cycle_line(done, 840.0) == \
        "2025-12-02T04:33:20Z cycle: 2 feeds polled, 2 new, 1 failed; next poll in 14m"
    assert cycle_line(RunReport(feeds=(FeedReport("a"),)), 30.4).endswith(
        "1 feed polled, 0 new; next poll in 30s")


def test_due_feeds_follow_the_wall_clock(repo: Path, site, fake_clock, monkeypatch) -> None:
    from mirror.pipeline import run

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # content time; schedules go by wall
    write_config(repo, [{"name": "n", "url": serve_feed(site, items(1))}], content="feed",
                 every="10m")
    config = load_config(repo / "feeds.yaml")
    assert due_feeds(config, ()) == (("n",), float("inf"))
    run(config)
    names, wait = due_feeds(config, ())
    assert names == () and 600 <= wait <= 660
    fake_clock.advance(661)
    assert due_feeds(config, ())[0] == ("n",)


def test_serve_runs_a_cycle_then_stops_on_sigterm(repo: Path, site, monkeypatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    write_config(repo, [{"name": "n", "url": serve_feed(site, items(1))}], content="feed",
                 every="1h")
    reports: list[RunReport] = []
    lines: list[str] = []

    def report(done: RunReport) -> None:
        reports.append(done)
        os.kill(os.getpid(), signal.SIGTERM)  # as systemctl stop does

    code = asyncio.run(asyncio.wait_for(
        serve(repo / "feeds.yaml", Options(), report, lines.append, lines.append), 60))

    assert code == 0 and [r.new for r in reports] == [1] and commits(repo) == 1
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ cycle: 1 feed polled, 1 new; "
                        r"next poll in \d+m", lines[-1]), lines


def test_a_shortened_every_takes_effect_at_once(repo: Path, site, fake_clock) -> None:
    feed = serve_feed(site, items(1))
    write_config(repo, [{"name": "n", "url": feed}], content="feed", every="1h")
    assert mirror(repo, "fetch").returncode == 0
    fake_clock.advance(60)
    assert due_feeds(load_config(repo / "feeds.yaml"), ())[0] == ()
    write_config(repo, [{"name": "n", "url": feed}], content="feed", every="30s")
    assert due_feeds(load_config(repo / "feeds.yaml"), ())[0] == ("n",)


def test_mirror_run_with_a_feed_that_is_not_there(repo: Path, site) -> None:
    write_config(repo, [{"name": "n", "url": site.url("/feed.xml")}])
    result = mirror(repo, "run", "--feed", "Typo")
    assert result.returncode == 2 and "no such feed" in result.stderr
