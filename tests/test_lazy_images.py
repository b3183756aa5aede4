"""Lazy-loaded images: the one list of attributes, and the URL a loader would show."""

from __future__ import annotations

import pytest

from mirror.lazy_images import ATTRIBUTES, is_placeholder, real_source, widest_candidate


def source(**attributes: str) -> str:
    named = {name.rstrip("_").replace("_", "-"): value for name, value in attributes.items()}
    return real_source(named.get)


def test_a_real_src_is_the_image() -> None:
    assert source(src="https://a/x.jpg", data_src="https://a/other.jpg") == "https://a/x.jpg"


@pytest.mark.parametrize("name", [n for n in ATTRIBUTES if "srcset" not in n])
def test_every_lazy_attribute_replaces_a_placeholder(name: str) -> None:
    assert real_source({"src": "data:image/gif;base64,R0lGOD", name: "/a.jpg"}.get) == "/a.jpg"


def test_an_image_marked_lazy_takes_its_lazy_source() -> None:
    assert source(src="https://a/low.jpg", class_="lazyload", data_original="/hi.jpg") == \
        "/hi.jpg"


def test_srcsets_give_the_widest_candidate() -> None:
    assert source(srcset="s.jpg 320w, l.jpg 1024w, m.jpg 640w") == "l.jpg"
    assert source(data_srcset="a.jpg, b.jpg 2x") == "b.jpg"


def test_only_a_placeholder_gives_nothing() -> None:
    assert source(src="/img/spacer.gif") == ""
    assert source(src="data:image/gif;base64,R0lGOD", data_src="data:image/png;base64,AA") == ""
    assert source(src="/img/spacer.gif", data_src="javascript:alert(1)") == ""


def test_placeholders_and_candidates() -> None:
    assert is_placeholder("https://a/1x1.png?v=2") and is_placeholder("data:image/gif;base64,R0")
    assert not is_placeholder("https://a/photo.jpg") and not is_placeholder("data:" + "A" * 300)
    assert widest_candidate("https://c.x/w_400,h_300/a.jpg 400w, https://c.x/w_800/a.jpg 800w") \
        == "https://c.x/w_800/a.jpg"
    assert widest_candidate("data:image/gif;base64,AA 1x") == ""
