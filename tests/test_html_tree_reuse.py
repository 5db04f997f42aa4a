"""The structure step parses a page once and hands the tree to trafilatura and the date reader: neither may
change it, and the results must be those of separate parses."""

from __future__ import annotations

from pathlib import Path

import lxml.html
import pytest
from lxml import etree
from trafilatura.utils import HTML_PARSER

from newsgraph.understand.html_body import c_class_lookup, extract, extract_tree, parse_page
from newsgraph.understand.html_dates import page_dates

PAGES = sorted((Path(__file__).resolve().parent / "fixtures" / "html").glob("*.html"))


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_one_parse_serves_body_and_dates_and_stays_intact(path: Path) -> None:
    html = path.read_text(encoding="utf-8")
    tree = parse_page(html)
    before = etree.tostring(tree)
    assert extract_tree(tree) == extract(html)
    assert page_dates(html, "https://example.org/a", tree) == page_dates(html, "https://example.org/a")
    assert etree.tostring(tree) == before  # trafilatura cleaned a copy, not the shared tree


def test_fixture_pages_are_there() -> None:
    assert len(PAGES) >= 2


def test_element_classes_from_lxml_c_lookup_give_the_same_extraction(scrapinghub_html: list[str]) -> None:
    """parse_page gives trafilatura's parser lxml's C class lookup: the extraction of fixture and ScrapingHub
    pages must be that of lxml.html's own (Python) lookup."""
    pages = [p.read_text(encoding="utf-8") for p in PAGES] + scrapinghub_html[::6]
    form = "<html><body><form><input name='q'><p>Text</p></form></body></html>"
    tree = parse_page(form)
    assert type(tree.find(".//input")) is lxml.html.HtmlElement  # the C lookup is in place: no InputElement
    assert tree.find(".//p").text_content() == "Text"
    fast = [extract(html) for html in pages]
    HTML_PARSER.set_element_class_lookup(lxml.html.HtmlElementClassLookup())
    try:
        assert isinstance(parse_page(form).find(".//input"), lxml.html.InputElement)
        slow = [extract(html) for html in pages]
    finally:
        HTML_PARSER.set_element_class_lookup(c_class_lookup())
    assert sum(bool(e.blocks) for e in fast) >= 30
    assert fast == slow
