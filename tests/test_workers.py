"""The extraction workers (``workers``): pages go to worker processes as the bytes they came
as and come back as bodies, decoded by their charset; a page that holds no article comes back
as PageGone. The real pool, started as a run starts it (the other in-process tests share one
pool: ``conftest.py``)."""

from __future__ import annotations

import asyncio

import pytest

from mirror.errors import PageGone
from mirror.fetching.charset import CharsetHint
from mirror.models import RawPage
from mirror.workers import Extractor

pytestmark = pytest.mark.own_workers

STORY = "<p>北京时间今天上午，记者在现场看到，市民排队等候了两个多小时。</p>" * 12
PAGE = f"<html><head><title>新闻</title></head><body><article>{STORY}</article></body></html>"


def test_pages_go_to_the_workers_as_bytes_and_come_back_as_bodies() -> None:
    async def main() -> tuple[str, PageGone]:
        extractor = Extractor(fetching=2)
        extractor.start()
        try:
            body = await extractor.body(
                RawPage(url="https://news.example/a.html", content=PAGE.encode("gbk"),
                        content_type="text/html; charset=gbk"), CharsetHint(language="zh-CN"))
            with pytest.raises(PageGone) as gone:
                await extractor.body(RawPage(
                    url="https://news.example/menu.html", content_type="text/html",
                    content=b"<html><body><nav>menu</nav></body></html>"), None)
        finally:
            await extractor.close()
        return body, gone.value

    body, gone = asyncio.run(main())

    assert body.count("市民排队等候了两个多小时") == 12
    assert str(gone).startswith("https://news.example/menu.html: ")
