"""--push onto a remote that moved: preservation's images, ledgers and pages carried over."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import git, mirror, write_config
from tests.feeds import Item, rss
from tests.pictures import gif, png

BODY = "<p>" + "这是一篇完整的新闻报道，内容足够长。" * 30 + "</p>"


def test_images_and_snapshots_of_two_runners_both_reach_the_remote(tmp_path: Path,
                                                                     site) -> None:
    remote, one, two = tmp_path / "remote.git", tmp_path / "one", tmp_path / "two"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
    for clone in (one, two):
        git(tmp_path, "clone", "-q", str(remote), str(clone))
    a, c = site.add("/a.png", png(), content_type="image/png"), site.add("/c.gif", gif())
    for link in ("https://a.example/1", "https://b.example/1"):
        site.add(f"/save/{link}", "ok", headers={"Content-Location": f"/web/2023/{link}"})
    common = {"images": "keep", "wayback": True, "wayback_url": site.url("/save/"),
              "wayback_every": 0}
    write_config(one, [{"name": "A", "url": site.add("/a.xml", rss([Item(
        title="甲", link="https://a.example/1", body=f'{BODY}<img src="{a}">')]))}],
                 content="feed", **common)
    write_config(two, [{"name": "B", "url": site.add("/b.xml", rss([Item(
        title="乙", link="https://b.example/1",
        body=f'{BODY}<img src="{a}"><img src="{c}">')]))}], content="feed", **common)

    assert mirror(one, "fetch", "--push").returncode == 0
    pushed = mirror(two, "fetch", "--push")

    assert pushed.returncode == 0, pushed.stderr
    assert "rebased 1 time" in pushed.stdout
    final = tmp_path / "final"
    git(tmp_path, "clone", "-q", str(remote), str(final))
    stored = sorted(p.suffix for p in (final / "assets").rglob("*.*")
                    if not p.name.startswith("."))
    assert stored == [".gif", ".png"]
    manifest = (final / "assets" / ".mirror-assets.tsv").read_text().splitlines()
    assert manifest[0].startswith("#") and len(manifest) == 4  # a.png by each feed, c.gif
    ledger = (final / "archive" / ".mirror-changes.tsv").read_text().splitlines()
    assert sorted(line.split("\t")[2] for line in ledger[1:]) == [
        "https://a.example/1", "https://b.example/1"]
    page = (final / "feeds" / "changes" / "README.md").read_text()
    assert "2 snapshots made" in page
