"""Properties of sanitising and rendering, on generated HTML and titles (hypothesis).

Bodies are drawn from known, unknown, custom, SVG- and MathML-named elements,
unsafe ones (scripts, forms, plugins, frames...), attributes (event handlers,
``javascript:`` URLs, ``expression()`` in styles, words a broken attribute
spilled), comments and entities. What the sanitiser gives is read back by
html5lib, an HTML5 parser independent of the lexbor one the sanitiser reads
with, with scripting off and on (``<noscript>`` differs).

The seed is fixed and the counts bounded: every run checks the same few
thousand cases in a few seconds.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from urllib.parse import unquote
from xml.etree.ElementTree import Element

import html5lib
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from markdown_it.common.entities import entities

from mirror.errors import EmptyBody
from mirror.models import Article, Entry, FeedConfig
from mirror.publish.clean import sanitise
from mirror.publish.render import clean_text, heading_line, render

SETTINGS = {"derandomize": True, "database": None, "deadline": None,
            "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large]}

# Elements whose text is removed with them, or never shown (the sanitiser may drop it).
UNSAFE_CONTAINERS = frozenset({
    "script", "style", "template", "noscript", "iframe", "object", "embed", "applet",
    "textarea", "select", "option", "optgroup", "datalist", "noembed", "noframes",
    "frameset", "frame",
})
UNSAFE_ELEMENTS = frozenset({
    "script", "object", "embed", "applet", "form", "input", "textarea", "select", "base",
    "link", "template", "frame", "frameset", "portal", "animate", "set", "handler", "listener",
})
URL_ATTRIBUTE = re.compile(r"^(?:href|src|xlink:href|action|formaction|data|poster|background)$")
BAD_SCHEME = re.compile(r"^(?:javascript|vbscript|livescript):|^data:(?!image/)", re.I)
VIDEO = "https://www.youtube.com/embed/"

# ------------------------------------------------------------------ generators

WORDS = st.sampled_from([
    "新闻", "中文字，。", "abc", "XYZ 123", "「引語」", "a [b] c", "(x)", "{{ site }}", "{% raw %}",
    "*star* _u_", "`code`", "#1", "50%", "a=b", "it's", 'say "hi"', "~^|@$", "-- ...", "\\",
    "影", "R&D?", " ", "word", "兩岸", "x:y", "on", "javascript:alert(1)", "</p>", "&",
])
ENTITIES = st.sampled_from(["&amp;", "&lt;", "&gt;", "&nbsp;", "&#20013;", "&#x6587;", "&quot;",
                            "&copy;", "&hellip;", "&bogus;"])
COMMENTS = st.sampled_from(["<!-- c -->", "<!--注释-->", "<!---->", "<!-- <p>x</p> -->",
                            '<!-- <script>alert(1)</script> -->'])

HTML_TAGS = ["p", "div", "span", "b", "i", "em", "strong", "a", "ul", "li", "h2", "blockquote",
             "figure", "figcaption", "pre", "code", "sup", "small", "section", "font", "u", "q"]
UNKNOWN_TAGS = ["my-widget", "x-card", "o:p", "foo", "youtube-player", "text", "g", "desc",
                "tspan", "circle", "clipPath", "foreignObject", "mi", "mo", "mrow", "mtext"]
SVG_TAGS = ["g", "text", "tspan", "desc", "title", "circle", "path", "clipPath", "my-shape"]
MATH_TAGS = ["mi", "mo", "mn", "mrow", "mtext", "msup", "my-token"]

SAFE = [
    'class="lead"', 'title="说明 x"', 'id="a1"', 'data-x="1"', 'lang="zh"', 'dir="ltr"',
    'style="color: red; font-family: 宋体"', 'href="https://example.com/a?b=1&amp;c=2"',
    'href="/relative/path"', 'src="https://img.example/a.jpg"', "width=100", "hidden",
    # malformed but harmless: words a broken value spilled, bare and without value
    'alt="their "great conjunction" on Monday"', "on", "one", "only", "form", "action",
]
UNSAFE = [
    'onclick="alert(1)"', "onerror=alert(1)", 'ONLOAD="x()"', 'onmouseover=""',
    'href="javascript:alert(1)"', 'href=" JaVa&#x09;ScRiPt:alert(1)"', "href=javascript:x",
    'href="data:text/html,<script>alert(1)</script>"', 'src="javascript:alert(1)"',
    'style="width: expression(alert(1))"', 'style="background: url(javascript:alert(1))"',
    'formaction="https://evil/"', 'srcdoc="<script>alert(1)</script>"', 'action="x"',
    'xlink:href="javascript:alert(1)"', 'style="@\\69mport url(x)"',
]
# None, one or two attributes, drawn at once (drawing each costs more than the test).
SAFE_ATTRIBUTES = ["", "", *(" " + a for a in SAFE),
                   *(f" {a} {b}" for a, b in zip(SAFE, SAFE[3:] + SAFE[:3], strict=True))]
UNSAFE_ATTRIBUTES = [*SAFE_ATTRIBUTES, *(" " + a for a in UNSAFE),
                     *(f" {a} {b}" for a, b in zip(UNSAFE, SAFE, strict=False)),
                     *(f" {b} {a}" for a, b in zip(UNSAFE, reversed(SAFE), strict=False))]


def attributes(unsafe: bool) -> st.SearchStrategy[str]:
    return st.sampled_from(UNSAFE_ATTRIBUTES if unsafe else SAFE_ATTRIBUTES)


def element(tags: list[str], children: st.SearchStrategy[str],
            unsafe: bool) -> st.SearchStrategy[str]:
    return st.builds(lambda tag, attrs, inner: f"<{tag}{attrs}>{''.join(inner)}</{tag}>",
                     st.sampled_from(tags), attributes(unsafe), st.lists(children, max_size=3))


def leaves(unsafe: bool) -> st.SearchStrategy[str]:
    voids = st.builds(lambda tag, attrs: f"<{tag}{attrs}>", st.sampled_from(["img", "br", "hr"]),
                      attributes(unsafe))
    return st.one_of(WORDS, WORDS, ENTITIES, COMMENTS, voids)


def foreign(root: str, tags: list[str], unsafe: bool) -> st.SearchStrategy[str]:
    inside = st.recursive(WORDS, lambda kids: element(tags, kids, unsafe), max_leaves=4)
    return element([root], inside, unsafe)


def unsafe_elements(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        WORDS.map(lambda t: f"<script>alert('{t}')</script>"),
        WORDS.map(lambda t: f"<style>p {{ color: red }} /* {t} */</style>"),
        st.just("<style>p { width: expression(alert(1)) }</style>"),
        WORDS.map(lambda t: f"<textarea>{t}</textarea>"),
        WORDS.map(lambda t: f"<select><option>{t}</option></select>"),
        st.sampled_from([f'<iframe src="{VIDEO}x1"></iframe>', '<iframe src="https://evil/">'
                         "</iframe>", '<embed src="x.swf">', '<input value="v">',
                         '<base href="https://evil/">', '<link rel=stylesheet href="x.css">',
                         '<meta http-equiv="refresh" content="0;url=https://evil/">',
                         '<svg><animate attributeName="href" values="javascript:alert(1)"/></svg>',
                         '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></p>'
                         "</noscript>"]),
        st.builds(lambda kids: f"<object data=\"x.swf\">{''.join(kids)}</object>",
                  st.lists(children, max_size=2)),
        st.builds(lambda kids: f"<template>{''.join(kids)}</template>",
                  st.lists(children, max_size=2)),
        st.builds(lambda kids: f"<noscript>{''.join(kids)}</noscript>",
                  st.lists(children, max_size=2)),
        # a form goes, what it holds stays
        st.builds(lambda kids: f"<form action=\"https://evil/\">{''.join(kids)}</form>",
                  st.lists(children, max_size=2)),
    )


def bodies(unsafe: bool) -> st.SearchStrategy[str]:
    def extend(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        options = [element(HTML_TAGS, children, unsafe), element(UNKNOWN_TAGS, children, unsafe),
                   foreign("svg", SVG_TAGS, unsafe), foreign("math", MATH_TAGS, unsafe)]
        if unsafe:
            options.append(unsafe_elements(children))
        return st.one_of(*options)

    node = st.recursive(leaves(unsafe), extend, max_leaves=10)
    return st.lists(node, min_size=1, max_size=5).map("".join)


# ---------------------------------------------------------------- reading back

PARSER = html5lib.HTMLParser(namespaceHTMLElements=False)


def parsed(body: str, scripting: bool = False) -> Element:
    return PARSER.parse(f"<!DOCTYPE html><html><head></head><body><div>{body}</div>",
                        scripting=scripting)


def local(tag: object) -> str:
    return str(tag).rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def texts(node: Element, hidden: bool = False) -> Iterator[str]:
    """The text of a tree, leaving out what sits in elements no reader sees."""
    hidden = hidden or local(node.tag) in UNSAFE_CONTAINERS
    if not hidden and node.text and isinstance(node.tag, str):
        yield node.text
    for child in node:
        yield from texts(child, hidden)
        if not hidden and child.tail:
            yield child.tail


def visible(body: str) -> Counter[str]:
    return Counter("".join("".join(texts(parsed(body))).split()))


def unsafe_parts(body: str) -> list[str]:
    """What can run code, submit or load a page, as an HTML5 parser reads the body."""
    found = []
    for scripting in (False, True):
        for node in parsed(body, scripting).iter():
            tag = local(node.tag)
            if tag in UNSAFE_ELEMENTS:
                found.append(f"<{tag}>")
            if tag == "iframe" and not node.get("src", VIDEO).startswith(VIDEO):
                found.append(f"iframe {node.get('src')}")
            if tag == "style" and re.search(r"expression|javascript:|@import", node.text or ""):
                found.append("style sheet")
            found += [f"{local(name)}={value}" for name, value in node.attrib.items()
                      if unsafe_attribute(local(name), value)]
    return found


def unsafe_attribute(name: str, value: str) -> bool:
    handler = name.startswith("on") and bool(value.strip())
    url = URL_ATTRIBUTE.match(name) is not None and \
        BAD_SCHEME.search(re.sub(r"[\x00-\x20]", "", value)) is not None
    style = name == "style" and re.search(r"expression|javascript:", value, re.I) is not None
    return handler or url or style or name in ("srcdoc", "formaction", "http-equiv")


# -------------------------------------------------------------- the sanitiser

@settings(max_examples=300, **SETTINGS)
@given(bodies(unsafe=True))
def test_no_visible_text_outside_unsafe_elements_is_lost(body: str) -> None:
    assert not visible(body) - visible(sanitise(body))


@settings(max_examples=300, **SETTINGS)
@given(bodies(unsafe=True))
def test_nothing_unsafe_survives(body: str) -> None:
    assert unsafe_parts(sanitise(body)) == []


@settings(max_examples=300, **SETTINGS)
@given(bodies(unsafe=False))
def test_a_safe_body_is_kept_byte_for_byte(body: str) -> None:
    assert sanitise(body) == body


@settings(max_examples=300, **SETTINGS)
@given(bodies(unsafe=True))
def test_sanitising_is_idempotent(body: str) -> None:
    once = sanitise(body)
    assert sanitise(once) == once


# ----------------------------------------------------------------- rendering

TITLES = st.text(alphabet="abc XYZ 新闻[影]（）()[]\\`*_<>&!{}%:$#\"'|-~^@/;\u00a0", max_size=30)
LINKS = st.text(alphabet="abcXYZ新()[] %-_~.?=&#/:'`", max_size=20).map(
    lambda path: "https://example.com/" + path.strip())
FEEDS = st.builds(
    lambda name, proxy: FeedConfig(name=name, url="https://feed.example/rss", tags=(name,),
                                   categories=(name,), image_proxy=proxy),
    st.sampled_from(["美国之音", "(臺)中央社CNA", "News: daily", "#hash", "yes"]),
    st.sampled_from([None, "https://images.weserv.nl?url="]))
NOW = 1_700_000_000_000


@settings(max_examples=200, **SETTINGS)
@given(bodies(unsafe=True), TITLES, LINKS, FEEDS,
       st.one_of(st.none(), st.integers(-10**15, 3 * 10**14)))
def test_a_rendered_post_keeps_the_text_and_loads_back(body: str, title: str, link: str,
                                                       feed: FeedConfig,
                                                       published: int | None) -> None:
    entry = Entry(feed=feed.name, link=link, title=title, published_ms=published)
    try:
        post = render(Article(entry=entry, body=body, source="feed"), feed, NOW)
    except EmptyBody:  # never written empty: only a body with nothing to show is refused
        safe = sanitise(body)
        assert not visible(safe) and not re.search(r"<(img|video|audio|iframe|picture|svg)",
                                                   safe, re.I)
        return

    _, front, rest = post.text.split("---\n", 2)
    loaded = yaml.safe_load(front)
    assert loaded["title"] in (clean_text(title), clean_text(title).replace("<", "&lt;"))
    assert loaded["from"] == link and loaded["author"] == feed.name
    assert loaded["tags"] == [feed.name] and loaded["categories"] == [feed.name]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}-[^/\\<>:\"|?*\x00-\x1f]+\.md", post.path)
    assert len(post.path.encode()) <= 255
    assert rest.endswith("\n</div>\n") and "\n<div>\n" in rest
    shown = rest.split("\n<div>\n", 1)[1].removesuffix("\n</div>\n")
    assert "\n" not in shown
    assert not visible(body) - visible(shown)


MARKDOWN = MarkdownIt("commonmark")
ENTITY = re.compile(r"&(?:#([0-9]{1,7})|#[xX]([0-9a-fA-F]{1,6})|([A-Za-z][A-Za-z0-9]{1,31}));")


def decoded(text: str) -> str:
    """Text with its entities read as CommonMark reads them."""
    def one(match: re.Match[str]) -> str:
        decimal, hexadecimal, name = match.groups()
        if name:
            return entities.get(name, match.group(0))
        code = int(decimal) if decimal else int(hexadecimal, 16)
        return chr(code) if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else "\ufffd"
    return ENTITY.sub(one, text)


def link_in(heading: str) -> tuple[str, str]:
    """The text and target of the one link a heading line holds; fails on anything else."""
    tokens = MARKDOWN.parse(heading + "\n------\n")
    assert [t.type for t in tokens] == ["heading_open", "inline", "heading_close"], heading
    children = tokens[1].children or []
    assert children[0].type == "link_open" and children[-1].type == "link_close", heading
    inside = children[1:-1]
    assert all(t.type in ("text", "code_inline", "em_open", "em_close", "strong_open",
                          "strong_close") for t in inside), (heading, [t.type for t in inside])
    shown = "".join(t.markup + t.content + t.markup if t.type == "code_inline"
                    else t.content if t.type == "text" else t.markup for t in inside)
    return shown, str(children[0].attrs["href"])


@settings(max_examples=1000, **SETTINGS)
@given(TITLES, LINKS)
def test_the_heading_is_one_link_showing_the_title(title: str, link: str) -> None:
    shown, href = link_in(heading_line(title, link))
    expected = decoded(clean_text(title).replace("\u00a0", " "))
    shown = shown.replace("\u00a0", " ")
    if "`" in expected:  # a code span loses the spaces at its ends
        assert "".join(shown.split()) == "".join(expected.split())
    else:
        assert shown == expected
    assert unquote(href) == unquote(link.replace(" ", "%20"))


def test_balanced_brackets_stay_byte_for_byte() -> None:
    title = "川粉硬闖國會 非裔警機智引開憤怒群眾獲讚英雄[影]"
    assert heading_line(title, "https://a/1") == f"[{title}](https://a/1)"
    assert link_in(heading_line(title, "https://a/1"))[0] == title
