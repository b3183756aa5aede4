"""The library API: ``from mirror import load_config, run`` works, is typed, and is all there."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import mirror
from mirror import RunReport, load_config, run
from tests.conftest import ROOT, commits, posts, write_config
from tests.feeds import Item, rss
from tests.helpers import FULL_TEXT


def test_run_from_python_archives_and_reports(repo: Path, site, monkeypatch) -> None:
    site.add("/feed.xml", rss([Item(title="一", link="https://a.example/1", body=FULL_TEXT)]))
    write_config(repo, [{"name": "A", "url": site.url("/feed.xml"), "content": "feed"}])
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    report = run(load_config(repo / "feeds.yaml"))
    assert isinstance(report, RunReport)
    assert [(f.name, f.new, f.error) for f in report.feeds] == [("A", 1, None)]
    assert report.commit and commits(repo) == 1 and len(posts(repo / "archive")) == 1
    again = run(load_config(str(repo / "feeds.yaml")), feeds=["A"])
    assert (again.new, again.commit, again.feeds[0].known) == (0, None, 1)


def test_every_public_name_resolves_and_import_stays_light() -> None:
    for name in mirror.__all__:
        assert getattr(mirror, name) is not None, name
    assert sorted(mirror.__all__) == sorted(set(mirror.__all__))
    heavy = subprocess.run(
        [sys.executable, "-c", "import mirror, sys; print(sorted(m for m in sys.modules "
         "if m.startswith(('httpx', 'lxml', 'feedparser', 'yaml', 'mirror.'))"
         " and m != 'mirror.version'))"],
        capture_output=True, text=True, cwd=ROOT, check=True)
    assert heavy.stdout.strip() == "[]"


def test_the_package_is_typed() -> None:
    assert (Path(mirror.__file__).parent / "py.typed").exists()


def test_the_readme_shows_the_api() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "## Use from Python" in readme
    assert "from mirror import load_config, run" in readme
