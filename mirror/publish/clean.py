"""Make a body safe to publish, changing as few bytes as possible.

Markup with nothing unsafe in it passes through byte for byte: readers'
sites already hold thousands of posts in that exact form. Only when it holds
something unsafe (scripts, event handlers, ``javascript:`` URLs, forms,
plugins, frames outside the video-host allowlist) is it re-serialised by nh3
with those parts removed and everything else kept.

"Nothing unsafe" is decided by the sanitiser itself, not by a list of
patterns: the body is cleaned by nh3 and both versions are parsed (lexbor,
an HTML5 parser like the browser's); when the trees are the same, nh3 had
nothing to remove and the original bytes are kept.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import nh3
from selectolax.lexbor import LexborHTMLParser, LexborNode

from mirror.urls import strip_scheme

# Removed with everything inside them.
DROP_WITH_CONTENT = frozenset({
    "script", "object", "embed", "applet", "param", "form", "input", "textarea", "select",
    "option", "optgroup", "datalist", "keygen", "frame", "frameset", "base", "link",
    "portal", "animate", "animatemotion", "animatetransform", "set", "handler", "listener",
    # its content is a separate document the parse trees compared below do not show, and
    # with shadowrootmode the browser renders it
    "template",
})
# Attributes no post needs and that can run code, submit data or redirect the page.
DENY_ATTRIBUTES = frozenset({"formaction", "action", "srcdoc", "http-equiv", "form"})
URL_ATTRIBUTES = frozenset({
    "href", "src", "xlink:href", "poster", "background", "cite", "longdesc", "lowsrc",
    "dynsrc", "data", "codebase", "usemap", "ping", "manifest", "profile", "action",
})
SRCSET_ATTRIBUTES = frozenset({"srcset", "imagesrcset", "data-srcset"})
SAFE_SCHEMES = frozenset({"http", "https", "mailto", "tel", "ftp", "sms", "magnet", "irc",
                          "ircs", "news", "xmpp", "geo"})
IMAGE_DATA = re.compile(r"data:image/(?:png|gif|jpe?g|webp|avif|bmp);", re.I)
UNSAFE_CSS = re.compile(r"expression\s*\(|javascript:|vbscript:|behavior\s*:|-moz-binding|@import",
                        re.I)
CSS_ESCAPE = re.compile(r"\\(?:([0-9a-fA-F]{1,6})\s?|(.))", re.S)
SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*):", re.I)
URL_NOISE = re.compile(r"[\x00-\x20\x7f]+")
DEFAULT_VIDEO_HOSTS = (
    "www.youtube.com/embed/", "youtube.com/embed/", "www.youtube-nocookie.com/embed/",
    "player.vimeo.com/video/", "www.dailymotion.com/embed/", "geo.dailymotion.com/player",
    "player.bilibili.com/", "v.qq.com/txp/iframe/", "www.facebook.com/plugins/video.php",
    "players.brightcove.net/", "rumble.com/embed/", "www.tiktok.com/embed/",
)
AFTER_POST = "data-mirror-after-post"
# Tags an HTML parser ignores inside a page's body but other readers of a post may not.
IGNORED_HERE = re.compile(r"<(?:frameset|frame)\b", re.I)
EMPTY_IFRAME = re.compile(r"<iframe(?![^>]*\ssrc=)[^>]*></iframe>")


def sanitise(body: str, video_hosts: tuple[str, ...] = DEFAULT_VIDEO_HOSTS) -> str:
    """The body itself when it is safe, else the body with the unsafe parts removed."""
    if "<" not in body:
        return body
    policy = _Policy(video_hosts)
    if _is_safe(body, policy):
        return body
    return policy.clean(body, drop_noscript=True)


class _Policy:
    """One nh3 configuration: every tag and attribute of the body except the unsafe ones."""

    def __init__(self, video_hosts: tuple[str, ...]) -> None:
        self.video_hosts = tuple(h.lower().removeprefix("https://").removeprefix("http://")
                                 for h in video_hosts)

    def clean(self, body: str, drop_noscript: bool = False) -> str:
        tree = _parse(body)
        tags, attributes = _names(tree)
        dropped = set(DROP_WITH_CONTENT)
        if drop_noscript:
            dropped.add("noscript")
        if any(unsafe_css(node.text(deep=True)) for node in tree.css("style")):
            dropped.add("style")
        cleaned = nh3.clean(
            body,
            tags=(tags - dropped) | {"iframe"},
            clean_content_tags=dropped - {"iframe"},
            attributes={"*": {a for a in attributes if _attribute_allowed(a)}},
            attribute_filter=self._filter,
            url_schemes=set(SAFE_SCHEMES) | {"data"},
            strip_comments=False,
            link_rel=None,
        )
        return EMPTY_IFRAME.sub("", cleaned)

    def _filter(self, tag: str, attribute: str, value: str) -> str | None:
        name = attribute.lower()
        if tag == "iframe" and name == "src":
            return value if self._video(value) else None
        if name in URL_ATTRIBUTES:
            return value if url_safe(tag, value) else None
        if name in SRCSET_ATTRIBUTES:
            urls = [c.strip().split(" ")[0] for c in value.split(",") if c.strip()]
            return value if all(url_safe("img", u) for u in urls) else None
        if name == "style":
            return None if unsafe_css(value) else value
        return value

    def _video(self, src: str) -> bool:
        target = strip_scheme(URL_NOISE.sub("", html.unescape(src))).lower()
        scheme = SCHEME.match(src.strip())
        if scheme and scheme.group(1).lower() not in ("http", "https"):
            return False
        return any(target.startswith(host) for host in self.video_hosts)


def unsafe_css(css: str) -> bool:
    """Whether CSS can run code or load a style sheet, CSS escapes (``@\\69mport``) read."""
    readable = CSS_ESCAPE.sub(_css_character, css)
    return UNSAFE_CSS.search(readable) is not None


def _css_character(match: re.Match[str]) -> str:
    hexadecimal, other = match.group(1), match.group(2)
    if hexadecimal:
        code = int(hexadecimal, 16)
        return chr(code) if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else "\ufffd"
    return other or ""


def _attribute_allowed(name: str) -> bool:
    lowered = name.lower()
    return not lowered.startswith("on") and lowered not in DENY_ATTRIBUTES


def url_safe(tag: str, value: str) -> bool:
    """Whether a URL attribute can only navigate or load, never run code."""
    url = URL_NOISE.sub("", value)
    scheme = SCHEME.match(url)
    if not scheme:
        return True
    name = scheme.group(1).lower()
    if name == "data":
        return tag in ("img", "source", "video") and IMAGE_DATA.match(url) is not None
    return name in SAFE_SCHEMES


def holds_unsafe_markup(text: str, video_hosts: tuple[str, ...] = DEFAULT_VIDEO_HOSTS) -> bool:
    """Whether text, read as HTML, holds anything the sanitiser would remove."""
    policy = _Policy(video_hosts)
    tree = _parse(text)
    return IGNORED_HERE.search(text) is not None or \
        _shape(tree) != _shape(_parse(policy.clean(text))) or \
        any(holds_unsafe_markup(node.inner_html or "", video_hosts)
            for node in tree.css("noscript"))


def _is_safe(body: str, policy: _Policy) -> bool:
    if IGNORED_HERE.search(body) or closes_wrapper(body):
        return False
    if not _ends_in_place(_parse(body, with_what_follows=True)):
        return False
    tree = _parse(body)
    if _shape(tree) != _shape(_parse(policy.clean(body))):
        return False
    # Browsers with scripting on read <noscript> as text, lexbor as markup: a
    # lazy-loading script can still insert it, so what is inside must be safe too.
    return all(_is_safe(node.inner_html or "", policy) for node in tree.css("noscript"))


def _parse(body: str, with_what_follows: bool = False) -> LexborNode:
    """The body as the browser builds it inside a post, and what follows the post.

    ``<html>`` is included, since stray ``<html>``/``<body>`` tags in a fragment
    add their attributes to the page's own.
    """
    after = f"</div><i {AFTER_POST}></i>" if with_what_follows else ""
    document = LexborHTMLParser(f"<!DOCTYPE html><html><head></head><body><div>{body}{after}")
    assert document.root is not None
    return document.root


def _ends_in_place(tree: LexborNode) -> bool:
    """Whether the page goes on after the post as if the body were not there.

    An unclosed comment, ``<style>``, ``<textarea>`` or ``<b>`` would swallow or
    restyle the rest of the page; such a body is re-serialised, which closes it.
    """
    after = tree.css_first(f"[{AFTER_POST}]")
    return after is not None and after.parent is not None and after.parent.tag == "body"


def _names(tree: LexborNode) -> tuple[set[str], set[str]]:
    tags: set[str] = set()
    attributes: set[str] = set()
    for node in tree.traverse():
        if node.tag:
            tags.add(node.tag)
        attributes.update(node.attributes)
    tags -= {"html", "head", "body"}
    return tags, attributes


def _shape(tree: LexborNode) -> list[tuple[str, object]]:
    shape: list[tuple[str, object]] = []
    for node in tree.traverse(include_text=True):
        if node.tag == "-text":
            shape.append(("", node.text_content))
        elif node.tag == "_comment":
            shape.append(("!", node.html))
        else:
            attributes = sorted((k, v or "") for k, v in node.attributes.items())
            shape.append((node.tag or "", attributes))
    return shape


class _DivDepth(HTMLParser):
    """Follows the nesting of <div> tags as an HTML tokenizer sees them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.escaped = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "div":
            self.depth += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        pass  # <div/> opens nothing

    def handle_endtag(self, tag: str) -> None:
        if tag == "div":
            self.depth -= 1
            self.escaped = self.escaped or self.depth < 0


def closes_wrapper(body: str) -> bool:
    """Whether the body closes the ``<div>`` a post wraps it in.

    Jekyll's Markdown reader ends the post's HTML block at that ``</div>``
    and reads the rest of the body as Markdown, where text such as
    ``[x](javascript:...)`` becomes a live link: such a body is re-serialised.
    """
    if "</div" not in body.lower():
        return False
    depth = _DivDepth()
    depth.feed(body)
    depth.close()
    return depth.escaped


def one_line(markup: str) -> str:
    """Every line stripped of surrounding white space, joined with nothing."""
    return "".join(line.strip() for line in re.split(r"\r\n|\r|\n", markup))


def neutralise_liquid(text: str) -> str:
    """``{{`` and ``{%`` shown as text by Jekyll instead of run by Liquid."""
    return re.sub(r"\{(?=[{%])", "&#123;", text)


def has_liquid(text: str) -> bool:
    return "{{" in text or "{%" in text
