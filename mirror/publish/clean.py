"""Make a body safe to publish, changing as few bytes as possible and losing none of its text.

Markup with nothing unsafe in it passes through byte for byte: readers'
sites already hold thousands of posts in that exact form, malformed but
harmless markup included. Only when it holds something unsafe (scripts,
event handlers, ``javascript:`` URLs, forms, plugins, frames outside the
video-host allowlist) is it re-serialised by nh3 with those parts removed
and everything else kept.

Whether anything is unsafe is read from the tree an HTML5 parser (lexbor,
like the browser's) builds from the body inside a post: every element and
attribute is held against the same policy nh3 applies when it cleans, so a
body the policy would change in any way is cleaned, and one it would not
change is kept as it is. The policy removes nothing that cannot run code,
submit data or load a page: a word that a broken attribute value spilled
into the tag (``alt="the "great conjunction" on Monday"`` makes ``on`` an
attribute) is inert, and keeps the body byte for byte.

What cleaning gives is checked before it is used, for every cleaned body: it
must be safe as the parser reads it (so cleaning it again changes nothing),
and it must hold all the visible text of the original apart from what sat
inside the removed elements. nh3 drops an element whose name belongs to
another namespace (``<text>``, ``<g>`` or ``<mi>`` outside ``<svg>``/``<math>``,
a custom element inside ``<svg>``) together with its text; such elements are
unwrapped, their text kept, and the body cleaned again. A body that still
loses text raises BodyLost: it is never written empty or cut.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterator
from functools import lru_cache
from html.parser import HTMLParser

import nh3
from selectolax.lexbor import LexborHTMLParser, LexborNode

from mirror.errors import BodyLost
from mirror.models import DEFAULT_VIDEO_HOSTS
from mirror.urls import strip_scheme

# Removed with everything inside them.
DROP_WITH_CONTENT = frozenset({
    "script", "object", "embed", "applet", "param", "input", "textarea", "select",
    "option", "optgroup", "datalist", "keygen", "frame", "frameset", "base", "link",
    "portal", "animate", "animatemotion", "animatetransform", "set", "handler", "listener",
    "isindex",  # older parsers make it a form with a text input
    # its content is a separate document the parse trees read below do not show, and
    # with shadowrootmode the browser renders it
    "template",
})
# Removed, their content kept: without a <form> nothing can be submitted, and some
# sites wrap a whole article in one; <plaintext> would make the rest of the page text.
UNWRAPPED = frozenset({"form", "plaintext"})
# Elements whose text no reader sees: what they hold does not count as the body's text.
UNSEEN = DROP_WITH_CONTENT | {"style", "noscript", "iframe", "noembed", "noframes"}
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
AFTER_POST = "data-mirror-after-post"
# Tags an HTML parser ignores inside a page's body but other readers of a post may not.
IGNORED_HERE = re.compile(r"<(?:frameset|frame)\b", re.I)
NOSCRIPT = re.compile(r"<noscript", re.I)
EMPTY_IFRAME = re.compile(r"<iframe(?![^>]*\ssrc=)[^>]*></iframe>")
NOT_ELEMENTS = frozenset({"-text", "-comment", "-doctype", "-document"})
FOREIGN_ROOTS = frozenset({"svg", "math"})
PROBE_TEXT = "\ue000"
UNWRAP_PASSES = 8


def sanitise(body: str, video_hosts: tuple[str, ...] = DEFAULT_VIDEO_HOSTS) -> str:
    """The body itself when it is safe, else the body with the unsafe parts removed.

    BodyLost when no cleaning keeps the body's visible text (apart from what sat
    inside the removed elements): a body is never returned emptied or cut.
    """
    if "<" not in body:
        return body
    policy = _policy(video_hosts)
    tree = read(body)
    if policy.publishable(body, tree):
        return body
    return policy.clean(body, tree)


def holds_unsafe_markup(text: str, video_hosts: tuple[str, ...] = DEFAULT_VIDEO_HOSTS) -> bool:
    """Whether text, read as HTML, holds anything the sanitiser would remove."""
    if "<" not in text:
        return False
    return IGNORED_HERE.search(text) is not None or \
        _policy(video_hosts).holds_unsafe(text, read(text))


@lru_cache(maxsize=16)
def _policy(video_hosts: tuple[str, ...]) -> _Policy:
    return _Policy(video_hosts)


class _Policy:
    """What is unsafe, read from a parsed body, and the nh3 configuration that removes it."""

    def __init__(self, video_hosts: tuple[str, ...]) -> None:
        self.video_hosts = tuple(h.lower().removeprefix("https://").removeprefix("http://")
                                 for h in video_hosts)

    # ---------------------------------------------------------------- reading

    def publishable(self, body: str, tree: LexborNode) -> bool:
        """Whether the body can be published as it is: safe, and closed where it ends."""
        return (IGNORED_HERE.search(body) is None and not closes_wrapper(body)
                and _ends_in_place(tree) and not self.holds_unsafe(body, tree))

    def holds_unsafe(self, source: str, tree: LexborNode) -> bool:
        """Whether the policy would remove anything from the parsed source."""
        if any(self._unsafe(node, source) for node in tree.traverse()):
            return True
        # Browsers with scripting on read <noscript> as text, which ends at the first
        # "</noscript" even inside an attribute value: what follows is markup there.
        return NOSCRIPT.search(source) is not None and \
            any(self._unsafe(node, source) for node in read(source, scripting=True).traverse())

    def _unsafe(self, node: LexborNode, source: str) -> bool:
        tag = (node.tag or "").lower()
        if tag in DROP_WITH_CONTENT or tag in UNWRAPPED:
            return True
        if tag == "style" and unsafe_css(node.text()):
            return True
        attributes = node.attributes
        return bool(attributes) and any(
            not self._attribute_kept(tag, name, value or "", source)
            for name, value in attributes.items())

    def _attribute_kept(self, tag: str, name: str, value: str, source: str) -> bool:
        lowered = name.lower()
        if not _attribute_allowed(lowered):
            return _inert_word(lowered, value, source)
        return self._filter(tag, lowered, value) == value

    # --------------------------------------------------------------- cleaning

    def clean(self, body: str, tree: LexborNode) -> str:
        """The body with the unsafe parts removed and its visible text kept; BodyLost else.

        ``tree`` is the body as ``read`` gives it.
        """
        tags, attributes = _names(tree)
        # read without what follows the post, which an unclosed <title> or <xmp> would
        # hold as text
        text = visible_text(read(body, closed=False))
        cleaned = self._kept(self._nh3(body, tags, attributes), text)
        if cleaned is not None:
            return cleaned
        unwrapped = _unwrap_dropped_namespaces(body)
        if unwrapped is not None:
            tags, attributes = _names(read(unwrapped, closed=False))
            cleaned = self._kept(self._nh3(unwrapped, tags, attributes), text)
            if cleaned is not None:
                return cleaned
        raise BodyLost("making the body safe would lose some of its text; it is not written")

    def _kept(self, cleaned: str, text: str) -> str | None:
        """The cleaned body when it is safe and holds the text, cleaned once more if need be."""
        for _ in range(2):
            tree = read(cleaned)
            if self.publishable(cleaned, tree):
                return cleaned if _keeps_text(visible_text(tree), text) else None
            tags, attributes = _names(tree)
            cleaned = self._nh3(cleaned, tags, attributes)
        return None

    def _nh3(self, body: str, tags: set[str], attributes: set[str]) -> str:
        dropped = {tag for tag in tags if tag.lower() in DROP_WITH_CONTENT}
        dropped.add("noscript")
        if "style" in tags and any(unsafe_css(node.text(deep=True))
                                   for node in read(body, closed=False).css("style")):
            dropped.add("style")
        kept = {tag for tag in tags
                if tag not in dropped and tag.lower() not in UNWRAPPED} | {"iframe"}
        cleaned = nh3.clean(
            body,
            tags=kept,
            clean_content_tags=(dropped | DROP_WITH_CONTENT) - kept,
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
    readable = CSS_ESCAPE.sub(_css_character, css) if "\\" in css else css
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


def _inert_word(name: str, value: str, source: str) -> bool:
    """Whether a denied attribute is only a word a broken attribute value spilled.

    ``alt="their "great conjunction" on Monday"`` gives the ``<img>`` the
    attributes ``great``, ``conjunction"``, ``on`` and ``monday"``: ``on`` has
    no value and is written nowhere with one, so it can run nothing.
    """
    if value.strip():
        return False
    written_with_value = re.compile(r"(?<![^\s\"'/])" + re.escape(name) + r"\s*=", re.I)
    return written_with_value.search(source) is None


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


# ------------------------------------------------------------------ reading

def read(body: str, scripting: bool = False, closed: bool = True) -> LexborNode:
    """The body as the browser builds it inside a post, and what follows the post.

    ``<html>`` is included, since stray ``<html>``/``<body>`` tags in a fragment
    add their attributes to the page's own. With ``closed``, the post's
    ``</div>`` and a marker element follow the body (see ``_ends_in_place``).
    """
    after = f"</div><i {AFTER_POST}></i>" if closed else ""
    document = LexborHTMLParser(f"<!DOCTYPE html><html><head></head><body><div>{body}{after}",
                                scripting=scripting)
    assert document.root is not None
    return document.root


def _ends_in_place(tree: LexborNode) -> bool:
    """Whether the page goes on after the post as if the body were not there.

    An unclosed comment, ``<style>``, ``<textarea>`` or ``<b>`` would swallow or
    restyle the rest of the page; such a body is re-serialised, which closes it.
    """
    markers = tree.css(f"[{AFTER_POST}]")
    after = markers[-1] if markers else None
    return after is not None and after.parent is not None and after.parent.tag == "body"


def _names(tree: LexborNode) -> tuple[set[str], set[str]]:
    tags: set[str] = set()
    attributes: set[str] = set()
    for node in tree.traverse():
        tag = node.tag
        if tag and tag not in NOT_ELEMENTS:
            tags.add(tag)
            attributes.update(node.attributes)
    tags -= {"html", "head", "body"}
    return tags, attributes


MEDIA = "img, video, audio, iframe, picture, svg, object"


def shows_nothing(body: str) -> bool:
    """Whether a (safe) body has no text a reader sees and no image or player."""
    tree = read(body, closed=False)
    return not tree.css_first(MEDIA) and not visible_text(tree)


def visible_text(tree: LexborNode) -> str:
    """The text a reader sees, white space left out; ``tree`` loses its unseen elements."""
    tree.strip_tags(sorted(UNSEEN), recursive=True)
    return "".join(tree.text(deep=True).split())


def _keeps_text(cleaned: str, original: str) -> bool:
    """Whether no character of the original text is missing from the cleaned text.

    Re-serialising may move some (a table's stray text goes before it) or show
    more (what a browser with scripting on reads in ``<noscript>``), never less.
    """
    return cleaned == original or not Counter(original) - Counter(cleaned)


# ------------------------------------------------- elements nh3 drops whole

def _unwrap_dropped_namespaces(body: str) -> str | None:
    """The body re-serialised with the elements nh3 would drop with their text unwrapped.

    nh3 (ammonia) removes, text and all, an element whose name does not belong
    to the namespace the parser put it in: ``<text>`` or ``<mi>`` in HTML, a
    custom element inside ``<svg>``, HTML inside ``<svg><desc>``. Which ones it
    drops is asked of nh3 itself, for each chain of names holding text. None
    when there is none.
    """
    root = read(body, closed=False)
    changed = False
    for _ in range(UNWRAP_PASSES):
        dropped = list(_dropped_by_nh3(root))
        if not dropped:
            break
        for node in dropped:
            node.unwrap()
        changed = True
    return _fragment(root) if changed else None


def _dropped_by_nh3(root: LexborNode) -> Iterator[LexborNode]:
    """The outermost elements holding text that nh3 would drop with it, each once."""
    seen: set[int] = set()
    for text in root.traverse(include_text=True, skip_empty=True):
        if text.tag != "-text" or not (text.text_content or "").strip():
            continue
        chain = _ancestors(text)
        names = [(node.tag or "").lower() for node in chain]
        if any(name in UNSEEN for name in names):
            continue
        foreign = next((i for i, name in enumerate(names) if name in FOREIGN_ROOTS), len(names))
        for i, node in enumerate(chain):
            start = foreign if foreign <= i else i
            if not _nh3_keeps_text_in(tuple(n.tag or "" for n in chain[start:i + 1])):
                if node.mem_id not in seen:
                    seen.add(node.mem_id)
                    yield node
                break


def _ancestors(node: LexborNode) -> list[LexborNode]:
    """The elements holding a node inside the page's body, outermost first, without the
    post's own ``<div>`` (the body's first child: ``read`` puts it there)."""
    chain: list[LexborNode] = []
    parent = node.parent
    while parent is not None and parent.tag not in ("body", "html", None):
        chain.append(parent)
        parent = parent.parent
    if chain and chain[-1].prev is None:
        chain.pop()
    return chain[::-1]


@lru_cache(maxsize=4096)
def _nh3_keeps_text_in(chain: tuple[str, ...]) -> bool:
    """Whether nh3 keeps text inside these nested elements when it allows them all."""
    probe = "".join(f"<{tag}>" for tag in chain) + PROBE_TEXT + \
        "".join(f"</{tag}>" for tag in reversed(chain))
    cleaned = nh3.clean(probe, tags=set(chain), clean_content_tags=set(), attributes={},
                        strip_comments=False, link_rel=None)
    return PROBE_TEXT in cleaned


def _fragment(root: LexborNode) -> str:
    """The markup of the body read by ``read(closed=False)``, without the post's ``<div>``."""
    body = root.css_first("body")
    parts: list[str] = []
    node = body.child if body is not None else None
    first = True
    while node is not None:
        parts.append((node.inner_html or "") if first else (node.html or ""))
        first = False
        node = node.next
    return "".join(parts)


# ------------------------------------------------------------------ wrapper

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
