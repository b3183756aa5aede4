"""URLs as a browser sees them (WHATWG, via ada-url), the identity of a link, and a URL
as it may be shown to people (``redact``)."""

from __future__ import annotations

import re
from urllib.parse import unquote

import ada_url

TRACKING_PARAM = re.compile(r"(?:utm_[a-z_]+|fbclid|gclid|mc_cid|mc_eid)$", re.I)
TRACKING_HINT = re.compile(r"[?&](?:utm_|fbclid|gclid|mc_cid|mc_eid)", re.I)
# redact: the authority of a URL (whose userinfo is hidden) and the words of a parameter
# name that mark its value as a credential: ?token=, ?api_key=, ?apiKey=, ?access_token=,
# ?X-Amz-Signature=, ?sig=, ?password= ... but not ?keyword= or ?monkey=.
AUTHORITY = re.compile(r"^([a-z][a-z0-9+.-]*:)?//([^/?#]*)", re.I)
NAME_WORDS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|[0-9]+")
SECRET_WORDS = frozenset({
    "token", "key", "apikey", "secret", "password", "passwd", "pass", "pwd", "auth",
    "authorization", "credential", "credentials", "signature", "sig", "session", "sessionid",
    "sid", "jwt", "otp",
})
JWT = re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")
HIDDEN = "***"


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


def guid_key(feed: str, guid: str) -> str:
    """Web-URL guids are global; any other guid only means something within its feed."""
    if guid[:8].lower().startswith(("http://", "https://")):
        return "//" + guid.split("://", 1)[1].strip()
    return f"{feed}\t{guid}"


def host_of(url: str) -> str:
    """host[:port], the unit of politeness limits."""
    try:
        return ada_url.URL(url).host
    except ValueError:
        return ""


def strip_scheme(url: str) -> str:
    """``https://a.b/c`` -> ``a.b/c``, ``//a.b/c`` -> ``a.b/c``."""
    return re.sub(r"^(?:[a-z][a-z0-9+.-]*:)?//", "", url, count=1, flags=re.I)


def redact(url: str) -> str:
    """The URL as it may be shown to people: no password, no token.

    The one place that formats URLs for messages. ``user:pass@`` becomes
    ``***@``, and the value of every query (or fragment) parameter whose name
    holds a credential word (``token``, ``key``, ``secret``, ``password``,
    ``sig``, ``session``, ``auth`` ...; ``api_key``, ``apiKey`` and
    ``X-Amz-Signature`` alike) or that is a JSON Web Token becomes ``***``.
    Everything else is left as it was written, so the URL stays recognisable;
    text that is not a URL comes back unchanged.
    """
    url = AUTHORITY.sub(_hide_userinfo, url, count=1)
    for mark in ("?", "#"):
        start = url.find(mark)
        if start >= 0:
            end = url.find("#", start + 1) if mark == "?" else len(url)
            end = len(url) if end < 0 else end
            url = url[:start + 1] + _hide_parameters(url[start + 1:end]) + url[end:]
    return url


def _hide_userinfo(match: re.Match[str]) -> str:
    scheme, authority = match.group(1) or "", match.group(2)
    at = authority.rfind("@")
    return f"{scheme}//{HIDDEN}@{authority[at + 1:]}" if at >= 0 else match.group(0)


def _hide_parameters(query: str) -> str:
    parts = []
    for part in query.split("&"):
        name, equals, value = part.partition("=")
        if equals and value and (_secret_name(name) or JWT.fullmatch(unquote(value))):
            value = HIDDEN
        parts.append(name + equals + value)
    return "&".join(parts)


def _secret_name(name: str) -> bool:
    return any(word.lower() in SECRET_WORDS for word in NAME_WORDS.findall(unquote(name)))
