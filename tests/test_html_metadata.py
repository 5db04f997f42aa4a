"""``html_body`` reads a page's title, description and author with the first steps of trafilatura's
``extract_metadata`` (once per page, without the fields it never uses): they must stay what trafilatura's own
function finds, with and without a page URL, and the tree must be left as it was."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree
from trafilatura.metadata import extract_metadata

from newsgraph.understand.html_body import _metadata, parse_page

PAGES = sorted((Path(__file__).resolve().parent / "fixtures" / "html").glob("*.html"))
BYLINE_PAGE = """<html><head><title>Plain title | Site</title>
<link rel="canonical" href="https://example.org/news/story"/>
<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Ld headline",
 "author": {"@type": "Person", "name": "Jane Q. Doe"}}</script></head>
<body><article><h1>Ld headline</h1><p class="byline">By <a rel="author" href="/jd">Jane Q. Doe</a></p>
<p>Body text of the story, long enough to read.</p></article></body></html>"""
NO_META_PAGE = """<html><head><title>Only a title</title><meta name="description" content="A  description &amp; more">
</head><body><div class="author">Sam Roe</div><p>Text.</p></body></html>"""


def _fields(doc: object) -> tuple[object, ...]:
    return tuple(getattr(doc, k) for k in ("title", "description", "author"))


@pytest.mark.parametrize("html", [*(p.read_text(encoding="utf-8") for p in PAGES), BYLINE_PAGE, NO_META_PAGE])
@pytest.mark.parametrize("url", [None, "https://example.org/a"])
def test_page_metadata_is_trafilaturas(html: str, url: str | None) -> None:
    tree = parse_page(html)
    before = etree.tostring(tree)
    assert _fields(_metadata(tree)) == _fields(extract_metadata(parse_page(html), url))
    assert etree.tostring(tree) == before
