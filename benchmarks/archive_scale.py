"""A run with nothing new over archives of 1,000 and 100,000 posts: time and peak memory.

    python benchmarks/archive_scale.py [--sizes 1000,100000] [--runs 5] [--keep DIR]

For each size it builds a git repository holding that many posts in the
seed format, committed, twice: once written by mirror (with its index) and
once as the old script left them (no index: a "foreign" archive). A feed
on 127.0.0.1 carries 20 entries that are all archived. Then it times:

- the first run over the archive (a foreign one is read once, post by post);
- steady-state runs with nothing new (the feed answers 304): the median of
  ``--runs``, the whole command from start to exit, with its peak RSS.

Figures and ratios are printed for one machine in one run; nothing asserts
a time.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mirror.archive.ledger import INDEX_HEADER, IndexLine  # noqa: E402
from tests.feeds import Item, rss  # noqa: E402
from tests.server import Site, start  # noqa: E402

SEED = ROOT.parent / "shared" / "golden" / "seed-post.md"
FEED_NAME = "美国之音"
MEASURE = """
import resource, runpy, sys, atexit
atexit.register(lambda: sys.stderr.write(
    f"\\nMAXRSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}\\n"))
sys.argv = ["mirror", *sys.argv[1:]]
runpy.run_module("mirror", run_name="__main__")
"""


def body_text() -> str:
    if SEED.exists():
        return SEED.read_text(encoding="utf-8").split("------\n\n", 1)[1]
    return "<div>\n" + "<p>美国常驻联合国代表克拉夫特即将访问台湾。</p>" * 40 + "\n</div>\n"


def link(i: int) -> str:
    return f"https://www.voachinese.com/a/story-{i}/{5_000_000 + i}.html"


def post(i: int, body: str) -> tuple[str, str]:
    day = 1 + i % 28
    title = f"美国常驻联合国代表即将访台 第{i}篇"
    text = (f"---\nlayout: post\ntitle: \"{title}\"\ndate: 2021-01-{day:02d}T09:41:23.000Z\n"
            f"author: {FEED_NAME}\nfrom: {link(i)}\ntags: [ {FEED_NAME} ]\n"
            f"categories: [ {FEED_NAME} ]\n---\n<!--1610444483000-->\n[{title}]({link(i)})\n"
            f"------\n\n{body}")
    return f"2021-01-{day:02d}-美国常驻联合国代表即将访台-第{i}篇.md", text


def build(folder: Path, size: int, with_index: bool, feed_url: str) -> None:
    archive = folder / "archive"
    archive.mkdir(parents=True)
    body = body_text()
    lines = []
    for i in range(size):
        name, text = post(i, body)
        (archive / name).write_text(text, encoding="utf-8")
        lines.append(IndexLine(path=name, feed=FEED_NAME, guid="", link=link(i)).text())
    if with_index:
        (archive / ".mirror-index.tsv").write_text(INDEX_HEADER + "".join(lines),
                                                   encoding="utf-8")
    (folder / "feeds.yaml").write_text(
        f"archive: archive\ncontent: feed\nfeeds:\n  - name: {FEED_NAME}\n    url: {feed_url}\n",
        encoding="utf-8")
    git = ["git", "-c", "user.name=bench", "-c", "user.email=bench@localhost"]
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=folder, check=True)
    subprocess.run([*git, "add", "-A"], cwd=folder, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "archive"], cwd=folder, check=True)


def run_once(folder: Path) -> tuple[float, int, str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), SOURCE_DATE_EPOCH="1700000000")
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", MEASURE, "fetch"], cwd=folder, env=env,
                          capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"mirror failed in {folder}:\n{done.stdout}{done.stderr}")
    rss_kb = int(done.stderr.rsplit("MAXRSS ", 1)[1].split()[0])
    return seconds, rss_kb * 1024, done.stdout.strip().splitlines()[0]


def measure(folder: Path, runs: int) -> dict[str, float]:
    first, _, line = run_once(folder)
    steady = [run_once(folder) for _ in range(runs)]
    seconds = statistics.median(s for s, _, _ in steady)
    return {"first": first, "steady": seconds, "rss_mb": max(r for _, r, _ in steady) / 2**20,
            "line": line}  # type: ignore[dict-item]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,100000")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="build the archives here and keep them")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    site = Site()
    start(site)
    items = [Item(title=f"第{i}篇", link=link(i), body="<p>x</p>") for i in range(20)]
    feed_url = site.add("/feed.xml", rss(items), content_type="application/rss+xml",
                        etag='"v1"')
    work = args.keep or Path(tempfile.mkdtemp(prefix="mirror-scale-"))
    results: dict[tuple[int, str], dict[str, float]] = {}
    try:
        for size in sizes:
            for kind, with_index in (("mirror's", True), ("foreign", False)):
                folder = work / f"{kind.strip(chr(39) + 's')}-{size}"
                started = time.perf_counter()
                build(folder, size, with_index, feed_url)
                print(f"built {size:,} posts ({kind}) in {time.perf_counter() - started:.0f}s",
                      flush=True)
                results[(size, kind)] = measure(folder, args.runs)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    print(f"\n{'posts':>8} {'archive':9} {'first run':>10} {'nothing new':>12} {'peak RSS':>9}")
    for (size, kind), r in results.items():
        print(f"{size:>8,} {kind:9} {r['first']:9.2f}s {r['steady']:11.2f}s "
              f"{r['rss_mb']:7.0f}MB")
    if len(sizes) >= 2:
        small, large = sizes[0], sizes[-1]
        for kind in ("mirror's", "foreign"):
            ratio = results[(large, kind)]["steady"] / results[(small, kind)]["steady"]
            print(f"nothing-new run, {large:,} / {small:,} posts ({kind}): {ratio:.2f}x")
    print(f"cpu: {os.cpu_count()} cores; load average {os.getloadavg()[0]:.2f}; "
          f"children's peak RSS {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024}MB")


if __name__ == "__main__":
    main()
