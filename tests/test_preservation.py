"""Preservation end to end, through the mirror command: a news site on 127.0.0.1 that serves
images, edits and deletes its articles, and a fake Save Page Now."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from tests.conftest import commits, git, mirror, posts, write_config
from tests.feeds import Item, rss
from tests.pictures import HTML_POSING, SVG, gif, jpeg, png

RSS = "application/rss+xml; charset=utf-8"
PARAGRAPHS = [
    "警方周二表示，数百名示威者在市中心广场聚集，要求政府就新的住房政策作出回应，现场秩序总体平稳。",
    "据目击者称，示威从上午十点开始，一直持续到傍晚，参与者举着标语，高喊口号，要求官员出面对话。",
    "市政府发言人在记者会上说，政府愿意听取各方意见，但不会在压力下改变已经通过的决定。",
    "分析人士认为，这次示威反映出年轻一代对住房成本上涨的普遍不满，类似的抗议可能还会继续发生。",
]


def article(title: str, paragraphs: list[str], images: list[str]) -> str:
    body = "".join(f"<p>{text}</p>" + (f'<figure><img src="{images[i]}" alt="图{i}">'
                                       f"<figcaption>图片说明{i}：现场照片。</figcaption></figure>"
                                       if i < len(images) else "")
                   for i, text in enumerate(paragraphs))
    return (f"<!DOCTYPE html><html><head><title>{title}</title></head><body>"
            f"<nav><a href='/'>首页</a> <a href='/world'>国际</a></nav><article><h1>{title}</h1>"
            f"{body}</article><footer>版权所有</footer></body></html>")


def digest_name(data: bytes, extension: str) -> str:
    digest = hashlib.sha256(data).hexdigest()
    return f"assets/{digest[:2]}/{digest}.{extension}"


def test_images_are_kept_once_each_and_pages_kept_for_reextract(repo: Path, site) -> None:
    big = png(300, 300, (9, 9, 9)) + b"\x00" * 20_000
    for path, data in {"/i/a.png": png(), "/i/b.jpg": jpeg(), "/i/c.gif": gif(),
                       "/i/big.png": big}.items():
        site.add(path, data, content_type="image/png")
    site.add("/i/icon.svg", SVG, content_type="image/svg+xml")
    site.add("/i/posing.jpg", HTML_POSING, content_type="image/jpeg")
    one = site.add("/news/1.html", article("示威", PARAGRAPHS, ["/i/a.png", "/i/b.jpg",
                                                                "/i/icon.svg", "/i/gone.png"]))
    two = site.add("/news/2.html", article("回应", PARAGRAPHS[::-1], [
        "/i/a.png", "/i/c.gif", "/i/posing.jpg", "/i/big.png"]))
    feed = site.add("/feed.xml", rss([Item(title="示威", link=one, body=None, summary="摘要。"),
                                      Item(title="回应", link=two, body=None, summary="摘要。")]),
                    content_type=RSS)
    write_config(repo, [{"name": "新闻", "url": feed}], content="page", images="keep",
                 keep_pages=True, max_image_bytes=20_000,
                 image_proxy="https://images.weserv.nl?url=")

    first = mirror(repo, "fetch")

    assert first.returncode == 1, first.stderr  # images that stay links: like a failed entry
    assert "新闻: 2 new, 0 known" in first.stdout
    failed = [line for line in first.stderr.splitlines() if "not kept" in line]
    assert len(failed) == 3, first.stderr  # gone.png (404), posing.jpg (HTML), big.png
    assert any("HTTP 404" in line for line in failed)
    assert any("HTML, not an image" in line for line in failed)
    assert any("larger than 0.02 MB" in line for line in failed)
    assert "3 images not kept" in first.stdout
    assert "SVG can carry script" in first.stdout  # a note, not a failure
    assert site.hits["/i/a.png"] == 1  # used twice, fetched once
    stored = sorted(p.relative_to(repo).as_posix() for p in (repo / "assets").rglob("*.*")
                    if not p.name.startswith("."))
    assert stored == sorted([digest_name(png(), "png"), digest_name(jpeg(), "jpg"),
                             digest_name(gif(), "gif")])
    for data, extension in ((png(), "png"), (jpeg(), "jpg"), (gif(), "gif")):
        assert (repo / digest_name(data, extension)).read_bytes() == data
    written = posts(repo / "archive")
    bodies = "".join(written.values())
    assert bodies.count('src="../' + digest_name(png(), "png") + '"') == 2
    assert 'src="https://images.weserv.nl?url=127.0.0.1' in bodies  # what failed: via proxy
    kept_pages = sorted((repo / "raw").rglob("*.warc.gz"))
    assert len(kept_pages) == 2
    committed = git(repo, "show", "--name-only", "--format=", "HEAD").split()
    assert commits(repo) == 1
    assert {digest_name(png(), "png"), "assets/.mirror-assets.tsv"} <= set(committed)
    assert all(p.relative_to(repo).as_posix() in committed for p in kept_pages)
    assert git(repo, "status", "--porcelain", "--", "archive", "assets", "raw", "feeds") == ""

    again = mirror(repo, "fetch")
    assert again.returncode == 0 and commits(repo) == 1

    # A post damaged by hand is restored byte for byte, with no network, in one commit.
    path, text = next(iter(written.items()))
    damaged = re.sub(r"<p>.*?</p>", "<p>damaged</p>", text, count=2)
    (repo / "archive" / path).write_text(damaged, encoding="utf-8")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qam", "edit")
    hits = sum(site.hits.values())
    restored = mirror(repo, "reextract")
    assert restored.returncode == 0, restored.stderr
    assert "re-extracted 1 post" in restored.stdout
    assert (repo / "archive" / path).read_text(encoding="utf-8") == text
    assert sum(site.hits.values()) == hits  # no request
    assert commits(repo) == 3 and git(repo, "status", "--porcelain", "--", "archive") == ""
    assert mirror(repo, "reextract").stdout.startswith("re-extracted 0 posts")
    assert commits(repo) == 3


def test_an_edit_and_a_deletion_are_found_and_each_link_is_snapshotted_once(
        repo: Path, site, fake_clock) -> None:
    import json

    fake_clock.ms = 1_700_000_100_000  # just after the posts' date (SOURCE_DATE_EPOCH)
    one = site.add("/news/1.html", article("示威", PARAGRAPHS, []))
    two = site.add("/news/2.html", article("回应", PARAGRAPHS[::-1], []))
    feed = site.add("/feed.xml", rss([
        Item(title="示威", link=one, body=None, summary="摘要。", date=1_699_999_000),
        Item(title="回应", link=two, body=None, summary="摘要。", date=1_699_998_000)]),
        content_type=RSS, etag='"f1"')
    save = site.url("/save/")
    site.add(f"/save/{one}", "<html>saved</html>",
             headers={"Content-Location": f"/web/20231114221320/{one}"})
    site.add(f"/save/{two}", "busy", status=429, headers={"Retry-After": "600"})
    write_config(repo, [{"name": "新闻", "url": feed}], content="page", watch="7d",
                 watch_every="1h", wayback=True, wayback_url=save, wayback_every=0)

    first = mirror(repo, "fetch")

    assert first.returncode == 0, first.stderr  # a 429 fails nothing
    assert "wayback: 2 submitted, 1 snapshot(s) recorded, 1 failed, 1 waiting" in first.stdout
    assert "HTTP 429" in first.stdout
    ledger = repo / "archive" / ".mirror-changes.tsv"
    [snapshot] = [line.split("\t") for line in ledger.read_text().splitlines()[1:]]
    assert snapshot[1:3] == ["snapshot", one]
    assert snapshot[4] == f"http://127.0.0.1:{site.server.server_address[1]}" \
                          f"/web/20231114221320/{one}"
    assert commits(repo) == 1 and git(repo, "status", "--porcelain", "--", "archive") == ""
    before = posts(repo / "archive")
    pages_asked = site.hits["/news/1.html"]

    site.add("/news/1.html", article("示威", [PARAGRAPHS[0].replace("数百名", "数千名"),
                                            *PARAGRAPHS[1:]], []))
    del site.routes["/news/2.html"]  # 404 from now on
    site.add(f"/save/{two}", "<html>saved</html>",
             headers={"Content-Location": f"/web/20231114231320/{two}"})
    fake_clock.advance(3600)
    second = mirror(repo, "fetch", epoch="1700003700")

    assert second.returncode == 0, second.stderr
    found = [line.split("\t") for line in ledger.read_text().splitlines()[1:]]
    kinds = [(f[1], f[2]) for f in found]
    assert kinds[0] == ("snapshot", one) and kinds[3] == ("snapshot", two)
    assert sorted(kinds[1:3]) == [("deleted", two), ("edited", one)]  # in post order
    deleted = next(f for f in found if f[1] == "deleted")
    edited = next(f for f in found if f[1] == "edited")
    assert deleted[4] == "HTTP 404 Not Found"
    assert posts(repo / "archive") == before  # the posts are never rewritten
    page = (repo / "feeds" / "changes" / "README.md").read_text()
    assert "**edited**" in page and "**deleted**" in page
    assert "[revision](revisions/" in page and "数千名" in (
        repo / edited[4].rsplit("; revision ", 1)[1]).read_text()
    assert commits(repo) == 2
    assert git(repo, "log", "-1", "--format=%s") == "mirror: 2 change(s) found at the sources\n"
    assert site.hits[f"/save/{one}"] == 1  # each link submitted once

    hits = sum(site.hits.values())
    fake_clock.advance(600)
    quiet = mirror(repo, "fetch", epoch="1700004300")
    assert quiet.returncode == 0 and commits(repo) == 2  # nothing found: no commit
    assert sum(site.hits.values()) - hits == 1  # only the feed (304): no page is due
    assert site.hits["/news/1.html"] == pages_asked + 1

    [status] = json.loads(mirror(repo, "status", "--json").stdout)
    assert (status["watched"], status["changes"], status["snapshots"]) == (2, 2, 2)


def test_what_a_run_left_uncommitted_is_committed_by_the_next(repo: Path, site) -> None:
    site.add("/i/a.png", png(), content_type="image/png")
    one = site.add("/news/1.html", article("示威", PARAGRAPHS, ["/i/a.png"]))
    feed = site.add("/feed.xml", rss([Item(title="示威", link=one, body=None, summary="摘要。")]),
                    content_type=RSS)
    write_config(repo, [{"name": "新闻", "url": feed}], content="page", images="keep",
                 keep_pages=True)
    assert mirror(repo, "fetch", "--no-commit").returncode == 0  # as a killed run leaves it
    assert commits(repo) == 0

    recovered = mirror(repo, "fetch")

    assert recovered.returncode == 0, recovered.stderr
    committed = set(git(repo, "show", "--name-only", "--format=", "HEAD").split())
    assert {digest_name(png(), "png"), "assets/.mirror-assets.tsv"} <= committed
    assert any(path.startswith("raw/") and path.endswith(".warc.gz") for path in committed)
    assert git(repo, "status", "--porcelain", "--", "archive", "assets", "raw") == ""
