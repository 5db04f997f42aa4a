"""The layout of a scraped plain-text news page: headline, standfirst, metadata lines, caption, body and the
site chrome around them.

Written here rather than taken from a library: trafilatura and its peers work on HTML trees, and a page that
was already flattened to text has no tags left for them to read. The rules are about news layout in general
(bylines, "Updated:" lines, datelines, photo credits, "Tags:" lines), never about one outlet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from newsgraph.model import Dateline, Paragraph, Span
from newsgraph.understand.dateline import find_dateline
from newsgraph.understand.timestamps import parse_timestamp

_BLANK_LINE = re.compile(r"\n[ \t\r\f\v]*\n")
_UPDATED = re.compile(r"^(?:last\s+)?(?:updated?|modified)(?:\s+on)?\s*[:\-–]?\s*(?P<v>.+)$", re.IGNORECASE)
_PUBLISHED = re.compile(r"^(?:first\s+)?(?:published|posted|date|dated)(?:\s+on)?\s*[:\-–]?\s*(?P<v>.+)$",
                        re.IGNORECASE)
_BYLINE = re.compile(r"^by\s+(?P<v>[A-Z][^\n]{1,120})$", re.IGNORECASE)
_BYLINE_SPLIT = re.compile(r"\s*(?:,|\band\b|&|\|)\s*")
_BYLINE_TAIL = re.compile(r"\s*(?:\||,|—|–|-)\s*(?:for\s+)?(?:reuters|ap|afp|associated press|bloomberg|the [a-z ]+)"
                          r"\b.*$", re.IGNORECASE)
_CREDIT = re.compile(r"(?:\b(?:photo|image|picture|file photo|photograph)\s*(?:credit)?\s*:|\((?:AP|AFP|Reuters|"
                     r"Getty)[^)]*(?:photo|images?)[^)]*\)|\b(?:getty images|ap photo|afp photo|reuters/|"
                     r"epa-efe|shutterstock)\b)", re.IGNORECASE)
_CHROME = re.compile(
    r"^(?:tags?\s*:.*|topics?\s*:.*|categories\s*:.*|similar news|related(?: news| articles| stories| posts)?\s*:?|"
    r"read more\b.*|see also\b.*|more from\b.*|you may also like.*|recommended(?: for you)?\s*:?|most read.*|"
    r"share(?: this(?: article| story)?| on \w+)?\s*:?.*|tweet|print|e-?mail|facebook|twitter|whatsapp|linkedin|"
    r"follow us\b.*|subscribe\b.*|sign up\b.*|newsletter\b.*|advertisement|sponsored|comments?\s*\(?\d*\)?|"
    r"leave a comment.*|all rights reserved.*|©.*|copyright\b.*)$",
    re.IGNORECASE)
# A list header after which everything to the end of the page is links to other stories, not this one.
_TRAILER = re.compile(r"^(?:similar news|related(?: news| articles| stories)?|more (?:news|stories)|"
                      r"read (?:more|next)|you may also like|most read|recommended(?: for you)?)\s*:?\s*$",
                      re.IGNORECASE)
_MARKER = re.compile(r"^(?:abstract|full text|summary)\s*\.?\s*:?$", re.IGNORECASE)


@dataclass(slots=True)
class Layout:
    headline: Paragraph | None = None
    standfirst: Paragraph | None = None
    published: str | None = None
    updated: str | None = None
    dateline: Dateline | None = None
    agency: str | None = None
    caption: str | None = None
    authors: list[str] = field(default_factory=list)
    paragraphs: list[Paragraph] = field(default_factory=list)
    boilerplate: list[str] = field(default_factory=list)


def blocks(text: str) -> list[Paragraph]:
    """Paragraphs separated by blank lines, each trimmed, with offsets into ``text``. A page with (almost) no
    blank lines is split on single line breaks instead."""
    spans = _split(text, _BLANK_LINE)
    if len(spans) < 3 and text.count("\n") >= 4:
        spans = _split(text, re.compile(r"\n"))
    return [Paragraph(text[s:e], s, e) for s, e in spans]


def _split(text: str, sep: re.Pattern[str]) -> list[Span]:
    spans: list[Span] = []
    pos = 0
    for m in [*sep.finditer(text), None]:
        end = m.start() if m else len(text)
        chunk = text[pos:end]
        lead = len(chunk) - len(chunk.lstrip())
        trail = len(chunk.rstrip())
        if trail > lead:
            spans.append((pos + lead, pos + trail))
        if m:
            pos = m.end()
    return spans


def _words(text: str) -> int:
    return len(text.split())


def _is_chrome(text: str) -> bool:
    return len(text) < 200 and bool(_CHROME.match(text.strip()))


def _authors(value: str) -> list[str]:
    value = _BYLINE_TAIL.sub("", value.strip())
    return [a.strip(" .") for a in _BYLINE_SPLIT.split(value) if a.strip(" .") and _words(a) <= 5]


def _metadata(layout: Layout, text: str) -> bool:
    """Fill in the metadata ``text`` carries; ``True`` if it was a metadata line."""
    if "\n" in text.strip() or len(text) > 160:
        return False
    for pattern, slot in ((_UPDATED, "updated"), (_PUBLISHED, "published")):
        m = pattern.match(text.strip())
        if m and (value := parse_timestamp(m.group("v"))):
            setattr(layout, slot, value)
            return True
    m = _BYLINE.match(text.strip())
    if m and _words(m.group("v")) <= 16:
        layout.authors = _authors(m.group("v"))
        return True
    if _words(text) <= 8 and (value := parse_timestamp(text)) and not text.rstrip().endswith((".", '"', "”")):
        if layout.published is None:
            layout.published = value
        else:
            layout.updated = value
        return True
    return False


def _body_start(paras: list[Paragraph], first: int) -> tuple[int, int]:
    """Index of the first body paragraph and the length of its dateline prefix (0 if none)."""
    for i in range(first, min(len(paras), first + 8)):
        if _MARKER.match(paras[i].text) and paras[i].text.lower().startswith("full"):
            return i + 1, 0
        m = find_dateline(paras[i].text)
        if m is not None:
            return i, m.length
    return first, 0


def parse_layout(text: str) -> Layout:
    """Split a plain-text page into its parts. Offsets stay those of ``text``."""
    layout = Layout()
    paras = blocks(text)
    kept: list[Paragraph] = []
    trailing = False
    for p in paras:
        trailing = trailing or bool(_TRAILER.match(p.text.strip()))
        if trailing or _is_chrome(p.text):
            layout.boilerplate.append(p.text)
        else:
            kept.append(p)
    if not kept:
        return layout
    head = 0
    while head < len(kept) and _metadata(layout, kept[head].text):
        head += 1
    if head < len(kept) and _words(kept[head].text) <= 40 and "\n" not in kept[head].text:
        layout.headline = kept[head]
        head += 1
    start, prefix = _body_start(kept, head)
    _front_matter(layout, kept[head:start])
    if prefix and (m := find_dateline(kept[start].text)):
        layout.dateline, layout.agency = m.dateline, m.agency
    body = kept[start:]
    if body and prefix:
        first = body[0]
        body[0] = Paragraph(first.text[prefix:], first.start + prefix, first.end)
    if not prefix:
        body = _skip_front(layout, body)
    layout.paragraphs = [p for p in body if not _MARKER.match(p.text)]
    return layout


def _front_matter(layout: Layout, front: list[Paragraph]) -> None:
    """Blocks between the headline and the body: metadata, then a standfirst before it and a caption after."""
    seen_meta = False
    for i, p in enumerate(front):
        if _MARKER.match(p.text):
            continue
        if _metadata(layout, p.text):
            seen_meta = True
            continue
        is_last = i == len(front) - 1
        if _CREDIT.search(p.text) or (seen_meta and layout.caption is None and is_last and _words(p.text) <= 25):
            layout.caption = p.text if layout.caption is None else f"{layout.caption} {p.text}"
        elif layout.standfirst is None:
            layout.standfirst = p
        else:
            layout.caption = p.text if layout.caption is None else layout.caption


def _skip_front(layout: Layout, body: list[Paragraph]) -> list[Paragraph]:
    """With no dateline to mark the body, peel leading metadata lines and a credit line off it."""
    i = 0
    while i < len(body) and (_metadata(layout, body[i].text) or (_CREDIT.search(body[i].text) and
                                                                  _words(body[i].text) <= 30)):
        if _CREDIT.search(body[i].text):
            layout.caption = body[i].text
        i += 1
    return body[i:]
