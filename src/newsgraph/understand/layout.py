"""The layout of a scraped plain-text news page: headline, standfirst, metadata lines, caption, body and the
site chrome around them.

Written here rather than taken from a library: trafilatura and its peers work on HTML trees, and a page that
was already flattened to text has no tags left for them to read. The rules are about news layout in general
(bylines, "Updated:" lines, datelines, photo credits, "Tags:" lines), never about one outlet.

A page reads top to bottom as: chrome, [metadata], headline, front matter (standfirst, bylines, times,
caption), body (opened by a dateline when there is one), trailer (related links, wire credits).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from newsgraph.model import Dateline, Paragraph, Span
from newsgraph.understand.dateline import find_dateline
from newsgraph.understand.timestamps import is_bare_timestamp, parse_timestamp

_BLANK_LINE = re.compile(r"\n[ \t\r\f\v]*\n")
_UPDATED = re.compile(r"^(?:last\s+)?(?:updated?|modified|edited)(?:\s+on)?\s*[:\-–]?\s*(?P<v>.+)$", re.IGNORECASE)
_PUBLISHED = re.compile(r"^(?:first\s+)?(?:published|posted|date|dated|issued)(?:\s+on)?\s*[:\-–]?\s*(?P<v>.+)$",
                        re.IGNORECASE)
# "Updated 2 hours ago": a metadata line with no time that can be pinned down.
_RELATIVE = re.compile(r"^(?:(?:last\s+)?(?:updated?|published|posted|modified)\s*:?\s*)?(?:\d+|an?|one)\s+"
                       r"(?:sec|second|min|minute|hr|hour|day|week|month)s?\s+ago$", re.IGNORECASE)
# Segments of one metadata line: "By X | Outlet | Published: ...", "Published: ... Updated: ...".
_SEGMENTS = re.compile(r"\s+[|·•]\s+|(?<!last)\s+(?=(?:last\s+)?(?:updated?|modified)\b\s*:?\s*\S)", re.IGNORECASE)
_SEPARATORS = re.compile(r"\s+[|·•]\s+")
_TIME_ONLY = re.compile(r"^\d{1,2}(?::\d{2}|\.\d{2})?\s*(?:[ap]\.?m\.?)?(?:\s+[A-Z]{1,5})?$", re.IGNORECASE)
_BYLINE = re.compile(r"^(?:written\s+)?by\s*:?\s+(?P<v>[A-Z][^\n]{1,120})$", re.IGNORECASE)
_BYLINE_SPLIT = re.compile(r"\s*(?:,|;|\band\b|&|\bfor\b|\bwith\b)\s*")
_BYLINE_PLACE = re.compile(r"\s+in\s+[A-Z].*$")
# Words that make a byline part an outlet or a role rather than a person ("Coastal Times", "Staff Writer").
_NOT_A_NAME = re.compile(
    r"\b(?:times|post|news|press|herald|journal|tribune|gazette|ledger|courier|chronicle|telegraph|guardian|"
    r"observer|daily|weekly|magazine|agency|agencies|wires?|reuters|ap|afp|upi|dpa|associated|bloomberg|staff|"
    r"correspondents?|reporters?|editors?|writers?|desk|bureau|contributors?|columnist|service|network|media|"
    r"online|tv|radio|channel|newsroom|team|photographer|analyst)\b", re.IGNORECASE)
# A caption is a paragraph that opens with "Photo:" or closes with a photo credit.
_CAPTION = re.compile(
    r"^(?:photo|image|picture|pictured|caption|file photo|photograph)\s*(?:credit)?\s*:|"
    r"\((?:[^()]*\b(?:photos?|images?|pool|file)\b[^()]*|[A-Z][\w.&\- ]{1,30}/[A-Z][a-z]+(?:[ -][A-Z][\w'’-]+)+)\)\.?$|"
    r"(?:/|\bvia\s+|\|\s*|\bphoto:?\s+)(?:getty images|afp|ap|reuters|epa|shutterstock|alamy)[^.]{0,30}\.?$|"
    r"\b(?:getty images|shutterstock|alamy|epa-efe)\s*\.?\)?$|"
    r"\b(?:photo(?:graph)?|image|picture|credit)s?\s*:\s*[A-Z][^.:]{1,60}$",
    re.IGNORECASE)
_CHROME = re.compile(
    r"^(?:tags?\s*:.*|topics?\s*:.*|categories\s*:.*|filed under\s*:.*|similar news|"
    r"related(?: news| articles| stories| posts| content| topics)?\s*:?|read more\s*:.*|read more|see also\s*:.*|"
    r"more from\b.*|you may also like.*|recommended(?: for you)?\s*:?|most (?:read|popular|viewed)\b.*|"
    r"share(?: this(?: article| story| page| post)?| (?:on|via) \w+)?\s*:?|tweet|print|e-?mail|facebook|twitter|"
    r"x|whatsapp|linkedin|telegram|reddit|copy link|follow us\b.*|subscribe(?: now| to [\w ]+)?\s*[.!]?|"
    r"sign up\b.*newsletter.*|sign up(?: now)?[.!]?|newsletter\s*:.*|get our [\w ]*newsletter.*|advertisement|"
    r"sponsored(?: content)?|comments?\s*\(?\d*\)?|leave a comment.*|all rights reserved.*|"
    r"(?:©|copyright\s*(?:©|\(c\)|\d{4})).*|skip to (?:main )?content|listen to (?:this|the) (?:article|story).*|"
    r"\d+\s*min(?:ute)?s?\s+read|reading time\s*:.*|click here\b.*|home|menu|search|log ?in|sign in|"
    r"\(this (?:story|article|report)\b.*\)\.?|"
    r"(?:editor'?s'? note|correction|clarification|update)\s*:\s*(?:this|an earlier version of this) "
    r"(?:story|article|report)\b.*)$",
    re.IGNORECASE)
_BREADCRUMB_SEP = re.compile(r"\s+[|>›»/]\s+")
# A list header after which everything to the end of the page is links to other stories, not this one; wire
# copy ends with its reporting and editing credits.
_TRAILER = re.compile(r"^(?:(?:similar|related|more|other|latest|top) (?:news|stories|articles|coverage|posts)|"
                      r"related|read (?:more|next)|you may also like|most (?:read|popular|viewed)|"
                      r"recommended(?: for you)?)\s*:?\s*$|"
                      r"^(?:\(?(?:additional )?(?:reporting|writing|editing|compiled|produced) by\b.*)$",
                      re.IGNORECASE)
_MARKER = re.compile(r"^(?:abstract|full text|summary)\s*\.?\s*:?$", re.IGNORECASE)
_FRONT_WINDOW = 8
_MAX_LINK_WORDS = 25
_LINK_WORDS = 6  # a menu item or link title, when it does not end like a sentence
_DUMP_MIN_BLOCKS = 25
_MAX_STANDFIRST_WORDS = 60
_MAX_FRONT_TEXT = 3  # standfirst and a caption or two: more text blocks before a dateline means it is not the body's


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
        spans = _split(text, re.compile(r"\r?\n"))
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


def _is_breadcrumb(line: str) -> bool:
    parts = _BREADCRUMB_SEP.split(line)
    if len(parts) < 2 or (len(parts) < 3 and parts[0].casefold() != "home"):
        return False
    return all(0 < _words(p) <= 4 and not p.rstrip().endswith((".", "?", "!", '"')) for p in parts)


def _is_chrome(text: str) -> bool:
    """Site chrome: every line of the block is a share button, tag list, breadcrumb, newsletter pitch, ..."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return bool(lines) and len(text) < 400 and all(
        len(line) < 200 and (_CHROME.match(line) is not None or _is_breadcrumb(line)) for line in lines)


def is_caption(text: str) -> bool:
    """A photo caption or credit line: "Photo: ...", "... (AP Photo/Jane Doe)", "... /AFP via Getty Images"."""
    return _words(text) <= 60 and _CAPTION.search(text.strip()) is not None


def _name_case(name: str) -> str:
    return name.title() if name.isupper() and len(name) > 3 else name


def _authors(value: str) -> list[str]:
    names: list[str] = []
    for part in _BYLINE_SPLIT.split(value.strip()):
        part = _BYLINE_PLACE.sub("", part).strip(" .")
        if (not part or _words(part) > 4 or not part[0].isupper() or part.casefold().startswith("the ")
                or _NOT_A_NAME.search(part)):
            continue
        names.append(_name_case(part))
    return names


def _timestamp(layout: Layout, segment: str) -> bool:
    for pattern, slot in ((_UPDATED, "updated"), (_PUBLISHED, "published")):
        m = pattern.match(segment)
        if not m:
            continue
        value = m.group("v")
        if slot == "updated" and layout.published and _TIME_ONLY.match(value):  # "Oct. 13, 2023 Updated 5:05 p.m."
            value = f"{layout.published[:10]} {value}"
        if is_bare_timestamp(value) and (iso := parse_timestamp(value)):
            setattr(layout, slot, iso)
            return True
    if is_bare_timestamp(segment) and (value := parse_timestamp(segment)):
        if layout.published is None:
            layout.published = value
        else:
            layout.updated = value
        return True
    return False


def _metadata_line(layout: Layout, line: str) -> bool:
    if len(line) > 200:
        return False
    if _timestamp(layout, _SEPARATORS.sub(" ", line)):  # "13 October 2023 • 4:15pm BST"
        return True
    byline = False
    for segment in (s.strip() for s in _SEGMENTS.split(line)):
        if not segment or _timestamp(layout, segment) or _RELATIVE.match(segment):
            continue
        m = _BYLINE.match(segment)
        if m and not byline and _words(m.group("v")) <= 16:
            layout.authors = _authors(m.group("v"))
            byline = True
        elif not (byline and _words(segment) <= 5):  # "By X | The Outlet"
            return False
    return True


def _metadata(layout: Layout, text: str) -> bool:
    """Fill in the metadata ``text`` carries (bylines, times, one per line); ``True`` if that is all it holds."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines or len(lines) > 4:
        return False
    found = Layout()
    if not all(_metadata_line(found, line) for line in lines):
        return False
    if found.published:
        if layout.published is None:
            layout.published = found.published
        else:
            layout.updated = found.published
    layout.updated = found.updated or layout.updated
    layout.authors = found.authors or layout.authors
    return True


def _is_headline(text: str) -> bool:
    lines = text.splitlines()
    return (len(lines) <= 2 and _words(text) <= 40 and (len(lines) == 1 or not text.rstrip().endswith("."))
            and find_dateline(text) is None)


def _lines(block: Paragraph) -> list[Paragraph]:
    out: list[Paragraph] = []
    pos = block.start
    for raw in block.text.splitlines(keepends=True):
        text = raw.strip()
        if text:
            start = pos + raw.index(text)
            out.append(Paragraph(text, start, start + len(text)))
        pos += len(raw)
    return out


def _headline_block(layout: Layout, block: Paragraph) -> bool:
    """A first block of a few lines: "Headline" over bylines and times, or "Headline;" over a deck. Fills in
    ``layout`` and says whether it was one. A headline hard-wrapped onto two lines is neither: its first line
    runs near full width and does not end in punctuation."""
    lines = _lines(block)
    if not 2 <= len(lines) <= 5 or _words(lines[0].text) > 25 or find_dateline(block.text) is not None:
        return False
    found = Layout()
    if all(_metadata(found, line.text) for line in lines[1:]):
        _metadata(layout, "\n".join(line.text for line in lines[1:]))
    elif len(lines) == 2 and _words(lines[1].text) <= 40:
        line1, line2 = lines[0].text, lines[1].text
        if not (line1.endswith((";", ":", ".", "?", "!")) or (line2[0].isupper() and len(line1) < 60)):
            return False
        layout.standfirst = lines[1]
    else:
        return False
    head_text = lines[0].text.rstrip(";: ")
    layout.headline = Paragraph(head_text, lines[0].start, lines[0].start + len(head_text))
    return True


def _body_start(paras: list[Paragraph], first: int) -> tuple[int, int]:
    """Index of the first body paragraph and the length of its dateline prefix (0 if none). With no dateline the
    body starts after the last metadata or caption block near the top."""
    window = range(first, min(len(paras), first + _FRONT_WINDOW))
    text_blocks = 0
    for i in window:
        if _MARKER.match(paras[i].text) and paras[i].text.lower().startswith("full"):
            return i + 1, 0
        m = find_dateline(paras[i].text)
        # Below other text, only a known place or an agency credit is trusted ("THE OLD: ..." is a list heading).
        if m is not None and (text_blocks == 0 or m.agency or (m.dateline and m.dateline.country)):
            return i, m.length
        if not _metadata(Layout(), paras[i].text):
            text_blocks += 1
        if text_blocks > _MAX_FRONT_TEXT:
            break
    return _front_end(paras, first), 0


def _front_end(paras: list[Paragraph], first: int) -> int:
    """With no dateline: the body starts after the last metadata or caption block near the top, as long as the
    text above it could be a standfirst and a caption (two blocks at most, none of body length)."""
    end = first
    text_blocks = 0
    for i in range(first, min(len(paras), first + 6)):
        if _metadata(Layout(), paras[i].text) or is_caption(paras[i].text):
            end = i + 1
            continue
        text_blocks += 1
        if text_blocks > 2 or _words(paras[i].text) > _MAX_STANDFIRST_WORDS:
            break
    return end


def parse_layout(text: str) -> Layout:
    """Split a plain-text page into its parts. Offsets stay those of ``text``."""
    layout = Layout()
    paras = blocks(text)
    dump = _is_page_dump(paras)
    kept = _drop_chrome(layout, paras)
    if dump:
        start = _story_start(kept)
        layout.boilerplate.extend(p.text for p in kept[:start])
        kept = kept[start:]
    if not kept:
        return layout
    head = 0
    while head < len(kept) and _metadata(layout, kept[head].text):
        head += 1
    if head < len(kept) and _headline_block(layout, kept[head]):
        head += 1
    elif head < len(kept) and _is_headline(kept[head].text):
        layout.headline = kept[head]
        head += 1
    start, prefix = _body_start(kept, head)
    _front_matter(layout, kept[head:start])
    body = kept[start:]
    if body and prefix and (m := find_dateline(body[0].text)):
        layout.dateline, layout.agency = m.dateline, m.agency
        first = body[0]
        body[0] = Paragraph(first.text[prefix:], first.start + prefix, first.end)
    body = [p for p in body if not _MARKER.match(p.text)]
    layout.paragraphs = _pull_captions(layout, _trim_page_dump(body) if dump else body)
    return layout


def _ends_sentence(text: str) -> bool:
    return text.rstrip().endswith((".", "!", "?", '"', "”", "'", "’", ".)"))


def _is_page_dump(paras: list[Paragraph]) -> bool:
    """A whole page flattened to text: menus, link lists and footers as many short lines around the story."""
    return len(paras) >= _DUMP_MIN_BLOCKS and sum(_words(p.text) <= _LINK_WORDS for p in paras) >= len(paras) / 2


def _is_full_paragraph(text: str) -> bool:
    return _words(text) >= 20 and _ends_sentence(text)


def _story_start(kept: list[Paragraph]) -> int:
    """In a page dump, where the story begins: the headline (and standfirst) over the metadata and captions that
    precede its first full paragraph."""
    first = next((i for i, p in enumerate(kept) if _is_full_paragraph(p.text)), 0)
    start = first
    while start > 0 and (_metadata(Layout(), kept[start - 1].text) or is_caption(kept[start - 1].text)):
        start -= 1
    if start > 1 and _ends_sentence(kept[start - 1].text) and _is_headline(kept[start - 2].text):
        return start - 2  # headline and standfirst
    return start - 1 if start > 0 and _is_headline(kept[start - 1].text) else start


def _trim_page_dump(body: list[Paragraph]) -> list[Paragraph]:
    """The body of a page dump: the run from its first to its last full paragraph, less the link-like lines in
    it."""
    full = [i for i, p in enumerate(body) if _is_full_paragraph(p.text)]
    if not full:
        return body
    start, end = full[0], full[-1] + 1
    while start > 0 and _ends_sentence(body[start - 1].text):  # a short opening sentence belongs to the story
        start -= 1
    while end < len(body) and _ends_sentence(body[end].text):  # and so does a closing list of sentences
        end += 1
    return [p for p in body[start:end] if _words(p.text) > _LINK_WORDS or _ends_sentence(p.text)]


def _drop_chrome(layout: Layout, paras: list[Paragraph]) -> list[Paragraph]:
    """Blocks that are not chrome, up to the trailer; the rest goes to ``layout.boilerplate``."""
    kept: list[Paragraph] = []
    trailing = False
    for p in paras:
        # A list of links is short lines; a long paragraph after one means the list sat inside the article.
        trailing = (trailing and _words(p.text) <= _MAX_LINK_WORDS) or bool(_TRAILER.match(p.text.strip()))
        if trailing or _is_chrome(p.text):
            layout.boilerplate.append(p.text)
        else:
            kept.append(p)
    return kept


def _front_matter(layout: Layout, front: list[Paragraph]) -> None:
    """Blocks between the headline and the body: metadata, then a standfirst before it and a caption after."""
    seen_meta = summary = False
    for i, p in enumerate(front):
        if _MARKER.match(p.text):
            summary = not p.text.lower().startswith("full")  # "ABSTRACT." introduces a summary, not a caption
            continue
        if _metadata(layout, p.text):
            seen_meta = True
            continue
        is_last = i == len(front) - 1
        # After the metadata, a short last block is a caption ("Russian President Vladimir Putin."); a longer one
        # is the standfirst unless there is one already.
        short = _words(p.text) <= (25 if layout.standfirst is not None else 12)
        if is_caption(p.text) or (seen_meta and layout.caption is None and is_last and short and not summary):
            layout.caption = p.text if layout.caption is None else f"{layout.caption} {p.text}"
        elif layout.standfirst is None:
            layout.standfirst = p
        elif summary:
            layout.boilerplate.append(p.text)
        else:
            layout.caption = p.text if layout.caption is None else layout.caption
        summary = False


def _pull_captions(layout: Layout, body: list[Paragraph]) -> list[Paragraph]:
    """Photo captions set inside the body: the first becomes the caption if there is none, others boilerplate."""
    out: list[Paragraph] = []
    for p in body:
        if not is_caption(p.text):
            out.append(p)
        elif layout.caption is None:
            layout.caption = p.text
        else:
            layout.boilerplate.append(p.text)
    return out
