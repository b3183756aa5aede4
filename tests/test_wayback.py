"""Save Page Now: each new link submitted once, at the configured rate; a 429 neither fails
the run nor loses a link; failures wait in the queue for a week. A fake service in process."""

from __future__ import annotations

import asyncio
import itertools
import time
from pathlib import Path

import httpx

from mirror.fetching.http import Http
from mirror.models import Config, FeedConfig, Limits
from mirror.preserve.timing import Budget
from mirror.preserve.wayback import Queue, Submitted, Submitter

NOW = 1_700_000_000_000
SAVE = "https://web.archive.test/save/"


class FakeSavePageNow:
    """Answers each submission as scripted by the article's last path segment."""

    def __init__(self, busy: bool = False) -> None:
        self.asked: list[tuple[float, str]] = []
        self.busy = busy  # everything answers 429

    def handle(self, request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        if "/web/" in url:  # the snapshot a redirect leads to
            return httpx.Response(200, stream=httpx.ByteStream(b"<html>snapshot</html>"))
        link = url.split("/save/", 1)[1]
        self.asked.append((time.monotonic(), link))
        if self.busy:
            return httpx.Response(429, headers={"Retry-After": "3600"})
        if link.endswith("/down"):
            return httpx.Response(503)
        if link.endswith("/redirect"):
            return httpx.Response(302, headers={
                "Location": f"https://web.archive.test/web/20231114221320/{link}"})
        return httpx.Response(200, headers={
            "Content-Location": f"/web/20231114221320/{link}"},
            stream=httpx.ByteStream(b"<html>saved</html>"))


def run(tmp_path: Path, links: list[str], wall: int = NOW, every: float = 0.0,
        service: FakeSavePageNow | None = None) -> tuple[Submitted, Queue, FakeSavePageNow]:
    config = Config(path=tmp_path / "feeds.yaml", archive=tmp_path / "archive",
                    feeds=(FeedConfig(name="n", url="https://n.example/f", wayback=True),),
                    wayback_url=SAVE, wayback_every=every)
    service = service or FakeSavePageNow()

    async def go() -> tuple[Submitted, Queue]:
        queue = Queue.load(tmp_path)
        for i, link in enumerate(links):
            queue.add(link, f"post-{i}.md", "n", wall)
        async with Http(Limits(retries=0), transport=httpx.MockTransport(service.handle)) \
                as http:
            done = await Submitter(config, http, queue, wall, NOW,
                                   Budget(None, 1.0, 30)).run(set())
        queue.save()
        return done, queue
    done, queue = asyncio.run(go())
    return done, queue, service


def test_each_link_is_submitted_once_and_its_snapshot_recorded(tmp_path: Path) -> None:
    done, queue, service = run(tmp_path, ["https://n.example/1", "https://n.example/redirect",
                                          "https://n.example/1?utm_source=x"])
    assert [link for _, link in service.asked] == ["https://n.example/1",
                                                   "https://n.example/redirect"]
    assert [(c.kind, c.link, c.post, c.detail) for c in done.snapshots] == [
        ("snapshot", "https://n.example/1", "post-0.md",
         "https://web.archive.test/web/20231114221320/https://n.example/1"),
        ("snapshot", "https://n.example/redirect", "post-1.md",
         "https://web.archive.test/web/20231114221320/https://n.example/redirect")]
    assert queue.waiting == [] and done.submitted == 2 and done.failed == 0
    again, _, service = run(tmp_path, [])
    assert again.submitted == 0 and service.asked == []


def test_a_429_stops_the_run_keeps_every_link_and_is_waited_for(tmp_path: Path) -> None:
    links = ["https://n.example/1", "https://n.example/2"]
    done, queue, service = run(tmp_path, links, service=FakeSavePageNow(busy=True))
    assert done.snapshots == [] and done.failed == 1 and len(service.asked) == 1
    assert [q.link for q in queue.waiting] == links
    assert "HTTP 429" in done.notes[0] and "2 link(s) wait" in done.notes[0]
    assert queue.not_before >= NOW + 3_600_000
    soon, _, service = run(tmp_path, [], wall=NOW + 60_000)
    assert service.asked == [] and soon.submitted == 0  # Retry-After honoured across runs
    later, queue, _ = run(tmp_path, [], wall=NOW + 3_700_000)
    assert [c.link for c in later.snapshots] == links and queue.waiting == []


def test_a_5xx_waits_for_a_later_run_and_a_week_old_link_is_given_up(tmp_path: Path) -> None:
    done, queue, _ = run(tmp_path, ["https://n.example/down", "https://n.example/3"])
    assert done.failed == 1 and len(queue.waiting) == 2
    week_later, queue, service = run(tmp_path, [], wall=NOW + 8 * 86_400_000)
    assert queue.waiting == [] and service.asked == []
    assert sum("given up" in note for note in week_later.notes) == 2


def test_submissions_keep_the_rate(tmp_path: Path) -> None:
    _, _, service = run(tmp_path, [f"https://n.example/{i}" for i in range(3)], every=0.2)
    times = [moment for moment, _ in service.asked]
    assert len(times) == 3
    assert all(later - earlier >= 0.19 for earlier, later in itertools.pairwise(times))
