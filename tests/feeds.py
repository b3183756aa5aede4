"""Build small RSS and Atom feeds for tests."""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import formatdate
from xml.sax.saxutils import escape


@dataclass
class Item:
    title: str | None = "A title"
    link: str | None = "https://news.example/a"
    guid: str | None = None
    date: float | None = 1_610_444_483.0   # epoch seconds
    body: str | None = "<p>Body text of the article, long enough to be the article itself.</p>"
    summary: str | None = None
    author: str | None = None
    raw_date: str | None = None


def cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def rss(items: list[Item], title: str = "Test feed", extra: str = "") -> str:
    parts = []
    for item in items:
        fields = []
        if item.title is not None:
            fields.append(f"<title>{cdata(item.title)}</title>")
        if item.link is not None:
            fields.append(f"<link>{escape(item.link)}</link>")
        if item.guid is not None:
            fields.append(f'<guid isPermaLink="false">{escape(item.guid)}</guid>')
        if item.raw_date is not None:
            fields.append(f"<pubDate>{escape(item.raw_date)}</pubDate>")
        elif item.date is not None:
            fields.append(f"<pubDate>{formatdate(item.date, usegmt=True)}</pubDate>")
        if item.author is not None:
            fields.append(f"<dc:creator>{cdata(item.author)}</dc:creator>")
        if item.summary is not None:
            fields.append(f"<description>{cdata(item.summary)}</description>")
        if item.body is not None:
            fields.append(f"<content:encoded>{cdata(item.body)}</content:encoded>")
        parts.append("<item>" + "".join(fields) + "</item>")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
            f"<title>{escape(title)}</title><link>https://news.example/</link>"
            f"<description>test</description>{extra}{''.join(parts)}</channel></rss>")


def atom(items: list[Item], title: str = "Test feed") -> str:
    parts = []
    for item in items:
        fields = []
        if item.title is not None:
            fields.append(f"<title>{escape(item.title)}</title>")
        if item.link is not None:
            fields.append(f'<link rel="alternate" href="{escape(item.link)}"/>')
        fields.append(f"<id>{escape(item.guid or item.link or 'urn:none')}</id>")
        if item.raw_date is not None:
            fields.append(f"<published>{escape(item.raw_date)}</published>")
        if item.author is not None:
            fields.append(f"<author><name>{escape(item.author)}</name></author>")
        if item.body is not None:
            fields.append(f'<content type="html">{escape(item.body)}</content>')
        parts.append("<entry>" + "".join(fields) + "</entry>")
    return ('<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>{escape(title)}</title><id>urn:test</id>"
            f"<updated>2021-01-12T00:00:00Z</updated>{''.join(parts)}</feed>")
