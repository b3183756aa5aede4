"""The append-only ledgers: escaped fields, a header once, a line cut short dropped."""

from __future__ import annotations

from pathlib import Path

from mirror.preserve import tsv


def test_rows_round_trip_with_tabs_and_line_breaks(tmp_path: Path) -> None:
    path = tmp_path / "l.tsv"
    assert tsv.append(path, "# header\n", [("a\tb", "c\nd", "e\\f")])
    assert tsv.append(path, "# header\n", [("1", "2", "3")])
    assert not tsv.append(path, "# header\n", [])
    assert path.read_text().count("# header") == 1
    assert tsv.read(path, 3) == [("a\tb", "c\nd", "e\\f"), ("1", "2", "3")]
    assert tsv.read(tmp_path / "missing.tsv", 3) == []


def test_a_line_cut_short_by_a_killed_run_is_dropped(tmp_path: Path) -> None:
    path = tmp_path / "l.tsv"
    path.write_text("# header\n1\t2\t3\n4\t5")
    assert tsv.read(path, 3) == [("1", "2", "3")]
    tsv.append(path, "# header\n", [("6", "7", "8")])
    assert path.read_text() == "# header\n1\t2\t3\n6\t7\t8\n"
