"""images: keep: each image stored once by the hash of its bytes, the post pointing at it;
what cannot be kept stays a link, and says why. HTTP through httpx's MockTransport."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

import httpx
import pytest

from mirror.fetching.http import Http
from mirror.models import Article, Config, Entry, FeedConfig, Limits
from mirror.preserve import tsv
from mirror.preserve.assets import (
    MANIFEST_NAME,
    ImageKeeper,
    ImageStore,
    assets_folder,
    image_src,
)
from mirror.publish.render import render_body
from tests.pictures import HTML_POSING, SVG, gif, jpeg, png

FEED = FeedConfig(name="n", url="https://n.example/feed", images="keep")
LINK = "https://n.example/news/1.html"
IMAGES = {"/a.png": png(), "/b.jpg": jpeg(), "/c.gif": gif(), "/icon.svg": SVG,
          "/posing.jpg": HTML_POSING, "/big.png": png(200, 200, (1, 2, 3))}


def config(root: Path, **values: object) -> Config:
    return Config(path=root / "feeds.yaml", archive=root / "archive", feeds=(FEED,),
                  **values)  # type: ignore[arg-type]


def serve(asked: list[str]) -> httpx.MockTransport:
    def answer(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.path)
        data = IMAGES.get(request.url.path)
        if data is None:
            return httpx.Response(404)
        return httpx.Response(200, stream=httpx.ByteStream(data),
                              headers={"Content-Type": "image/jpeg"})
    return httpx.MockTransport(answer)


def keep(root: Path, bodies: list[str], **values: object) -> tuple[list, ImageStore, list[str]]:
    asked: list[str] = []

    async def go() -> tuple[list, ImageStore]:
        async with Http(Limits(retries=0), transport=serve(asked)) as http:
            store = ImageStore(assets_folder(config(root, **values)))
            keeper = ImageKeeper(config(root, **values), http, store)
            kept = []
            for i, body in enumerate(bodies):
                article = Article(entry=Entry(feed="n", link=LINK, title="t"), body=body,
                                  source="page")
                kept.append(await keeper.keep(article, FEED, f"2021-01-1{i}-post.md"))
            return kept, store
    kept, store = asyncio.run(go())
    return kept, store, asked


def name(data: bytes, extension: str) -> str:
    digest = hashlib.sha256(data).hexdigest()
    return f"{digest[:2]}/{digest}.{extension}"


def test_each_image_is_stored_once_with_the_extension_its_bytes_show(tmp_path: Path) -> None:
    body = ('<p>x</p><img src="/a.png"><img data-src="/b.jpg" class="lazyload" src="'
            'data:image/gif;base64,R0lG"><img src="https://n.example/c.gif?v=1">'
            '<img src="/a.png" alt="again">')
    [kept], store, asked = keep(tmp_path, [body])
    assert kept.errors == [] and kept.notes == []
    assert asked.count("/a.png") == 1  # used twice, fetched and stored once
    images = dict(kept.article.images)
    assert images == {"https://n.example/a.png": "../assets/" + name(png(), "png"),
                      "https://n.example/b.jpg": "../assets/" + name(jpeg(), "jpg"),
                      "https://n.example/c.gif?v=1": "../assets/" + name(gif(), "gif")}
    for data, extension in ((png(), "png"), (jpeg(), "jpg"), (gif(), "gif")):
        assert (tmp_path / "assets" / name(data, extension)).read_bytes() == data
    assert sorted(p.name for p in store.save() if p.suffix != ".tsv") == sorted(
        name(d, e).split("/")[1] for d, e in ((png(), "png"), (jpeg(), "jpg"), (gif(), "gif")))
    rows = tsv.read(tmp_path / "assets" / MANIFEST_NAME, 4)
    assert [(row[1], row[2], row[3]) for row in rows] == [
        ("n", "https://n.example/a.png", "2021-01-10-post.md"),
        ("n", "https://n.example/b.jpg", "2021-01-10-post.md"),
        ("n", "https://n.example/c.gif?v=1", "2021-01-10-post.md")]
    rendered = render_body(kept.article, FEED)
    assert 'src="../assets/' in rendered and "data-src" not in rendered


def test_what_cannot_be_kept_stays_a_link_and_says_why(tmp_path: Path) -> None:
    body = ('<img src="/icon.svg"><img src="/posing.jpg"><img src="/gone.png">'
            '<img src="/big.png"><img src="/a.png">')
    cap = len(IMAGES["/big.png"]) - 1
    [kept], _, _ = keep(tmp_path, [body], max_image_bytes=cap)
    assert dict(kept.article.images) == {
        "https://n.example/a.png": "../assets/" + name(png(), "png")}
    assert kept.notes == [f"{LINK}: image https://n.example/icon.svg not kept (SVG can carry "
                          "script: only raster images are kept); it stays a link"]
    assert [error.split(" not kept ")[1] for error in kept.errors] == [
        "(the server sent HTML, not an image); it stays a link",
        "(HTTP 404 Not Found); it stays a link",
        f"(larger than {cap / 1_000_000:g} MB); it stays a link"]
    assert not list((tmp_path / "assets").glob("*/*.svg"))
    proxied = render_body(kept.article, FeedConfig(name="n", url="https://n.example/f",
                                                   image_proxy="https://p.example/?url="))
    assert 'src="https://p.example/?url=n.example/gone.png"' in proxied
    assert 'src="../assets/' in proxied


def test_a_run_stores_no_more_than_its_cap_and_a_known_url_is_not_fetched_again(
        tmp_path: Path) -> None:
    cap = len(png()) + len(jpeg())
    [first, second], store, _ = keep(tmp_path, ['<img src="/a.png"><img src="/b.jpg">',
                                                '<img src="/c.gif">'], max_run_image_bytes=cap)
    assert len(first.article.images) == 2 and second.article.images == ()
    assert "max_run_image_bytes" in second.errors[0]
    store.save()
    [again], _, asked = keep(tmp_path, ['<img src="/a.png">'])
    assert asked == [] and len(again.article.images) == 1


@pytest.mark.parametrize(("base", "post", "src"), [
    (None, "2021-01-10-post.md", "../assets/"),
    (None, "2021/01/post.md", "../../../assets/"),
    ("/assets/", "2021/01/post.md", "/assets/"),
])
def test_the_post_points_at_the_file_relatively_or_through_image_base(
        tmp_path: Path, base: str | None, post: str, src: str) -> None:
    assert image_src(config(tmp_path, image_base=base), "ab/abcd.png", post) == \
        src + "ab/abcd.png"
