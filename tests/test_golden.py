"""The seed post, reproduced byte for byte from both fixture feeds."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import mirror, shared, write_config


@pytest.mark.parametrize(("feed_file", "proxy"), [
    ("seed-feed.xml", None),
    ("seed-feed-raw.xml", "https://images.weserv.nl?url="),
])
@pytest.mark.parametrize("epoch", ["1610444484", "1700000000"])
def test_seed_post_byte_for_byte(repo: Path, site, feed_file: str, proxy: str | None,
                                 epoch: str) -> None:
    golden = shared("golden")
    url = site.add("/feed.xml", (golden / feed_file).read_bytes(),
                   content_type="application/rss+xml")
    top = {"image_proxy": proxy} if proxy else {}
    write_config(repo, [{"name": "美国之音", "url": url}], **top)

    result = mirror(repo, "fetch", epoch=epoch)

    assert result.returncode == 0, result.stderr
    written = sorted((repo / "archive").glob("*.md"))
    assert len(written) == 1
    assert written[0].read_bytes() == (golden / "seed-post.md").read_bytes()
