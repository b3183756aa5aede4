"""240 summary-only entries whose pages answer after 100 ms: wall time against the network bound.

    python benchmarks/latency.py [--entries 240] [--latency 0.1] [--per-host 4]

A feed on 127.0.0.1 lists the entries; each article page (real pages from
../shared/corpus/aeb, or a generated article when that is absent) answers
after ``--latency`` seconds. ``mirror fetch`` must fetch and extract them
all while keeping at most ``--per-host`` requests in flight to the host.
The network bound is entries x latency / per_host: no polite crawler can be
faster. Printed: wall time of the whole command, the bound, their ratio, and
the most requests the server saw at once.
"""

from __future__ import annotations

import argparse
import gzip
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.feeds import Item, rss  # noqa: E402
from tests.server import Site, start  # noqa: E402

AEB = ROOT.parent / "shared" / "corpus" / "aeb" / "html"


def pages() -> list[bytes]:
    found = sorted(AEB.glob("*.html.gz")) if AEB.exists() else []
    if found:
        return [gzip.decompress(path.read_bytes()) for path in found]
    paragraph = "<p>" + "A paragraph of a news article, long enough to be read. " * 12 + "</p>"
    return [f"<html><body><article><h1>Story {i}</h1>{paragraph * 8}</article></body></html>"
            .encode() for i in range(20)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=240)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--per-host", type=int, default=4)
    args = parser.parse_args()
    site = Site()
    start(site)
    bodies = pages()
    links = [site.add(f"/article/{i}.html", bodies[i % len(bodies)], delay=args.latency)
             for i in range(args.entries)]
    items = [Item(title=f"Story {i}", link=link, body=None, summary="Summary.")
             for i, link in enumerate(links)]
    feed = site.add("/feed.xml", rss(items), content_type="application/rss+xml")
    folder = Path(tempfile.mkdtemp(prefix="mirror-latency-"))
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=folder, check=True)
    (folder / "feeds.yaml").write_text(
        f"archive: archive\nper_host: {args.per_host}\ncontent: page\n"
        f"feeds:\n  - name: bench\n    url: {feed}\n", encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(ROOT), SOURCE_DATE_EPOCH="1700000000")
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "mirror", "fetch"], cwd=folder, env=env,
                          capture_output=True, text=True)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(done.stdout + done.stderr)
    bound = args.entries * args.latency / args.per_host
    print(done.stdout.strip().splitlines()[0])
    print(f"entries {args.entries}, latency {args.latency * 1000:.0f} ms, "
          f"per_host {args.per_host}, cores {os.cpu_count()}")
    print(f"wall time {wall:.2f}s; network bound {bound:.2f}s; ratio {wall / bound:.2f}x")
    print(f"most requests in flight at once: {site.max_in_flight}")
    print(f"page requests: {site.page_hits()}")


if __name__ == "__main__":
    main()
