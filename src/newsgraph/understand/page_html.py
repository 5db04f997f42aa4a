"""HTML pages -> the same ``Layout`` as plain-text pages, through trafilatura (main text, metadata) and
htmldate (publication and update dates). The article's ``text`` for an HTML page is the extracted text:
headline, standfirst and body paragraphs separated by blank lines; every offset points into it."""

from __future__ import annotations

from dataclasses import dataclass

import trafilatura
from htmldate import find_date

from newsgraph.model import Paragraph
from newsgraph.understand.dateline import find_dateline
from newsgraph.understand.layout import Layout, _is_chrome
from newsgraph.understand.timestamps import parse_timestamp


@dataclass(frozen=True, slots=True)
class HtmlPage:
    text: str
    layout: Layout
    language: str | None


def _dates(html: str, url: str | None) -> tuple[str | None, str | None]:
    published = find_date(html, url=url, original_date=True, extensive_search=True, outputformat="%Y-%m-%dT%H:%M:%S%z")
    updated = find_date(html, url=url, original_date=False, extensive_search=True, outputformat="%Y-%m-%dT%H:%M:%S%z")
    pub = parse_timestamp(published) if published else None
    upd = parse_timestamp(updated) if updated else None
    return pub, (upd if upd != pub else None)


def body_paragraphs(html: str, url: str | None) -> tuple[list[str], dict[str, str | None]]:
    """Main-text paragraphs of a page and its metadata (title, description, author, language)."""
    doc = trafilatura.bare_extraction(html, url=url, with_metadata=True, include_comments=False,
                                      include_tables=False, favor_recall=True, as_dict=True)
    if not doc or not isinstance(doc, dict) or not doc.get("text"):
        return [], {}
    paras = [line.strip() for line in str(doc["text"]).split("\n") if line.strip()]
    meta = {k: (str(doc[k]) if doc.get(k) else None) for k in ("title", "description", "author", "language")}
    return paras, meta


def parse_html(html: str, url: str | None) -> HtmlPage:
    paras, meta = body_paragraphs(html, url)
    layout = Layout()
    if not paras:
        return HtmlPage("", layout, None)
    pieces: list[str] = []
    offset = 0

    def add(text: str) -> Paragraph:
        nonlocal offset
        start = offset + (2 if pieces else 0)
        pieces.append(text)
        offset = start + len(text)
        return Paragraph(text, start, offset)

    if meta.get("title"):
        layout.headline = add(str(meta["title"]))
    description = meta.get("description")
    if description and not paras[0].startswith(description[:40]):
        layout.standfirst = add(description)
    body: list[Paragraph] = []
    for text in paras:
        if _is_chrome(text):
            layout.boilerplate.append(text)
            continue
        body.append(add(text))
    if body and (m := find_dateline(body[0].text)):
        layout.dateline, layout.agency = m.dateline, m.agency
        body[0] = Paragraph(body[0].text[m.length:], body[0].start + m.length, body[0].end)
    layout.paragraphs = body
    if meta.get("author"):
        layout.authors = [a.strip() for a in str(meta["author"]).split(";") if a.strip()]
    layout.published, layout.updated = _dates(html, url)
    return HtmlPage("\n\n".join(pieces), layout, meta.get("language"))
