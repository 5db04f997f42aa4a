"""Datelines: "BISHKEK:", "WASHINGTON (Reuters) -", "LONDON, Oct 13 (AFP) —", "Kyiv, Ukraine —", and the bare
agency credit "(Reuters) -" that opens wire copy with no place."""

from __future__ import annotations

import re
from dataclasses import dataclass

from newsgraph.model import Dateline
from newsgraph.understand.gazetteer import country_of

# A dateline sits on the first line of its paragraph: no pattern here crosses a line break.
_CAPS_PLACE = r"[A-Z][A-Z'’.\-]*(?:[^\S\r\n][A-Z][A-Z'’.\-]*){0,3}"
_TITLE_PLACE = r"[A-Z][a-z'’.\-]+(?:[^\S\r\n][A-Z][a-z'’.\-]+){0,2}"
_REGION = r"[A-Z][A-Za-z.’'\-]*(?:[^\S\r\n][A-Z][A-Za-z.’'\-]*){0,2}"
_DATE = r"(?:[A-Z][a-z]{2,8}\.?[^\S\r\n]\d{1,2}|\d{1,2}[^\S\r\n][A-Z][a-z]{2,8})(?:,?[^\S\r\n](?:19|20)\d{2})?"
_AGENCY = r"\((?P<agency>[A-Za-z][\w .&/-]{0,30})\)"
_SEP = r"[^\S\r\n]*(?::|—|–|--|-)[^\S\r\n]+"

_CAPS = re.compile(rf"^(?P<place>{_CAPS_PLACE})(?:,[^\S\r\n]*(?P<region>{_REGION}))?(?:,[^\S\r\n]*{_DATE})?"
                   rf"[^\S\r\n]*(?:{_AGENCY})?{_SEP}")
_TITLE = re.compile(rf"^(?P<place>{_TITLE_PLACE})(?:,[^\S\r\n]*(?P<region>{_REGION}))?(?:,[^\S\r\n]*{_DATE})?"
                    rf"[^\S\r\n]*(?:{_AGENCY})?[^\S\r\n]*(?:—|–|--)[^\S\r\n]+")
_AGENCY_ONLY = re.compile(rf"^{_AGENCY}[^\S\r\n]*(?:—|–|--|-)[^\S\r\n]+")
_NOT_PLACES = {"UPDATE", "UPDATED", "NOTE", "EDITOR'S NOTE", "WARNING", "BREAKING", "EXCLUSIVE", "ANALYSIS",
               "OPINION", "PHOTO", "VIDEO", "WATCH", "LIVE", "TAGS", "BY", "Q", "A", "I", "OK", "FILE", "READ",
               "SEE", "ALSO", "RELATED", "MORE", "CORRECTION", "CLARIFICATION", "UPDATE 1", "UPDATE 2"}


@dataclass(frozen=True, slots=True)
class DatelineMatch:
    """A dateline (``None`` for a bare agency credit), the agency named in it, and the prefix length to strip."""

    dateline: Dateline | None
    agency: str | None
    length: int


_INITIALS = re.compile(r"^(?:[A-Z]\.){2,}$")  # "D.C."


def _title_case(place: str) -> str:
    return " ".join(w if _INITIALS.match(w) else "-".join(p.capitalize() for p in w.split("-")) for w in place.split())


def find_dateline(paragraph: str) -> DatelineMatch | None:
    """The dateline that opens ``paragraph``, with the length of the prefix to strip, or ``None``."""
    if m := _AGENCY_ONLY.match(paragraph):
        return DatelineMatch(None, m.group("agency"), m.end())
    m = _CAPS.match(paragraph)
    caps = m is not None
    if m is None:
        m = _TITLE.match(paragraph)
    if m is None:
        return None
    place = m.group("place").strip(" .")
    if place.upper() in _NOT_PLACES or len(place) < 2:
        return None
    region = m.group("region")
    country = country_of(place, region)
    if country is None and (not caps or len(re.sub(r"[^A-Za-z]", "", place)) <= 4):
        return None  # "Officials said - ..." and "NATO: ..." are not datelines: an unknown place must be long caps
    name = _title_case(place) if caps else place
    return DatelineMatch(Dateline(name, country), m.group("agency"), m.end())
