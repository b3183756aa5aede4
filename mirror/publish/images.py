"""Images loaded through a proxy readers can reach, changing no other byte of the markup.

``<img>`` start tags are found by an HTML tokenizer (never inside an
attribute value, a comment, a script or a style); lazy-loading attributes
are resolved to a real ``src`` first, as the page's script would (the rule
is ``lazy_images``', shared with extraction), and relative URLs are made
absolute against the article's link. The result is sanitised afterwards like
any body (``render``).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from functools import lru_cache
from html.parser import HTMLParser

from mirror.lazy_images import NOT_AN_IMAGE, real_source
from mirror.publish.clean import SCHEME, url_safe
from mirror.urls import normalise, strip_scheme

TAG_ATTRIBUTE = re.compile(
    r"""(?P<name>[^\s/>"'=][^\s/>"'=]*)(?:\s*=\s*(?P<value>"[^"]*"|'[^']*'|[^\s>]+))?""")


def proxy_images(body: str, proxy: str, base: str) -> str:
    """Every ``<img>`` loaded through ``proxy``; no other byte of the markup changes.

    Lazy-loading attributes are resolved to a real ``src`` first and relative
    URLs made absolute against ``base`` (the article's link).
    """
    edits = []
    for start, tag in _start_tags(body, "img"):
        new = _proxied_tag(tag, proxy, base)
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
    head = re.match(r"<[^\s/>]+", tag)
    offset = head.end() if head else 0
    for match in TAG_ATTRIBUTE.finditer(tag, offset):
        name = match.group("name").lower()
        if name not in found and match.group("value") is not None:
            found[name] = (match.start("value"), match.end("value"), match.group("value"))
        elif name not in found:
            found[name] = (match.end(), match.end(), "")
    return found


def _proxied_tag(tag: str, proxy: str, base: str) -> str:
    attributes = _attributes(tag)
    source = _real_source(attributes)
    if source is None:
        return tag
    url = _absolute_raw(source, base)
    if url is None:
        return tag
    value = _through_proxy(url, proxy).replace('"', "&quot;")
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
