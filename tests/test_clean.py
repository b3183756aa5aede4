"""Sanitising and Liquid neutralising of post bodies."""

from __future__ import annotations

import re

import pytest

from mirror.errors import BodyLost, EntryError
from mirror.publish import clean
from mirror.publish.clean import closes_wrapper, neutralise_liquid, one_line, sanitise

SAFE = [
    '<div><i>Tue, 12 Jan 2021</i></div><img src="https://a.example/x.jpg" width="100%">',
    '<p class="MsoNormal"><span style="font-family: 宋体;">文字<o:p></o:p></span></p>',
    '<figure><img alt="" src="https://a/b.png" /><figcaption>说明</figcaption></figure>',
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"><defs><style>.a{fill:none}</style>'
    '</defs><path class="a" d="M0 0"/></svg>',
    '<video poster="https://a/p.jpg" src="https://a/v.mp4" controls style="width:100%"></video>',
    '<iframe src="https://www.youtube.com/embed/q6Bg1ZZyg7s" width="560" allowfullscreen></iframe>',
    "<noscript><img src='https://a/x.jpg'></noscript><a href=\"/relative\" target=_blank>x</a>",
    '<meta itemProp="author" content="The Economist"/><time dateTime="2021">Jan</time>',
    '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" alt="x"class="y">&nbsp;<!-- c -->',
    "<button title=\"x\" data-tms-ad-report>report</button><youtube-player video-id=1>",
    # elements named like SVG or MathML ones, outside <svg>/<math>: unknown HTML elements
    "<div><text><p>body text here</p></text></div>",
    "<g>g</g><desc>desc</desc><tspan>tspan</tspan><mi>mi</mi><foreignObject>f</foreignObject>",
    "<my-widget>custom</my-widget><svg><my-shape>in svg</my-shape></svg>",
    # malformed but harmless: the words a broken alt spilled become bare attributes,
    # "on" and "form" among them
    '<img alt="Jupiter and Saturn\'s "great conjunction" on Dec. 21" src="https://a/j.jpg">',
    '<img alt="their "great conjunction" and a form of light" src="https://a/j.jpg">',
    '<a href="http://腾讯云11.11爆款 https://cloud.tencent.com/act">链接</a>',
    '<svg><use xlink:href="#caret" xmlns:xlink="http://www.w3.org/1999/xlink"></use></svg>',
    '<iframe class="lazyload" data-src="//www.youtube.com/embed/x"></iframe>',
]

UNSAFE = [
    ('<p>a<script>alert(1)</script>b</p>', "<p>ab</p>"),
    ('<img src="x.jpg" onerror="alert(1)">', None),
    ('<a href="javascript:alert(1)">x</a>', None),
    ('<a href=" JaVa&#x09;ScRiPt:alert(1)">x</a>', None),
    ('<a href="data:text/html,<script>alert(1)</script>">x</a>', None),
    ('<form action="https://evil/"><input name="p"><button>go</button></form>', None),
    ('<object data="x.swf"></object><embed src="x.swf">', None),
    ('<iframe src="https://evil.example/"></iframe>text', "text"),
    ('<script>alert(1)</script><img src="https://a/x.jpg">', '<img src="https://a/x.jpg">'),
    ('<iframe srcdoc="<script>alert(1)</script>"></iframe>', None),
    ('<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>', None),
    ('<svg><animate attributeName="href" values="javascript:alert(1)"/></svg>', None),
    ('<math><mi xlink:href="javascript:alert(1)">x</mi></math>', None),
    ('<meta http-equiv="refresh" content="0;url=https://evil/"><p>x</p>',
     '<meta content="0;url=https://evil/"><p>x</p>'),  # inert without http-equiv
    ('<base href="https://evil/"><link rel=stylesheet href="https://evil/x.css">', None),
    ('<div style="background:url(javascript:alert(1))">x</div>', None),
    ('<style>@import "https://evil/x.css";</style>', None),
    ('<noscript><p title="</noscript><img src=x onerror=alert(1)>"></p></noscript>', None),
    ('<noscript><img src=x onerror=alert(1)></noscript>', None),
    ('<frameset><frame src="https://evil/"></frameset>', None),
    ('<p>x</p><body onload="alert(1)"><p>y</p>', "<p>x</p><p>y</p>"),
    ('<html onmouseover="alert(1)"><p>y</p>', "<p>y</p>"),
    ('<div><template shadowrootmode="open"><img src="x" onerror="alert(1)"></template></div>',
     "<div></div>"),
    ('<template><script>alert(1)</script></template><p>a</p>', "<p>a</p>"),
    ('<style>@\\69mport "https://evil/x.css";</style><p>x</p>', "<p>x</p>"),
    # a stray </div> would end the post's HTML block: Markdown would make this a link
    ('<p>a</p></div>[x](javascript:alert(1))<div>b',
     "<p>a</p>[x](javascript:alert(1))<div>b</div>"),
    # an empty handler written with "=" is removed like any other
    ('<img src="a.jpg" onerror="">', '<img src="a.jpg">'),
    ('<img alt="a "b" on" onload="x()" src="a.jpg">', '<img alt="a " b"="" src="a.jpg">'),
]


@pytest.mark.parametrize("body", SAFE)
def test_safe_markup_passes_through_byte_for_byte(body: str) -> None:
    assert sanitise(body) == body


@pytest.mark.parametrize(("body", "expected"), UNSAFE)
def test_unsafe_parts_are_removed(body: str, expected: str | None) -> None:
    cleaned = sanitise(body)
    assert not re.search(r"<script|\son[a-z]+\s*=|=\"javascript:|<form|<object|<embed|<base|"
                         r"http-equiv|@import", cleaned, re.I), cleaned
    assert not closes_wrapper(cleaned)
    if expected is None:
        assert "evil" not in cleaned
    else:
        assert cleaned == expected


@pytest.mark.parametrize(("body", "expected"), [
    ("<p>a</p><!-- never closed", "<p>a</p><!-- never closed-->"),
    ("<p>a <b>bold to the end of the page", "<p>a <b>bold to the end of the page</b></p>"),
    ("<p>a</p><style>p { color: red }", "<p>a</p><style>p { color: red }</style>"),
    ("<p>a<textarea>the rest of the page", "<p>a</p>"),  # a form control: dropped
    ("<p>a</p><title>x", "<p>a</p><title>x</title>"),
    ("<p>a</p><xmp>x <b>y", "<p>a</p><xmp>x <b>y</xmp>"),
    # <plaintext> makes the rest of the page text: the text stays, the element goes
    ("<p>a</p><plaintext>rest <b>of</b>", "<p>a</p>rest &lt;b&gt;of&lt;/b&gt;"),
])
def test_a_body_that_would_swallow_the_rest_of_the_page_is_closed(body: str,
                                                                 expected: str) -> None:
    assert sanitise(body) == expected


@pytest.mark.parametrize(("body", "expected"), [
    # nh3 drops these with their text (another namespace's names); they are unwrapped
    ("<div><text><p>body text here</p></text></div><script>x</script>",
     "<div><p>body text here</p></div>"),
    ("<g>g</g><desc>d</desc><tspan>t</tspan><mi>m</mi><img src=x onerror=alert(1)>",
     'gdtm<img src="x">'),
    ("<svg><my-el>inside</my-el><desc><div>d</div></desc></svg><script>1</script>",
     "<svg>inside<desc>d</desc></svg>"),
    ("<math><mrow><custom>c</custom></mrow></math><a href=javascript:x>l</a>",
     "<math><mrow>c</mrow></math><a>l</a>"),
    # a form goes, what it held stays (some sites wrap the whole article in one)
    ('<form action="https://evil/"><p>article</p><input value="v"></form>', "<p>article</p>"),
])
def test_cleaning_never_drops_text_outside_unsafe_elements(body: str, expected: str) -> None:
    assert sanitise(body) == expected


def test_a_body_that_cleaning_would_cut_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    class Cutting:
        @staticmethod
        def clean(body: str, **options: object) -> str:
            return body[:10]

    monkeypatch.setattr(clean, "nh3", Cutting)
    with pytest.raises(BodyLost) as raised:
        sanitise("<p>第一段很长的文字</p><script>x</script><p>第二段</p>")
    assert isinstance(raised.value, EntryError)
    assert "\n" not in str(raised.value) and "text" in str(raised.value)


def test_cleaning_keeps_the_text_and_the_safe_markup() -> None:
    body = '<p class="lead">第一段<b>重点</b></p><img src="a.jpg" onload="x()"><p>第二段</p>'
    assert sanitise(body) == '<p class="lead">第一段<b>重点</b></p><img src="a.jpg"><p>第二段</p>'


def test_one_line_strips_and_joins() -> None:
    assert one_line("  <div>  \n    <i>x</i>\r\n  </div>\n") == "<div><i>x</i></div>"


def test_liquid_markers_are_shown_not_run() -> None:
    assert neutralise_liquid("a {{ site.x }} {% include y %} {x}") == \
        "a &#123;{ site.x }} &#123;% include y %} {x}"
