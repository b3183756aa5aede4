"""Extraction quality and speed over the shared corpus, every extractor in one run.

    python benchmarks/extraction.py [--corpus aeb|mozilla|all] [--worst N]

For each page: mirror's own pipeline (page bytes -> charset -> extract ->
render a post -> the post's visible text), plain readability-lxml, and
trafilatura (HTML and text output). Metric of the Article Extraction
Benchmark (see ../shared/corpus/README.md): Unicode ``\\w+`` tokens, a
multiset of token 4-grams per page, precision and recall per page, averaged
over pages, F1 = 2PR/(P+R). An empty prediction scores 0; an exact match 1.
Text is what a reader sees: block elements end lines, image alt text is not
counted, captions are.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import lxml.html

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mirror.errors import PageGone  # noqa: E402
from mirror.extraction.extract import extract  # noqa: E402
from mirror.fetching.charset import decode  # noqa: E402
from mirror.models import Article, Entry, FeedConfig  # noqa: E402
from mirror.publish.render import render  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"
WORD = re.compile(r"\w+")
BLOCKS = frozenset(
    "address article aside blockquote br caption dd details dialog div dl dt fieldset "
    "figcaption figure footer form h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section "
    "summary table tbody thead tfoot td th tr ul".split())
INVISIBLE = frozenset("script style noscript template head title svg math iframe".split())
FEED = FeedConfig(name="bench", url="http://127.0.0.1/feed.xml")


@dataclass
class Case:
    name: str
    raw: bytes
    url: str
    truth: str


def visible_text(fragment: str) -> str:
    if not fragment.strip():
        return ""
    root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    parts: list[str] = []

    def walk(node: lxml.html.HtmlElement) -> None:
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag in INVISIBLE:
            parts.append(node.tail or "")
            return
        if tag in BLOCKS:
            parts.append("\n")
        if tag and node.text:
            parts.append(node.text)
        for child in node:
            walk(child)
        if tag in BLOCKS:
            parts.append("\n")
        if node.tail:
            parts.append(node.tail)

    walk(root)
    return re.sub(r"\s*\n\s*", "\n", re.sub(r"[ \t\r\f\v\u00a0]+", " ", "".join(parts))).strip()


def shingles(text: str) -> Counter:
    words = WORD.findall(text)
    if len(words) < 4:
        return Counter([tuple(words)]) if words else Counter()
    return Counter(tuple(words[i:i + 4]) for i in range(len(words) - 3))


def precision_recall(truth: str, predicted: str) -> tuple[float, float]:
    expected, found = shingles(truth), shingles(predicted)
    hits = sum((expected & found).values())
    false_pos, false_neg = sum(found.values()) - hits, sum(expected.values()) - hits
    if false_pos == 0 and false_neg == 0:
        return 1.0, 1.0
    return (hits / (hits + false_pos) if hits + false_pos else 0.0,
            hits / (hits + false_neg) if hits + false_neg else 0.0)


def load_aeb() -> list[Case]:
    truth = json.loads((CORPUS / "aeb" / "ground-truth.json").read_text(encoding="utf-8"))
    return [Case(name, gzip.decompress((CORPUS / "aeb" / "html" / f"{name}.html.gz")
                                       .read_bytes()), item["url"], item["articleBody"])
            for name, item in sorted(truth.items())]


def load_mozilla() -> list[Case]:
    cases = []
    for folder in sorted((CORPUS / "mozilla" / "test-pages").iterdir()):
        meta = json.loads((folder / "expected-metadata.json").read_text(encoding="utf-8"))
        if meta.get("readerable") is False:
            continue  # not an article page: nothing to compare with
        expected = (folder / "expected.html").read_bytes().decode("utf-8")
        cases.append(Case(folder.name, (folder / "source.html").read_bytes(),
                          "http://fakehost/test/page.html", visible_text(expected)))
    return cases


def mirror_pipeline(case: Case) -> str:
    """Page bytes to the visible text of the post mirror writes."""
    html, _ = decode(case.raw, "text/html")
    entry = Entry(feed=FEED.name, link=case.url, title="t", summary="")
    try:
        body = extract(html, case.url)
    except PageGone:
        body = ""
    post = render(Article(entry=entry, body=body, source="page"), FEED, 0)
    return visible_text(post.text.split("<div>\n", 1)[1].rsplit("\n</div>", 1)[0])


def readability_alone(case: Case) -> str:
    from readability import Document

    html, _ = decode(case.raw, "text/html")
    return visible_text(Document(html, url=case.url).summary(html_partial=True))


def trafilatura_html(case: Case) -> str:
    import trafilatura

    html, _ = decode(case.raw, "text/html")
    return visible_text(trafilatura.extract(html, url=case.url, output_format="html",
                                            include_images=True, include_tables=True,
                                            include_links=True) or "")


def trafilatura_text(case: Case) -> str:
    import trafilatura

    html, _ = decode(case.raw, "text/html")
    return trafilatura.extract(html, url=case.url, output_format="txt") or ""


EXTRACTORS: dict[str, Callable[[Case], str]] = {
    "mirror (page -> post -> text)": mirror_pipeline,
    "readability-lxml alone": readability_alone,
    "trafilatura alone (html)": trafilatura_html,
    "trafilatura alone (txt)": trafilatura_text,
}


def measure(cases: list[Case], extractor: Callable[[Case], str]) -> dict[str, object]:
    extractor(cases[0])  # imports and caches, not timed
    scores, empty, elapsed = [], 0, 0.0
    for case in cases:
        start = time.perf_counter()
        text = extractor(case)
        elapsed += time.perf_counter() - start
        empty += not text.strip()
        scores.append((case.name, *precision_recall(case.truth, text)))
    precision = sum(s[1] for s in scores) / len(scores)
    recall = sum(s[2] for s in scores) / len(scores)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"f1": f1, "precision": precision, "recall": recall, "empty": empty,
            "ms": 1000 * elapsed / len(cases), "scores": scores}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", choices=["aeb", "mozilla", "all"], default="all")
    parser.add_argument("--worst", type=int, default=0, help="list the N worst pages of mirror")
    args = parser.parse_args()
    if not CORPUS.exists():
        sys.exit(f"{CORPUS} is not available")
    corpora = {"aeb": load_aeb, "mozilla": load_mozilla}
    for name in ([args.corpus] if args.corpus != "all" else list(corpora)):
        cases = corpora[name]()
        print(f"\n{name}: {len(cases)} pages")
        print(f"{'extractor':32} {'F1':>7} {'P':>7} {'R':>7} {'ms/page':>8} {'empty':>6}")
        results = {label: measure(cases, extractor) for label, extractor in EXTRACTORS.items()}
        for label, result in results.items():
            print(f"{label:32} {result['f1']:7.4f} {result['precision']:7.4f} "
                  f"{result['recall']:7.4f} {result['ms']:8.1f} {result['empty']:6d}")
        ours = results["mirror (page -> post -> text)"]
        best_single = max(r["f1"] for label, r in results.items() if "alone" in label)
        print(f"mirror F1 / best single extractor F1: {ours['f1'] / best_single:.4f}")
        for case, precision, recall in sorted(ours["scores"], key=lambda s: s[1] + s[2])[
                :args.worst]:
            print(f"  {case:24} P {precision:.3f} R {recall:.3f}")


if __name__ == "__main__":
    main()
