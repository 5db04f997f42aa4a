"""Who said what: direct, partial, mixed, multi-paragraph quotes and reported speech, with the speaker as written.

Two readings meet here. Quotation marks give the quoted regions of each block (headline, standfirst,
paragraphs; see ``quote_marks``). The dependency parse gives attributions: a cue verb from the lexicon, its
subject as speaker and its clause or objects as content (``quote_cue_parse``). A content that touches a quoted
region grows to cover it; a quoted region no cue reached takes the attribution standing next to it in its block
("..., Putin said"), or continues the speaker of the quote just before it (a quote paragraph with no attribution
of its own, or one left open and reopened). Speakers are kept as written; resolving them is ``speakers.v1``.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Any

from newsgraph.model import Article, Quote, Speaker
from newsgraph.understand.quote_cue_parse import CharRange, Found, read_according_to, read_cue, read_governor
from newsgraph.understand.quote_marks import QuoteRegion, scan, starts_with_quote, word_chars
from newsgraph.understand.token_select import tokens_where

STAGE = "quotes.v1"
MIN_UNATTRIBUTED_WORDS = 8  # a quoted stretch nobody is cued for is kept only when it reads like speech
_FRAME_AFTER = re.compile(r"^[\s,:;—–-]*(?:that\s*)?$")
_STRIP = " \t\n,;:—–\"“”«»„‘’'"
_TRANSCRIPT = re.compile(r"[\"“]?([A-Z][A-Z.'’ -]*[A-Z]):[^\S\n]+(?=\S)")
_HEADLINE_SAYS = re.compile(r"([A-Z][\w.'’-]*(?: [\w.'’-]+){0,3}):[^\S\n]+(?=\S)")
_DASH = re.compile(r"[^\S\n]*([―—–]|--?)[^\S\n]*(?=[A-Z])")


@dataclass(slots=True)
class _Region:
    block: int
    region: QuoteRegion  # in article offsets
    owner: int | None = None  # index into the attributions list


@dataclass(slots=True)
class _Attr:
    found: Found
    block: int
    regions: list[int] = field(default_factory=list)  # indexes into the regions list
    carried_from: int | None = None


def blocks_of(article: Article) -> list[CharRange]:
    """Headline, standfirst and paragraphs, in text order (quotes and reported speech count in each)."""
    spans = [p for p in (article.headline_span, article.standfirst_span) if p is not None]
    spans += [(p.start, p.end) for p in article.paragraphs]
    if not spans:
        spans = [(m.start(), m.end()) for m in re.finditer(r"\S(?:.*?\S)?(?=\n\s*\n|\s*$)", article.text, re.S)]
    return sorted(set(spans))


def _regions(text: str, blocks: list[CharRange]) -> list[_Region]:
    out: list[_Region] = []
    for b, (start, end) in enumerate(blocks):
        for r in scan(text[start:end]):
            out.append(_Region(b, QuoteRegion(r.start + start, r.end + start, r.inner_start + start,
                                              r.inner_end + start, r.open_end)))
    return out


class _Index:
    """Where a character falls: which block, which quoted region."""

    def __init__(self, blocks: list[CharRange], regions: list[_Region]) -> None:
        self.block_starts = [b[0] for b in blocks]
        self.blocks = blocks
        self.regions = regions
        self.region_starts = [r.region.start for r in regions]

    def block(self, pos: int) -> int | None:
        i = bisect_right(self.block_starts, pos) - 1
        return i if i >= 0 and pos < self.blocks[i][1] else None

    def region(self, pos: int) -> int | None:
        i = bisect_right(self.region_starts, pos) - 1
        return i if i >= 0 and pos < self.regions[i].region.end else None


def _attributions(doc: Any, index: _Index) -> list[_Attr]:
    out: list[_Attr] = []
    # only verbs and "according" can be cues: both readers below return None for any other token
    for tok in tokens_where(doc, POS=["VERB", "AUX"], LOWER=["according"]):
        if index.region(tok.idx) is not None:
            continue  # a cue inside a quotation is part of what was said
        found = read_cue(tok, lambda pos: index.region(pos) is not None) or read_according_to(tok)
        if found is None:
            continue
        block = index.block(tok.idx)
        if block is None or (found.speaker is not None and index.region(found.speaker[0]) is not None):
            continue
        b_start, b_end = index.blocks[block]
        found.content = [(max(s, b_start), min(e, b_end)) for s, e in found.content if s < b_end and b_start < e]
        if found.speaker is not None and not b_start <= found.speaker[0] < b_end:
            continue
        out.append(_Attr(found, block))
    return out


def _token_at(doc: Any, pos: int) -> Any:
    """The token starting at or covering character ``pos`` (None past the end)."""
    span = doc.char_span(pos, pos + 1, alignment_mode="expand")
    return span[0] if span is not None and len(span) else None


def _transcripts(doc: Any, text: str, index: _Index, headline: CharRange | None) -> list[_Attr]:
    """Interview transcripts: a block opening with an upper-case name and a colon ("PENCE: Well, look, ...")."""
    out: list[_Attr] = []
    for b, (start, end) in enumerate(index.blocks):
        m = _TRANSCRIPT.match(text, start, end)
        if m is None:  # "Chris Matthews: Seriously, ...", and in a headline "Pat Caddell: Voters Worried ..."
            m = _HEADLINE_SAYS.match(text, start, end)
            last = _token_at(doc, m.end(1) - 1) if m else None
            kinds = ("PERSON", "ORG", "NORP", "GPE") if (start, end) == headline else ("PERSON",)
            if last is None or last.ent_type_ not in kinds:
                continue
        colon = _token_at(doc, m.end(1)) if m else None
        if m is None or colon is None or colon.text != ":":
            continue
        content = (m.end(), end)
        out.append(_Attr(Found(cue=[colon], speaker=(m.start(1), m.end(1)), content=[content]), b))
    return out


def _claim_dashes(doc: Any, text: str, index: _Index, attrs: list[_Attr]) -> None:
    """"..." ― Jane Doe: a quote signed with a dash and a name, no verb."""
    for r_i, reg in enumerate(index.regions):
        m = _DASH.match(text, reg.region.end, index.blocks[reg.block][1])
        if reg.owner is not None or m is None:
            continue
        dash = _token_at(doc, m.start(1))
        names = []
        tok = _token_at(doc, m.end())
        while tok is not None and tok.idx < index.blocks[reg.block][1] and (tok.pos_ == "PROPN" or tok.is_title):
            names.append(tok)
            tok = tok.nbor() if tok.i + 1 < len(doc) else None
        if not names or dash is None:
            continue
        speaker = (names[0].idx, names[-1].idx + len(names[-1].text))
        attrs.append(_Attr(Found(cue=[dash], speaker=speaker, content=[]), reg.block, [r_i]))
        reg.owner = len(attrs) - 1


def _claim_governed(doc: Any, index: _Index, attrs: list[_Attr]) -> None:
    """A quoted fragment inside a sentence, not yet claimed: the subject of the verb governing it said it."""
    def quoted(pos: int) -> bool:
        return index.region(pos) is not None

    for r_i, reg in enumerate(index.regions):
        first = _token_at(doc, reg.region.inner_start)
        if reg.owner is not None or first is None or first.sent.start_char >= reg.region.start - 1:
            continue
        found = read_governor(first, quoted)
        if found is None or found.speaker is None or quoted(found.speaker[0]):
            continue
        attrs.append(_Attr(found, reg.block, [r_i]))
        reg.owner = len(attrs) - 1
        for other in index.regions[r_i + 1:]:  # "... as "provocative" and a "grave threat""
            if other.owner is None and any(s <= other.region.start < e for s, e in found.content):
                other.owner = len(attrs) - 1
                attrs[-1].regions.append(index.regions.index(other))


def _claim_overlaps(attrs: list[_Attr], regions: list[_Region]) -> None:
    """A content touching a quoted region covers all of it; each region goes to the first content touching it."""
    for a_i, attr in enumerate(attrs):
        for r_i, reg in enumerate(regions):
            r = reg.region
            if reg.owner is None and any(s < r.end and r.start < e for s, e in attr.found.content):
                reg.owner = a_i
                attr.regions.append(r_i)


def _frame_between(text: str, start: int, end: int) -> bool:
    gap = text[start:end] if end >= start else ""
    return bool(_FRAME_AFTER.match(gap)) or (len(gap.split()) <= 6 and gap.rstrip().endswith((":", ",")))


def _claim_adjacent(text: str, attrs: list[_Attr], regions: list[_Region]) -> None:
    """"..., Putin said" / "Putin said: ..." where the parse did not join cue and quote. A quote standing right
    before its frame wins over whatever clause the parser hung after the cue."""
    for a_i, attr in enumerate(attrs):
        f = attr.found
        if f.speaker is None or attr.regions or not f.cue:
            continue
        frame = (min(f.speaker[0], f.cue[0].idx), max(f.speaker[1], f.cue[-1].idx + len(f.cue[-1].text)))
        free = [r_i for r_i, r in enumerate(regions) if r.owner is None and r.block == attr.block]
        before = [r_i for r_i in free if regions[r_i].region.end <= frame[0]
                  and re.fullmatch(r"[\s,;:—–-]*", text[regions[r_i].region.end:frame[0]])]
        after = [r_i for r_i in free if regions[r_i].region.start >= frame[1]
                 and _frame_between(text, frame[1], regions[r_i].region.start)]
        if before:
            f.content = [c for c in f.content if c[0] < frame[0]]
        elif f.content:
            continue
        for r_i in before[-1:] or after[:1]:
            regions[r_i].owner = a_i
            attr.regions.append(r_i)


def _claim_followers(text: str, blocks: list[CharRange], attrs: list[_Attr], regions: list[_Region]) -> None:
    """Unclaimed regions continue the quote before them: in the same block after "X said.", or in the next
    block when it opens with a quotation mark and has no attribution of its own."""
    cued_blocks = {a.block for a in attrs}
    _claim_backwards(text, blocks, attrs, regions)
    for r_i, reg in enumerate(regions):
        if reg.owner is not None or r_i == 0:
            continue
        prev = regions[r_i - 1]
        opens_block = _opens_block(text, blocks, reg)
        if opens_block and _claim_announced(text, blocks, attrs, regions, r_i):
            continue
        same_block = prev.block == reg.block and prev.owner is not None
        next_block = prev.block == reg.block - 1 and prev.owner is not None and opens_block and \
            (prev.region.open_end or reg.block not in cued_blocks)
        owner = attrs[prev.owner] if prev.owner is not None else None
        if not (same_block or next_block) or owner is None or owner.found.speaker is None:
            continue
        if same_block or prev.region.open_end:
            reg.owner = prev.owner
            owner.regions.append(r_i)
        else:  # a new quote paragraph by the same speaker: its own quote, the speaker carried
            attrs.append(_Attr(Found(cue=[], speaker=owner.found.speaker, content=[]), reg.block,
                               [r_i], carried_from=prev.owner))
            reg.owner = len(attrs) - 1


def _claim_backwards(text: str, blocks: list[CharRange], attrs: list[_Attr], regions: list[_Region]) -> None:
    """A quote left open at the end of a paragraph, attributed only in the paragraph that continues it."""
    for r_i in range(len(regions) - 2, -1, -1):
        reg, nxt = regions[r_i], regions[r_i + 1]
        if reg.owner is None and reg.region.open_end and nxt.owner is not None and nxt.block == reg.block + 1 \
                and _opens_block(text, blocks, nxt) and _opens_block(text, blocks, reg):
            reg.owner = nxt.owner
            attrs[nxt.owner].regions.append(r_i)


def _opens_block(text: str, blocks: list[CharRange], reg: _Region) -> bool:
    start = blocks[reg.block][0]
    return not text[start:reg.region.start].strip() and starts_with_quote(text[reg.region.start:])


def _claim_announced(text: str, blocks: list[CharRange], attrs: list[_Attr], regions: list[_Region],
                     r_i: int) -> bool:
    """"Caddell continued:" closing a block announces the quote opening the next one."""
    reg = regions[r_i]
    if reg.block == 0 or not text[blocks[reg.block - 1][0]:blocks[reg.block - 1][1]].rstrip().endswith(":"):
        return False
    waiting = [a_i for a_i, a in enumerate(attrs) if a.block == reg.block - 1 and not a.found.content
               and not a.regions and a.found.speaker is not None]
    if not waiting:
        return False
    reg.owner = waiting[-1]
    attrs[waiting[-1]].regions.append(r_i)
    return True


def _strip(text: str, span: CharRange, keep_end: str = ".?!") -> CharRange | None:
    s, e = span
    while s < e and text[s] in _STRIP:
        s += 1
    while e > s and (text[e - 1] in _STRIP or (text[e - 1] in "." and keep_end == "")):
        e -= 1
    return (s, e) if e > s else None


def _spans(text: str, attr: _Attr, regions: list[_Region]) -> list[CharRange]:
    """Content fragments: the parsed content merged with the regions it owns, cue and speaker cut out."""
    raw = list(attr.found.content)
    for r_i in attr.regions:
        r = regions[r_i].region
        raw.append((r.inner_start, r.inner_end))
    merged: list[list[int]] = []
    for s, e in sorted(raw):
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    cuts = [(t.idx, t.idx + len(t.text)) for t in attr.found.cue]
    if attr.found.speaker and attr.carried_from is None:
        cuts.append(attr.found.speaker)
    pieces: list[CharRange] = []
    for s, e in merged:
        for cs, ce in sorted(cuts):
            if s < ce and cs < e:
                if cs > s:
                    pieces.append((s, cs))
                s = max(s, ce)
        if e > s:
            pieces.append((s, e))
    out = [p for p in (_strip(text, p) for p in pieces) if p is not None and any(map(str.isalnum, text[p[0]:p[1]]))]
    return out


def _kind(text: str, spans: list[CharRange], attr: _Attr, regions: list[_Region]) -> str:
    inside = [(regions[r].region.inner_start, regions[r].region.inner_end) for r in attr.regions]
    if not inside:
        return "indirect"
    total = sum(word_chars(text[s:e]) for s, e in spans)
    quoted = sum(word_chars(text[max(s, rs):min(e, re_)]) for s, e in spans for rs, re_ in inside
                 if max(s, rs) < min(e, re_))
    if total == 0 or quoted >= 0.9 * total:
        return "direct"
    first = spans[0][0]
    if any(rs <= first + 1 and first < re_ for rs, re_ in inside):
        return "mixed"
    return "partial"


def _quote(text: str, attr: _Attr, attrs: list[_Attr], regions: list[_Region]) -> Quote | None:
    spans = _spans(text, attr, regions)
    if not spans:
        return None
    cue_src = attrs[attr.carried_from].found if attr.carried_from is not None else attr.found
    cue_spans = [(t.idx, t.idx + len(t.text)) for t in cue_src.cue]
    speaker = attr.found.speaker
    mention = text[speaker[0]:speaker[1]] if speaker else None
    return Quote(kind=_kind(text, spans, attr, regions),  # type: ignore[arg-type]
                 text=" ".join(text[s:e] for s, e in spans),
                 cue=" ".join(text[s:e] for s, e in cue_spans) or None, spans=spans,
                 speaker=Speaker(mention=mention, spans=[speaker] if speaker else []), cue_spans=cue_spans)


def _unattributed(text: str, regions: list[_Region]) -> list[Quote]:
    out = []
    for reg in regions:
        r = reg.region
        span = _strip(text, (r.inner_start, r.inner_end))
        if reg.owner is None and span and len(text[span[0]:span[1]].split()) >= MIN_UNATTRIBUTED_WORDS:
            out.append(Quote(kind="direct", text=text[span[0]:span[1]], cue=None, spans=[span],
                             speaker=Speaker(mention=None)))
    return out


def extract_quotes(article: Article, doc: Any) -> list[Quote]:
    """The quotes and reported speech of one article; ``doc`` is the spaCy parse of ``article.text``."""
    text = article.text
    blocks = blocks_of(article)
    regions = _regions(text, blocks)
    index = _Index(blocks, regions)
    # ``text`` is what ``doc`` was parsed from (spaCy keeps every character): Doc.text would rebuild it from
    # every token, on each access
    attrs = _transcripts(doc, text, index, article.headline_span) + _attributions(doc, index)
    _claim_overlaps(attrs, regions)
    _claim_dashes(doc, text, index, attrs)
    _claim_governed(doc, index, attrs)
    _claim_adjacent(text, attrs, regions)
    _claim_followers(text, blocks, attrs, regions)
    quotes = [q for a in attrs if (q := _quote(text, a, attrs, regions)) is not None]
    quotes += _unattributed(text, regions)
    quotes.sort(key=lambda q: q.spans[0])
    return _drop_nested(quotes)


def _drop_nested(quotes: list[Quote]) -> list[Quote]:
    """Keep what the article attributes, not what its speakers attribute: a quote whose cue sits inside another
    quote's content ("Merrill says Machado promised to ...") is part of that content, and a reading wholly inside
    another by the same speaker ("said ... adding") is a duplicate."""
    def inside(pos: int, q: Quote) -> bool:
        return any(s <= pos < e for s, e in q.spans)

    out: list[Quote] = []
    for q in quotes:
        nested = q.cue_spans and any(o is not q and o.speaker.mention and inside(q.cue_spans[0][0], o)
                                     and not inside(o.cue_spans[0][0], q) for o in quotes if o.cue_spans)
        dup = any(o.speaker.spans == q.speaker.spans and o.spans[0][0] <= q.spans[0][0]
                  and q.spans[-1][1] <= o.spans[-1][1] for o in out)
        if not (nested or dup):
            out.append(q)
    return out


class QuotesStage:
    """Stage ``quotes.v1``: fills ``article.quotes``."""

    name: str = STAGE
    requires: tuple[str, ...] = ("paragraphs",)
    assigns: tuple[str, ...] = ("quotes",)

    def __call__(self, article: Article, doc: Any) -> Article:
        article.quotes = extract_quotes(article, doc)
        return article
