"""Extraction quality and speed over the shared corpus, every extractor in one run.

    python benchmarks/extraction.py [--corpus aeb|mozilla|zh|all] [--worst N] [--pages]
                                    [--only mirror] [--save FILE] [--compare FILE]
                                    [--repeat N]

For each page: mirror's own pipeline (page bytes served as a bare
``text/html`` -> mirror's charset decode -> extract -> render a post -> the
post's visible text), the same with the page decoded right (a diagnostic
that keeps the extraction measurable whatever the charset detection does),
and each extractor alone on the page decoded right: readability-lxml,
trafilatura (HTML and text output) and resiliparse (when installed: it is
no dependency of mirror, ``pip install resiliparse``). "Decoded right" is the
candidate codec (mirror's choice, UTF-8, GB18030) whose text holds the most
of the ground truth.

Metric of the Article Extraction Benchmark (see ../shared/corpus/README.md):
a multiset of token 4-grams per page, precision and recall per page,
averaged over pages, F1 = 2PR/(P+R); an empty prediction scores 0, an exact
match 1. Tokens are Unicode ``\\w+`` runs on aeb and mozilla (the upstream
metric) and, on zh, ``mirror.text.tokens`` (each CJK character one token,
see ../shared/corpus/zh/README.md). Text is what a reader sees: block
elements end lines, image alt text is not counted, captions are.

A page is *garbled* when its text holds U+FFFD or more than 1 % of its
letters come from scripts the ground truth does not use. ms/page is CPU time
(``time.process_time``) in this one process, so other load on the machine
disturbs it less; ratios measured in one run are what to compare.

CPU per page, mirror against its extractors (issue 13): for each page,
``extract(html, url)`` and the two extractors mirror runs, each alone on the
same decoded page as it accepts it (a string) and with the options mirror
gives it (``Document(html).summary(html_partial=True,
keep_all_images=True)``; ``trafilatura.extract(html, url=...,
output_format="html", ...)``), are timed in turn, ``--repeat`` times, and
the least CPU time of each is kept (the noise of a shared machine only ever
adds time). Printed: ms/page of each and the ratio mirror / (readability +
trafilatura), for the extraction alone and for the whole page -> post
(decode, extract, render).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import gzip
import importlib.util
import json
import re
import sys
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mirror.errors import PageGone  # noqa: E402
from mirror.extraction.extract import extract  # noqa: E402
from mirror.fetching.charset import decode  # noqa: E402
from mirror.models import Article, Entry, FeedConfig  # noqa: E402
from mirror.publish.render import render  # noqa: E402
from mirror.text import tokens  # noqa: E402
from tests.metric import precision_recall, text_of  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"
WORD = re.compile(r"\w+")
FEED = FeedConfig(name="bench", url="http://127.0.0.1/feed.xml")
MIRROR = "mirror (page -> post -> text)"
MIRROR_DECODED_RIGHT = "mirror, page decoded right"
Tokeniser = Callable[[str], list[str]]


def words(text: str) -> list[str]:
    return WORD.findall(text)


@dataclass
class Case:
    name: str
    raw: bytes
    url: str
    truth: str
    tokenise: Tokeniser = words
    html: str = ""  # the page decoded right
    codec: str = ""  # the codec that decodes it right
    mirror_codec: str = ""  # the codec mirror's own decode chose
    scripts: frozenset[str] = field(default_factory=frozenset)


# ------------------------------------------------------------------ charset

def script(character: str) -> str:
    """A letter's script, roughly: the first word of its Unicode name."""
    name = unicodedata.name(character, "")
    return "CJK" if name.startswith(("CJK", "HIRAGANA", "KATAKANA", "HANGUL")) else \
        name.split(" ", 1)[0]


def scripts_of(text: str) -> frozenset[str]:
    return frozenset(script(c) for c in set(text) if c.isalpha())


def is_garbled(text: str, scripts: frozenset[str]) -> bool:
    if "\ufffd" in text:
        return True
    letters = [c for c in text if c.isalpha()]
    strange = sum(1 for c in letters if script(c) not in scripts)
    return bool(letters) and strange > 0.01 * len(letters)


def decode_right(case: Case) -> None:
    """Fill in the page's right decoding (and mirror's own codec, to report the two)."""
    _, case.mirror_codec = decode(case.raw, "text/html")
    best = -1.0
    for codec in dict.fromkeys((case.mirror_codec, "utf-8", "gb18030")):
        text = case.raw.decode(codec, errors="replace")
        recall = precision_recall(case.truth, text, case.tokenise)[1]
        if recall > best:
            best, case.html, case.codec = recall, text, codec
    case.scripts = scripts_of(case.truth) | {"LATIN", "DIGIT"}


# ------------------------------------------------------------------ corpora

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
                          "http://fakehost/test/page.html", text_of(expected)))
    return cases


def load_zh() -> list[Case]:
    folder = CORPUS / "zh"
    return [Case(page.stem, page.read_bytes(), f"http://127.0.0.1/zh/{page.stem}.html",
                 (folder / "text" / f"{page.stem}.txt").read_text(encoding="utf-8"),
                 tokenise=tokens)
            for page in sorted((folder / "html").glob("*.html"))]


CORPORA: dict[str, Callable[[], list[Case]]] = {
    "aeb": load_aeb, "mozilla": load_mozilla, "zh": load_zh}


# --------------------------------------------------------------- extractors

def post_text(html: str, url: str) -> str:
    """The visible text of the post mirror writes from a page's text."""
    entry = Entry(feed=FEED.name, link=url, title="t", summary="")
    try:
        body = extract(html, url)
    except PageGone:
        body = ""
    post = render(Article(entry=entry, body=body, source="page"), FEED, 0)
    return text_of(post.text.split("<div>\n", 1)[1].rsplit("\n</div>", 1)[0])


def mirror_pipeline(case: Case) -> str:
    """Page bytes as a bare ``text/html`` answer to the visible text of mirror's post."""
    html, _ = decode(case.raw, "text/html")
    return post_text(html, case.url)


def mirror_decoded_right(case: Case) -> str:
    return post_text(case.html, case.url)


def readability_alone(case: Case) -> str:
    from readability import Document

    return text_of(Document(case.html, url=case.url).summary(html_partial=True))


def trafilatura_html(case: Case) -> str:
    import trafilatura

    return text_of(trafilatura.extract(case.html, url=case.url, output_format="html",
                                       include_images=True, include_tables=True,
                                       include_links=True) or "")


def trafilatura_text(case: Case) -> str:
    import trafilatura

    return trafilatura.extract(case.html, url=case.url, output_format="txt") or ""


def resiliparse_alone(case: Case) -> str:
    from resiliparse.extract.html2text import extract_plain_text

    return extract_plain_text(case.html, main_content=True, preserve_formatting=True,
                              alt_texts=False)


EXTRACTORS: dict[str, Callable[[Case], str]] = {
    MIRROR: mirror_pipeline,
    MIRROR_DECODED_RIGHT: mirror_decoded_right,
    "readability-lxml alone": readability_alone,
    "trafilatura alone (html)": trafilatura_html,
    "trafilatura alone (txt)": trafilatura_text,
}
if importlib.util.find_spec("resiliparse"):  # not a dependency of mirror: pip install resiliparse
    EXTRACTORS["resiliparse alone"] = resiliparse_alone


@dataclass
class Result:
    f1: float
    precision: float
    recall: float
    empty: int
    garbled: int
    ms: float
    pages: dict[str, tuple[float, float]]


def measure(cases: list[Case], extractor: Callable[[Case], str]) -> Result:
    extractor(cases[0])  # imports and caches, not timed
    pages: dict[str, tuple[float, float]] = {}
    empty = garbled = 0
    elapsed = 0.0
    for case in cases:
        start = time.process_time()
        text = extractor(case)
        elapsed += time.process_time() - start
        empty += not text.strip()
        garbled += is_garbled(text, case.scripts)
        pages[case.name] = precision_recall(case.truth, text, case.tokenise)
    precision = sum(p for p, _ in pages.values()) / len(cases)
    recall = sum(r for _, r in pages.values()) / len(cases)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Result(f1, precision, recall, empty, garbled, 1000 * elapsed / len(cases), pages)


@dataclass
class Cpu:
    """Least CPU ms per page of each step, over the repeats; summed over the pages."""

    extract: float = 0.0
    page_to_post: float = 0.0
    readability: float = 0.0
    trafilatura: float = 0.0

    @property
    def alone(self) -> float:
        return self.readability + self.trafilatura


def extract_only(case: Case) -> None:
    with contextlib.suppress(PageGone):
        extract(case.html, case.url)


def page_to_post(case: Case) -> None:
    html, _ = decode(case.raw, "text/html")
    entry = Entry(feed=FEED.name, link=case.url, title="t", summary="")
    try:
        body = extract(html, case.url)
    except PageGone:
        body = ""
    render(Article(entry=entry, body=body, source="page"), FEED, 0)


def readability_as_mirror_runs_it(case: Case) -> None:
    from readability import Document

    with contextlib.suppress(Exception):  # as mirror: a page it cannot read is no result
        Document(case.html).summary(html_partial=True, keep_all_images=True)


def trafilatura_as_mirror_runs_it(case: Case) -> None:
    import trafilatura

    trafilatura.extract(case.html, url=case.url, output_format="html", include_images=True,
                        include_tables=True, include_links=True, include_comments=False)


def least_cpu(run: Callable[[Case], None], case: Case) -> float:
    gc.collect()  # every call starts with the same garbage: none
    start = time.process_time()
    run(case)
    return time.process_time() - start


def measure_cpu(cases: list[Case], repeat: int) -> Cpu:
    """The four steps timed in turn on each page, the least of ``repeat`` runs kept."""
    steps = {"extract": extract_only, "page_to_post": page_to_post,
             "readability": readability_as_mirror_runs_it,
             "trafilatura": trafilatura_as_mirror_runs_it}
    for run in steps.values():
        run(cases[0])  # imports and caches, not timed
    cpu = Cpu()
    for case in cases:
        least = dict.fromkeys(steps, float("inf"))
        for _ in range(repeat):
            for name, run in steps.items():
                least[name] = min(least[name], least_cpu(run, case))
        for name, seconds in least.items():
            setattr(cpu, name, getattr(cpu, name) + 1000 * seconds / len(cases))
    return cpu


def report_cpu(cpu: Cpu) -> None:
    print(f"CPU ms/page (least of the repeats): extract {cpu.extract:.1f}, page -> post "
          f"{cpu.page_to_post:.1f}; alone: readability-lxml {cpu.readability:.1f} + "
          f"trafilatura {cpu.trafilatura:.1f} = {cpu.alone:.1f}")
    print(f"mirror / (readability + trafilatura) CPU: extract {cpu.extract / cpu.alone:.3f}, "
          f"page -> post {cpu.page_to_post / cpu.alone:.3f}")


def f1_of(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def report(name: str, cases: list[Case], results: dict[str, Result], args: argparse.Namespace,
           before: dict[str, dict[str, list[float]]]) -> None:
    print(f"\n{name}: {len(cases)} pages")
    print(f"{'extractor':32} {'F1':>7} {'P':>7} {'R':>7} {'ms/page':>8} {'empty':>6} "
          f"{'garbled':>7}")
    for label, result in results.items():
        print(f"{label:32} {result.f1:7.4f} {result.precision:7.4f} {result.recall:7.4f} "
              f"{result.ms:8.1f} {result.empty:6d} {result.garbled:7d}")
    wrong = [c.name for c in cases if c.mirror_codec != c.codec and
             c.raw.decode(c.mirror_codec, errors="replace") != c.html]
    print(f"pages mirror's decode reads with another codec than the right one: "
          f"{', '.join(wrong) or 'none'}")
    ours = results.get(MIRROR)
    singles = {label: r for label, r in results.items() if "alone" in label}
    if ours and singles:
        best = max(singles.values(), key=lambda r: r.f1)
        print(f"mirror F1 / best single extractor F1: {ours.f1 / best.f1:.4f}")
    if args.pages:
        labels = list(results)
        print("per-page F1: " + " | ".join(f"{i}: {label}" for i, label in enumerate(labels)))
        for case in cases:
            cells = " ".join(f"{f1_of(*results[label].pages[case.name]):6.3f}"
                             for label in labels)
            print(f"  {case.name[:24]:24} {cells}")
    if ours and before.get(name):
        print("mirror per page, before -> after (changed only):")
        for case in cases:
            old = before[name].get(case.name)
            new = ours.pages[case.name]
            if old and abs(f1_of(*old) - f1_of(*new)) >= 0.0005:
                print(f"  {case.name[:24]:24} {f1_of(*old):.3f} -> {f1_of(*new):.3f}")
    if ours:
        for case_name, (precision, recall) in sorted(ours.pages.items(),
                                                     key=lambda s: s[1][0] + s[1][1])[
                :args.worst]:
            print(f"  {case_name[:24]:24} P {precision:.3f} R {recall:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", choices=[*CORPORA, "all"], default="all")
    parser.add_argument("--worst", type=int, default=0, help="list the N worst pages of mirror")
    parser.add_argument("--pages", action="store_true", help="per-page F1 of every extractor")
    parser.add_argument("--only", action="append", default=[],
                        help="measure only the extractors whose label holds this word")
    parser.add_argument("--save", type=Path, help="write mirror's per-page scores as JSON")
    parser.add_argument("--compare", type=Path, help="per-page changes against a --save file")
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of each page for the CPU ratio (0: no CPU ratio)")
    args = parser.parse_args()
    if not CORPUS.exists():
        sys.exit(f"{CORPUS} is not available")
    extractors = {label: run for label, run in EXTRACTORS.items()
                  if not args.only or any(word in label for word in args.only)}
    before = json.loads(args.compare.read_text()) if args.compare else {}
    saved: dict[str, dict[str, tuple[float, float]]] = {}
    for name in ([args.corpus] if args.corpus != "all" else list(CORPORA)):
        cases = CORPORA[name]()
        for case in cases:
            decode_right(case)
        results = {label: measure(cases, run) for label, run in extractors.items()}
        report(name, cases, results, args, before)
        if args.repeat > 0:
            report_cpu(measure_cpu(cases, args.repeat))
        if MIRROR in results:
            saved[name] = results[MIRROR].pages
    if args.save:
        args.save.write_text(json.dumps(saved, indent=1))


if __name__ == "__main__":
    main()
