"""Sniffing: the bytes decide what an image is; SVG and HTML posing as images are not taken."""

from __future__ import annotations

import pytest

from mirror.preserve.sniff import AVIF, BMP, GIF, JPEG, PNG, WEBP, image_kind, looks_like
from tests.pictures import HTML_POSING, SVG, gif, jpeg, png


@pytest.mark.parametrize(("data", "kind"), [
    (png(), PNG), (jpeg(), JPEG), (gif(), GIF),
    (b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 20, WEBP),
    (b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf" + b"\x00" * 8, AVIF),
    (b"\x00\x00\x00\x20ftypmif1\x00\x00\x00\x00mif1avifmiafMA1B" + b"\x00" * 8, AVIF),
    (b"BM" + b"\x00" * 12 + (40).to_bytes(4, "little") + b"\x00" * 40, BMP),
])
def test_raster_images_are_known_by_their_bytes(data: bytes, kind: object) -> None:
    assert image_kind(data) == kind


@pytest.mark.parametrize(("data", "said"), [
    (SVG, "SVG"), (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "SVG"),
    (HTML_POSING, "HTML"), (b"\n  <html><head>", "HTML"), (b"", "empty"),
    (b"BMW is a car, not a bitmap", "not an image"),
    (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", "not an image"),
    (b"%PDF-1.7\n", "not an image"),
])
def test_anything_else_is_not_an_image(data: bytes, said: str) -> None:
    assert image_kind(data) is None
    assert looks_like(data) == said
