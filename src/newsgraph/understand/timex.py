"""Stage ``dates.v1``: time expressions, normalised against the article's own date (TIMEX3-style values).

Candidates are spaCy's DATE and TIME entities. We normalise them here rather than with ``dateparser``
because news needs what it does not give: a granularity (a year stays "2022", a month "2023-10", a week
"2023-W41"), ISO 8601 durations ("within 24 hours" -> "PT24H"), and the news convention that a bare
weekday is the most recent such day on or before the article date ("on Friday" in a Friday article is that
Friday). Explicit calendar dates go through ``dateutil``.

Relative expressions ("yesterday", "last week") need the article date (``published``, else ``updated``);
without one they are left out, as are expressions we cannot read ("recent years", "the past").
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any, Literal

from dateutil import parser as dateutil_parser
from dateutil.relativedelta import relativedelta

from newsgraph.model import Article, DateMention

Kind = Literal["date", "duration", "year", "month", "time"]
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
MONTHS = {m: i + 1 for i, m in enumerate(["january", "february", "march", "april", "may", "june", "july",
                                          "august", "september", "october", "november", "december"])}
MONTHS.update({m[:3]: i for m, i in list(MONTHS.items())} | {"sept": 9})
NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
           "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30,
           "forty": 40, "fifty": 50, "sixty": 60, "ninety": 90, "hundred": 100, "several": -1, "few": -1,
           "couple": 2, "dozen": 12}
UNITS = {"second": ("T", "S"), "minute": ("T", "M"), "hour": ("T", "H"), "day": ("", "D"), "week": ("", "W"),
         "month": ("", "M"), "year": ("", "Y"), "decade": ("", "DE"), "century": ("", "CE")}
_UNIT_RE = "|".join(UNITS) + "|centuries"
_DURATION = re.compile(rf"^(?:(?:the|a|an)\s+)?(?:(?:past|last|next|coming|first|final|more\s+than|nearly|about|"
                       rf"almost|over|some|another)\s+)*(?P<n>[\d,.]+|[a-z]+(?:[- ][a-z]+)?)?\s*"
                       rf"(?P<unit>{_UNIT_RE})s?(?:-long|\s+long)?$")
_AGO = re.compile(rf"^(?P<n>[\d,]+|[a-z]+)\s+(?P<unit>{_UNIT_RE})s?\s+(?:ago|earlier|before)$")
_RELATIVE = re.compile(r"^(?P<rel>last|this|next|past|coming|previous)\s+(?P<unit>week|month|year|weekend|"
                       r"monday|tuesday|wednesday|thursday|friday|saturday|sunday)$")
_YEAR = re.compile(r"^(?:(?:in|the|early|late|mid|fiscal|year)\s+)*(?P<y>(?:1[5-9]|20)\d{2})$")
_DECADE = re.compile(r"^(?:the\s+)?(?:early\s+|late\s+|mid-?)?(?P<y>(?:1[5-9]|20)\d)0'?s$")
_MONTH_YEAR = re.compile(r"^(?P<m>[a-z]+)\.?,?\s+(?P<y>(?:19|20)\d{2})$")
_TIME = re.compile(r"(?P<h>\d{1,2})(?::(?P<mi>\d{2}))?\s*(?P<ap>[ap])\.?m\.?|(?P<h24>\d{1,2}):(?P<mi24>\d{2})")


def article_date(article: Article) -> date | None:
    """The date the article speaks from: published, else updated (ISO 8601 strings)."""
    for value in (article.published, article.updated):
        if value:
            try:
                return datetime.fromisoformat(value[:10]).date()
            except ValueError:
                continue
    return None


def _count(word: str | None) -> int | None:
    """3 for "3" or "three"; -1 for vague counts ("several"); None when it is not a count."""
    if word is None:
        return 1
    word = word.replace(",", "").replace("-", " ")
    if word.replace(".", "").isdigit():
        return int(float(word))
    parts = word.split()
    if all(p in NUMBERS for p in parts):
        values = [NUMBERS[p] for p in parts]
        return -1 if -1 in values else sum(values)
    return None


def duration(text: str) -> str | None:
    """ISO 8601 duration for "24 hours", "three days", "the past decade"; an X marks a vague count."""
    m = _DURATION.match(text)
    if not m:
        return None
    n = _count(m.group("n"))
    if n is None:
        return None
    if m.group("n") is None and text.endswith("s") and not text.endswith("-long"):
        n = -1  # "decades", "for years"
    unit = "century" if m.group("unit") == "centuries" else m.group("unit")
    t, letter = UNITS[unit]
    return f"P{t}{'X' if n < 0 else n}{letter}"


def _week(d: date) -> str:
    year, week, _ = d.isocalendar()
    return f"{year}-W{week:02d}"


def _weekday(name: str, anchor: date, rel: str | None) -> str:
    target = WEEKDAYS.index(name)
    back = (anchor.weekday() - target) % 7
    if rel in {"next", "coming"}:
        return (anchor + timedelta(days=(target - anchor.weekday()) % 7 or 7)).isoformat()
    if rel == "last" and back == 0:
        back = 7
    return (anchor - timedelta(days=back)).isoformat()


def _relative(text: str, anchor: date) -> tuple[Kind, str] | None:
    simple = {"today": 0, "tonight": 0, "yesterday": -1, "tomorrow": 1, "this morning": 0, "this afternoon": 0,
              "this evening": 0, "last night": -1, "yesterday morning": -1, "yesterday afternoon": -1}
    if text in simple:
        return "date", (anchor + timedelta(days=simple[text])).isoformat()
    if text in WEEKDAYS or (text.rsplit(" ", 1)[-1] in WEEKDAYS and text.split()[-2:-1] == ["on"]):
        return "date", _weekday(text.split()[-1], anchor, None)
    m = _RELATIVE.match(text)
    if m:
        rel, unit = m.group("rel"), m.group("unit")
        step = {"last": -1, "past": -1, "previous": -1, "this": 0, "next": 1, "coming": 1}[rel]
        if unit in WEEKDAYS:
            return "date", _weekday(unit, anchor, rel)
        if unit in {"week", "weekend"}:
            return "date", _week(anchor + timedelta(weeks=step)) + ("-WE" if unit == "weekend" else "")
        if unit == "month":
            d = anchor + relativedelta(months=step)
            return "month", f"{d.year}-{d.month:02d}"
        return "year", str(anchor.year + step)
    m = _AGO.match(text)
    if m:
        n = _count(m.group("n"))
        unit = m.group("unit")
        if n is None or n < 0 or unit not in {"day", "week", "month", "year"}:
            return None
        delta = {"day": relativedelta(days=n), "week": relativedelta(weeks=n), "month": relativedelta(months=n),
                 "year": relativedelta(years=n)}[unit]
        d = anchor - delta
        return ("year", str(d.year)) if unit == "year" else ("date", d.isoformat())
    return None


def _calendar(text: str, anchor: date | None) -> tuple[Kind, str] | None:
    """Years, decades, months and explicit dates ("Oct. 7", "October 7, 2023")."""
    m = _YEAR.match(text)
    if m:
        return "year", m.group("y")
    m = _DECADE.match(text)
    if m:
        return "year", m.group("y") + "X"
    m = _MONTH_YEAR.match(text)
    if m and m.group("m") in MONTHS:
        return "month", f"{m.group('y')}-{MONTHS[m.group('m')]:02d}"
    if text in MONTHS and len(text) > 3:
        return ("month", f"{anchor.year}-{MONTHS[text]:02d}") if anchor else None
    if not re.search(r"\d", text) or not any(w.rstrip(".,") in MONTHS for w in text.split()):
        return None
    has_year = re.search(r"\b(?:19|20)\d{2}\b", text) is not None
    if not has_year and anchor is None:
        return None
    base = datetime(anchor.year if anchor else 2000, 1, 1)
    try:
        value = dateutil_parser.parse(text, default=base, fuzzy=True).date()
    except (ValueError, OverflowError):
        return None
    if not has_year and anchor is not None and value > anchor + timedelta(days=183):
        value = value.replace(year=value.year - 1)  # "Dec. 30" in a January article: last December
    return "date", value.isoformat()


def _clock(text: str, anchor: date | None) -> tuple[Kind, str] | None:
    m = _TIME.search(text)
    if not m:
        return None
    if m.group("h24"):
        hour, minute = int(m.group("h24")), int(m.group("mi24"))
    else:
        hour, minute = int(m.group("h")) % 12 + (12 if m.group("ap") == "p" else 0), int(m.group("mi") or 0)
    if hour > 23 or minute > 59:
        return None
    day = _calendar(text[:m.start()].strip(" ,"), anchor) if m.start() > 0 else None
    prefix = day[1] if day and day[0] == "date" else (anchor.isoformat() if anchor else "")
    return "time", f"{prefix}T{hour:02d}:{minute:02d}"


def normalise(text: str, anchor: date | None, label: str = "DATE") -> tuple[Kind, str] | None:
    """(kind, value) for one time expression, or ``None`` when it cannot be read."""
    low = re.sub(r"\s+", " ", text.lower().strip(" ,.")).removeprefix("on ").removeprefix("since ")
    low = low.removeprefix("within ").removeprefix("for ")
    low = re.sub(r"^(\w+day) (?:night|morning|afternoon|evening)$", r"\1", low)
    if _RELATIVE.match(low):  # "last week" is a date, not a week-long duration
        return _relative(low, anchor) if anchor is not None else None
    iso = duration(low)
    if iso is not None:
        return "duration", iso
    if label == "TIME" or _TIME.search(low):
        clock = _clock(low, anchor)
        if clock is not None:
            return clock
    found = _calendar(low, anchor)
    if found is not None:
        return found
    return _relative(low, anchor) if anchor is not None else None


def extract_dates(article: Article, doc: Any) -> list[DateMention]:
    anchor = article_date(article)
    out: list[DateMention] = []
    for ent in doc.ents:
        if ent.label_ not in {"DATE", "TIME"}:
            continue
        found = normalise(ent.text, anchor, ent.label_)
        if found is not None:
            out.append(DateMention(ent.text, (ent.start_char, ent.end_char), found[0], found[1]))
    return out


class DatesStage:
    name = "dates.v1"
    requires: tuple[str, ...] = ("text", "published")
    assigns: tuple[str, ...] = ("dates",)

    def __call__(self, article: Article, doc: Any) -> Article:
        article.dates = extract_dates(article, doc)
        return article
