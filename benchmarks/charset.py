"""Charset decisions and their cost, before and after, over the shared corpus.

    python benchmarks/charset.py [--baseline REV] [--repeat N]

Documents: the 28 zh pages (../shared/corpus/zh/html, UTF-8 or GB) and every CJK
feed of ../shared/corpus/feeds/nonutf8-cjk and zh-rssant/encoding (GB2312, Big5,
EUC-JP, Shift_JIS, EUC-KR; the folder or file name gives the true encoding).
Each is served in eight ways: its declaration removed, right (in the document or
the header), wrong (ISO-8859-1 in the document, UTF-8 in the header, another CJK
charset in the document), and three of those with a few characters cut in half
before a tag, as CMSs that truncate titles at a byte count leave them.

For each way it counts the documents decoded right (the text the true encoding
gives, a superset's few differing marks aside), wrong (decoded into other text:
mojibake) and refused (``Undecodable``: the page falls back to the feed's
summary), for ``mirror/fetching/charset.py`` at ``--baseline`` (default: main)
and as it is now, without and with a language hint (the feed's language).
Then the cost of ``decode`` per document in ms: the least of ``--repeat`` runs
per document, averaged over the documents, for the declared-right path and the
undeclared one. Figures are for one machine in one run; nothing asserts a time.
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mirror.fetching import charset as current  # noqa: E402
from tests.charset_cases import (  # noqa: E402
    CONFUSABLE,
    FOLDER_CODECS,
    LABELS,
    RSSANT_CODECS,
    cut_characters,
    declared,
    same_text,
    undeclared,
)

CORPUS = ROOT.parent / "shared" / "corpus"
LANGUAGES = {"gb18030": "zh-CN", "big5hkscs": "zh-TW", "euc_jp": "ja", "cp932": "ja",
             "cp949": "ko", "utf-8": "zh-CN"}
WAYS = ("undeclared", "right (document)", "right (header)", "ISO-8859-1 declared",
        "UTF-8 in the header", "another CJK charset declared", "undeclared, cut",
        "right, cut", "ISO-8859-1 declared, cut")


@dataclass(frozen=True)
class Document:
    name: str
    group: str  # "zh pages" or the feed's true encoding
    data: bytes  # its declaration removed
    codec: str
    media_type: str


def documents() -> list[Document]:
    found = []
    for path in sorted((CORPUS / "zh" / "html").glob("*.html")):
        data = path.read_bytes()
        codec = "utf-8" if _is_utf8(data) else "gb18030"
        found.append(Document(path.stem, "zh pages", undeclared(data), codec, "text/html"))
    for path in sorted((CORPUS / "feeds" / "nonutf8-cjk").rglob("*")):
        if path.is_file():
            codec = FOLDER_CODECS[path.parent.name]
            found.append(Document(f"{path.parent.name}/{path.name}", f"feeds {codec}",
                                  undeclared(path.read_bytes()), codec, "application/xml"))
    for name, codec in RSSANT_CODECS.items():
        path = CORPUS / "feeds" / "zh-rssant" / "encoding" / "chardet" / name
        found.append(Document(f"zh-rssant/{name}", f"feeds {codec}",
                              undeclared(path.read_bytes()), codec, "application/xml"))
    return found


def ways(document: Document) -> dict[str, tuple[bytes, str]]:
    bare, media, label = document.data, document.media_type, LABELS[document.codec]
    latin = declared(bare, "iso-8859-1")
    return {
        "undeclared": (bare, media),
        "right (document)": (declared(bare, label), media),
        "right (header)": (bare, f"{media}; charset={label}"),
        "ISO-8859-1 declared": (latin, media),
        "UTF-8 in the header": (bare, f"{media}; charset=utf-8"),
        "another CJK charset declared": (declared(bare, CONFUSABLE[document.codec]), media),
        "undeclared, cut": (cut_characters(bare), media),
        "right, cut": (cut_characters(declared(bare, label)), media),
        "ISO-8859-1 declared, cut": (cut_characters(latin), media),
    }


def outcome(decode: Callable[..., tuple[str, str]], document: Document, body: bytes,
            content_type: str, **hint: object) -> str:
    try:
        text, _ = decode(body, content_type, **hint)
    except Exception as exc:
        if type(exc).__name__ == "Undecodable":
            return "refused"
        raise
    return "right" if same_text(text, body, document.codec) else "wrong"


def baseline_module(revision: str) -> ModuleType:
    source = subprocess.run(["git", "show", f"{revision}:mirror/fetching/charset.py"], cwd=ROOT,
                            check=True, capture_output=True, text=True).stdout
    folder = Path(tempfile.mkdtemp())
    path = folder / "baseline_charset.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("baseline_charset", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["baseline_charset"] = module
    spec.loader.exec_module(module)
    return module


def cost_ms(decode: Callable[..., tuple[str, str]], cases: list[tuple[bytes, str]],
            repeat: int) -> float:
    total = 0.0
    for body, content_type in cases:
        best = float("inf")
        for _ in range(repeat):
            start = time.perf_counter()
            try:
                decode(body, content_type)
            except Exception as exc:
                if type(exc).__name__ != "Undecodable":
                    raise
            best = min(best, time.perf_counter() - start)
        total += best
    return 1000 * total / max(1, len(cases))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default="main", help="git revision to compare with")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if not CORPUS.exists():
        sys.exit(f"{CORPUS} is not there")
    baseline = baseline_module(args.baseline)
    docs = documents()
    tallies: dict[tuple[str, str, str], Counter[str]] = {}
    for document in docs:
        language = LANGUAGES[document.codec]
        for way, (body, content_type) in ways(document).items():
            for who, decode, hint in (
                    ("before", baseline.decode, {}),
                    ("now", current.decode, {}),
                    ("now+hint", current.decode,
                     {"hint": current.CharsetHint(language=language)})):
                key = (document.group, way, who)
                tallies.setdefault(key, Counter())[outcome(decode, document, body,
                                                           content_type, **hint)] += 1
    groups = sorted({d.group for d in docs}, key=lambda g: (g != "zh pages", g))
    print(f"Right / wrong / refused, {args.baseline} vs now (without, with a language hint); "
          f"{len(docs)} documents\n")
    print("| documents | served | n | before: right/wrong | now: right/wrong/refused "
          "| now+hint: right/wrong/refused |")
    print("|---|---|---:|---|---|---|")
    totals: dict[str, Counter[str]] = {who: Counter() for who in ("before", "now", "now+hint")}
    for group in groups:
        for way in WAYS:
            cells = []
            for who in ("before", "now", "now+hint"):
                tally = tallies[(group, way, who)]
                totals[who].update(tally)
                cells.append("/".join(str(tally[k]) for k in ("right", "wrong", "refused")
                                      if who != "before" or k != "refused"))
            count = sum(tallies[(group, way, "now")].values())
            print(f"| {group} | {way} | {count} | " + " | ".join(cells) + " |")
    print("| **all** | | " + str(sum(totals["now"].values())) + " | " + " | ".join(
        "/".join(str(totals[who][k]) for k in ("right", "wrong", "refused")
                 if who != "before" or k != "refused") for who in totals) + " |")
    print(f"\nCost of decode, ms per document (least of {args.repeat} runs, mean over documents)\n")
    print("| documents | served | before | now | now/before |")
    print("|---|---|---:|---:|---:|")
    for label, pick in (("zh pages", lambda d: d.group == "zh pages"),
                        ("CJK feeds", lambda d: d.group != "zh pages")):
        chosen = [d for d in docs if pick(d)]
        for way in ("right (document)", "undeclared", "undeclared, cut", "ISO-8859-1 declared"):
            cases = [ways(d)[way] for d in chosen]
            before = cost_ms(baseline.decode, cases, args.repeat)
            now = cost_ms(current.decode, cases, args.repeat)
            print(f"| {label} | {way} | {before:.2f} | {now:.2f} | {now / before:.2f} |")


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


if __name__ == "__main__":
    main()
