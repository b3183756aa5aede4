"""Where the time of a run goes: network bound, CPU floor, mirror's CPU per page by stage.

    python benchmarks/latency.py [--entries 240] [--latency 0.1] [--per-host 4]
                                 [--memory-entries 2000] [--hosts 20] [--runs 5]
                                 [--rounds 3] [--instruction-pages 12]
                                 [--only pages,memory,noop,unreachable,instructions]

Everything runs against HTTP servers on 127.0.0.1 and is measured in the same
run, so the figures compare with each other; nothing here asserts a time.

pages: summary-only entries whose article pages (the AEB pages of
  ../shared/corpus, cycled; generated articles when it is absent) answer after
  ``--latency`` seconds, with ``per_host`` requests at most in flight.
  - mirror's own CPU per page by stage, in this process: decode, the two
    extractors inside mirror, the combination (and trimming, serialising),
    cleaning, the rest of rendering, writing, and the hand-off to a worker
    (pickling the page and the body), beside each extractor run alone;
  - then ``--rounds`` rounds, each over N/10 and then N pages: the extractors
    mirror runs (readability-lxml, trafilatura) alone, in one worker process
    per core as mirror runs them (the CPU floor), and the whole ``mirror
    fetch`` command, side by side. Printed: the network bound (entries x
    latency / per_host); the wall time against max(network bound, CPU floor /
    cores); the CPU of mirror and its workers (user + system); the cost of one
    more page (the CPU of the last 9N/10 pages, start-up left out) against the
    same for the extractors alone; the most requests the server saw in
    flight. Medians over the rounds, and each round's ratio.
instructions (not run by default: it needs valgrind and takes minutes): the
  cost of one more page counted in instructions by callgrind, which the
  noise of a shared machine does not move: the whole ``mirror fetch`` (every
  process it starts) and the extractors alone in worker processes, over N
  and 3N pages (N = ``--instruction-pages``).
memory: ``--memory-entries`` summary-only entries over ``--hosts`` servers:
  peak RSS summed over mirror and its workers (sampled), and each worker's own.
noop: 15 feeds that all answer 304, median of ``--runs`` whole commands; and
  ``mirror --version``.
unreachable: pages whose host refuses, and pages whose name does not resolve.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import gzip
import multiprocessing
import os
import pickle
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.feeds import Item, rss  # noqa: E402
from tests.server import Site, start  # noqa: E402

AEB = ROOT.parent / "shared" / "corpus" / "aeb" / "html"
RSS = "application/rss+xml; charset=utf-8"
EPOCH = "1700000000"


def pages() -> list[bytes]:
    found = sorted(AEB.glob("*.html.gz")) if AEB.exists() else []
    if found:
        return [gzip.decompress(path.read_bytes()) for path in found]
    paragraph = "<p>" + "A paragraph of a news article, long enough to be read. " * 12 + "</p>"
    return [f"<html><body><article><h1>Story {i}</h1>{paragraph * 8}</article></body></html>"
            .encode() for i in range(20)]


# ------------------------------------------------------------------ helpers

def cpu_ms(work: Callable[[], object], repeat: int = 1) -> float:
    started = time.process_time()
    for _ in range(repeat):
        work()
    return (time.process_time() - started) * 1000 / repeat


def repository(feeds: list[str], **top: object) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="mirror-latency-"))
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=folder, check=True)
    lines = ["archive: archive", *(f"{key}: {value}" for key, value in top.items()), "feeds:"]
    for i, url in enumerate(feeds):
        lines += [f"  - name: feed{i}", f"    url: {url}"]
    (folder / "feeds.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def mirror_command(folder: Path, *args: str) -> tuple[float, float, subprocess.Popen[str]]:
    """Run ``mirror fetch`` (or args): wall seconds, CPU seconds of it and its children."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), SOURCE_DATE_EPOCH=EPOCH)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as installed: modules load from bytecode
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "mirror", *(args or ("fetch",))],
                               cwd=folder, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    peak = RssSampler(process.pid)
    peak.start()
    out, err = process.communicate()
    wall = time.perf_counter() - started
    peak.stop()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    process.stdout_text, process.stderr_text = out, err  # type: ignore[attr-defined]
    process.peak = peak  # type: ignore[attr-defined]
    return wall, cpu, process


class RssSampler(threading.Thread):
    """The peak resident memory of a process tree, summed, sampled every 20 ms; and the
    CPU seconds of its main process (at the last sample)."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.total, self.main, self.worker = pid, 0, 0, 0
        self.main_cpu = 0.0
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.is_set():
            sizes = {pid: rss_kb(pid) for pid in tree(self.pid)}
            self.total = max(self.total, sum(sizes.values()))
            self.main = max(self.main, sizes.get(self.pid, 0))
            self.worker = max([self.worker, *(v for p, v in sizes.items() if p != self.pid)])
            self.main_cpu = max(self.main_cpu, cpu_seconds(self.pid))
            self._done.wait(0.02)

    def stop(self) -> None:
        self._done.set()
        self.join()


def tree(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            todo += [int(c) for c in
                     Path(f"/proc/{current}/task/{current}/children").read_text().split()]
        except OSError:
            continue
    return found


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a running process (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def summary_feed(site: Site, links: list[str], path: str = "/feed.xml") -> str:
    items = [Item(title=f"Story {i}", link=link, body=None, summary="Summary.")
             for i, link in enumerate(links)]
    return site.add(path, rss(items), content_type=RSS)


# ------------------------------------------------------------------ stages

def stages(bodies: list[bytes]) -> dict[str, float]:
    """CPU ms per page of each stage, in this process, on the same pages."""
    import trafilatura
    from readability import Document

    from mirror.extraction import extract as ex
    from mirror.fetching.charset import decode_page
    from mirror.models import Article, Entry, FeedConfig, RawPage
    from mirror.publish.clean import sanitise
    from mirror.publish.render import render

    url = "https://news.example/story.html"
    raws = [RawPage(url=url, content_type="text/html", content=body) for body in bodies]
    texts = [decode_page(raw).html for raw in raws]
    docs = []
    for text in texts:
        document = ex.parse(text)
        ex.prepare(document)
        docs.append(document)
    extracted = []
    for text in texts:
        try:
            extracted.append(ex.extract(text, url))
        except Exception:
            extracted.append("<div><p>nothing</p></div>")
    feed = FeedConfig(name="bench", url="https://news.example/feed")
    folder = Path(tempfile.mkdtemp(prefix="mirror-write-"))
    n = len(bodies)

    def each(fn: Callable[[object], object], things: list[object]) -> float:
        return cpu_ms(lambda: [fn(thing) for thing in things]) / n

    from mirror.archive.atomic import atomic_write

    posts = [render(Article(entry=Entry(feed="bench", link=url, title=f"Story {i}"), body=b,
                            source="page"), feed, 1_700_000_000_000)
             for i, b in enumerate(extracted)]
    result = {
        "readability alone (parses itself)":
            each(lambda t: Document(t).summary(html_partial=True), texts),  # type: ignore
        "trafilatura alone (parses itself)":
            each(lambda t: trafilatura.extract(t, output_format="html", include_images=True,
                                               include_tables=True), texts),  # type: ignore
        "decode": each(lambda r: decode_page(r), raws),  # type: ignore
        "parse and prepare": each(lambda t: ex.prepare(ex.parse(t)), texts),  # type: ignore
        "readability in mirror": each(lambda d: ex.run_readability(d), docs),  # type: ignore
        "trafilatura in mirror":  # it copies the tree it is given
            each(lambda d: ex.run_trafilatura(d, url), docs),  # type: ignore
        "extract (all of it)": each(lambda t: _extract(ex, t, url), texts),  # type: ignore
        "cleaning (sanitise)": each(lambda b: sanitise(b), extracted),  # type: ignore
        "render (all of it)": each(lambda b: render(Article(entry=Entry(
            feed="bench", link=url, title="Story"), body=b, source="page"), feed,
            1_700_000_000_000), extracted),  # type: ignore
        "write": each(lambda p: atomic_write(folder / f"{id(p)}.md",
                                             p.text.encode()), posts),  # type: ignore
        "hand-off (pickle both ways)": each(
            lambda pair: pickle.loads(pickle.dumps(pair)),  # type: ignore
            list(zip(raws, extracted, strict=True))),
    }
    result["combine, trim, serialise (extract - the above three)"] = max(
        0.0, result["extract (all of it)"] - result["parse and prepare"]
        - result["readability in mirror"] - result["trafilatura in mirror"])
    return result


def _extract(ex: object, text: str, url: str) -> str:
    try:
        return ex.extract(text, url)  # type: ignore[attr-defined, no-any-return]
    except Exception:
        return ""


# ------------------------------------------------------------------ cases

def page_mode(args: argparse.Namespace, bodies: list[bytes]) -> None:
    split = stages(bodies)
    alone = split["readability alone (parses itself)"] + split["trafilatura alone (parses itself)"]
    print(f"\n== pages: {len(bodies)} distinct pages, CPU ms per page in one process ==")
    for name, ms in split.items():
        print(f"  {name:52s} {ms:7.1f}")
    print(f"  {'extractors alone (readability + trafilatura)':52s} {alone:7.1f}")
    cores = os.cpu_count() or 1
    # the cost of one more page: the CPU of pages small+1..count, start-up left out; a long
    # lever (a tenth of the pages, then all) keeps the noise of the difference small
    small, count = max(1, args.entries // 10), args.entries
    rounds = [page_round(args, bodies, small, count) for _ in range(args.rounds)]
    median = statistics.median
    network = count * args.latency / args.per_host
    floor = median(r["alone cpu"] for r in rounds)
    wall = median(r["wall"] for r in rounds)
    cpu = median(r["cpu"] for r in rounds)
    ratios = [r["marginal"] / r["marginal alone"] for r in rounds]
    middle = rounds[ratios.index(sorted(ratios)[len(ratios) // 2])]  # the median round
    walls = sorted(r["wall"] / max(network, r["alone cpu"] / cores) for r in rounds)
    reached = median(r["fetch only"] for r in rounds)
    walls_reached = sorted(r["wall"] / max(r["fetch only"], r["alone cpu"] / cores)
                           for r in rounds)
    most = max(r["most"] for r in rounds)
    print(f"\n== pages: mirror fetch, {count} entries, latency {args.latency * 1000:.0f} ms, "
          f"per_host {args.per_host}, {cores} cores; median of {args.rounds} rounds, each "
          f"running mirror and the extractors alone over {small} and {count} pages ==")
    print(f"  network bound                      {network:7.2f} s")
    print(f"  network, as reached here           {reached:7.2f} s  (a bare httpx client fetching "
          f"the same pages, {args.per_host} at a time, nothing else)")
    print(f"  CPU floor (extractors alone)       {floor:7.2f} s CPU, {floor / cores:.2f} s on "
          f"{cores} cores (in {cores} worker processes, as mirror runs them)")
    print(f"  wall time                          {wall:7.2f} s  = {median(walls):.2f}x "
          f"max(network bound, CPU floor / cores)  (rounds: {fmt(walls)})")
    print(f"                                             = {median(walls_reached):.2f}x "
          f"max(network as reached, CPU floor / cores)  (rounds: {fmt(walls_reached)})")
    print(f"  CPU of mirror and its workers      {cpu:7.2f} s  ({cpu / count * 1000:.1f} ms "
          "per page, start-up included)")
    print(f"  one more page (pages {small + 1}-{count})    {middle['marginal']:7.1f} ms CPU  = "
          f"{middle['marginal'] / middle['marginal alone']:.2f}x the extractors alone "
          f"({middle['marginal alone']:.1f} ms)  (rounds: {fmt(sorted(ratios))})")
    print(f"    of which the main process (HTTP, sanitising, rendering, writing) "
          f"{middle['marginal main']:.1f} ms, the workers and git "
          f"{middle['marginal'] - middle['marginal main']:.1f} ms")
    print(f"  most requests in flight to the host: {most} (per_host {args.per_host})")


def fmt(ratios: list[float]) -> str:
    return ", ".join(f"{r:.2f}x" for r in ratios)


def page_round(args: argparse.Namespace, bodies: list[bytes], small: int,
               count: int) -> dict[str, float]:
    """mirror and the extractors alone over ``small`` then ``count`` pages, interleaved.

    The machines are shared: CPU seconds drift by a third from one minute to
    the next, so mirror and its floor are measured side by side, and each
    figure is the median over rounds.
    """
    figures: dict[int, tuple[float, float, float, int]] = {}
    for n in (small, count):
        alone_cpu = extractors_alone(bodies, n)
        site = Site()
        start(site)
        links = [site.add(f"/article/{i}.html", bodies[i % len(bodies)], delay=args.latency)
                 for i in range(n)]
        folder = repository([summary_feed(site, links)], per_host=args.per_host, content="page")
        wall, cpu, process = mirror_command(folder)
        if process.returncode != 0:
            raise SystemExit(process.stdout_text + process.stderr_text)  # type: ignore
        main = process.peak.main_cpu  # type: ignore[attr-defined]
        figures[n] = (wall, cpu, alone_cpu, site.max_in_flight, main)
    (_, cpu_small, alone_small, _, main_small) = figures[small]
    (wall, cpu, alone_cpu, most, main) = figures[count]
    return {"wall": wall, "cpu": cpu, "alone cpu": alone_cpu, "most": most,
            "fetch only": fetch_only(links, args.per_host),
            "marginal": (cpu - cpu_small) / (count - small) * 1000,
            "marginal main": (main - main_small) / (count - small) * 1000,
            "marginal alone": (alone_cpu - alone_small) / (count - small) * 1000}


def fetch_only(links: list[str], per_host: int) -> float:
    """Seconds a bare httpx client, in a process of its own, takes to fetch the pages
    ``per_host`` at a time and do nothing else: the network bound as this machine and
    this test server can reach it (the server's own work is not free)."""
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as listing:
        listing.write("\n".join(links))
    done = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--fetch-only",
                           listing.name, "--per-host", str(per_host)],
                          capture_output=True, text=True, check=True)
    Path(listing.name).unlink()
    return float(done.stdout)


def _fetch_only(listing: Path, per_host: int) -> None:
    import asyncio

    import httpx

    links = listing.read_text().split()

    async def fetch_all() -> float:
        limits = httpx.Limits(max_connections=per_host)
        async with httpx.AsyncClient(limits=limits) as client:
            at_once = asyncio.Semaphore(per_host)

            async def fetch(link: str) -> None:
                async with at_once:
                    (await client.get(link)).raise_for_status()

            started = time.perf_counter()
            await asyncio.gather(*(fetch(link) for link in links))
            return time.perf_counter() - started

    print(asyncio.run(fetch_all()))


def extractors_alone(bodies: list[bytes], count: int) -> float:
    """CPU seconds of readability-lxml and trafilatura alone over ``count`` pages.

    Run as mirror runs its extractors: one spawned worker process per core,
    each page sent as bytes; the children's CPU, start-up included, as for mirror.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with concurrent.futures.ProcessPoolExecutor(
            os.cpu_count() or 1, mp_context=multiprocessing.get_context("spawn"),
            initializer=_load_extractors) as pool:
        list(pool.map(_extractors_alone_on, (bodies[i % len(bodies)] for i in range(count))))
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _load_extractors() -> None:
    import readability  # noqa: F401
    import trafilatura  # noqa: F401


def _extractors_alone_on(body: bytes) -> int:
    import trafilatura
    from readability import Document

    text = body.decode("utf-8", "replace")
    kept = Document(text).summary(html_partial=True)
    also = trafilatura.extract(text, output_format="html", include_images=True,
                               include_tables=True)
    return len(kept) + len(also or "")


def instructions(args: argparse.Namespace, bodies: list[bytes]) -> None:
    """The cost of one more page in instructions (valgrind's callgrind): free of noise.

    CPU seconds on a shared machine drift by a third from minute to minute; the
    instructions a run executes do not. The whole ``mirror fetch`` (its main
    process, its workers, git) and the extractors alone in worker processes,
    each over N and 3N pages with no latency; every process counted.
    """
    if shutil.which("valgrind") is None:
        print("\n== instructions: valgrind is not installed; skipped ==")
        return
    small, count = args.instruction_pages, 3 * args.instruction_pages
    site = Site()
    start(site)
    mirror_counts, alone_counts = [], []
    for n in (small, count):
        links = [site.add(f"/article/{n}/{i}.html", bodies[i % len(bodies)]) for i in range(n)]
        folder = repository([summary_feed(site, links, f"/feed{n}.xml")], content="page")
        mirror_counts.append(counted([sys.executable, "-m", "mirror", "fetch"], folder))
        alone_counts.append(counted([sys.executable, str(Path(__file__).resolve()),
                                     "--extractors-alone", str(n)], folder))
    mirror_page = (mirror_counts[1] - mirror_counts[0]) / (count - small)
    alone_page = (alone_counts[1] - alone_counts[0]) / (count - small)
    print(f"\n== instructions (callgrind), one more page: the whole command over {small} and "
          f"{count} pages, every process counted ==")
    print(f"  mirror fetch (main process, workers, git)   {mirror_page / 1e6:8.1f} M")
    print(f"  the extractors alone, in worker processes   {alone_page / 1e6:8.1f} M")
    print(f"  mirror / extractors alone                   {mirror_page / alone_page:8.2f}x")


def counted(command: list[str], folder: Path) -> int:
    """Instructions executed by a command and every process it starts."""
    out = Path(tempfile.mkdtemp(prefix="mirror-callgrind-"))
    env = dict(os.environ, PYTHONPATH=str(ROOT), SOURCE_DATE_EPOCH=EPOCH)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    done = subprocess.run(["valgrind", "--tool=callgrind", "--trace-children=yes",
                           f"--callgrind-out-file={out}/%p", *command],
                          cwd=folder, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{command}: exit {done.returncode}\n{done.stderr[-2000:]}")
    total = 0
    for path in out.iterdir():
        for line in path.read_text(errors="replace").splitlines():
            if line.startswith(("summary:", "totals:")):
                total += int(line.split()[1])
                break
    shutil.rmtree(out)
    return total


def memory(args: argparse.Namespace, bodies: list[bytes]) -> None:
    sites = []
    for _ in range(args.hosts):
        site = Site()
        start(site)
        sites.append(site)
    links = [sites[i % args.hosts].add(f"/article/{i}.html", bodies[i % len(bodies)])
             for i in range(args.memory_entries)]
    feeder = Site()
    start(feeder)
    folder = repository([summary_feed(feeder, links)], content="page")
    wall, cpu, process = mirror_command(folder)
    peak = process.peak  # type: ignore[attr-defined]
    print(f"\n== memory: {args.memory_entries} summary-only entries over {args.hosts} hosts ==")
    print(f"  exit {process.returncode}, wall {wall:.1f} s, CPU {cpu:.1f} s")
    print(f"  peak RSS, mirror and its workers summed: {peak.total / 1024:.0f} MB")
    print(f"  peak RSS of the main process: {peak.main / 1024:.0f} MB; of one worker: "
          f"{peak.worker / 1024:.0f} MB")


def noop(args: argparse.Namespace) -> None:
    site = Site()
    start(site)
    feeds = [site.add(f"/feed{i}.xml", rss([Item(title=f"t{i}", link=f"https://n.example/{i}")]),
                      content_type=RSS, etag=f'"v{i}"') for i in range(15)]
    folder = repository(feeds, content="feed")
    mirror_command(folder)
    runs = [mirror_command(folder)[:2] for _ in range(args.runs)]
    walls, cpus = [wall for wall, _ in runs], [cpu for _, cpu in runs]
    answered = sum(site.not_modified.values())
    versions = [mirror_command(folder, "--version")[0] for _ in range(args.runs)]
    print(f"\n== no-op: 15 feeds answering 304 (median of {args.runs}) ==")
    print(f"  mirror fetch      {statistics.median(walls):.3f} s (min {min(walls):.3f}, "
          f"max {max(walls):.3f}; CPU {statistics.median(cpus):.3f} s); "
          f"304 answers: {answered}")
    print(f"  mirror --version  {statistics.median(versions):.3f} s")


def unreachable(args: argparse.Namespace) -> None:
    for kind, host in (("refused", "http://127.0.0.1:1"),
                       ("not resolved", "http://news.no-such-host.invalid")):
        site = Site()
        start(site)
        links = [f"{host}/article/{i}.html" for i in range(20)]
        folder = repository([summary_feed(site, links)], content="page", retries=3)
        wall, _, process = mirror_command(folder)
        pending = process.stdout_text.count("0 new")  # type: ignore[attr-defined]
        print(f"\n== unreachable pages ({kind}): 20 entries ==")
        print(f"  wall {wall:.2f} s, exit {process.returncode}, entries left pending: "
              f"{'all' if pending else '?'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=240)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--per-host", type=int, default=4)
    parser.add_argument("--memory-entries", type=int, default=2000)
    parser.add_argument("--hosts", type=int, default=20)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--instruction-pages", type=int, default=12)
    parser.add_argument("--only", default="pages,memory,noop,unreachable")
    parser.add_argument("--extractors-alone", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--fetch-only", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    chosen = set(args.only.split(","))
    bodies = pages()
    if args.extractors_alone is not None:  # a child of the instructions case
        extractors_alone(bodies, args.extractors_alone)
        return
    if args.fetch_only is not None:  # a child of the pages case
        _fetch_only(args.fetch_only, args.per_host)
        return
    if "pages" in chosen:
        page_mode(args, bodies)
    if "instructions" in chosen:
        instructions(args, bodies)
    if "memory" in chosen:
        memory(args, bodies)
    if "noop" in chosen:
        noop(args)
    if "unreachable" in chosen:
        unreachable(args)


if __name__ == "__main__":
    main()
