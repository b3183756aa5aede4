"""Kept pages: a page stored with what makes its post again, read back exactly."""

from __future__ import annotations

from pathlib import Path

import pytest

from mirror.models import Config, Entry, FeedConfig
from mirror.preserve import kept_pages, warc
from mirror.preserve.kept_pages import Fetched, KeptPage

ENTRY = Entry(feed="美国之音", link="https://n.example/a/1.html?utm_source=x", title="标题",
              guid="g1", published_ms=1_610_444_483_000, summary="<p>摘要</p>",
              language="zh-CN")


def config(root: Path) -> Config:
    return Config(path=root / "feeds.yaml", archive=root / "archive",
                  feeds=(FeedConfig(name="美国之音", url="https://n.example/f"),))


def page() -> KeptPage:
    fetched = Fetched.of("https://n.example/a/1.html", 200,
                         {"Content-Type": "text/html; charset=gb2312", "Date": "today",
                          "Set-Cookie": "secret", "ETag": '"e1"'},
                         "<html><p>正文</p></html>".encode("gb18030"))
    return KeptPage(feed="美国之音", entry=ENTRY, fetched=fetched, source="page",
                    post="2021-01-12-标题.md", images={"https://n.example/i.png": "ab/ab.png"})


def test_a_kept_page_reads_back_as_it_was_written(tmp_path: Path) -> None:
    path = kept_pages.write(config(tmp_path), page(), 1_700_000_000_000)
    assert path.parent == tmp_path / "raw" / "美国之音"
    assert path == kept_pages.page_path(config(tmp_path), "美国之音", "https://n.example/a/1.html")
    back = kept_pages.decode(path.read_bytes())
    assert back == page()
    assert back.fetched.headers == (("content-type", "text/html; charset=gb2312"),
                                    ("etag", '"e1"'))  # no Date, no cookie
    assert back.fetched.content_type == "text/html; charset=gb2312"


def test_the_same_page_in_the_same_run_is_the_same_bytes(tmp_path: Path) -> None:
    assert kept_pages.encode(page(), 1_700_000_000_000) == \
        kept_pages.encode(page(), 1_700_000_000_000) != \
        kept_pages.encode(page(), 1_700_000_001_000)
    [response, metadata] = warc.read(kept_pages.encode(page(), 1_700_000_000_000))
    assert response.field("WARC-Target-URI") == "https://n.example/a/1.html"
    assert metadata.field("WARC-Refers-To") == response.field("WARC-Record-ID")


def test_a_file_that_is_no_kept_page_is_refused() -> None:
    only_one = warc.record("response", [], warc.http_response(200, [], b"x"), "x")
    with pytest.raises(warc.WarcError):
        kept_pages.decode(only_one)
    bad = only_one + warc.record("metadata", [], b"{not json", "application/json")
    with pytest.raises(warc.WarcError):
        kept_pages.decode(bad)


def test_kept_files_by_feed(tmp_path: Path) -> None:
    kept_pages.write(config(tmp_path), page(), 1)
    assert len(kept_pages.kept_files(config(tmp_path))) == 1
    assert len(kept_pages.kept_files(config(tmp_path), iter(["美国之音"]))) == 1
    assert kept_pages.kept_files(config(tmp_path), iter(["other"])) == []
