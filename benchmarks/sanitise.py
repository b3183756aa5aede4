"""What sanitising costs per post body, and whether it kept every body's text.

    python benchmarks/sanitise.py [--rounds N]

Bodies: the 485 of the shared replay (a real day of 15 news feeds) and every
HTML content or summary of the 238 real feeds in ../shared/corpus/feeds, one
line each as ``render`` gives them to ``sanitise``. Printed per set: the CPU
time of ``sanitise`` per body (best of N rounds), the same for one lexbor
parse of the body and one ``nh3.clean`` of it (yardsticks measured in the
same run: only ratios compare across machines), how many bodies were kept
byte for byte, cleaned, or refused (BodyLost), and whether every cleaned body
kept its visible text and comes back unchanged when sanitised again.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import feedparser
import nh3
from selectolax.lexbor import LexborHTMLParser

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mirror.errors import BodyLost  # noqa: E402
from mirror.publish.clean import one_line, read, sanitise, visible_text  # noqa: E402

SHARED = ROOT.parent / "shared"


def replay_bodies() -> list[str]:
    items = json.loads((SHARED / "replay" / "items.json").read_text("utf-8"))["items"]
    return [one_line(item["body"]) for item in items]


def feed_bodies() -> list[str]:
    found = []
    for path in sorted((SHARED / "corpus" / "feeds").rglob("*")):
        if path.is_dir() or path.suffix in (".md", ".json") or path.name == "NOTICE":
            continue
        for entry in feedparser.parse(path.read_bytes()).entries:
            values = [c.get("value", "") for c in entry.get("content", []) or []]
            values.append(entry.get("summary", ""))
            found += [one_line(v) for v in values if "<" in v]
    return found


def per_body(function: Callable[[str], object], bodies: list[str], rounds: int) -> float:
    """Best CPU milliseconds per body over the rounds."""
    best = float("inf")
    for _ in range(rounds):
        start = time.process_time()
        for body in bodies:
            function(body)
        best = min(best, time.process_time() - start)
    return best * 1000 / len(bodies)


def guarded(body: str) -> str | None:
    try:
        return sanitise(body)
    except BodyLost:
        return None


def check(bodies: list[str]) -> dict[str, int]:
    kept = cleaned = refused = lost = unstable = 0
    for body in bodies:
        result = guarded(body)
        if result is None:
            refused += 1
        elif result == body:
            kept += 1
        else:
            cleaned += 1
            before, after = visible_text(read(body)), visible_text(read(result))
            lost += bool(Counter(before) - Counter(after))
            unstable += sanitise(result) != result
    return {"kept": kept, "cleaned": cleaned, "refused": refused, "lost text": lost,
            "not idempotent": unstable}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    rounds = parser.parse_args().rounds
    if not SHARED.exists():
        sys.exit(f"{SHARED} is missing")
    sets = {"replay": replay_bodies(), "corpus feeds": feed_bodies()}
    print(f"{'bodies':14} {'n':>5} {'sanitise ms':>11} {'/ parse':>8} {'/ nh3':>6}  outcome")
    for name, bodies in sets.items():
        cost = per_body(guarded, bodies, rounds)
        parse = per_body(LexborHTMLParser, bodies, rounds)
        clean = per_body(nh3.clean, bodies, rounds)
        print(f"{name:14} {len(bodies):5d} {cost:11.3f} {cost / parse:7.2f}x "
              f"{cost / clean:5.2f}x  {check(bodies)}")


if __name__ == "__main__":
    main()
