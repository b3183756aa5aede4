"""What an image's bytes show it to be: the raster formats browsers display, nothing else.

The name and the ``Content-Type`` of an image say what the server claims;
the bytes say what it is. The patterns are those of the WHATWG MIME Sniffing
standard's image table (browsers decide the same way), with BMP checked
beyond its two letters and AVIF found by its ISO-BMFF brand. SVG is never
taken: it is a document that can carry script, so it stays a link. Anything
else (an HTML error page served as ``image/jpeg``, say) is not an image.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

AVIF_BRANDS = (b"avif", b"avis")
BMP_HEADER_SIZES = frozenset({12, 16, 40, 52, 56, 64, 108, 124})
SVG = re.compile(rb"^(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*"
                 rb"(?:<!doctype\s+svg[^>]*>\s*)?<svg[\s>]", re.I | re.S)
HTML = re.compile(rb"^(?:\xef\xbb\xbf)?\s*<(?:!doctype\s+html|html|head|body|!--|script|title)",
                  re.I)


@dataclass(frozen=True)
class Kind:
    """A raster image format: the file extension and media type its bytes show."""

    extension: str
    media_type: str


PNG = Kind("png", "image/png")
JPEG = Kind("jpg", "image/jpeg")
GIF = Kind("gif", "image/gif")
WEBP = Kind("webp", "image/webp")
AVIF = Kind("avif", "image/avif")
BMP = Kind("bmp", "image/bmp")
ICO = Kind("ico", "image/x-icon")


def image_kind(data: bytes) -> Kind | None:
    """The raster format these bytes are, or None (SVG, HTML, anything else)."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return GIF
    if data[:4] == b"RIFF" and data[8:14] == b"WEBPVP":
        return WEBP
    if _is_avif(data):
        return AVIF
    if _is_bmp(data):
        return BMP
    if data[:4] in (b"\x00\x00\x01\x00", b"\x00\x00\x02\x00") and len(data) > 22:
        return ICO
    return None


def looks_like(data: bytes) -> str:
    """What bytes that are no raster image seem to be, for a message."""
    head = data[:1024]
    if not data:
        return "empty"
    if SVG.match(head):
        return "SVG"
    if HTML.match(head):
        return "HTML"
    return "not an image"


def is_svg(data: bytes) -> bool:
    return SVG.match(data[:1024]) is not None


def _is_avif(data: bytes) -> bool:
    """An ISO-BMFF file whose ``ftyp`` box names an AVIF brand (major or compatible)."""
    if data[4:8] != b"ftyp" or len(data) < 16:
        return False
    size = int.from_bytes(data[:4], "big")
    if size < 16 or size > len(data):
        size = min(len(data), 64)
    brands = [data[8:12]] + [data[i:i + 4] for i in range(16, size - 3, 4)]
    return any(brand in AVIF_BRANDS for brand in brands)


def _is_bmp(data: bytes) -> bool:
    """``BM`` followed by a header of one of the sizes the format has known."""
    return data[:2] == b"BM" and len(data) >= 26 and \
        int.from_bytes(data[14:18], "little") in BMP_HEADER_SIZES
