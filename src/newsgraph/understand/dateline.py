"""Datelines: "BISHKEK:", "WASHINGTON (Reuters) -", "LONDON, Oct 13 (AFP) —", "Kyiv, Ukraine —"."""

from __future__ import annotations

import re
from dataclasses import dataclass

from newsgraph.model import Dateline
from newsgraph.understand.gazetteer import country_of

_CAPS_PLACE = r"[A-Z][A-Z'’.\-]*(?:\s[A-Z][A-Z'’.\-]*){0,3}"
_TITLE_PLACE = r"[A-Z][a-z'’.\-]+(?:\s[A-Z][a-z'’.\-]+){0,2}"
_REGION = r"[A-Z][A-Za-z.’'\-]*(?:\s[A-Z][A-Za-z.’'\-]*){0,2}"
_DATE = r"(?:[A-Z][a-z]{2,8}\.?\s\d{1,2}|\d{1,2}\s[A-Z][a-z]{2,8})"
_AGENCY = r"\((?P<agency>[A-Za-z][\w .&/-]{0,30})\)"
_SEP = r"\s*(?::|—|–|--|-)\s+"

_CAPS = re.compile(rf"^(?P<place>{_CAPS_PLACE})(?:,\s*(?P<region>{_REGION}))?(?:,\s*{_DATE})?\s*(?:{_AGENCY})?{_SEP}")
_TITLE = re.compile(rf"^(?P<place>{_TITLE_PLACE})(?:,\s*(?P<region>{_REGION}))?(?:,\s*{_DATE})?"
                    rf"\s*(?:{_AGENCY})?\s*(?:—|–|--)\s+")
_NOT_PLACES = {"UPDATE", "UPDATED", "NOTE", "EDITOR'S NOTE", "WARNING", "BREAKING", "EXCLUSIVE", "ANALYSIS",
               "OPINION", "PHOTO", "VIDEO", "WATCH", "LIVE", "TAGS", "BY"}


@dataclass(frozen=True, slots=True)
class DatelineMatch:
    dateline: Dateline
    agency: str | None
    length: int


def _title_case(place: str) -> str:
    return " ".join(w if len(w) <= 3 and "." in w else w.capitalize() for w in place.split())


def find_dateline(paragraph: str) -> DatelineMatch | None:
    """The dateline that opens ``paragraph``, with the length of the prefix to strip, or ``None``."""
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
    if not caps and country is None:
        return None  # "Officials said - ..." is not a dateline; a title-case one must be a known place
    name = _title_case(place) if caps else place
    return DatelineMatch(Dateline(name, country), m.group("agency"), m.end())
