"""Images loaded through a proxy readers can reach, or from a copy kept in the repository,
changing no other byte of the markup.

``<img>`` start tags are found by an HTML tokenizer (never inside an
attribute value, a comment, a script or a style); lazy-loading attributes
are resolved to a real ``src`` first, as the page's script would (the rule
is ``lazy_images``', shared with extraction), and relative URLs are made
absolute against the article's link. An image kept in the repository
(``images: keep``) points at its file instead, and loses the attributes a
browser or a lazy loader would load the original from (``srcset``,
``data-src`` ...). The result is sanitised afterwards like any body
(``render``).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from html.parser import HTMLParser

from mirror.lazy_images import ATTRIBUTES as LAZY_ATTRIBUTES
from mirror.lazy_images import NOT_AN_IMAGE, real_source
from mirror.publish.clean import SCHEME, url_safe
from mirror.urls import normalise, strip_scheme

TAG_ATTRIBUTE = re.compile(
    r"""(?P<name>[^\s/>"'=][^\s/>"'=]*)(?:\s*=\s*(?P<value>"[^"]*"|'[^']*'|[^\s>]+))?""")


def image_sources(body: str, base: str) -> list[str]:
    """The absolute URL of every ``<img>`` as ``place_images`` sees it, in order."""
    found = []
    for _, tag in _start_tags(body, "img"):
        raw = _source(_attributes(tag), base)
        if raw is not None:
            found.append(html.unescape(raw))
    return found


def place_images(body: str, base: str, proxy: str | None,
                 local: Mapping[str, str] | None = None) -> str:
    """Each ``<img>`` whose URL (as ``image_sources`` gives it) is in ``local`` loaded from
    the path it maps to; the others through ``proxy`` (none: left as they are)."""
    edits = []
    for start, tag in _start_tags(body, "img"):
        new = _placed_tag(tag, base, proxy, local or {})
        if new != tag:
            edits.append((start, start + len(tag), new))
    for start, end, new in reversed(edits):
        body = body[:start] + new + body[end:]
    return body


class _StartTags(HTMLParser):
    """Where an HTML tokenizer finds the start tags of one name: never inside an attribute
    value, a comment, a script or a style, where a pattern would also find them."""

    def __init__(self, name: str) -> None:
        super().__init__(convert_charrefs=False)
        self.name = name
        self.found: list[tuple[tuple[int, int], str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        text = self.get_starttag_text()
        if tag == self.name and text:
            self.found.append((self.getpos(), text))

    handle_startendtag = handle_starttag


def _start_tags(body: str, name: str) -> Iterable[tuple[int, str]]:
    """(offset, raw text) of each start tag ``name``."""
    tokenizer = _StartTags(name)
    tokenizer.feed(body)
    tokenizer.close()
    line_starts = [0] + [i + 1 for i, ch in enumerate(body) if ch == "\n"]
    for (line, column), text in tokenizer.found:
        start = line_starts[line - 1] + column
        if body.startswith(text, start):
            yield start, text


def _attributes(tag: str) -> dict[str, tuple[int, int, str]]:
    """name -> (start, end, raw value) of each attribute value in a raw start tag."""
    found: dict[str, tuple[int, int, str]] = {}
    for match in _attribute_matches(tag):
        name = match.group("name").lower()
        if name not in found and match.group("value") is not None:
            found[name] = (match.start("value"), match.end("value"), match.group("value"))
        elif name not in found:
            found[name] = (match.end(), match.end(), "")
    return found


def _attribute_matches(tag: str) -> Iterable[re.Match[str]]:
    head = re.match(r"<[^\s/>]+", tag)
    return TAG_ATTRIBUTE.finditer(tag, head.end() if head else 0)


def _without(tag: str, names: Iterable[str]) -> str:
    """The tag without these attributes (and the spaces before them)."""
    drop = set(names)
    spans = [(match.start(), match.end()) for match in _attribute_matches(tag)
             if match.group("name").lower() in drop]
    for start, end in reversed(spans):
        while start > 0 and tag[start - 1] in " \t\n\r\f":
            start -= 1
        tag = tag[:start] + tag[end:]
    return tag


def _source(attributes: dict[str, tuple[int, int, str]], base: str) -> str | None:
    """The image's absolute URL in its raw (entity-escaped) form, or None."""
    source = _real_source(attributes)
    return _absolute_raw(source, base) if source is not None else None


def _placed_tag(tag: str, base: str, proxy: str | None, local: Mapping[str, str]) -> str:
    url = _source(_attributes(tag), base)
    if url is None:
        return tag
    kept = local.get(html.unescape(url))
    if kept is not None:
        return _with_src(_without(tag, LAZY_ATTRIBUTES), html.escape(kept))
    if proxy is None:
        return tag
    return _with_src(tag, _through_proxy(url, proxy).replace('"', "&quot;"))


def _with_src(tag: str, value: str) -> str:
    """The tag with ``src`` set to this (escaped) value, no other byte changed."""
    attributes = _attributes(tag)
    if "src" not in attributes:
        name = re.match(r"<[^\s/>]+", tag)
        cut = name.end() if name else len("<img")
        return f'{tag[:cut]} src="{value}"{tag[cut:]}'
    start, end, old = attributes["src"]
    if _unquote(old) == value:
        return tag
    if start == end:  # a bare ``src`` attribute without a value
        return f'{tag[:start]}="{value}"{tag[start:]}'
    quote = old[0] if old[:1] in ('"', "'") and value.find(old[0]) < 0 else '"'
    return f"{tag[:start]}{quote}{value}{quote}{tag[end:]}"


def _absolute_raw(raw: str, base: str) -> str | None:
    """The URL made absolute, still in its raw (entity-escaped) form, or None when unsafe."""
    if raw.startswith("//"):
        return f"{base.split(':', 1)[0]}:{raw}"
    if SCHEME.match(raw):
        return raw if url_safe("img", raw) else None
    absolute = normalise(html.unescape(raw), base)
    return html.escape(absolute, quote=False) if absolute else None


def _real_source(attributes: dict[str, tuple[int, int, str]]) -> str | None:
    """The URL a lazy loader would put in ``src`` (``lazy_images``), else ``src`` itself."""
    def value(name: str) -> str | None:
        return _unquote(attributes[name][2]) if name in attributes else None

    source = real_source(value) or (value("src") or "").strip()
    return source if source and not NOT_AN_IMAGE.match(source) else None


def _unquote(raw: str) -> str:
    return raw[1:-1] if raw[:1] in ('"', "'") and raw[-1:] == raw[:1] else raw


@lru_cache(maxsize=64)
def _proxy_forms(proxy: str) -> tuple[str, ...]:
    """The proxy prefix as it may appear already applied: with and without ``/`` before ``?``."""
    bare = strip_scheme(proxy).lower()
    return (bare, bare.replace("/?", "?"), bare.replace("?", "/?", 1) if "/?" not in bare else bare)


def _needs_proxy(url: str, proxy: str) -> bool:
    return not strip_scheme(url.strip()).lower().startswith(_proxy_forms(proxy))


def _through_proxy(url: str, proxy: str) -> str:
    return url if not _needs_proxy(url, proxy) else proxy + strip_scheme(url)
