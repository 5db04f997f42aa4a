"""HTML pages -> the same ``Layout`` as plain-text pages, through trafilatura (main text, metadata; see
``html_body``) and htmldate plus structured data (publication and update dates; see ``html_dates``). The
article's ``text`` for an HTML page is the extracted text: headline, standfirst and body paragraphs separated by
blank lines; every offset points into it.

What trafilatura leaves in its main text and a reader would not call the article is peeled off here: the
headline repeated as the first block, site chrome lines ("Share", "Tags:", newsletter plugs), blocks that are
all link (lists of related stories) and the author's biography closing the page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from newsgraph.model import Paragraph
from newsgraph.understand.dateline import find_dateline
from newsgraph.understand.html_body import Block, Extraction, extract_tree, parse_page
from newsgraph.understand.html_dates import page_dates
from newsgraph.understand.layout import Layout, _is_chrome, is_caption

# A block this much inside links, and this short, is a link to elsewhere, not text of the article.
_LINK_DENSITY = 0.8
_LINK_MAX_WORDS = 40
_NON_WORD = re.compile(r"\W+")
_BIO_WINDOW = 3  # a closing biography is among the last kept blocks
_CHROME_EXTRA = re.compile(
    r"^(?:(?:click|tap) here\b.*|get the .{1,40} app\b.*|download (?:the|our) .{1,40} app\b.*|"
    r"(?:sign up|subscribe) (?:for|to) (?:our|the) .{0,60}newsletters?\b.*|"
    r"(?:like|love|enjoy)(?:d)? this (?:story|article)\?.*|join (?:our|the) (?:conversation|commenting).*|"
    r"(?:have|got) a (?:news )?tip\?.*|(?:related|watch|read|listen|more)\s*:.{0,150}|advertisement\b.*|"
    r".{0,120}\b(?:start|get|buy|begin|activate) (?:your|a|an) [\w ]{0,40}subscription\b.*)$",
    re.IGNORECASE)
_BIO = re.compile(r"^(?P<name>[A-Z][\w.'’-]+(?:\s[A-Z][\w.'’-]+){0,3}) (?:is|was|has been|covers|writes|reports)\b")
# "Jane Doe is a senior reporter for ...": a biography even when the page names no author.
_BIO_ROLE = re.compile(r"^[A-Z][\w.'’-]+(?:\s[A-Z][\w.'’-]+){1,3} (?:is|was|has been) (?:a|an|the)\b[^.]{0,80}"
                       r"\b(?:reporter|writer|editor|correspondent|journalist|columnist|contributor|author|producer|"
                       r"critic|analyst|intern|fellow)s?\b")


@dataclass(frozen=True, slots=True)
class HtmlPage:
    text: str
    layout: Layout
    language: str | None


def _norm(text: str) -> str:
    return _NON_WORD.sub(" ", text.lower()).strip()


def _is_link_block(block: Block) -> bool:
    return block.link_density >= _LINK_DENSITY and len(block.text.split()) <= _LINK_MAX_WORDS


def is_page_chrome(text: str) -> bool:
    """Site furniture written as a line of its own: share bars, tags, newsletter and app plugs."""
    return _is_chrome(text) or (len(text) < 200 and bool(_CHROME_EXTRA.match(text.strip())))


def body_blocks(page: Extraction) -> tuple[list[str], list[str]]:
    """(body paragraphs, boilerplate lines) of an extraction: chrome, link lists, photo credits, teaser cards
    (a title printed twice), a repeated headline and a closing author biography go to the boilerplate."""
    title = _norm(page.title or "")
    keep = [True] * len(page.blocks)
    for i, block in enumerate(page.blocks):
        repeated_title = bool(title) and i < 3 and _norm(block.text) == title
        chrome = block.kind != "row" and is_page_chrome(block.text)  # table rows are data, not furniture
        if repeated_title or chrome or _is_link_block(block) or _is_credit(block):
            keep[i] = False
        elif i and _norm(block.text) == _norm(page.blocks[i - 1].text) and len(block.text.split()) <= 25:
            keep[i - 1] = keep[i] = False  # a teaser card: image title and heading repeat the same words
    tail = _closing_bio(page.blocks, keep, page.author)
    body = [b.text for b, k in zip(page.blocks[:tail], keep[:tail], strict=True) if k]
    boilerplate = [b.text for i, (b, k) in enumerate(zip(page.blocks, keep, strict=True)) if not k or i >= tail]
    return body, boilerplate


def _is_credit(block: Block) -> bool:
    """A photo caption or credit line left inside the text ("Credit: Jane Doe/Agency")."""
    return block.kind == "p" and len(block.text.split()) <= 25 and is_caption(block.text)


def _closing_bio(blocks: list[Block], keep: list[bool], author: str | None) -> int:
    """Index where a closing author biography starts among the last kept blocks (``len(blocks)`` if none);
    what follows such a biography is page furniture too."""
    kept = [i for i, k in enumerate(keep) if k][-_BIO_WINDOW:]
    for i in kept:
        if _is_bio(blocks[i].text, author):
            return i
    return len(blocks)


def _is_bio(text: str, author: str | None) -> bool:
    """A closing line that presents the author ("Jane Doe is a reporter for ... Send tips to ...")."""
    if len(text.split()) > 80:
        return False
    if _BIO_ROLE.match(text):
        return True
    m = _BIO.match(text)
    if m is None or not author:
        return False
    names = {w.lower() for a in author.split(";") for w in a.split() if len(w) > 2}
    return bool(names & {w.lower() for w in m.group("name").split()})


def parse_html(html: str, url: str | None) -> HtmlPage:
    tree = parse_page(html)
    page = extract_tree(tree)
    layout = Layout()
    paras, layout.boilerplate = body_blocks(page)
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

    if page.title:
        layout.headline = add(page.title)
    description = page.description
    if description and _norm(description) != _norm(page.title or "") and \
            not _norm(paras[0]).startswith(_norm(description)[:40]):
        layout.standfirst = add(description)
    body = [add(text) for text in paras]
    if body and (m := find_dateline(body[0].text)):
        layout.dateline, layout.agency = m.dateline, m.agency
        body[0] = Paragraph(body[0].text[m.length:], body[0].start + m.length, body[0].end)
    layout.paragraphs = body
    if page.author:
        layout.authors = [a.strip() for a in page.author.split(";") if a.strip()]
    layout.published, layout.updated = page_dates(html, url, tree)
    layout.caption = page.caption
    return HtmlPage("\n\n".join(pieces), layout, page.language)
