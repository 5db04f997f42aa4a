"""The canonical seed page comes out right, field by field."""

from __future__ import annotations

from newsgraph import AnalyzeOptions, analyze

STRUCTURE_ONLY = AnalyzeOptions(nlp=False)


def test_seed_fields(seed_text: str) -> None:
    a = analyze(seed_text, source="seed", options=STRUCTURE_ONLY)
    assert a.headline == "Putin cautions Israel that ground attack on Gaza would be unacceptable"
    assert a.standfirst is not None and a.standfirst.startswith('"The major tragedy that Israelis')
    assert a.standfirst.endswith('Putin said.')
    assert a.updated == "2023-10-13T16:15:00+00:00"
    assert a.published is None
    assert a.dateline is not None and (a.dateline.place, a.dateline.country) == ("Bishkek", "Kyrgyzstan")
    assert a.caption == "Russian President Vladimir Putin."
    assert a.language == "en"
    assert len(a.paragraphs) == 11
    assert a.paragraphs[0].text.startswith("Russian President Vladimir Putin called on Friday")
    assert a.paragraphs[-1].text.startswith('"I wonder what their reaction')
    assert all("Tags:" not in p.text and "Similar News" not in p.text for p in a.paragraphs)
    assert a.boilerplate == ["Tags:", "Similar News"]


def test_seed_offsets_point_into_the_input(seed_text: str) -> None:
    a = analyze(seed_text, options=STRUCTURE_ONLY)
    assert a.text == seed_text
    for p in a.paragraphs:
        assert seed_text[p.start:p.end] == p.text
    assert a.headline_span is not None and seed_text[slice(*a.headline_span)] == a.headline
    assert seed_text[a.paragraphs[0].start - len("BISHKEK: "):a.paragraphs[0].start] == "BISHKEK: "
