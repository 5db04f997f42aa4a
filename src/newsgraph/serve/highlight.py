"""Cut a paragraph into plain segments and quote segments, so templates escape every piece themselves and
no markup is ever built from article text (never ``|safe``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from newsgraph.model import Quote


@dataclass(frozen=True, slots=True)
class Segment:
    """A run of text; ``quote`` is the index of the article quote covering it, or ``None`` for plain text;
    ``speaker`` is the resolved name (it has a page), ``mention`` how the article named them otherwise."""

    text: str
    quote: int | None = None
    speaker: str | None = None
    kind: str | None = None
    mention: str | None = None


def quote_spans(quotes: Sequence[Quote]) -> list[tuple[int, int, int]]:
    """``(start, end, quote index)`` of every quote span in the article, sorted, overlaps dropped (first wins)."""
    spans = sorted((s, e, i) for i, q in enumerate(quotes) for s, e in q.spans if e > s)
    out: list[tuple[int, int, int]] = []
    for s, e, i in spans:
        if out and s < out[-1][1]:
            continue
        out.append((s, e, i))
    return out


def segments(text: str, start: int, spans: Sequence[tuple[int, int, int]], quotes: Sequence[Quote]) -> list[Segment]:
    """Split ``text`` (which starts at article offset ``start``) at the quote spans that fall inside it."""
    end = start + len(text)
    out: list[Segment] = []
    pos = start
    for s, e, i in spans:
        s, e = max(s, start), min(e, end)
        if e <= s or s < pos:
            continue
        if s > pos:
            out.append(Segment(text[pos - start:s - start]))
        q = quotes[i]
        out.append(Segment(text[s - start:e - start], i, q.speaker.name, q.kind, q.speaker.mention))
        pos = e
    if pos < end or not out:
        out.append(Segment(text[pos - start:]))
    return out
