"""The archive is safe to publish: Jekyll builds it, and no script from a feed survives."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import lxml.html
import pytest

from tests.conftest import mirror, shared, write_config
from tests.feeds import Item, rss

HOSTILE = [
    '<p>text</p><script>alert("feed")</script><img src="x.jpg" onerror="alert(1)">',
    '<a href="javascript:alert(1)">click</a><iframe src="https://evil.example/"></iframe>',
    '<form action="https://evil.example/"><input name="password"></form><p>after</p>',
    "<p>Liquid: {{ site.title }} and {% include nope.html %} and {%raw%}</p>",
    '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>'
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></p></noscript>',
    '<object data="x.swf"></object><embed src="x.swf"><body onload="alert(1)"><p>b</p>',
    '<p>fine</p><iframe src="https://www.youtube.com/embed/abc"></iframe>',
    "<p>Text about &lt;script&gt;alert(1)&lt;/script&gt; and &lt;img src=x onerror=alert(2)&gt;"
    "</p><pre>&lt;script&gt;in code&lt;/script&gt;</pre>",
    "<p>a</p></div>[click](javascript:alert(3)) *em*<div><p>b</p>",
    '<div><template shadowrootmode="open"><img src="x" onerror="alert(4)"></template></div>',
    '<p title="<img src=x data-src=//e.example/y.png onmouseover=alert(5) x=>">Hover</p>',
]
LAYOUT = """<!DOCTYPE html>
<html><head><title>{{ page.title | escape }}</title></head>
<body><h1>{{ page.title | escape }}</h1>{{ content }}</body></html>
"""


def assert_inert(built: Path) -> None:
    """No element of the page runs code or loads from a host that was not allowed."""
    tree = lxml.html.document_fromstring(built.read_bytes())
    assert not tree.xpath("//script|//object|//embed|//form|//template"), built.name
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), (built.name, name)
            assert not re.match(r"\s*javascript:", value, re.I), (built.name, value)
            assert "evil.example" not in value, (built.name, value)


def test_jekyll_builds_the_archive_and_no_script_survives(repo: Path, site) -> None:
    jekyll = shutil.which("jekyll")
    if jekyll is None:
        pytest.skip("jekyll is not installed (.ci/run installs Debian's jekyll)")
    feeds = []
    for kind in ("jekyll", "markdown"):
        items = [Item(title=f"Hostile {i} {{{{ x }}}} <script>t</script>",
                      link=f"https://news.example/{kind}/{i}", body=body)
                 for i, body in enumerate(HOSTILE)]
        url = site.add(f"/{kind}.xml", rss(items), content_type="application/rss+xml")
        feeds.append({"name": kind, "url": url, "format": kind, "content": "feed"})
    page = shared("corpus", "mozilla", "test-pages", "qq", "source.html").read_bytes()
    summary = [Item(title="腾讯新闻", link=site.add("/qq.html", page), body=None, summary="摘要")]
    feeds.append({"name": "QQ", "url": site.add("/qq.xml", rss(summary))})
    write_config(repo, feeds, archive="_posts", image_proxy="https://images.weserv.nl?url=")
    (repo / "_config.yml").write_text("title: test\nexclude: [feeds.yaml]\n")
    (repo / "_layouts").mkdir()
    (repo / "_layouts" / "post.html").write_text(LAYOUT)

    result = mirror(repo, "fetch", "--no-commit")
    # The body that is nothing but a template of script is never written empty: it waits.
    nothing = [line for line in result.stderr.splitlines() if "would show nothing" in line]
    assert result.returncode == 1 and len(nothing) == 2, result.stderr
    assert all(line.endswith(f"/{len(HOSTILE) - 2}: the post would show nothing: no text "
                             "and no image") for line in nothing)

    build = subprocess.run([jekyll, "build", "--safe", "--quiet"], cwd=repo,
                           capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stdout + build.stderr
    pages = list((repo / "_site").rglob("*.html"))
    assert len(pages) == 2 * (len(HOSTILE) - 1) + 1
    for built in pages:
        assert_inert(built)
    texts = "".join(p.read_text(encoding="utf-8") for p in pages)
    assert "Liquid: test" not in texts  # {{ site.title }} was shown, not run
    assert texts.count("site.title }}") == 2
    assert "youtube.com/embed/abc" in texts
