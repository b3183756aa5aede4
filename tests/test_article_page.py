"""An article page (``fetching.article_page``): fetched within the size cap (compressed
bombs included), only when it is HTML, decoded as a browser would whatever its charset
says; a page gone for good gives the post from the feed's summary with a note, one that
fails for now leaves the entry for the next run."""

from __future__ import annotations

import gzip
from pathlib import Path

from tests.conftest import mirror, write_config
from tests.feeds import Item, rss


def test_compressed_bodies_stay_within_the_cap(repo: Path, site) -> None:
    bomb = gzip.compress(gzip.compress(b"<p>" + b"0" * 3_000_000))
    double = site.add("/p/double.html", b"", headers={"Content-Encoding": "gzip, gzip"})
    site.routes["/p/double.html"].body = bomb
    single = site.add("/p/single.html", b"<p>" + b"0" * 3_600_000, gzip=True)
    entries = [Item(title="double", link=double, body=None, summary="摘要。"),
               Item(title="single", link=single, body=None, summary="摘要。")]
    write_config(repo, [{"name": "n", "url": site.add("/feed.xml", rss(entries))}],
                 max_page_bytes="1MB")

    result = mirror(repo, "fetch")

    assert result.returncode == 0, result.stderr
    assert "compressed more than once" in result.stdout
    assert "larger than 1 MB" in result.stdout
