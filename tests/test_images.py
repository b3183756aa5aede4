"""The image proxy: every <img> through it, lazy images resolved, no other byte changed."""

from __future__ import annotations

import pytest

from mirror.publish.images import image_sources, place_images

PROXY = "https://images.weserv.nl?url="


@pytest.mark.parametrize(("tag", "expected"), [
    ('<img src="https://gdb.voanews.com/a.jpg" width="100%">',
     '<img src="https://images.weserv.nl?url=gdb.voanews.com/a.jpg" width="100%">'),
    ("<img  class='photo' src='http://x.org/b.png?x=1&amp;y=2'/>",
     "<img  class='photo' src='https://images.weserv.nl?url=x.org/b.png?x=1&amp;y=2'/>"),
    ('<img src="https://images.weserv.nl/?url=static.dw.com/a.jpg">',
     '<img src="https://images.weserv.nl/?url=static.dw.com/a.jpg">'),
    ('<img class="lazyload" data-src="//cdn.x/a.jpg" src="data:image/gif;base64,AAAA">',
     '<img class="lazyload" data-src="//cdn.x/a.jpg" '
     'src="https://images.weserv.nl?url=cdn.x/a.jpg">'),
    ('<img data-original="/img/a b.jpg">',
     '<img src="https://images.weserv.nl?url=news.example/img/a%20b.jpg" '
     'data-original="/img/a b.jpg">'),
    ('<img srcset="s.jpg 320w, l.jpg 1024w">',
     '<img src="https://images.weserv.nl?url=news.example/story/l.jpg" '
     'srcset="s.jpg 320w, l.jpg 1024w">'),
    # the attributes extraction resolves are resolved here too (one list: lazy_images)
    ('<img src="/img/blank.gif" data-hi-res-src="/img/a.jpg">',
     '<img src="https://images.weserv.nl?url=news.example/img/a.jpg" '
     'data-hi-res-src="/img/a.jpg">'),
    ('<img data-lazy-srcset="https://c.x/s.jpg 1x, https://c.x/w_800,h_600/l.jpg 2x">',
     '<img src="https://images.weserv.nl?url=c.x/w_800,h_600/l.jpg" '
     'data-lazy-srcset="https://c.x/s.jpg 1x, https://c.x/w_800,h_600/l.jpg 2x">'),
    # a src that only looks like a placeholder is still the image when nothing else is
    ('<img src="https://a.example/blanket.jpg">',
     '<img src="https://images.weserv.nl?url=a.example/blanket.jpg">'),
    # a src that is no image URL, and nothing else: left alone
    ('<img src="data:image/gif;base64,AAAA">', '<img src="data:image/gif;base64,AAAA">'),
    ('<img src="javascript:alert(1)">', '<img src="javascript:alert(1)">'),
])
def test_image_proxy_rewrites_only_the_src(tag: str, expected: str) -> None:
    body = f"<p>before</p>{tag}<p>after</p>"
    assert place_images(body, "https://news.example/story/1", PROXY) == \
        f"<p>before</p>{expected}<p>after</p>"


def test_image_proxy_leaves_comments_and_scripts_alone() -> None:
    body = '<!-- <img src="https://a/x.jpg"> --><p>x</p>'
    assert place_images(body, "https://a/", PROXY) == body


def test_image_proxy_never_rewrites_inside_an_attribute() -> None:
    body = ('<p title="<img src=x data-src=//e.example/y.png onmouseover=alert(1) x=>">'
            'Hover me</p>')
    assert place_images(body, "https://a/", PROXY) == body


def test_image_sources_are_the_urls_the_proxy_would_load() -> None:
    body = ('<p><img src="/a.png"><img class="lazyload" data-src="//cdn.x/b.jpg" '
            'src="data:image/gif;base64,AAAA"><img src="http://x.org/c.png?x=1&amp;y=2">'
            '<img src="data:image/gif;base64,AAAA"></p>')
    assert image_sources(body, "https://news.example/story/1") == [
        "https://news.example/a.png", "https://cdn.x/b.jpg", "http://x.org/c.png?x=1&y=2"]


def test_a_kept_image_loads_from_its_copy_and_the_others_through_the_proxy() -> None:
    body = ('<p>x</p><img class="lazyload" data-src="//cdn.x/b.jpg" src="data:image/gif;'
            'base64,AAAA" srcset="//cdn.x/b.jpg 1x,  //cdn.x/b2.jpg 2x" alt="b">'
            '<img src="https://other.example/c.png" width="10">')
    local = {"https://cdn.x/b.jpg": "../assets/ab/ab12.jpg"}
    placed = place_images(body, "https://news.example/1", PROXY, local)
    assert placed == ('<p>x</p><img class="lazyload" src="../assets/ab/ab12.jpg" alt="b">'
                      '<img src="https://images.weserv.nl?url=other.example/c.png" width="10">')
    assert place_images(body, "https://news.example/1", None, local) == (
        '<p>x</p><img class="lazyload" src="../assets/ab/ab12.jpg" alt="b">'
        '<img src="https://other.example/c.png" width="10">')
    assert place_images(body, "https://news.example/1", None, {}) == body
