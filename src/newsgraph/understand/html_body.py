"""The main text of an HTML page as blocks (paragraph, heading, list item, ...) with their link density, and the
page metadata trafilatura reads (title, description, author, language).

trafilatura does the extraction. It runs in its precision mode, which drops more navigation and teaser
blocks; when that mode keeps almost nothing of what the default mode finds (it sometimes discards a whole
article body), the default mode's result is used instead. Comments are never part of the body.
"""

from __future__ import annotations

import contextlib
import copy
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import lxml.html
import trafilatura
from lxml import etree
from trafilatura.metadata import examine_meta, extract_author, extract_meta_json, extract_title
from trafilatura.settings import Document
from trafilatura.utils import HTML_PARSER, load_html
from trafilatura.xml import xmltotxt

from newsgraph.understand.xpath_regex import use_native_xpaths

# Precision mode is kept unless it returns under this share of the default mode's text.
_MIN_PRECISE_SHARE = 0.2
# Below this many characters the precision result is checked against the default mode (a second run).
_CHECK_BELOW_CHARS = 1500
_UNITS = ("p", "head", "quote", "item", "row", "code")


@dataclass(frozen=True, slots=True)
class Block:
    """One line of main text: ``kind`` is trafilatura's element name, ``link_density`` the share of its
    characters inside links (1.0: it is a link, as in a list of related stories)."""

    text: str
    kind: str
    link_density: float


@dataclass(slots=True)
class Extraction:
    blocks: list[Block] = field(default_factory=list)
    title: str | None = None
    description: str | None = None
    author: str | None = None
    language: str | None = None
    caption: str | None = None


def extract(html: str) -> Extraction:
    """Main-text blocks and metadata of a page; no blocks when trafilatura finds no main text."""
    return extract_tree(parse_page(html))


def extract_tree(tree: Any) -> Extraction:
    """``extract`` on a page ``parse_page`` has parsed; the tree is left as it was (trafilatura works on copies)."""
    if tree is None:
        return Extraction()
    caption = _caption(tree)
    page_meta = _metadata(tree)
    doc = _bare(tree, favor_precision=True)
    text = _text(doc)
    if len(text) < _CHECK_BELOW_CHARS:
        fallback = _bare(tree, favor_precision=False)
        if len(text) < _MIN_PRECISE_SHARE * len(_text(fallback)):
            doc = fallback
    if doc is None or doc.body is None:
        return Extraction()
    meta = {k: (str(getattr(src, k)).strip() or None) if getattr(src, k, None) else None
            for k, src in (("title", page_meta), ("description", page_meta), ("author", page_meta),
                           ("language", doc))}
    return Extraction(blocks=_blocks(doc.body), caption=caption, **meta)


def parse_page(html: str) -> Any:
    """The page's lxml tree as trafilatura loads it (encoding declarations, broken markup); ``None`` if it is
    not HTML. Parsed once per page and shared by the body and date readers."""
    _prepare_trafilatura()
    return load_html(html)


@cache
def _prepare_trafilatura() -> None:
    """Once per process, two changes to how trafilatura works that keep its answers (tested):

    - its ``re:test`` XPath expressions answered natively (``xpath_regex``);
    - its parser's element classes from lxml's C lookup rather than ``lxml.html.HtmlElementClassLookup``, a
      Python method called for every element proxy Python makes (about 2,400 a page as trafilatura walks and
      copies trees). The classes are lxml.html's, except that form controls (``<form>``, ``<input>``,
      ``<select>``, ...) are plain ``HtmlElement``s: their form helpers are used by none of trafilatura,
      htmldate or newsgraph. Structure 24.2 -> 23.4 ms a page, the same extraction of 261 pages."""
    use_native_xpaths()
    HTML_PARSER.set_element_class_lookup(c_class_lookup())


def c_class_lookup() -> etree.ElementDefaultClassLookup:
    """lxml.html's element classes (form controls aside) through lxml's C lookup."""
    return etree.ElementDefaultClassLookup(
        element=lxml.html.HtmlElement, comment=lxml.html.HtmlComment, pi=lxml.html.HtmlProcessingInstruction,
        entity=lxml.html.HtmlEntity)


def _caption(tree: Any) -> str | None:
    """The caption of the article's first figure (``<figcaption>``), preferring one inside ``<article>``."""
    for path in ("//article//figure//figcaption", "//figure//figcaption"):
        for node in tree.xpath(path):
            text = " ".join(" ".join(node.itertext()).split())
            if text:
                return text
    return None


def _metadata(tree: Any) -> Document:
    """Title, description and author as ``trafilatura.extract_metadata`` finds them, without the fields this
    module never reads (date, site name, categories, tags, licence, canonical URL: half its cost), read once per
    page rather than once per extraction run. The steps and their order are that function's (trafilatura is
    pinned); they only read the tree."""
    meta = examine_meta(tree)
    if meta.author and " " not in meta.author:
        meta.author = None
    with contextlib.suppress(Exception):  # trafilatura's own guard: bugs in its JSON-LD reader
        meta = extract_meta_json(tree, meta)
    if not meta.title:
        meta.title = extract_title(tree)
    if not meta.author:
        meta.author = extract_author(tree)
    meta.clean_and_trim()
    return meta


def _bare(tree: Any, *, favor_precision: bool) -> Any:
    """trafilatura's main text of ``tree``, which stays intact for the next reader (``bare_extraction`` copies a
    tree it is given before cleaning it). Links are kept as ``<ref>`` elements for ``Block.link_density``; no URL
    is passed, because without metadata trafilatura uses it only to resolve each link's target against the
    page's address (``convert_link``, courlan's URL joins: about 0.35 ms for a page's 80 links), and no reader
    here looks at targets. The same blocks and metadata on the 261 ScrapingHub and Fundus pages."""
    return trafilatura.bare_extraction(tree, with_metadata=False, include_comments=False,
                                       favor_precision=favor_precision, include_links=True)


def _text(doc: Any) -> str:
    return str(doc.text or "") if doc is not None else ""


def _blocks(body: Any) -> list[Block]:
    blocks: list[Block] = []
    for unit in _units(body):
        text = xmltotxt(_plain(unit), include_formatting=False)
        linked = sum(len(" ".join("".join(ref.itertext()).split())) for ref in unit.iter("ref"))
        for line in text.split("\n"):
            line = " ".join(line.split()).lstrip("-• ").strip() if unit.tag == "item" else " ".join(line.split())
            if line:
                blocks.append(Block(line, str(unit.tag), min(1.0, linked / max(1, len(" ".join(text.split()))))))
    return blocks


def _units(body: Any) -> list[Any]:
    """The innermost text units of trafilatura's output tree, in document order."""
    units: list[Any] = []
    for child in body:
        if child.tag in _UNITS or not any(c.tag in _UNITS for c in child.iter()):
            units.append(child)
        else:
            units.extend(c for c in child.iter(*_UNITS) if not any(a.tag in _UNITS for a in c.iterancestors()))
    return units


def _plain(element: Any) -> Any:
    """A copy of ``element`` without its tail and with links flattened to their text."""
    clone = copy.deepcopy(element)
    clone.tail = None
    etree.strip_tags(clone, "ref")
    return clone
