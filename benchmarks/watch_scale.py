"""Watching 10,000 archived posts, all due at once, then a run with nothing due.

    python benchmarks/watch_scale.py [--posts 10000] [--per-host 2]

A repository holds ``--posts`` posts in the seed format (dated now, so all are
within ``watch: 7d``), each the article of a page on 127.0.0.1 that answers
with a small article and an ETag; the feed has nothing new. The first
``mirror fetch`` checks every post's page (none was checked before: all are
due); the second, right after, finds none due. Printed for each run: the
whole command's wall time, the requests the site saw, and the most requests
it ever had in flight (one host: never more than ``--per-host``).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.feeds import rss  # noqa: E402
from tests.server import Site, start  # noqa: E402

TEXT = "警方周二表示，数百名示威者在市中心广场聚集，要求政府就新的住房政策作出回应。"


def build(repo: Path, site: Site, count: int, per_host: int) -> None:
    archive = repo / "archive"
    archive.mkdir(parents=True)
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    index = ["# mirror index v1: path, feed, guid, link of each archived entry; do not edit"]
    for i in range(count):
        body = f"<p>{TEXT}第{i}篇。</p><p>{TEXT}</p>"
        link = site.add(f"/news/{i}.html", f"<html><body><article><h1>第{i}篇</h1>{body}"
                        "</article></body></html>", etag=f'"v{i}"')
        path = f"{now[:10]}-post-{i}.md"
        (archive / path).write_text(
            f'---\nlayout: post\ntitle: "第{i}篇"\ndate: {now}\nauthor: n\nfrom: {link}\n'
            f"tags: [ n ]\ncategories: [ n ]\n---\n<!--0-->\n[第{i}篇]({link})\n------\n\n"
            f"<div>\n{body}\n</div>\n", encoding="utf-8")
        index.append(f"{path}\tn\t\t{link}")
    (archive / ".mirror-index.tsv").write_text("\n".join(index) + "\n", encoding="utf-8")
    feed = site.add("/feed.xml", rss([]), content_type="application/rss+xml", etag='"f"')
    (repo / "feeds.yaml").write_text(
        f"per_host: {per_host}\nrun_timeout: 2h\nfeeds:\n  - name: n\n    url: {feed}\n"
        "    content: page\n    robots: ignore\n    watch: 7d\n    watch_every: 6h\n",
        encoding="utf-8")
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=repo, check=True)


def fetch(repo: Path, site: Site) -> tuple[float, int, int]:
    site.hits.clear()
    site.max_in_flight = 0
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("SOURCE_DATE_EPOCH", None)
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "mirror", "fetch"], cwd=repo, env=env,
                          capture_output=True, text=True)
    took = time.monotonic() - started
    if done.returncode != 0:
        raise SystemExit(done.stdout + done.stderr)
    pages = sum(n for path, n in site.hits.items() if path.startswith("/news/"))
    return took, pages, site.max_in_flight


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--per-host", type=int, default=2)
    args = parser.parse_args()
    site = Site()
    server = start(site)
    try:
        with tempfile.TemporaryDirectory() as folder:
            repo = Path(folder) / "repo"
            build(repo, site, args.posts, args.per_host)
            for name in ("all due", "none due"):
                took, pages, most = fetch(repo, site)
                print(f"{name:>9}: {took:6.2f} s, {pages:,} page requests, "
                      f"at most {most} in flight (per_host {args.per_host})")
    finally:
        server.shutdown()


if __name__ == "__main__":
    main()
