"""Publication/update timestamps as written on pages -> timezone-aware ISO 8601.

A time with no zone is taken as UTC; a date with no time stays a plain date ("2023-10-13").
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
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
_HAS_YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
_DOTTED_TIME = re.compile(r"\b(\d{1,2})\.(\d{2})(?=\s*(?:[ap]\.?m\b|[A-Z]{2,4}\b|$))", re.IGNORECASE)


def parse_timestamp(text: str) -> str | None:
    """ISO 8601 for a timestamp as pages write it, or ``None`` if it is not one (needs a year)."""
    text = _DOTTED_TIME.sub(r"\1:\2", text.strip().strip(",|").replace(" at ", " "))
    if not _HAS_YEAR.search(text) or len(text) > 80:
        return None
    try:
        value = dateutil_parser.parse(text, fuzzy=True, tzinfos=_TZINFOS,
                                      default=datetime(1900, 1, 1))
    except (ValueError, OverflowError):
        return None
    if value.year == 1900:
        return None
    if not _HAS_TIME.search(text):
        return str(value.date().isoformat())
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return str(value.isoformat())
