"""Article -> Post: front matter, heading and body in the seed format. Pure: no I/O.

The format is the contract of ../shared/FORMAT.md; the reference is the seed
post. Every front matter loads back with a YAML parser to exactly the values
written, whatever a title holds, and the body is safe to publish.
"""

from __future__ import annotations

import re
import string
import unicodedata
from datetime import UTC, datetime

from slugify import slugify

from mirror.errors import EmptyBody
from mirror.models import Article, Entry, FeedConfig, Post
from mirror.publish.clean import (
    DEFAULT_VIDEO_HOSTS,
    has_liquid,
    neutralise_liquid,
    one_line,
    sanitise,
    shows_nothing,
)
from mirror.publish.front_matter import INVISIBLE, NO_BREAK_SPACES, clean_text, front_matter
from mirror.publish.images import place_images

SLUG_CHARS = 80
NAME_BYTES = 255
SUFFIX_BYTES = 9  # room for "-" and an 8-character collision suffix
FEED_SLUG_BYTES = 100
WINDOWS_RESERVED = re.compile(r"(?:con|prn|aux|nul|com\d|lpt\d)(?:\..*)?", re.I)
# What kramdown may read as a tag: its names start with any letter (<新>), "_" or ":".
HEADING_TAG_START = re.compile(r"<(?=[/!?:]|[^\W\d])")
ASCII_PUNCTUATION = frozenset(string.punctuation)
# A CommonMark code span: a run of backticks, then text, then a run of the same length.
CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.S)



def render(article: Article, feed: FeedConfig, now_ms: int,
           video_hosts: tuple[str, ...] = DEFAULT_VIDEO_HOSTS) -> Post:
    """The post for an article, at its preferred path (the archive settles collisions)."""
    entry = article.entry
    published, date_ms = _dates(entry, now_ms)
    title = clean_text(entry.title)
    author = clean_text(entry.author or "") or feed.author or feed.name
    front = front_matter(title, date_ms, author, entry.link, feed.tags, feed.categories)
    heading = heading_line(entry.title, entry.link)
    body = render_body(article, feed, video_hosts)
    ms = published if published is not None else now_ms
    text = f"{front}<!--{ms}-->\n{heading}\n------\n\n{body}"
    return Post(entry=entry, path=post_path(feed, title, entry.link, date_ms), text=text)


def preferred_path(entry: Entry, feed: FeedConfig, now_ms: int) -> str:
    """Where an entry's post goes unless the name is taken: known before its body is."""
    return post_path(feed, clean_text(entry.title), entry.link, _dates(entry, now_ms)[1])


def _dates(entry: Entry, now_ms: int) -> tuple[int | None, int]:
    """The entry's own time (None when it has none usable) and the post's date: never
    later than the run."""
    published = entry.published_ms if _representable(entry.published_ms) else None
    return published, min(published, now_ms) if published is not None else now_ms


def render_body(article: Article, feed: FeedConfig,
                video_hosts: tuple[str, ...] = DEFAULT_VIDEO_HOSTS) -> str:
    """The body block: one line of safe HTML in ``<div>``, or Markdown."""
    body = one_line(INVISIBLE.sub("", article.body))
    if feed.image_proxy or article.images:
        body = place_images(body, article.entry.link, feed.image_proxy, dict(article.images))
    # Sanitised last: whatever the steps before it produced, only safe markup gets out.
    body = sanitise(body, video_hosts)
    if shows_nothing(body):
        raise EmptyBody("the post would show nothing: no text and no image")
    if feed.format == "markdown":
        return _markdown(body) + "\n"
    if has_liquid(body):
        body = neutralise_liquid(body)
    return f"<div>\n{body}\n</div>\n"


def _markdown(body: str) -> str:
    from markdownify import markdownify  # only Markdown posts need it (and it is slow to load)

    # escape_misc: text that reads like markup ("<script>" written as text in the
    # page) must stay text, or Markdown would pass it on as real HTML.
    text = markdownify(body, heading_style="ATX", bullets="-", strip=["div", "span"],
                       escape_misc=True).strip()
    text = re.sub(r"\n{3,}", "\n\n", text)
    if not has_liquid(text):
        return text
    if "endraw" not in text:
        return "{% raw %}\n" + text + "\n{% endraw %}"
    return neutralise_liquid(text)


# ------------------------------------------------------------ front matter

def heading_line(title: str, link: str) -> str:
    """``[title](link)``: the title as the feed gave it, one link, inert for Markdown and Liquid."""
    shown = NO_BREAK_SPACES.sub(lambda m: m.group(0) if m.group(0) == "\u00a0" else " ",
                                INVISIBLE.sub("", title)).strip()
    target = link.replace("(", "%28").replace(")", "%29").replace(" ", "%20").replace("`", "%60")
    return f"[{link_text(shown)}]({target})"


def link_text(text: str) -> str:
    """Text that Markdown (CommonMark and Jekyll's kramdown) shows as it is inside ``[...]``.

    Escaped only where it must be: balanced brackets (``[影]``) and other
    punctuation stay byte for byte, as the original mirror wrote them, and so do
    entities (feeds give titles such as ``R&amp;D``, which Markdown shows as the
    feed meant). Escaped: brackets that would end the link early or start a link
    inside it, a backslash that would escape what follows it, text that reads as
    an HTML tag (``&lt;``), kramdown's attribute lists (``{:``), math (``$$``) and
    footnotes (``[^``), and, beside brackets, the emphasis marks kramdown would
    let hide one. Liquid markers are neutralised. Code spans are left as they are
    (nothing can be escaped inside them); a backtick outside one is escaped, since
    kramdown pairs backticks CommonMark leaves alone. With Liquid markers there
    are no code spans: every backtick is escaped.
    """
    liquid = has_liquid(text)
    code = [False] * len(text)
    if not liquid:
        for span in CODE_SPAN.finditer(text):
            code[span.start():span.end()] = [True] * (span.end() - span.start())
    escaped = _unbalanced_brackets(text, code)
    brackets = any(char in "[]" and not code[i] and i not in escaped
                   for i, char in enumerate(text))
    shown = "".join(char if code[i] else _shown(text, i, escaped, brackets)
                    for i, char in enumerate(text))
    return neutralise_liquid(shown) if liquid else shown


def _shown(text: str, i: int, escaped: set[int], brackets: bool) -> str:
    """How character ``i`` of a title is written inside the heading's link text."""
    char, before, after = text[i], text[i - 1:i], text[i + 1:i + 2]
    if i in escaped or char == "`" or \
            (char == "\\" and (not after or after in ASCII_PUNCTUATION)) or \
            (char == "{" and after == ":") or (char == "$" and "$" in (before, after)) or \
            (char in "*_" and brackets):
        return "\\" + char
    if char == "<" and HEADING_TAG_START.match(text, i):
        return "&lt;"
    if char == "^" and (i == 0 or (before == "[" and i - 1 not in escaped)):
        return "&#94;"  # kramdown reads "[^" as a footnote and escapes no "^"
    if char == "~" and brackets and "~" in (before, after):
        return "&#126;"  # nor "~", which GFM's "~~" would pair across a bracket
    return char


def _unbalanced_brackets(text: str, code: list[bool]) -> set[int]:
    """Positions of the brackets to escape: unmatched ones, and a matched pair followed
    by ``(``, which would make a link inside the link."""
    escaped: set[int] = set()
    opened: list[int] = []
    for i, char in enumerate(text):
        if code[i]:
            continue
        if char == "[":
            opened.append(i)
        elif char == "]" and not opened:
            escaped.add(i)
        elif char == "]":
            start = opened.pop()
            if text[i + 1:i + 2] == "(":
                escaped.update((start, i))
    escaped.update(opened)
    return escaped


def _representable(ms: int | None) -> bool:
    """Dates from 1970 to 9999 only: anything else (Go's zero time 0001-01-01 among them)
    is a broken feed, not a date, and gets the run's time."""
    return ms is not None and 0 <= ms < 253402300800000


# --------------------------------------------------------------- file names

def post_path(feed: FeedConfig, title: str, link: str, date_ms: int) -> str:
    """The preferred path of a post, relative to the archive, from the feed's template."""
    day = datetime.fromtimestamp(date_ms // 1000, UTC)
    fields = {
        "date": day.strftime("%Y-%m-%d"), "year": day.strftime("%Y"),
        "month": day.strftime("%m"), "day": day.strftime("%d"),
        "feed": fit_bytes(slug(feed.name) or "feed", FEED_SLUG_BYTES), "slug": "\0",
    }
    template = feed.filename.format(**fields)
    name_part = template.rsplit("/", 1)[-1]
    fixed = len(name_part.replace("\0", "").encode())
    budget = (NAME_BYTES - SUFFIX_BYTES - fixed) // max(1, name_part.count("\0"))
    text_slug = fit_bytes(slug(title) or slug(_last_segment(link)) or "post", budget)
    parts = template.replace("\0", text_slug).split("/")
    return "/".join(safe_component(_fit_component(part, last=i == len(parts) - 1))
                    for i, part in enumerate(parts))


def slug(text: str) -> str:
    """python-slugify, CJK kept, cut at a word boundary near SLUG_CHARS characters."""
    full = slugify(unicodedata.normalize("NFKC", text), allow_unicode=True)
    if len(full) <= SLUG_CHARS:
        return full
    cut = full[:SLUG_CHARS]
    boundary = cut.rfind("-")
    return cut[:boundary] if boundary > SLUG_CHARS // 2 else cut.rstrip("-")


def fit_bytes(text: str, budget: int) -> str:
    """The longest prefix of text whose UTF-8 form fits the budget, never ending in '-'."""
    encoded = text.encode()
    if len(encoded) <= budget:
        return text
    return encoded[:max(budget, 1)].decode("utf-8", errors="ignore").rstrip("-") or "post"


def _fit_component(part: str, last: bool) -> str:
    """A path component within the bytes every file system allows (a file keeps its .md)."""
    if not last:
        return fit_bytes(part, NAME_BYTES)
    stem, dot, extension = part.rpartition(".")
    return fit_bytes(stem, NAME_BYTES - SUFFIX_BYTES - len(extension) - 1) + dot + extension


def safe_component(part: str) -> str:
    """A path component valid on Linux, macOS and Windows."""
    part = re.sub(r'[<>:"\\|?*\x00-\x1f]', "-", part).rstrip(" .")
    if WINDOWS_RESERVED.fullmatch(part):
        part = "_" + part
    return part or "_"


def _last_segment(link: str) -> str:
    path = link.split("?", 1)[0].split("#", 1)[0].rstrip("/")
    return path.rsplit("/", 1)[-1]
