"""Quotation marks: find the quoted regions of one block of text (a paragraph, the headline, the standfirst).

Straight marks carry no direction, so each is read from its neighbours; curly marks are trusted unless their
neighbours plainly say otherwise. Stray and unbalanced marks never raise: a mark that cannot be paired is left
out, and a quote left open at the end of a block (news style for a quote running on into the next paragraph)
runs to the end of the block and is flagged ``open_end``.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

DOUBLE_OPEN = frozenset("“„«‟")
DOUBLE_CLOSE = frozenset("”»")
DOUBLE_ANY = frozenset('"')
SINGLE_OPEN = frozenset("‘‹")
SINGLE_CLOSE = frozenset("’›")
SINGLE_ANY = frozenset("'")
ALL_MARKS = DOUBLE_OPEN | DOUBLE_CLOSE | DOUBLE_ANY | SINGLE_OPEN | SINGLE_CLOSE | SINGLE_ANY
_OPEN_BEFORE = " \t\n([{—–-/:;,"  # characters after which a mark opens a quote
# The scanners visit the marks only (a regex finds them; a Python loop over every character cost ~10x more).
_DOUBLE_MARK = re.compile("[" + re.escape("".join(sorted(DOUBLE_OPEN | DOUBLE_CLOSE | DOUBLE_ANY))) + "]")
_SINGLE_MARK = re.compile("[" + re.escape("".join(sorted(SINGLE_OPEN | SINGLE_CLOSE | SINGLE_ANY))) + "]")


@dataclass(frozen=True, slots=True)
class QuoteRegion:
    """A quoted stretch, offsets into the scanned text. ``start``/``end`` include the marks when present;
    ``inner_start``/``inner_end`` exclude them."""

    start: int
    end: int
    inner_start: int
    inner_end: int
    open_end: bool = False  # opened but not closed before the block ended

    @property
    def inner(self) -> tuple[int, int]:
        return self.inner_start, self.inner_end


def _can_open(text: str, i: int) -> bool:
    before = text[i - 1] if i > 0 else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    return (before in _OPEN_BEFORE or before in ALL_MARKS) and not after.isspace()


def _can_close(text: str, i: int) -> bool:
    before = text[i - 1] if i > 0 else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    return not before.isspace() and (after.isspace() or not after.isalnum())


def _single_can_open(text: str, i: int) -> bool:
    after = text[i + 1] if i + 1 < len(text) else " "
    before = text[i - 1] if i > 0 else " "
    return (before in _OPEN_BEFORE or before in '"“') and after.isalnum()


def _single_can_close(text: str, i: int) -> bool:
    before = text[i - 1] if i > 0 else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    # an apostrophe inside a word (don't) or a plural possessive (States' policy) is not a closing mark
    if after.isalnum():
        return False
    return not before.isspace() and not (before in "sS" and after == " ")


def _double_role(text: str, i: int) -> str:
    ch = text[i]
    can_open, can_close = _can_open(text, i), _can_close(text, i)
    if ch in DOUBLE_OPEN:
        return "open" if can_open or not can_close else "close"
    if ch in DOUBLE_CLOSE:
        return "close" if can_close or not can_open else "open"
    if can_open and not can_close:
        return "open"
    if can_close and not can_open:
        return "close"
    return "either"


def scan_double(text: str) -> list[QuoteRegion]:
    """Top-level double-quoted regions (« » and „ “ included) of one block."""
    regions: list[QuoteRegion] = []
    open_at: int | None = None
    for mark in _DOUBLE_MARK.finditer(text):
        i = mark.start()
        role = _double_role(text, i)
        if open_at is None:
            if role in ("open", "either"):
                open_at = i
            # else: a closing mark with nothing open is a stray; leave it out
        elif role in ("close", "either"):
            regions.append(QuoteRegion(open_at, i + 1, open_at + 1, i))
            open_at = None
        # an opening mark inside an open quote is a nested or stray mark: ignore it
    if open_at is not None:
        end = len(text.rstrip())
        if end > open_at + 1:
            regions.append(QuoteRegion(open_at, end, open_at + 1, end, open_end=True))
    return [r for r in regions if r.inner_end > r.inner_start]


def scan_single(text: str, taken: list[QuoteRegion]) -> list[QuoteRegion]:
    """Single-quoted regions outside the double-quoted ones (headline style 'quote')."""
    regions: list[QuoteRegion] = []
    open_at: int | None = None
    starts, ends = _merged([(r.start, min(r.end, len(text))) for r in taken])
    for mark in _SINGLE_MARK.finditer(text):
        i, ch = mark.start(), mark.group()
        k = bisect_right(starts, i) - 1
        if k >= 0 and i < ends[k]:  # inside a double-quoted region
            continue
        if open_at is None:
            if ch not in SINGLE_CLOSE and _single_can_open(text, i):
                open_at = i
        elif ch not in SINGLE_OPEN and _single_can_close(text, i):
            if i - open_at > 2:
                regions.append(QuoteRegion(open_at, i + 1, open_at + 1, i))
            open_at = None
    return regions


def _merged(spans: list[tuple[int, int]]) -> tuple[list[int], list[int]]:
    """The union of half-open spans as sorted, disjoint (starts, ends)."""
    starts: list[int] = []
    ends: list[int] = []
    for start, end in sorted(s for s in spans if s[1] > s[0]):
        if ends and start <= ends[-1]:
            ends[-1] = max(ends[-1], end)
        else:
            starts.append(start)
            ends.append(end)
    return starts, ends


def scan(text: str) -> list[QuoteRegion]:
    """All top-level quoted regions of one block, in order. Two apostrophes ('') stand for a double mark."""
    text = text.replace("\'\'", '"\x01')
    double = scan_double(text)
    double = [QuoteRegion(r.start, r.end + (r.end < len(text) and text[r.end] == "\x01"),
                          r.inner_start + (text[r.inner_start] == "\x01"), r.inner_end, r.open_end) for r in double]
    return sorted(double + scan_single(text, double), key=lambda r: r.start)


def starts_with_quote(text: str) -> bool:
    stripped = text.lstrip()
    return bool(stripped) and stripped[0] in DOUBLE_OPEN | DOUBLE_ANY | SINGLE_OPEN


def word_chars(text: str) -> int:
    return sum(map(str.isalnum, text))
