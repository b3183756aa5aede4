"""`mirror fetch` end to end, as a user runs it: loopback feeds, a real git repository."""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

import yaml

from tests.conftest import commits, git, mirror, posts, write_config
from tests.feeds import Item, atom, rss

RSS = "application/rss+xml; charset=utf-8"


def voa_items() -> list[Item]:
    return [
        Item(title="第一条新闻", link="https://www.voachinese.com/a/one/1.html",
             date=1_610_444_483, body="<p>第一条新闻的正文。</p>"),
        Item(title="第二条新闻", link="https://www.voachinese.com/a/two/2.html",
             date=1_610_440_000, body="<p>第二条新闻的正文。</p>"),
    ]


def test_first_run_commits_once_and_rerun_changes_nothing(repo: Path, site) -> None:
    voa = site.add("/feed/voa.xml", rss(voa_items()), content_type=RSS)
    rfa = site.add("/feed/rfa.xml", atom([Item(title="自由亚洲", link="https://www.rfa.org/a/1",
                                               raw_date="2021-01-12T09:11:00.006Z")]),
                   content_type="application/atom+xml")
    write_config(repo, [{"name": "美国之音", "url": voa}, {"name": "自由亚洲电台", "url": rfa}],
                 content="feed")

    first = mirror(repo, "fetch")

    assert first.returncode == 0, first.stderr
    assert "美国之音: 2 new, 0 known" in first.stdout
    assert "自由亚洲电台: 1 new, 0 known" in first.stdout
    assert commits(repo) == 1
    assert len(posts(repo / "archive")) == 3
    message = git(repo, "log", "-1", "--format=%an <%ae>%n%B")
    assert message.startswith("mirror <mirror@localhost>\nmirror: 3 new posts")
    assert "美国之音: 2" in message and "自由亚洲电台: 1" in message
    assert git(repo, "status", "--porcelain", "--", "archive") == ""
    before = posts(repo / "archive")

    again = mirror(repo, "fetch", epoch="1800000000")

    assert again.returncode == 0, again.stderr
    assert "美国之音: 0 new, 2 known" in again.stdout
    assert commits(repo) == 1
    assert posts(repo / "archive") == before
    assert git(repo, "status", "--porcelain", "--", "archive") == ""


def test_broken_feed_does_not_stop_the_others(repo: Path, site) -> None:
    good = site.add("/feed/good.xml", rss(voa_items()), content_type=RSS)
    broken = site.url("/feed/missing.xml")
    write_config(repo, [{"name": "坏的", "url": broken}, {"name": "好的", "url": good}],
                 content="feed")

    result = mirror(repo, "fetch")

    assert result.returncode == 1
    failure_lines = [line for line in result.stderr.splitlines() if "坏的" in line]
    assert len(failure_lines) == 1
    assert "404" in failure_lines[0] and broken in failure_lines[0]
    assert "好的: 2 new" in result.stdout
    assert len(posts(repo / "archive")) == 2
    assert commits(repo) == 1


def test_bad_feeds_yaml_exits_2_with_one_line(repo: Path) -> None:
    (repo / "feeds.yaml").write_text("archive: archive\nfeeds:\n  - name: x\n    urll: http://a\n")

    result = mirror(repo, "fetch")

    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert lines == ["mirror: feeds.yaml:3: feed without 'url'",  # every problem, a line each
                     "feeds.yaml:4: unknown key 'urll' (did you mean 'url'?)"]


def test_missing_feeds_yaml_and_bad_usage_exit_2(repo: Path) -> None:
    missing = mirror(repo, "fetch")
    usage = mirror(repo, "fetch", "--bogus")
    negative = mirror(repo, "fetch", "--wait", "-1")
    assert missing.returncode == usage.returncode == negative.returncode == 2
    assert len(missing.stderr.strip().splitlines()) == 1
    message, usage_line = usage.stderr.strip().splitlines()  # the message, then the usage
    assert message == "mirror: unrecognized arguments: --bogus"
    assert usage_line.startswith("usage: mirror ")


def test_archive_outside_the_repository_is_refused(repo: Path, site) -> None:
    write_config(repo, [{"name": "x", "url": site.url("/f.xml")}], archive="../elsewhere")
    result = mirror(repo, "fetch")
    assert result.returncode == 2
    assert "outside the repository" in result.stderr
    assert not (repo.parent / "elsewhere").exists()


def test_only_mirrors_own_files_are_committed(repo: Path, site) -> None:
    url = site.add("/feed.xml", rss(voa_items()), content_type=RSS)
    write_config(repo, [{"name": "美国之音", "url": url}], content="feed")
    (repo / "notes.txt").write_text("the user's own work\n")
    git(repo, "add", "notes.txt")

    result = mirror(repo, "fetch")

    assert result.returncode == 0, result.stderr
    committed = git(repo, "show", "--name-only", "--format=", "HEAD").split()
    assert all(path.startswith(("archive/", "feeds/")) for path in committed)
    assert "feeds/README.md" in committed  # the index pages
    assert "A  notes.txt" in git(repo, "status", "--porcelain")


def test_commit_identity_from_feeds_yaml_and_git_variables(repo: Path, site) -> None:
    url = site.add("/feed.xml", rss(voa_items()[:1]), content_type=RSS)
    write_config(repo, [{"name": "a", "url": url}], commit_author="Mirror Bot <bot@example.org>",
                 content="feed")
    assert mirror(repo, "fetch").returncode == 0
    assert git(repo, "log", "-1", "--format=%an <%ae>").strip() == "Mirror Bot <bot@example.org>"

    site.add("/feed.xml", rss(voa_items()), content_type=RSS)
    result = mirror(repo, "fetch", env={"GIT_AUTHOR_NAME": "Ann", "GIT_AUTHOR_EMAIL": "ann@x"})
    assert result.returncode == 0, result.stderr
    assert git(repo, "log", "-1", "--format=%an <%ae> / %cn").strip() == \
        "Ann <ann@x> / Mirror Bot"


def test_no_commit_and_feed_selection(repo: Path, site) -> None:
    a = site.add("/a.xml", rss(voa_items()[:1]), content_type=RSS)
    b = site.add("/b.xml", rss([Item(link="https://b.example/1")]), content_type=RSS)
    write_config(repo, [{"name": "A", "url": a}, {"name": "B", "url": b}], content="feed")

    result = mirror(repo, "fetch", "--feed", "B", "--no-commit")

    assert result.returncode == 0, result.stderr
    assert "A:" not in result.stdout and "B: 1 new" in result.stdout
    assert commits(repo) == 0
    assert len(posts(repo / "archive")) == 1
    assert mirror(repo, "fetch", "--feed", "Nope").returncode == 2


def test_entry_identity_survives_edits_redating_midnight_and_fresh_clone(
        repo: Path, site, tmp_path: Path) -> None:
    item = Item(title="Before midnight", link="https://news.example/story?id=7", guid="story-7",
                date=1_610_495_990)  # 2021-01-12T23:59:50Z
    url = site.add("/feed.xml", rss([item]), content_type=RSS)
    write_config(repo, [{"name": "News", "url": url}], content="feed")
    assert mirror(repo, "fetch").returncode == 0
    git(repo, "add", "feeds.yaml")
    git(repo, "-c", "user.name=u", "-c", "user.email=u@x", "commit", "-qm", "config")

    edited = Item(title="After midnight, edited", guid="story-7", date=1_610_496_010,
                  link="http://news.example/story?id=7&utm_source=rss")  # 2021-01-13T00:00:10
    relinked = Item(title="Moved", link="https://news.example/moved/7", guid="story-7")
    clone = tmp_path / "clone"
    shutil.copytree(repo, clone)  # the same committed archive, a fresh checkout's cache
    shutil.rmtree(clone / ".git" / "mirror", ignore_errors=True)

    for later in (edited, relinked):
        site.add("/feed.xml", rss([later]), content_type=RSS)
        for where in (repo, clone):
            result = mirror(where, "fetch", epoch="1610500000")
            assert result.returncode == 0, result.stderr
            assert "News: 0 new, 1 known" in result.stdout
            assert len(posts(where / "archive")) == 1


def test_posts_from_the_old_script_count_as_archived(repo: Path, site) -> None:
    old = repo / "archive" / "2021-01-12-第一条新闻 old name.md"
    old.parent.mkdir()
    old.write_text("---\nlayout: post\ntitle: \"第一条新闻\"\ndate: 2021-01-12T09:41:23.000Z\n"
                   "author: 美国之音\nfrom: https://www.voachinese.com/a/one/1.html\n"
                   "tags: [ 美国之音 ]\ncategories: [ 美国之音 ]\n---\nbody\n", encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "-c", "user.name=u", "-c", "user.email=u@x", "commit", "-qm", "old archive")
    url = site.add("/feed.xml", rss(voa_items()), content_type=RSS)
    write_config(repo, [{"name": "美国之音", "url": url}], content="feed")

    result = mirror(repo, "fetch")

    assert result.returncode == 0, result.stderr
    assert "美国之音: 1 new, 1 known" in result.stdout
    assert len(posts(repo / "archive")) == 2


def test_bad_inputs_each_give_one_line_and_spare_the_rest(repo: Path, site) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    feeds = {
        "unreachable": f"http://127.0.0.1:{closed_port}/feed.xml",
        "server-error": site.add("/500.xml", "oops", status=500, content_type="text/plain"),
        "invalid-xml": site.add("/bad.xml", "<rss><channel><item><title>x</ti", content_type=RSS),
        "html-page": site.add("/page.xml", "<!DOCTYPE html><html><head><link rel=\"alternate\" "
                              "type=\"application/rss+xml\" href=\"/real.xml\"></head>"
                              "<body>hi</body></html>", content_type="text/html"),
        "empty-feed": site.add("/empty.xml", rss([]), content_type=RSS),
        "good": site.add("/good.xml", rss(voa_items()), content_type=RSS),
    }
    write_config(repo, [{"name": name, "url": url} for name, url in feeds.items()],
                 retries=0, content="feed")

    result = mirror(repo, "fetch")

    assert result.returncode == 1
    errors = result.stderr.strip().splitlines()
    for name in ("unreachable", "server-error", "invalid-xml", "html-page"):
        assert len([line for line in errors if line.startswith(f"{name}: failed: ")]) == 1, errors
    assert "HTTP 500" in result.stderr
    assert "names a feed: /real.xml" in result.stderr
    assert "Traceback" not in result.stderr
    assert "empty-feed: 0 new, 0 known" in result.stdout
    assert "good: 2 new, 0 known" in result.stdout
    assert commits(repo) == 1


def test_odd_entries(repo: Path, site) -> None:
    nasty = 'He said "no": C:\\path #1 [x] *y* {{ z }} 🎉\n second line'
    items = [
        Item(title=nasty, link="https://news.example/nasty"),
        Item(title=None, link="https://news.example/untitled",
             body="<p>正文第一句话。正文第二句话。</p>"),
        Item(title="No date", link="https://news.example/undated", date=None),
        Item(title="No link", link=None),
        Item(title="Duplicate", link="https://news.example/nasty"),
        Item(title="Future", link="https://news.example/future", date=4_000_000_000),
    ]
    url = site.add("/feed.xml", rss(items), content_type=RSS)
    write_config(repo, [{"name": "News: «odd» #1", "url": url}], content="feed")

    result = mirror(repo, "fetch", epoch="1700000000")

    assert result.returncode == 1  # the entry without a link is reported
    assert "has no link" in result.stderr and "Traceback" not in result.stderr
    written = posts(repo / "archive")
    assert len(written) == 4
    fronts = {}
    for text in written.values():
        front = yaml.safe_load(text.split("---\n")[1])
        fronts[front["from"]] = (front, text)
    front, text = fronts["https://news.example/nasty"]
    assert front["title"] == nasty.replace("\n", " ")
    assert front["tags"] == front["categories"] == ["News: «odd» #1"]
    assert front["author"] == "News: «odd» #1"
    assert "&#123;{ z }}" in text and "{{" not in text.split("---\n", 2)[2]
    assert fronts["https://news.example/untitled"][0]["title"] == "正文第一句话。正文第二句话。"
    undated, text = fronts["https://news.example/undated"]
    assert str(undated["date"]).startswith("2023-11-14 22:13:20")
    assert "<!--1700000000000-->" in text
    future, text = fronts["https://news.example/future"]
    assert str(future["date"]).startswith("2023-11-14 22:13:20")
    assert "<!--4000000000000-->" in text


def test_same_inputs_and_source_date_epoch_give_byte_identical_files(tmp_path: Path,
                                                                      site) -> None:
    items = [*voa_items(), Item(title="无日期", link="https://www.voachinese.com/a/x/3.html",
                                date=None, body="<p>正文。</p>")]
    url = site.add("/feed.xml", rss(items), content_type=RSS)
    trees = []
    for name in ("one", "two"):
        where = tmp_path / name
        where.mkdir()
        git(where, "init", "-q")
        write_config(where, [{"name": "美国之音", "url": url}], content="feed")
        assert mirror(where, "fetch", epoch="1700000000").returncode == 0
        trees.append({p.relative_to(where).as_posix(): p.read_bytes()
                      for p in sorted(where.rglob("*")) if p.is_file() and ".git" not in p.parts})
        trees[-1]["HEAD^{tree}"] = git(where, "rev-parse", "HEAD^{tree}").encode()
    assert trees[0] == trees[1]


def test_a_users_edit_to_a_post_is_never_swept_into_mirrors_commit(repo: Path, site) -> None:
    url = site.add("/feed.xml", rss(voa_items()[:1]), content_type=RSS)
    write_config(repo, [{"name": "美国之音", "url": url}], content="feed")
    assert mirror(repo, "fetch").returncode == 0
    [post] = (repo / "archive").glob("*.md")
    post.write_text(post.read_text(encoding="utf-8") + "my half-done edit\n", encoding="utf-8")
    (repo / "other.txt").write_text("x\n")
    git(repo, "add", "other.txt")
    git(repo, "-c", "user.name=u", "-c", "user.email=u@x", "commit", "-qm", "mine")
    site.add("/feed.xml", rss(voa_items()), content_type=RSS)

    result = mirror(repo, "fetch")

    assert result.returncode == 0, result.stderr
    committed = git(repo, "show", "--name-only", "--format=", "HEAD").split()
    assert post.relative_to(repo).as_posix() not in committed
    assert git(repo, "status", "--porcelain", "--", "archive").startswith(" M ")


def test_a_feed_that_gives_one_guid_to_different_articles(repo: Path, site) -> None:
    items = [Item(title=f"t{i}", link=f"https://news.example/{i}", guid="same-guid")
             for i in range(3)]
    url = site.add("/feed.xml", rss(items), content_type=RSS)
    write_config(repo, [{"name": "n", "url": url}], content="feed")

    first = mirror(repo, "fetch")

    assert first.returncode == 0, first.stderr
    assert "n: 3 new" in first.stdout and "one guid to different articles" in first.stdout
    site.add("/feed.xml", rss([Item(title="t9", link="https://news.example/9",
                                    guid="same-guid")]), content_type=RSS)
    second = mirror(repo, "fetch")
    assert "n: 1 new" in second.stdout
    assert len(posts(repo / "archive")) == 4


def test_file_name_templates_that_repeat_the_slug_stay_within_limits(repo: Path, site) -> None:
    title = "美国常驻联合国代表即将访台台湾希望双边关系持续深化" * 10
    url = site.add("/feed.xml", rss([Item(title=title, link="https://news.example/1")]),
                   content_type=RSS)
    write_config(repo, [{"name": "长" * 120, "url": url}], content="feed",
                 filename="{feed}/{slug}/{slug}-{slug}.md")

    result = mirror(repo, "fetch")

    assert result.returncode == 0, result.stderr
    [path] = posts(repo / "archive")
    assert all(len(part.encode()) <= 255 for part in path.split("/"))
