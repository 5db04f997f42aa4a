"""Publication/update timestamps as written on pages -> timezone-aware ISO 8601.

A time with no zone is taken as UTC; a date with no time stays a plain date ("2023-10-13").
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from dateutil import parser as dateutil_parser
from dateutil.tz import gettz, tzoffset

_TZ = {
    "GMT": 0, "UTC": 0, "Z": 0, "BST": 3600, "CET": 3600, "CEST": 7200, "EET": 7200, "EEST": 10800,
    "MSK": 10800, "IST": 19800, "JST": 32400, "AEST": 36000, "AEDT": 39600, "EST": -18000, "EDT": -14400,
    "CST": -21600, "CDT": -18000, "MST": -25200, "MDT": -21600, "PST": -28800, "PDT": -25200, "ET": None,
    "PT": None,
}
_TZINFOS: dict[str, Any] = {name: tzoffset(name, off) for name, off in _TZ.items() if off is not None}
_TZINFOS["ET"] = gettz("America/New_York")
_TZINFOS["PT"] = gettz("America/Los_Angeles")
_HAS_TIME = re.compile(r"\d{1,2}:\d{2}|\d{1,2}\s*[ap]\.?m\b", re.IGNORECASE)
_HAS_YEAR = re.compile(r"\b(?:19|20)\d{2}(?!\d)")
_MONTHS = r"jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec"
_MONTH_NAMES = (r"january|february|march|april|may|june|july|august|september|october|november|december|"
                rf"(?:{_MONTHS})\.?")
_DAY_NAMES = r"(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|nesday|sday|urday|rsday)?\.?"
# A day and a month must be there: "2023" alone or "the 2023 season" is not a timestamp.
_HAS_DAY_MONTH = re.compile(rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{_MONTH_NAMES})(?![a-z])|"
                            rf"\b(?:{_MONTH_NAMES})\s+\d{{1,2}}(?!\d)|\d{{1,4}}[-/.]\d{{1,2}}[-/.]\d{{1,4}}",
                            re.IGNORECASE)
# dateutil reads "GMT+3" the POSIX way (3 hours west); pages mean 3 hours east of UTC.
_GMT_OFFSET = re.compile(r"\b(?:GMT|UTC)\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?\b")
_DOTTED_TIME = re.compile(r"\b(\d{1,2})\.(\d{2})(?=\s*(?:[ap]\.?m\b|[A-Z]{2,4}\b|$))", re.IGNORECASE)
# Words a line that is nothing but a timestamp may hold besides the date and time themselves.
_TIMESTAMP_WORD = re.compile(
    rf"^(?:{_MONTH_NAMES}|{_DAY_NAMES}|[ap]\.?m\.?|at|on|of|the|(?-i:[A-Z]{{1,5}})|"
    r"(?:utc|gmt)?[+-]\d{1,2}(?::?\d{2})?|[\d:/.,T+\-Z]+|\d{1,2}(?:[:.]\d{2})?[ap]\.?m\.?|\d{1,2}(?:st|nd|rd|th)|h)$",
    re.IGNORECASE)


@lru_cache(maxsize=4096)  # the layout asks about the same few lines several times per page
def parse_timestamp(text: str) -> str | None:
    """ISO 8601 for a timestamp as pages write it, or ``None`` if it is not one (needs a day, month and year)."""
    text = _DOTTED_TIME.sub(r"\1:\2", text.strip().strip(",|").replace(" at ", " "))
    text = _GMT_OFFSET.sub(lambda m: f"{m[1]}{int(m[2]):02d}:{m[3] or '00'}", text)
    if not _HAS_YEAR.search(text) or not _HAS_DAY_MONTH.search(text) or len(text) > 80:
        return None
    try:
        value = dateutil_parser.parse(text, fuzzy=True, tzinfos=_TZINFOS, default=datetime(1900, 1, 1))
    except (ValueError, OverflowError):
        return None
    if value.year == 1900:
        return None
    if not _HAS_TIME.search(text):
        return str(value.date().isoformat())
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return str(value.isoformat())


def parse_record_time(value: str) -> str | None:
    """A record's own ``published`` field: a timestamp as in ``parse_timestamp`` or Unix seconds/milliseconds;
    ``None`` when it is neither (the page's own date is used then)."""
    value = value.strip()
    if re.fullmatch(r"\d{10}(?:\d{3})?(?:\.\d+)?", value):
        seconds = float(value) / (1000 if len(value.split(".")[0]) == 13 else 1)
        return datetime.fromtimestamp(seconds, tz=UTC).isoformat()
    return parse_timestamp(value)


def is_bare_timestamp(text: str) -> bool:
    """True if ``text`` is a date or time and nothing else ("Fri 13 October 2023 16:15 BST")."""
    words = [w.strip("()[],|·•") for w in text.split()]
    return all(not w or _TIMESTAMP_WORD.match(w) for w in words) and parse_timestamp(text) is not None
