"""URLs as a browser sees them (WHATWG, via ada-url), and the identity of a link."""

from __future__ import annotations

import re

import ada_url

TRACKING_PARAM = re.compile(r"(?:utm_[a-z_]+|fbclid|gclid|mc_cid|mc_eid)$", re.I)
TRACKING_HINT = re.compile(r"[?&](?:utm_|fbclid|gclid|mc_cid|mc_eid)", re.I)


def normalise(url: str, base: str | None = None) -> str | None:
    """The URL as a browser would request it, or None when it is not a web URL.

    Non-ASCII characters and spaces are percent-encoded, the host is
    lower-cased and punycoded; existing escapes, ``//`` and fragments stay.
    """
    url = url.strip()
    if not url:
        return None
    try:
        parsed = ada_url.URL(url, base) if base else ada_url.URL(url)
    except ValueError:
        return None
    if parsed.protocol not in ("http:", "https:"):
        return None
    return parsed.href


def identity(url: str) -> str:
    """The key two links share when they name the same article.

    ``url`` is a normalised link. The scheme is ignored (sites move from http
    to https) and so are tracking parameters; everything else, fragments
    included, counts. Plain string work: it runs for every archived post.
    """
    rest = url[url.find(":") + 1:]
    start = rest.find("?")
    if start < 0 or not TRACKING_HINT.search(rest, start):
        return rest
    end = rest.find("#", start)
    end = len(rest) if end < 0 else end
    kept = [part for part in rest[start + 1:end].split("&")
            if part and not TRACKING_PARAM.match(part.split("=", 1)[0])]
    return rest[:start] + ("?" + "&".join(kept) if kept else "") + rest[end:]


def host_of(url: str) -> str:
    """host[:port], the unit of politeness limits."""
    try:
        return ada_url.URL(url).host
    except ValueError:
        return ""


def strip_scheme(url: str) -> str:
    """``https://a.b/c`` -> ``a.b/c``, ``//a.b/c`` -> ``a.b/c``."""
    return re.sub(r"^(?:[a-z][a-z0-9+.-]*:)?//", "", url, count=1, flags=re.I)
