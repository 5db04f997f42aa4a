"""The structure step parses a page once and hands the tree to trafilatura and the date reader: neither may
change it, and the results must be those of separate parses."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from newsgraph.understand.html_body import extract, extract_tree, parse_page
from newsgraph.understand.html_dates import page_dates

PAGES = sorted((Path(__file__).resolve().parent / "fixtures" / "html").glob("*.html"))


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_one_parse_serves_body_and_dates_and_stays_intact(path: Path) -> None:
    html = path.read_text(encoding="utf-8")
    tree = parse_page(html)
    before = etree.tostring(tree)
    assert extract_tree(tree, "https://example.org/a") == extract(html, "https://example.org/a")
    assert page_dates(html, "https://example.org/a", tree) == page_dates(html, "https://example.org/a")
    assert etree.tostring(tree) == before  # trafilatura cleaned a copy, not the shared tree


def test_fixture_pages_are_there() -> None:
    assert len(PAGES) >= 2
