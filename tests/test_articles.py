"""An entry's post: a body that cannot be published whole falls back to the feed's content."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mirror.articles import Articles
from mirror.errors import EntryError
from mirror.models import Article, Config, Entry, FeedConfig

FEED = FeedConfig(name="n", url="https://n.example/feed")
CONFIG = Config(path=Path("feeds.yaml"), archive=Path("archive"), feeds=(FEED,))
NOW = 1_700_000_000_000


def articles() -> Articles:
    nothing: Any = None  # rendering needs no network or archive
    return Articles(CONFIG, nothing, nothing, NOW)


def test_a_page_body_that_would_show_nothing_falls_back_to_the_summary() -> None:
    entry = Entry(feed="n", link="https://n.example/1", title="t", summary="<p>摘要。</p>")
    page = Article(entry=entry, body="<div><script>x()</script></div>", source="page")
    post, used = articles()._render(page, FEED)
    assert used.source == "summary" and "<p>摘要。</p>" in post.text
    assert used.note == ("https://n.example/1: the post would show nothing: no text and no "
                         "image; post written from the feed's own content")


def test_nothing_to_show_anywhere_leaves_the_entry_pending_with_one_line() -> None:
    entry = Entry(feed="n", link="https://u:pw@n.example/2", title="t")
    for source in ("page", "feed", "summary"):
        with pytest.raises(EntryError) as failed:
            articles()._render(Article(entry=entry, body="<script>x()</script>",
                                       source=source), FEED)  # type: ignore[arg-type]
        message = str(failed.value)
        assert "\n" not in message and "pw" not in message and "would show nothing" in message
