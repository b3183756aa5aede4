"""Article -> Post: front matter, heading and body in the seed format. Pure: no I/O.

The format is the contract of ../shared/FORMAT.md; the reference is the seed
post. Every front matter loads back with a YAML parser to exactly the values
written, whatever a title holds, and the body is safe to publish.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime

import yaml
from slugify import slugify

from mirror.errors import EntryError
from mirror.models import Article, Entry, FeedConfig, Post
from mirror.publish.clean import (
    DEFAULT_VIDEO_HOSTS,
    has_liquid,
    holds_unsafe_markup,
    neutralise_liquid,
    one_line,
    sanitise,
)
from mirror.publish.images import proxy_images

SLUG_CHARS = 80
NAME_BYTES = 255
SUFFIX_BYTES = 9  # room for "-" and an 8-character collision suffix
FEED_SLUG_BYTES = 100
WINDOWS_RESERVED = re.compile(r"(?:con|prn|aux|nul|com\d|lpt\d)(?:\..*)?", re.I)
NO_BREAK_SPACES = re.compile("[\t\n\r\u00a0\u2007\u202f\u2028\u2029]")
INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufeff\ufffe\uffff]")
TAG_START = re.compile(r"<(?=[A-Za-z/!?])")
Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


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
    if feed.image_proxy:
        body = proxy_images(body, feed.image_proxy, article.entry.link)
    # Sanitised last: whatever the steps before it produced, only safe markup gets out.
    body = sanitise(body, video_hosts)
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

def clean_text(text: str) -> str:
    """One line of printable text: control characters gone, odd spaces plain, trimmed."""
    text = NO_BREAK_SPACES.sub(" ", INVISIBLE.sub("", text))
    return text.strip()


def front_matter(title: str, date_ms: int, author: str, link: str,
                 tags: tuple[str, ...], categories: tuple[str, ...]) -> str:
    title = _inert_markup(title)
    author = _inert_markup(author)
    text = (
        "---\n"
        "layout: post\n"
        f"title: {quoted(title)}\n"
        f"date: {iso_date(date_ms)}\n"
        f"author: {scalar(author)}\n"
        f"from: {scalar(link)}\n"
        f"tags: {flow_list(tags)}\n"
        f"categories: {flow_list(categories)}\n"
        "---\n"
    )
    _check_loads(text, {"title": title, "author": author, "from": link,
                        "tags": list(tags), "categories": list(categories)})
    return text


def heading_line(title: str, link: str) -> str:
    """``[title](link)``: the title as the feed gave it, made inert for Markdown and Liquid."""
    shown = NO_BREAK_SPACES.sub(lambda m: m.group(0) if m.group(0) == "\u00a0" else " ",
                                INVISIBLE.sub("", title)).strip()
    shown = re.sub(r"([\\\[\]])", r"\\\1", TAG_START.sub("&lt;", shown))
    if has_liquid(shown):
        shown = neutralise_liquid(shown)
    target = link.replace("(", "%28").replace(")", "%29").replace(" ", "%20")
    return f"[{shown}]({target})"


def _inert_markup(text: str) -> str:
    """The text itself, unless as HTML it holds something unsafe (a theme may print a
    title unescaped): then each ``<`` that would start a tag is written as an entity."""
    if not TAG_START.search(text) or not holds_unsafe_markup(text):
        return text
    return TAG_START.sub("&lt;", text)


def quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def scalar(text: str) -> str:
    """The text unquoted when YAML reads it back unchanged, else double-quoted."""
    return text if _loads_as(text, f"k: {text}", text) else quoted(text)


def flow_list(items: tuple[str, ...]) -> str:
    shown = [item if _loads_as(item, f"k: [ {item} ]", [item]) else quoted(item)
             for item in items]
    return "[ " + ", ".join(shown) + " ]"


def _loads_as(text: str, document: str, expected: object) -> bool:
    if not text or text != text.strip() or "\n" in text:
        return False
    try:
        return yaml.load(document, Loader=Loader) == {"k": expected}
    except yaml.YAMLError:
        return False


def _check_loads(text: str, expected: dict[str, object]) -> None:
    try:
        loaded = yaml.load(text.strip().strip("-"), Loader=Loader)
    except yaml.YAMLError as exc:
        raise EntryError(f"front matter would not load: {exc}") from None
    wrong = [key for key, value in expected.items() if loaded.get(key) != value]
    if wrong:
        raise EntryError(f"front matter would not load back: {', '.join(wrong)}")


def iso_date(ms: int) -> str:
    moment = datetime.fromtimestamp(ms // 1000, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


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
