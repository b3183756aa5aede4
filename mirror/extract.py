"""Page -> article body HTML: readability-lxml, with structure, links and images kept.

Runs in worker processes (see ``pipeline``): extraction is CPU-heavy and must
not stall the downloads.
"""

from __future__ import annotations

import re

import lxml.html
from readability import Document

from mirror.errors import PageGone

LAZY_SOURCES = ("data-src", "data-original", "data-lazy-src", "data-actualsrc", "data-url")
MIN_TEXT_CHARS = 1


def extract(html: str, url: str) -> str:
    """The article's body as one HTML fragment; PageGone when there is nothing to keep."""
    if not html.strip():
        raise PageGone(f"{url}: empty page")
    try:
        body = Document(html, url=url).summary(html_partial=True)
    except Exception as exc:  # readability raises bare Exceptions on unparsable pages
        raise PageGone(f"{url}: no article could be extracted ({exc})") from None
    tree = lxml.html.fragment_fromstring(body, create_parent="div")
    resolve_images(tree)
    tree.make_links_absolute(url, resolve_base_href=False, handle_failures="discard")
    if len(re.sub(r"\s+", "", tree.text_content())) < MIN_TEXT_CHARS:
        raise PageGone(f"{url}: no article text found on the page")
    return lxml.html.tostring(tree, encoding="unicode")


def resolve_images(tree: lxml.html.HtmlElement) -> None:
    """Lazy-loaded images get their real ``src`` (what the page's script would do)."""
    for image in tree.iter("img"):
        for name in LAZY_SOURCES:
            value = (image.get(name) or "").strip()
            if value and not value.startswith("data:"):
                image.set("src", value)
                break
        else:
            srcset = image.get("srcset") or image.get("data-srcset")
            if srcset and (not image.get("src") or image.get("src", "").startswith("data:")):
                image.set("src", srcset.split(",")[-1].split()[0])
