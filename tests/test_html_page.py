"""HTML pages written for these tests come out right, field by field, through the real structure step."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from newsgraph import AnalyzeOptions, analyze
from newsgraph.model import Article
from newsgraph.understand.html_body import Block, Extraction
from newsgraph.understand.html_dates import page_dates
from newsgraph.understand.page_html import body_blocks, is_page_chrome

HTML = Path(__file__).resolve().parent / "fixtures" / "html"
STRUCTURE_ONLY = AnalyzeOptions(nlp=False)


def page(name: str) -> Article:
    return analyze((HTML / name).read_text(encoding="utf-8"), source=name, options=STRUCTURE_ONLY)


def assert_offsets(a: Article) -> None:
    for p in a.paragraphs:
        assert a.text[p.start:p.end] == p.text
    assert a.headline_span is not None and a.text[slice(*a.headline_span)] == a.headline
    if a.standfirst is not None:
        assert a.standfirst_span is not None and a.text[slice(*a.standfirst_span)] == a.standfirst


def assert_aware(stamp: str | None) -> None:
    assert stamp is not None and datetime.fromisoformat(stamp).tzinfo is not None, stamp


def test_wire_story_fields() -> None:
    a = page("wire-washington.html")
    assert a.headline == "Senate passes stopgap bill to avert government shutdown"
    assert a.standfirst is not None and a.standfirst.startswith("The measure funds federal agencies")
    assert a.published == "2023-11-15T21:42:00-05:00"
    assert a.updated == "2023-11-16T08:05:00-05:00"
    assert_aware(a.published)
    assert_aware(a.updated)
    assert a.authors == ["Maria Delgado", "Tom Becker"]
    assert a.caption is not None and a.caption.startswith("The U.S. Capitol in Washington")
    assert a.dateline is not None and (a.dateline.place, a.dateline.country) == ("Washington", "United States")
    assert a.paragraphs[0].text.startswith("The U.S. Senate on Wednesday passed")
    assert a.text[a.paragraphs[0].start - len("WASHINGTON (Reuters) - "):a.paragraphs[0].start] == \
        "WASHINGTON (Reuters) - "
    assert a.paragraphs[-1].text.startswith("Analysts said a shutdown")
    assert len(a.paragraphs) == 6
    assert_offsets(a)


def test_wire_story_leaves_site_chrome_out_of_the_body() -> None:
    a = page("wire-washington.html")
    body = a.body
    for chrome in ("Tags:", "Facebook", "Related", "House speaker unveils", "newsletter", "All rights reserved"):
        assert chrome not in body, chrome
    assert "Tags: Congress, Budget, Senate" in a.boilerplate
    assert a.headline is not None and a.headline not in body  # the <h1> is the headline, not the first body paragraph


def test_article_text_is_headline_standfirst_then_body() -> None:
    a = page("wire-washington.html")
    assert a.headline is not None and a.standfirst is not None
    assert a.text.startswith(f"{a.headline}\n\n{a.standfirst}\n\n")
    assert a.text.endswith(a.paragraphs[-1].text)


def test_feature_with_meta_tags_caption_and_author_bio() -> None:
    a = page("feature-dam.html")
    assert a.headline == "A river town learns to live with its new dam"
    assert a.standfirst == ("Five years after the Kessling dam was finished, farmers downstream are still counting "
                            "what the river gave and took.")
    assert (a.published, a.updated) == ("2024-03-02T06:00:00+01:00", "2024-03-04T12:30:00+01:00")
    assert a.authors == ["Ingrid Halvorsen"]
    assert a.caption == "Water spills over the Kessling dam during the spring melt. Photo: Per Lund"
    assert a.dateline is None
    assert a.paragraphs[0].text.startswith("When the engineers first came to Vallby")
    assert a.paragraphs[-1].text.startswith("The authority has proposed flushing")
    assert "A question of sediment" in [p.text for p in a.paragraphs]  # a subheading stays in the body
    assert "Share this article" in a.boilerplate
    assert any(b.startswith("Ingrid Halvorsen is a correspondent") for b in a.boilerplate)
    assert "Wolves return" not in a.body and "Subscribe" not in a.body
    assert_offsets(a)


def test_local_story_prefers_the_article_object_and_drops_comments() -> None:
    a = page("local-council.html")
    assert a.headline == "Council approves new cycle lanes on Mill Road"
    assert a.standfirst is not None and a.standfirst.startswith("Councillors voted 9-4")
    assert a.published == "2024-06-11T18:20:00+01:00"  # the Article's time, not the WebPage's bare day
    assert a.updated is None  # the WebPage's dateModified is before publication: a template default
    assert a.authors == ["Sam Okafor"]
    assert a.caption is None
    assert len(a.paragraphs) == 5
    assert a.paragraphs[-1].text.startswith("Work is expected to start in September")
    assert "Read more:" not in a.body and "Great news for the kids" not in a.body
    assert_offsets(a)


def test_page_dates_without_structured_data_fall_back_to_a_plain_day() -> None:
    html = ("<html><head><title>x</title></head><body><article><h1>Fair opens</h1>"
            "<p class='date'>Posted on 14 May 2021</p><p>The county fair opened on Friday with a parade.</p>"
            "</article></body></html>")
    published, updated = page_dates(html, "https://example.org/news/fair-opens")
    assert published == "2021-05-14"
    assert updated is None


def test_page_dates_read_json_ld_graph_and_ignore_unparsable_values() -> None:
    html = ('<html><head><script type="application/ld+json">{"@graph": [{"@type": "BlogPosting", '
            '"datePublished": "not a date"}, {"@type": "ReportageNewsArticle", '
            '"datePublished": "2022-09-01T10:15:00Z", "dateModified": "2022-09-02T08:00:00+02:00"}]}</script>'
            '</head><body><p>Published 1 September 2022.</p></body></html>')
    assert page_dates(html, None) == ("2022-09-01T10:15:00+00:00", "2022-09-02T08:00:00+02:00")


@pytest.mark.parametrize("line", ["Share this story", "Tags: Budget", "CLICK HERE TO GET THE NEWS APP",
                                  "Sign up for our daily newsletter", "Related: Ten things to know",
                                  "Start your premium subscription today."])
def test_chrome_lines(line: str) -> None:
    assert is_page_chrome(line)


@pytest.mark.parametrize("line", ["Share prices fell 3% on Tuesday after the announcement.",
                                  "Related companies were also affected by the ruling, the court said."])
def test_sentences_are_not_chrome(line: str) -> None:
    assert not is_page_chrome(line)


def test_body_blocks_drop_link_lists_credits_teasers_repeated_title_and_closing_bio() -> None:
    page_ = Extraction(title="Flood waters recede", author="Lena Fox", blocks=[
        Block("Flood waters recede", "head", 0.0),
        Block("Residents returned to their homes on Monday as the river fell below its banks.", "p", 0.0),
        Block("Rain to return later this week, forecasters say", "item", 1.0),
        Block("Credit: Jane Roe/Agency Images", "p", 0.0),
        Block("Officials said repairs to the bridge would take months, citing the report.", "p", 0.1),
        Block("Lena Fox is a reporter covering the environment.", "p", 0.0),
        Block("Five walks for a wet weekend", "p", 0.0),
        Block("Five walks for a wet weekend", "head", 0.0),
    ])
    body, boilerplate = body_blocks(page_)
    assert body == ["Residents returned to their homes on Monday as the river fell below its banks.",
                    "Officials said repairs to the bridge would take months, citing the report."]
    assert boilerplate == ["Flood waters recede", "Rain to return later this week, forecasters say",
                           "Credit: Jane Roe/Agency Images", "Lena Fox is a reporter covering the environment.",
                           "Five walks for a wet weekend", "Five walks for a wet weekend"]


def test_page_without_main_text_is_an_input_error() -> None:
    from newsgraph.errors import InputError

    with pytest.raises(InputError, match="no article"):
        analyze("<html><body><nav><a href='/'>Home</a></nav></body></html>", options=STRUCTURE_ONLY)
