"""Time expressions: the normaliser on its own (pure), then the ``dates.v1`` stage on the seed page."""

from __future__ import annotations

from datetime import date

import pytest

from newsgraph.api import analyze
from newsgraph.model import Article
from newsgraph.understand.timex import article_date, duration, normalise

FRIDAY = date(2023, 10, 13)  # the seed article's date, a Friday


@pytest.mark.parametrize(("text", "expected"), [
    ("Friday", ("date", "2023-10-13")),  # a bare weekday: the latest such day on or before the article date
    ("on Friday", ("date", "2023-10-13")),
    ("Tuesday", ("date", "2023-10-10")),
    ("last Friday", ("date", "2023-10-06")),
    ("next Friday", ("date", "2023-10-20")),
    ("Monday night", ("date", "2023-10-09")),
    ("Oct. 7", ("date", "2023-10-07")),
    ("October 7, 2021", ("date", "2021-10-07")),
    ("Sept. 30, 2016", ("date", "2016-09-30")),
    ("1991", ("year", "1991")),
    ("in 2022", ("year", "2022")),
    ("the 1990s", ("year", "199X")),
    ("24 hours", ("duration", "PT24H")),
    ("within 24 hours", ("duration", "PT24H")),
    ("three days", ("duration", "P3D")),
    ("the past two weeks", ("duration", "P2W")),
    ("decades", ("duration", "PXDE")),
    ("yesterday", ("date", "2023-10-12")),
    ("today", ("date", "2023-10-13")),
    ("last week", ("date", "2023-W40")),
    ("this week", ("date", "2023-W41")),
    ("next month", ("month", "2023-11")),
    ("last month", ("month", "2023-09")),
    ("October", ("month", "2023-10")),
    ("March 2016", ("month", "2016-03")),
    ("this year", ("year", "2023")),
    ("last year", ("year", "2022")),
    ("three years ago", ("year", "2020")),
    ("two days ago", ("date", "2023-10-11")),
    ("2 p.m.", ("time", "2023-10-13T14:00")),
    ("2023-10-13 16:15", ("time", "2023-10-13T16:15")),
])
def test_normalise_against_the_article_date(text: str, expected: tuple[str, str]) -> None:
    assert normalise(text, FRIDAY) == expected


def test_a_month_day_far_ahead_of_the_article_is_last_year() -> None:
    assert normalise("Dec. 30", date(2024, 1, 5)) == ("date", "2023-12-30")


@pytest.mark.parametrize("text", ["yesterday", "Friday", "last week", "next month", "Oct. 7", "two days ago"])
def test_relative_expressions_need_an_article_date(text: str) -> None:
    assert normalise(text, None) is None


def test_absolute_expressions_need_no_article_date() -> None:
    assert normalise("2022", None) == ("year", "2022")
    assert normalise("October 7, 2021", None) == ("date", "2021-10-07")
    assert normalise("24 hours", None) == ("duration", "PT24H")


@pytest.mark.parametrize("text", ["recent years", "the past", "the season", "soon"])
def test_what_cannot_be_read_is_left_out(text: str) -> None:
    assert normalise(text, FRIDAY) is None


def test_duration_words_and_vague_counts() -> None:
    assert duration("several months") == "PXM"
    assert duration("a decade") == "P1DE"
    assert duration("90 minutes") == "PT90M"
    assert duration("the ferry") is None


def test_article_date_prefers_published_then_updated() -> None:
    assert article_date(Article("x", "", published="2023-10-12T09:00:00+00:00", updated="2023-10-13")) == \
        date(2023, 10, 12)
    assert article_date(Article("x", "", updated="2023-10-13T16:15:00+00:00")) == FRIDAY
    assert article_date(Article("x", "")) is None


@pytest.fixture(scope="module")
def seed_dates(seed_text: str) -> dict[str, list[tuple[str, str]]]:
    article = analyze(seed_text, source="seed")
    assert article.stages.get("dates") == "dates.v1"
    found: dict[str, list[tuple[str, str]]] = {}
    for d in article.dates:
        assert article.text[d.span[0]:d.span[1]] == d.text
        found.setdefault(d.text, []).append((d.kind, d.value))
    return found


def test_seed_weekday_resolves_to_the_article_friday(seed_dates: dict[str, list[tuple[str, str]]]) -> None:
    assert seed_dates["Friday"] == [("date", "2023-10-13"), ("date", "2023-10-13")]


def test_seed_month_day_duration_and_years(seed_dates: dict[str, list[tuple[str, str]]]) -> None:
    assert seed_dates["Oct. 7"] == [("date", "2023-10-07")]
    assert seed_dates["24 hours"] == [("duration", "PT24H")]
    assert seed_dates["1991"] == [("year", "1991")]
    assert seed_dates["2022"] == [("year", "2022")]
