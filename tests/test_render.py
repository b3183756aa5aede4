"""Rendering: front matter that always loads back, headings, dates and file names, odd
entries of a real feed."""

from __future__ import annotations

import json
import random
import re
import shutil
import subprocess
from pathlib import Path

import lxml.html
import pytest
import yaml

from mirror.models import Article, Entry, FeedConfig
from mirror.publish.front_matter import clean_text, front_matter, iso_date
from mirror.publish.render import heading_line, post_path, render
from tests.conftest import mirror, posts, shared, write_config
from tests.feeds import Item
from tests.helpers import by_link, serve_feed, summary_feed

TITLES = [
    'He said "no"', "C:\\path\\to", "line one\nline two", "key: value", "# not a comment",
    "[ bracket", "* star", "& anchor", "! tag", "% percent", "@ at", "` tick", "🎉 emoji 🎉",
    "yes", "null", "123", "2021-01-12", "'single'", "tab\there", "nbsp\u00a0here",
    "ctrl\x01\x07\x1bchars", "\u2028sep\u2029", "trailing  ", "{{ liquid }}", "<b>bold</b>",
    "a" * 400, "surrogate\ud800half", "Rust: when a<b and Vec<String> differ",
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>",
]
NAMES = ["美国之音", "(臺)中央社CNA", "News: daily", "#hash", "[x]", "yes", "a, b", "'q'",
         'd"q', "- dash", "? question", "x #y", "true"]


@pytest.mark.parametrize("title", TITLES)
@pytest.mark.parametrize("name", NAMES)
def test_front_matter_loads_back_to_the_values(title: str, name: str) -> None:
    shown = clean_text(title)
    text = front_matter(shown, 1_610_444_483_000, name, "https://a.example/x?y=1#z",
                        (name, "tag two"), (name,))
    loaded = yaml.safe_load(text.strip().strip("-"))
    dangerous = "alert(1)" in shown  # markup a theme printing titles unescaped would run
    assert loaded["title"] == (shown.replace("<", "&lt;") if dangerous else shown)
    assert loaded["author"] == name
    assert loaded["from"] == "https://a.example/x?y=1#z"
    assert loaded["tags"] == [name, "tag two"]
    assert loaded["categories"] == [name]
    assert "\n" not in loaded["title"]
    assert text.count("\n") == 9


def test_plain_values_stay_unquoted_as_in_the_seed() -> None:
    text = front_matter("标题", 1_610_444_483_000, "(臺)中央社CNA", "https://a/b", ("RFA", "自由"),
                        ("(臺)中央社CNA",))
    assert "author: (臺)中央社CNA\n" in text
    assert "tags: [ RFA, 自由 ]\n" in text
    assert "categories: [ (臺)中央社CNA ]\n" in text


def test_impossible_dates_count_as_no_date() -> None:
    now = 1_700_000_000_000
    zero_time = -62135596800000  # 0001-01-01, Go's zero time
    post = render(Article(entry(published_ms=zero_time), "<p>x</p>", "feed"), FEED, now)
    assert "date: 2023-11-14T22:13:20.000Z" in post.text
    assert post.path.startswith("2023-11-14-")


def test_dates_keep_milliseconds() -> None:
    assert iso_date(1_610_442_660_006) == "2021-01-12T09:11:00.006Z"
    assert iso_date(0) == "1970-01-01T00:00:00.000Z"


def test_heading_is_one_inert_line() -> None:
    assert heading_line("  A [b] \\ <script>x</script> {{y}}\n z ", "https://a/(1)") == \
        "[A [b] \\ &lt;script>x&lt;/script> &#123;{y}}  z](https://a/%281%29)"


@pytest.mark.parametrize(("title", "shown"), [
    # as the original mirror wrote it: balanced brackets and entities stay as they are
    ("川粉硬闖國會 非裔警機智引開憤怒群眾獲讚英雄[影]",
     "川粉硬闖國會 非裔警機智引開憤怒群眾獲讚英雄[影]"),
    ("[影] 標題 [[雙]]", "[影] 標題 [[雙]]"),
    ("The case for more state spending on R&amp;D", "The case for more state spending on R&amp;D"),
    # what would end the link early, link inside it or escape its bracket
    ("a ] b [", "a \\] b \\["),
    ("see [x](https://evil) here", "see \\[x\\](https://evil) here"),
    ("ends with \\", "ends with \\\\"),
    ("C:\\path\\to", "C:\\path\\to"),
    ("a \\* b", "a \\\\* b"),
    # code spans cannot hold escapes: kept; kramdown's attribute lists and math escaped
    ("`a]` b", "`a]` b"),
    ("{: .x} $$m$$ $5", "\\{: .x} \\$\\$m\\$\\$ $5"),
    ("{{ `x` }}", "&#123;{ \\`x\\` }}"),
    # what kramdown alone reads: footnotes, tags with any letter, emphasis across brackets
    ("^影", "&#94;影"),
    ("[^_^] 可愛", "[&#94;\\_^] 可愛"),
    ("<新>聞", "&lt;新>聞"),
    ("a *b [c]* ~~d~~", "a \\*b [c]\\* &#126;&#126;d&#126;&#126;"),
    ("a `b [c", "a \\`b \\[c"),
])
def test_heading_escapes_only_what_would_break_the_link(title: str, shown: str) -> None:
    assert heading_line(title, "https://a/b") == f"[{shown}](https://a/b)"


KRAMDOWN = """
require "json"
require "kramdown"
require "kramdown-parser-gfm"
options = {input: "GFM", smart_quotes: ["apos", "apos", "quot", "quot"],
           typographic_symbols: {hellip: "...", mdash: "---", ndash: "--", laquo: "<<",
                                 raquo: ">>", laquo_space: "<< ", raquo_space: " >>"}}
puts JSON.generate(JSON.parse(STDIN.read).map { |md| Kramdown::Document.new(md, options).to_html })
"""


def test_jekylls_kramdown_shows_every_heading_as_one_link_with_the_title() -> None:
    """kramdown (Jekyll's Markdown, GFM input) reads 1,000 random titles' headings as one
    link each showing the title; its typographic symbols are turned off to compare."""
    if shutil.which("ruby") is None or subprocess.run(
            ["ruby", "-e", 'require "kramdown"; require "kramdown-parser-gfm"'],
            capture_output=True).returncode != 0:
        pytest.skip("kramdown is not installed (Debian: jekyll)")
    chance = random.Random(2021)
    alphabet = "abc XYZ 新闻[影]（）()[]\\`*_<>&!{}%:$#\"'|-~^@/;."
    titles = ["".join(chance.choice(alphabet) for _ in range(chance.randint(1, 25)))
              for _ in range(1000)]
    titles = [title for title in titles if title.strip()]
    documents = [heading_line(title, "https://a.example/x") + "\n------\n" for title in titles]
    built = subprocess.run(["ruby", "-e", KRAMDOWN], input=json.dumps(documents),
                           capture_output=True, text=True, check=True)
    for title, html in zip(titles, json.loads(built.stdout), strict=True):
        heading = lxml.html.fragment_fromstring(html.strip())
        links = heading.findall("a")
        assert heading.tag == "h2" and len(links) == 1, (title, html)
        assert not (heading.text or "").strip() and not (links[0].tail or "").strip(), html
        # emphasis and code marks become <em>/<code>: compare what is left
        assert squashed(links[0].text_content()) == squashed(clean_text(title)), (title, html)


def squashed(text: str) -> str:
    return "".join(char for char in text if not char.isspace() and char not in "*_`")


FEED = FeedConfig(name="美国之音", url="https://feed.example/rss")


def entry(**fields: object) -> Entry:
    values = {"feed": "美国之音", "link": "https://a.example/1", "title": "标题"}
    values.update(fields)
    return Entry(**values)  # type: ignore[arg-type]


def test_future_and_missing_dates_use_the_time_of_the_run() -> None:
    now = 1_700_000_000_000
    future = render(Article(entry(published_ms=now + 5_000), "<p>x</p>", "feed"), FEED, now)
    assert "date: 2023-11-14T22:13:20.000Z" in future.text
    assert f"<!--{now + 5_000}-->" in future.text
    undated = render(Article(entry(), "<p>x</p>", "feed"), FEED, now)
    assert f"<!--{now}-->" in undated.text and "date: 2023-11-14T22:13:20.000Z" in undated.text
    assert undated.path == "2023-11-14-标题.md"


@pytest.mark.parametrize("title", [
    "美国常驻联合国代表即将访台" * 20, "NETFLIX卡卡因海纜故障？中華電初估1/20修復", "CON", "..",
    "🎉🎉🎉", "a/../../etc/passwd", "x" * 1000, "Ünïcödé  spaces\tand\u3000ideographic",
])
def test_file_names_are_short_safe_and_inside_the_archive(title: str) -> None:
    path = post_path(FEED, title, "https://a.example/story/123", 1_610_444_483_000)
    assert path.startswith("2021-01-12-")
    assert path.endswith(".md")
    assert "/" not in path and "\\" not in path
    assert len(path.encode()) <= 255 - 9
    assert not any(ch in path for ch in '<>:"|?*')


def test_file_name_template_with_folders() -> None:
    feed = FeedConfig(name="BBC 中文", url="https://x", filename="{feed}/{year}/{month}/{slug}.md")
    assert post_path(feed, "Hello World", "https://x/1", 1_610_444_483_000) == \
        "bbc-中文/2021/01/hello-world.md"


def test_markdown_format_keeps_structure_and_cjk() -> None:
    feed = FeedConfig(name="n", url="https://x", format="markdown")
    body = ('<p>第一段，<a href="https://x/y">链接</a>。</p><figure><img src="https://x/a.jpg" '
            'alt="图"><figcaption>说明</figcaption></figure><ul><li>一</li><li>二</li></ul>'
            "<table><tr><th>甲</th></tr><tr><td>乙</td></tr></table><p>{{ x }}</p>")
    post = render(Article(entry(), body, "feed"), feed, 1_700_000_000_000)
    markdown = post.text.split("------\n\n", 1)[1]
    assert "第一段，[链接](https://x/y)。" in markdown
    assert "![图](https://x/a.jpg)" in markdown and "说明" in markdown
    assert "- 一\n- 二" in markdown
    assert "| 甲 |" in markdown and "| 乙 |" in markdown
    assert "{% raw %}" in markdown and "<" not in markdown.replace("<!--", "")


# ---------------------------------------------------------------- through a run

def test_odd_entries(repo: Path, site) -> None:
    nasty = 'He said "no": C:\\path #1 [x] *y* {{ z }} 🎉\n second line'
    entries = [
        Item(title=nasty, link="https://news.example/nasty"),
        Item(title=None, link="https://news.example/untitled",
             body="<p>正文第一句话。正文第二句话。</p>"),
        Item(title="No date", link="https://news.example/undated", date=None),
        Item(title="No link", link=None),
        Item(title="Duplicate", link="https://news.example/nasty"),
        Item(title="Future", link="https://news.example/future", date=4_000_000_000),
    ]
    write_config(repo, [{"name": "News: «odd» #1", "url": serve_feed(site, entries)}],
                 content="feed")

    result = mirror(repo, "fetch", epoch="1700000000")

    assert result.returncode == 1  # the entry without a link is reported
    assert "has no link" in result.stderr and "Traceback" not in result.stderr
    written = posts(repo / "archive")
    assert len(written) == 4
    found = {}
    for text in written.values():
        front = yaml.safe_load(text.split("---\n")[1])
        found[front["from"]] = (front, text)
    front, text = found["https://news.example/nasty"]
    assert front["title"] == nasty.replace("\n", " ")
    assert front["tags"] == front["categories"] == ["News: «odd» #1"]
    assert front["author"] == "News: «odd» #1"
    assert "&#123;{ z }}" in text and "{{" not in text.split("---\n", 2)[2]
    assert found["https://news.example/untitled"][0]["title"] == "正文第一句话。正文第二句话。"
    undated, text = found["https://news.example/undated"]
    assert str(undated["date"]).startswith("2023-11-14 22:13:20")
    assert "<!--1700000000000-->" in text
    future, text = found["https://news.example/future"]
    assert str(future["date"]).startswith("2023-11-14 22:13:20")
    assert "<!--4000000000000-->" in text


def test_file_name_templates_that_repeat_the_slug_stay_within_limits(repo: Path, site) -> None:
    title = "美国常驻联合国代表即将访台台湾希望双边关系持续深化" * 10
    url = serve_feed(site, [Item(title=title, link="https://news.example/1")])
    write_config(repo, [{"name": "长" * 120, "url": url}], content="feed",
                 filename="{feed}/{slug}/{slug}-{slug}.md")

    result = mirror(repo, "fetch")

    assert result.returncode == 0, result.stderr
    [path] = posts(repo / "archive")
    assert all(len(part.encode()) <= 255 for part in path.split("/"))


def test_markdown_posts_from_real_pages(repo: Path, site) -> None:
    cases = ["qq", "pixnet", "keep-tabular-data", "wikipedia-2", "wikipedia"]
    links = [site.add(f"/{c}.html", shared("corpus", "mozilla", "test-pages", c,
                                           "source.html").read_bytes()) for c in cases]
    write_config(repo, [{"name": "md", "url": summary_feed(site, links), "format": "markdown"}])

    result = mirror(repo, "fetch")

    assert result.returncode == 0, result.stderr
    written = by_link(repo / "archive")
    for case, link in zip(cases, links, strict=True):
        text = written[link]
        front, markdown = text.split("------\n\n", 1)
        assert front.startswith("---\nlayout: post\n")
        assert "<div" not in markdown and "<span" not in markdown and "<p>" not in markdown, case
        assert not re.search(r"</?[a-z][^>]*>", markdown.replace("<!--", "")), case
        assert "\n\n\n" not in markdown
    assert re.search(r"[\u4e00-\u9fff]{20}", written[links[0]])
    assert "| " in written[links[2]]  # a table
    assert re.search(r"^\d+\. ", written[links[3]], re.M)  # an ordered list
    assert re.search(r"\]\(https?://", written[links[4]])  # absolute links
