"""Page HTML -> the article's body as one HTML fragment, structure kept.

1. The page is parsed once and fixed for what both extractors miss: hidden
   nodes and screen-reader-only text go, lazy images get their real source,
   embedded posts are renamed so readability does not take them for Twitter
   widgets.
2. readability-lxml extracts the article (counting the commas of every
   script, as Readability.js does: ``readable``); trafilatura (when
   installed, as it is by default) gives a second opinion, and ``combine``
   merges the two.
3. On a page of several posts (a blog's archive, a forum thread) the first
   post is the article (``posts``); the headline and the lines about the
   article at its edges (dateline, source, credits) go (``trim``).
4. The result keeps paragraphs, headings, lists, tables, figures and their
   captions, links made absolute and images with a real ``src``; attributes
   are reduced to the ones a reader needs.

CPU-heavy: the pipeline runs it in worker processes.
"""

from __future__ import annotations

import contextlib
import logging
import re
import threading
from types import ModuleType
from urllib.parse import urljoin

import lxml.etree
import lxml.html
from lxml.html import HtmlElement

from mirror.errors import PageGone
from mirror.extraction.combine import combine
from mirror.extraction.posts import first_post
from mirror.extraction.readable import ReadableDocument
from mirror.extraction.trim import page_titles, trim
from mirror.lazy_images import real_source
from mirror.text import has_units, visible_text

trafilatura: ModuleType | None
try:
    import trafilatura
    from trafilatura.core import determine_returnstring
    from trafilatura.settings import Extractor
except ImportError:  # readability alone still works, a little less well
    trafilatura = None

# The extractors log their failures with tracebacks; mirror reports them its own way.
for _library in ("readability", "trafilatura", "htmldate", "courlan", "justext"):
    logging.getLogger(_library).addHandler(logging.NullHandler())
    logging.getLogger(_library).propagate = False

KEEP_ATTRIBUTES = frozenset(
    "href src alt title colspan rowspan datetime lang dir start controls poster width height "
    "allow allowfullscreen frameborder type".split())
LINK_ATTRIBUTES = ("href", "src")  # the attributes of KEEP_ATTRIBUTES that lxml reads as links
LINKS_IN_TEXT = ("style",)
MEDIA = ("img", "iframe", "video", "audio", "source", "picture")
SHOWN_MEDIA = ("img", "iframe", "video", "audio")
INLINE = frozenset("a abbr b bdi bdo cite code dfn em font i kbd mark q s samp small span strong "
                   "sub sup time u var".split())
IMAGE_FILE = re.compile(r"\.(?:jpe?g|png|gif|webp|avif)(?:$|[?#])", re.I)
SCREEN_READER_ONLY = re.compile(
    r"(?:^|\s)(?:sr-only|screen-reader(?:-text|-only)?|visually-hidden|visuallyhidden|"
    r"off-screen|offscreen|hidden-visually|a11y-hidden|u-hidden)(?:\s|$)", re.I)
HIDDEN_STYLE = re.compile(r"(?:^|;)\s*(?:display\s*:\s*none|visibility\s*:\s*hidden)", re.I)
# readability's "unlikely candidates" pattern holds "tweet|twitter": embedded posts vanish.
EMBED_CLASS = re.compile(r"\b(?:twitter-tweet|twitter-video|instagram-media|tiktok-embed)\b")
HTML_SPACES = re.compile(r"[ \t\n\r\f]+")  # what HTML collapses to one space
NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
MIN_TOKENS = 10  # less is a menu or an error message, not an article
NEWLINE_IN_PRE = "\ue000"  # stands for a newline inside <pre> until serialised


def extract(html: str, url: str) -> str:
    """The article's body as one ``<div>``; PageGone when the page holds no article."""
    document = parse(html)
    base = base_url(document, url)
    prepare(document)
    body = combine(run_readability(document), run_trafilatura(document, base))
    titles = page_titles(document)
    post = first_post(document, body, titles) if body is not None else None
    body = post if post is not None else body
    if body is None or not has_units(visible_text(body, tidy=False), 1):
        raise PageGone(f"{url}: no article text found on the page")
    trim(body, titles)
    finish(body, base)
    if not has_units(visible_text(body, tidy=False), MIN_TOKENS) and \
            not body.xpath(".//img|.//video|.//iframe"):
        raise PageGone(f"{url}: no article text found on the page")
    return serialise(body)


def parse(html: str) -> HtmlElement:
    """The page as a tree; an XML declaration would make lxml refuse a str, and so would
    characters XML cannot hold (control characters real pages carry)."""
    html = re.sub(r"^\s*<\?xml[^>]*\?>", "", html)
    html = NOT_IN_XML.sub("", html)
    try:
        return lxml.html.document_fromstring(html, parser=_parser())
    except (lxml.etree.ParserError, ValueError):
        return lxml.html.document_fromstring("<html><body></body></html>")


_PARSERS = threading.local()


def _parser() -> lxml.html.HTMLParser:
    """lxml's HTML parser as trafilatura sets up its own: without comments and processing
    instructions (no reader sees them, and both extractors would copy them around) and
    without an index of ids (nothing looks elements up by id). One per thread.

    Every element is an ``HtmlElement``, chosen in C: lxml.html's own lookup is
    Python code run for each element the extractors touch (about 5% of an
    extraction), only to pick its form classes, which no reader here uses."""
    parser = getattr(_PARSERS, "parser", None)
    if parser is None:
        parser = _PARSERS.parser = lxml.html.HTMLParser(
            remove_comments=True, remove_pis=True, collect_ids=False)
        parser.set_element_class_lookup(lxml.etree.ElementDefaultClassLookup(
            element=lxml.html.HtmlElement, comment=lxml.html.HtmlComment,
            pi=lxml.html.HtmlProcessingInstruction, entity=lxml.html.HtmlEntity))
    return parser


def base_url(document: HtmlElement, url: str) -> str:
    """Relative links resolve against ``<base href>`` when the page has one."""
    base = document.find(".//base[@href]")
    if base is None:
        return url
    try:
        return urljoin(url, (base.get("href") or "").strip())
    except ValueError:  # a broken <base> is ignored, as browsers do
        return url


# ------------------------------------------------------------ preparation

def prepare(document: HtmlElement) -> None:
    for element in document.xpath("//script|//style|//template|//noscript"):
        element.drop_tree()
    drop_invisible(document)
    resolve_lazy_images(document)


def drop_invisible(document: HtmlElement) -> None:
    """What a reader never sees is not part of the article. In the same pass, embedded
    posts are renamed (readability's "unlikely candidates" hold "tweet|twitter": they
    would vanish)."""
    for element in document.xpath("//*[@hidden or @aria-hidden='true' or @style or @class]"):
        if element.getparent() is None:  # dropped with an ancestor, or the root
            if element.tag == "html":
                rename_embed(element)
            continue
        if element.tag not in ("html", "body") and (
                element.get("hidden") is not None
                or (element.get("aria-hidden") == "true" and not element.xpath(".//img"))
                or HIDDEN_STYLE.search(element.get("style", ""))
                or SCREEN_READER_ONLY.search(element.get("class", ""))):
            element.drop_tree()
        else:
            rename_embed(element)


def resolve_lazy_images(document: HtmlElement) -> None:
    """What a lazy loader's script would do: the real URL into ``src``."""
    for image in list(document.iter("img")):
        source = real_source(image.get)
        if source:
            image.set("src", source)
        elif image.getparent() is not None:
            image.drop_tree()  # a placeholder only; readability would point it at the page
    for holder in document.xpath(
            "//*[@data-src and not(self::img or self::iframe or self::script or self::source"
            " or self::video or self::audio) and not(*)]"):
        if IMAGE_FILE.search(holder.get("data-src", "")) and not (holder.text or "").strip():
            image = lxml.html.Element("img", src=holder.get("data-src"),
                                      alt=holder.get("data-alt", ""))
            image.tail = holder.tail
            holder.getparent().replace(holder, image)


def rename_embed(element: HtmlElement) -> None:
    names = element.get("class")
    if names and EMBED_CLASS.search(names):
        element.set("class", EMBED_CLASS.sub("embedded-post", names))


# ------------------------------------------------------------- extractors

def run_readability(document: HtmlElement) -> HtmlElement | None:
    """readability's article, from the shared tree: ``ReadableDocument`` works on a copy
    of it (the library's cleaner copies the tree it is given)."""
    try:
        # keep_all_images: otherwise image-only blocks count as empty and vanish
        # no url: links are made absolute once, in finish(), against the page's <base>
        html = ReadableDocument(document).summary(html_partial=True, keep_all_images=True)
    except Exception:  # readability raises bare Exceptions on degenerate pages
        return None
    fragment = parse_fragment(html)
    for frame in fragment.iter("iframe") if fragment is not None else ():
        frame.text = None  # readability fills video frames with the word VIDEO
    return fragment


def run_trafilatura(document: HtmlElement, url: str) -> HtmlElement | None:
    """trafilatura's article, from the shared tree: trafilatura (>= 2.0) changes only
    copies of the tree it is given.

    What ``trafilatura.extract(document, url=url, output_format="html",
    include_images=True, include_tables=True, include_links=True,
    include_comments=False)`` returns, without the fingerprint of the text it
    computes for its metadata (a simhash: 4% of an extraction), which mirror
    never reads."""
    if trafilatura is None:
        return None
    try:
        options = Extractor(output_format="html", comments=False, links=True, images=True,
                            tables=True, url=url)
        found = trafilatura.bare_extraction(document, options=options, as_dict=False)
        html = determine_returnstring(found, options) if found is not None else None
    except Exception:  # a second opinion is optional: never let it fail the page
        return None
    return parse_fragment(html) if html else None


def parse_fragment(html: str) -> HtmlElement | None:
    """One root element for an extractor's output, whatever its shape."""
    try:
        return lxml.html.fragment_fromstring(html)
    except (lxml.etree.ParserError, AssertionError, ValueError):
        body = parse(html).find(".//body")
        if body is not None:
            body.tag = "div"
        return body


# ---------------------------------------------------------------- finish

def finish(body: HtmlElement, base: str) -> None:
    for image in list(body.iter("img")):
        source = real_source(image.get)
        if source:
            image.set("src", source)
        else:
            image.drop_tree()
    if body.tag in LINKS_IN_TEXT or body.find(".//style") is not None:
        body.make_links_absolute(base, resolve_base_href=False, handle_failures="ignore")
        absolute = False
    else:
        absolute = True
    for element in body.iter(lxml.etree.Element):
        attributes = element.attrib
        for name in [name for name in attributes if name not in KEEP_ATTRIBUTES]:
            del attributes[name]
        if absolute and element.tag != "object":
            make_absolute(attributes, base)
    remove_empty(body)


def make_absolute(attributes: lxml.etree._Attrib, base: str) -> None:
    """lxml's ``make_links_absolute`` for the only link attributes a post keeps, in one
    pass with the others' removal: the value, stripped, joined to the base (kept as it is
    when it is no URL); ``<object>`` (whose links lxml reads from other attributes) and
    the URLs in a ``<style>`` are left to lxml."""
    for name in LINK_ATTRIBUTES:
        value = attributes.get(name)
        if value is None:
            continue
        link = value.strip()
        with contextlib.suppress(ValueError):  # no URL: kept as it is, stripped
            link = urljoin(base, link)
        if link != value:
            attributes[name] = link


def remove_empty(body: HtmlElement) -> None:
    """Containers left with neither text nor media are noise. An inline one that holds
    a line break or white space is unwrapped instead: those separate words.

    Bottom up, so an element kept for its text or media tells its parent, which then
    needs no look at its whole subtree."""
    holds_content: set[HtmlElement] = set()
    for element in reversed(list(body.iter())):
        if element is body or not isinstance(element.tag, str):
            continue
        parent = element.getparent()
        if element.tag in ("br", "hr", "td", "th", *MEDIA):
            if element.tag in SHOWN_MEDIA:
                holds_content.add(parent)
            continue
        if element in holds_content or _has_own_text(element):
            holds_content.add(parent)
            continue
        text = element.text_content() or ""
        if text.strip() or element.xpath(".//img|.//iframe|.//video|.//audio"):
            holds_content.add(parent)
            continue
        if element.tag in INLINE and (text or element.xpath(".//br")):
            element.drop_tag()
        else:
            element.drop_tree()


def _has_own_text(element: HtmlElement) -> bool:
    """Text that is the element's own, not its children's: before them and between them."""
    return bool((element.text or "").strip()) or \
        any((child.tail or "").strip() for child in element)


def serialise(body: HtmlElement) -> str:
    """One ``<div>`` with no line breaks in its text: the post keeps it on one line.

    Runs of white space in text read as one space, so they are written as one;
    the line breaks of ``<pre>`` are kept as character references.
    """
    in_pre: set[HtmlElement] = set()
    for pre in body.iter("pre"):
        in_pre.update(pre.iter())
    for element in body.iter():
        if not isinstance(element.tag, str):
            continue
        element.text = _flatten(element.text, element in in_pre)
        element.tail = _flatten(element.tail, element.getparent() in in_pre)
    if body.tag != "div":
        wrapper = lxml.html.Element("div")
        wrapper.append(body)
        body = wrapper
    html = lxml.html.tostring(body, encoding="unicode")
    return html.replace(NEWLINE_IN_PRE, "&#10;")


def _flatten(text: str | None, in_pre: bool) -> str | None:
    if not text:
        return text
    if in_pre:
        return text.replace("\r\n", "\n").replace("\n", NEWLINE_IN_PRE)
    return HTML_SPACES.sub(" ", text)
