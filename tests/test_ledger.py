"""The ledger (``.mirror-index.tsv``): one line per post, read back as written whatever its
fields hold; only ever appended; a line cut short by a killed run is dropped."""

from __future__ import annotations

from pathlib import Path

from mirror.archive.ledger import INDEX_HEADER, INDEX_NAME, IndexLine, append_index, read_index
from mirror.archive.store import Archive
from mirror.models import Entry, Post


def test_lines_read_back_as_written_whatever_they_hold(tmp_path: Path) -> None:
    path = tmp_path / INDEX_NAME
    odd = IndexLine("a\tb.md", "feed\\name", "guid\nwith\rbreaks", "https://a.example/1")
    plain = IndexLine("2021/01/c.md", "新闻", "", "https://a.example/2")
    append_index(path, [odd])
    append_index(path, [plain])
    assert path.read_text(encoding="utf-8").startswith(INDEX_HEADER)
    assert path.read_text(encoding="utf-8").count(INDEX_HEADER) == 1
    assert read_index(path) == [("a\tb.md", "feed\\name", "guid\nwith\rbreaks",
                                 "https://a.example/1"),
                                ("2021/01/c.md", "新闻", "", "https://a.example/2")]
    assert read_index(tmp_path / "none.tsv") == []


def test_a_line_cut_short_by_a_crash_is_dropped(tmp_path: Path) -> None:
    archive = Archive(tmp_path).load()
    item = Entry(feed="f", link="https://a.example/1", title="t")
    line = archive.remember(item, archive.settle_path("a.md", item))
    archive.write([(Post(entry=item, path=line.path, text="---\nfrom: x\n---\n"), line)])
    with (tmp_path / INDEX_NAME).open("a") as handle:
        handle.write("b.md\tf\t\thttps://a.exa")
    again = Archive(tmp_path).load()
    assert again.is_known(Entry(feed="f", link="https://a.example/1", title="t"))
    assert (tmp_path / INDEX_NAME).read_text().endswith("https://a.example/1\n")
