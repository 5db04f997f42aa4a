"""The plain-text page layout, field by field, over the layout fixtures and the bundled examples; and the
parts it is built from (timestamps, datelines, bylines, chrome)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from newsgraph import AnalyzeOptions, Article, Dateline, analyze
from newsgraph.understand.dateline import find_dateline
from newsgraph.understand.layout import blocks, is_caption, parse_layout
from newsgraph.understand.timestamps import is_bare_timestamp, parse_timestamp

ROOT = Path(__file__).resolve().parents[1]
PAGES = ROOT / "tests" / "fixtures" / "pages"
EXAMPLES = ROOT / "examples"
STRUCTURE_ONLY = AnalyzeOptions(nlp=False)


def _read(path: Path) -> str:
    return path.read_bytes().decode("utf-8")  # as the reader does: line endings kept, offsets exact


def _analyze(path: Path) -> Article:
    return analyze(_read(path), source=str(path), options=STRUCTURE_ONLY)


# Each fixture's expected fields. ``first``/``last``: how the first and last body paragraphs start;
# ``n``: how many body paragraphs there are.
EXPECTED: dict[str, dict[str, Any]] = {
    "pages/wire-agency-only.txt": dict(
        headline="Oil prices climb as shipping disruptions spread to second strait", standfirst=None,
        published="2023-10-12T04:02:00-04:00", updated=None, dateline=None, caption=None,
        authors=["Jane Morrow", "Peter Abara"], n=4, first="Oil prices rose for a third", last="Shipping data showed",
        boilerplate=["Reporting by Jane Morrow in London and Peter Abara in Singapore; Editing by Kim Lee",
                     "Our Standards: The Trust Principles."]),
    "pages/washington-wire.txt": dict(
        headline="Senate panel advances bill to tighten export rules on advanced chips", standfirst=None,
        published="2023-10-12", updated="2023-10-12T15:45:00-04:00", dateline=("Washington", "United States"),
        caption="Senators arrive for a committee vote at the U.S. Capitol in Washington, Oct. 12, 2023. "
                "(AP Photo/Jane Doe)",
        authors=["Daniel Okoro"], n=4, first="A Senate committee on Thursday", last="Industry groups said",
        boilerplate=[]),
    "pages/no-blank-lines.txt": dict(
        headline="Flooding forces thousands from homes in western Kenya", standfirst=None, published="2024-03-05",
        updated=None, dateline=("Nairobi", "Kenya"), caption=None, authors=["Amina Wanjiru"], n=4,
        first="Heavy rains that began", last="The meteorological department", boilerplate=[]),
    "pages/crlf-title-dateline.txt": dict(
        headline="Ukraine says drones hit fuel depot deep inside Russia", standfirst=None, published=None,
        updated="2023-10-13T09:12:00+01:00", dateline=("Kyiv", "Ukraine"), caption=None, authors=[], n=3,
        first="Ukrainian drones struck", last="Regional authorities in Russia", boilerplate=[]),
    "pages/chrome-heavy.txt": dict(
        headline="Retailer's shares slump after it cuts its profit forecast", standfirst=None,
        published="2024-01-18T07:30:00+00:00", updated=None, dateline=None, caption=None, authors=["Maria Lopez"],
        n=4, first="Shares in the country's largest", last='"We are disappointed',
        boilerplate=["Home > Business > Markets", "Listen to this article", "5 min read", "Advertisement", "Share",
                     "Facebook\nTwitter\nCopy link", "Subscribe now", "Tags: retail, earnings, Europe",
                     "© 2024 Example Media Ltd. All rights reserved.", "Most read",
                     "Central bank holds rates steady", "Airline orders 50 new jets"]),
    "pages/caption-getty.txt": dict(
        headline="UN Security Council fails to agree on Gaza resolution",
        standfirst="Rival drafts from Russia and the United States were both voted down.",
        published="2023-10-18T22:05:00+01:00", updated=None, dateline=("United Nations", None),
        caption="Members of the Security Council vote during a meeting at UN headquarters in New York. "
                "Photo: Ed Ramos/AFP via Getty Images",
        authors=[], n=3, first="The U.N. Security Council on Wednesday", last='"The council has once again',
        boilerplate=["Diplomats leave the council chamber after the vote. (Reuters/Sam Ellis)"]),
    "pages/metadata-first.txt": dict(
        headline="City council approves plan for car-free Sunday mornings", standfirst=None,
        published="2024-02-01T08:00:00+00:00", updated=None, dateline=None, caption=None, authors=[], n=3,
        first="The city council voted on Wednesday", last='"We will look at the numbers', boilerplate=[]),
    "pages/hard-wrapped.txt": dict(
        headline="Museum returns bronze statues to their country of origin", standfirst=None,
        published="2023-11-14", updated=None, dateline=("London", "United Kingdom"), caption=None,
        authors=["A. N. Other"], n=3, first="A London museum on Tuesday handed back", last='"This is not the end',
        boilerplate=[]),
    "pages/date-only-standfirst.txt": dict(
        headline="Bushfire season starts early as heatwave grips south-east",
        standfirst="Firefighters are battling more than 40 blazes, with temperatures forecast to pass 40C.",
        published="2024-02-24", updated=None, dateline=("Sydney", "Australia"), caption=None, authors=[], n=3,
        first="Firefighters in south-eastern Australia", last='"Conditions this afternoon', boilerplate=[]),
    "pages/abstract-full-text.txt": dict(
        headline="Council delays vote on harbour bridge",
        standfirst="Members ask for a new cost estimate before committing public money.", published=None,
        updated=None, dateline=None, caption=None, authors=[], n=3, first="The regional council on Tuesday",
        last='"Nobody here is against', boilerplate=["The regional council postponed a decision on the proposed "
                                                  "harbour bridge after several members said the latest cost "
                                                  "figures were out of date."]),
    "pages/related-inline.txt": dict(
        headline="Rescuers reach stranded climbers after two-day search", standfirst=None,
        published="2024-08-09T18:40:00+02:00", updated=None, dateline=("Tromso", "Norway"), caption=None,
        authors=["Tomas Eriksen"], n=4, first="Rescue teams on Friday", last='"They did everything right',
        boilerplate=["Related coverage", "Hikers warned as early snow closes mountain passes",
                     "Record number of rescues in Norway's mountains last summer"]),
    "pages/page-dump.txt": dict(
        headline="Library opens new wing after three-year rebuild", standfirst=None,
        published="2024-05-02T10:15:00+01:00", updated=None, dateline=None, caption=None, authors=["Hannah Keller"],
        n=4, first="The town's central library reopened", last="The project cost 14 million",
        boilerplate=["Skip to content", "Subscribe", "Log in", "Read next", "Bus fares to rise in June",
                     "New cycle lane divides opinion", "Most popular", "Council election results in full",
                     "Five walks for a spring weekend", "About us", "Contact", "Privacy policy", "Terms of use",
                     "Cookie settings", "Riverside Gazette 2024", "Riverside Gazette", "News", "Sport", "Business",
                     "Culture", "Opinion", "Weather", "Local news"]),
    "examples/01-putin-bishkek-wire.txt": dict(
        headline='Putin warns Israel a Gaza ground assault would cost "unacceptable" civilian lives',
        standfirst=None, published="2023-10-13T14:40:00+00:00", updated="2023-10-13T17:05:00+00:00",
        dateline=("Bishkek", "Kyrgyzstan"),
        caption="Russian President Vladimir Putin speaks to reporters after a summit of leaders of former Soviet "
                "states in Bishkek, Kyrgyzstan, October 13, 2023. (AP Photo/Ilya Sorokin)",
        authors=["Anna Petrova", "Mark Delaney"], n=8, first="Russian President Vladimir Putin on Friday urged",
        last="Kremlin spokesman Dmitry Peskov said on Thursday",
        boilerplate=["Reporting by Anna Petrova in Bishkek and Mark Delaney in Moscow; Editing by Ruth Okafor",
                     "Our Standards: The Trust Principles.", "Share this article\nFacebook\nTwitter\nLinkedIn"]),
    "examples/02-kremlin-gaza-explainer.txt": dict(
        headline="Why Putin is casting Russia as a peacemaker in the Israel-Hamas war",
        standfirst="The Kremlin sees the crisis in Gaza as a chance to court the Arab world and to blame "
                   "Washington, analysts say.",
        published="2023-10-13T18:20:00+01:00", updated=None, dateline=None,
        caption="Russian President Vladimir Putin at a news conference in Bishkek on Friday. Photo: Vyacheslav "
                "Oseledko/AFP via Getty Images",
        authors=["Olga Marchenko"], n=9, first="Vladimir Putin has chosen his words", last="Dmitry Peskov, the",
        boilerplate=["Home | World | Middle East", "Advertisement", "Tags: Russia, Israel, Gaza, Vladimir Putin, "
                     "Kremlin", "Sign up for our World Briefing newsletter", "Share on WhatsApp",
                     "Related articles", "Oil prices jump as Middle East conflict rattles markets",
                     "EU foreign ministers to hold emergency talks on Gaza"]),
    "examples/04-putin-gaza-syndicated.txt": dict(
        headline="Russia's Putin says Gaza ground offensive would bring unacceptable civilian toll",
        standfirst=None, published="2023-10-13T19:02:00+00:00", updated=None, dateline=("Bishkek", "Kyrgyzstan"),
        caption=None, authors=[], n=5, first="Russian President Vladimir Putin on Friday urged",
        last="Israel's military earlier on Friday",
        boilerplate=["(This story has been edited by the World Desk and is published from a syndicated feed.)",
                     "Similar News", "Kremlin says it is in contact with all sides in the Middle East",
                     "Oil climbs as investors weigh risk of wider Middle East war"]),
    "examples/05-peskov-briefing.txt": dict(
        headline="Kremlin says Russia will not take sides in Gaza war, calls for talks", standfirst=None,
        published=None, updated="2023-10-12T11:40:00+00:00", dateline=("Moscow", "Russia"),
        caption="Kremlin spokesman Dmitry Peskov.", authors=[], n=6, first="The Kremlin said on Thursday",
        last="Israel's military has not commented", boilerplate=["Tags: Kremlin, Dmitry Peskov, Gaza", "Similar News"]),
    "examples/06-tel-aviv-reaction.txt": dict(
        headline='Israel rejects Russian criticism, says it will do "whatever it takes" against Hamas',
        standfirst="Israeli officials accused Moscow of hypocrisy over its war in Ukraine.", published=None,
        updated="2023-10-13T15:05:00-04:00", dateline=("Tel Aviv", "Israel"),
        caption="Photo: A column of Israeli tanks near the border with Gaza, October 13, 2023. (Reuters/Amir Cohen)",
        authors=["Noa Friedman", "Tom Whitaker"], n=7, first="Israel on Friday dismissed warnings",
        last="A senior Israeli official", boilerplate=["Follow us on Twitter"]),
    "examples/07-berlin-marathon.txt": dict(
        headline="Kenya's Akinyi breaks course record to win Berlin Marathon", standfirst=None,
        published="2023-09-24", updated=None, dateline=("Berlin", "Germany"), caption=None, authors=["Lukas Brandt"],
        n=5, first="Grace Akinyi of Kenya", last="Race organisers said",
        boilerplate=["Share this story", "Comments (12)"]),
    "examples/09-comet-sample.txt": dict(
        headline="Space probe returns first dust grains from a comet's tail",
        standfirst="Scientists say the samples could show what the early solar system was made of.",
        published="2023-10-11T09:30:00+00:00", updated=None, dateline=None, caption=None,
        authors=["Priya Natarajan"], n=5, first="A capsule carrying dust", last="The grains will be divided",
        boilerplate=["Newsletter: Get the week's science stories in your inbox"]),
}


def test_every_layout_fixture_has_expectations() -> None:
    on_disk = {f"pages/{p.name}" for p in PAGES.iterdir()}
    text_examples = {f"examples/{p.name}" for p in EXAMPLES.glob("*.txt")}
    assert on_disk | text_examples == {k for k in EXPECTED if k.startswith(("pages/", "examples/"))}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fields(name: str) -> None:
    path = (PAGES.parent if name.startswith("pages/") else ROOT) / name
    a = _analyze(path)
    want = EXPECTED[name]
    assert a.headline == want["headline"]
    assert a.standfirst == want["standfirst"]
    assert (a.published, a.updated) == (want["published"], want["updated"])
    assert (None if a.dateline is None else (a.dateline.place, a.dateline.country)) == want["dateline"]
    assert a.caption == want["caption"]
    assert a.authors == want["authors"]
    assert a.language == "en"
    assert len(a.paragraphs) == want["n"], [p.text[:40] for p in a.paragraphs]
    assert a.paragraphs[0].text.startswith(want["first"])
    assert a.paragraphs[-1].text.startswith(want["last"])
    assert a.boilerplate == want["boilerplate"]


@pytest.mark.parametrize("path", sorted([*PAGES.iterdir(), *EXAMPLES.glob("*.txt")]), ids=lambda p: p.name)
def test_offsets_slice_the_input_exactly(path: Path) -> None:
    text = _read(path)
    a = analyze(text, options=STRUCTURE_ONLY)
    assert a.text == text
    for p in a.paragraphs:
        assert text[p.start:p.end] == p.text
        assert p.text == p.text.strip() and p.text
    for span, value in ((a.headline_span, a.headline), (a.standfirst_span, a.standfirst)):
        assert (span is None and value is None) or (span is not None and text[span[0]:span[1]] == value)
    for p in a.paragraphs:
        assert not p.text.startswith(("(Reuters)", "(AFP)", "Tags:", "Advertisement", "Photo:", "Similar News",
                                      "By ", "Share this", "Published", "Updated", "Reporting by")), p.text


def test_no_paragraph_keeps_its_dateline() -> None:
    for path in [*PAGES.iterdir(), *EXAMPLES.glob("*.txt")]:
        a = _analyze(path)
        if a.dateline is not None or "(AFP)" in _read(path) or "(Reuters)" in _read(path):
            assert find_dateline(a.paragraphs[0].text) is None, path.name


@pytest.mark.parametrize(("written", "iso"), [
    ("Update: 2023-10-13 16:15 GMT", "2023-10-13T16:15:00+00:00"),
    ("2023-10-13 16:15 GMT", "2023-10-13T16:15:00+00:00"),
    ("October 13, 2023 2:40 PM GMT", "2023-10-13T14:40:00+00:00"),
    ("13 Oct 2023, 18:20 CET", "2023-10-13T18:20:00+01:00"),
    ("Fri 13 Oct 2023 09.12 BST", "2023-10-13T09:12:00+01:00"),
    ("3:05 p.m. ET, Fri October 13, 2023", "2023-10-13T15:05:00-04:00"),
    ("Friday, 13 October 2023, 09:12 GMT+3", "2023-10-13T09:12:00+03:00"),
    ("Oct 13 2023 11:00 UTC-5", "2023-10-13T11:00:00-05:00"),
    ("2023-10-11T09:30:00Z", "2023-10-11T09:30:00+00:00"),
    ("13/10/2023 at 19:02", "2023-10-13T19:02:00+00:00"),
    ("Sept. 24, 2023", "2023-09-24"),
    ("13th of October 2023", "2023-10-13"),
    ("24 September 2023", "2023-09-24"),
])
def test_timestamps(written: str, iso: str) -> None:
    assert parse_timestamp(written) == iso


@pytest.mark.parametrize("text", ["May 2023", "2023", "Kenya wins 2023 title", "last week", "", "Oct 13"])
def test_not_timestamps(text: str) -> None:
    assert parse_timestamp(text) is None


def test_bare_timestamp_is_only_a_date() -> None:
    assert is_bare_timestamp("Saturday 24 February 2024")
    assert is_bare_timestamp("October 12, 2023 4:02 AM EDT")
    assert not is_bare_timestamp("The talks began on 24 February 2024")
    assert not is_bare_timestamp("Published: 24 February 2024")  # a labelled one is read by the layout


@pytest.mark.parametrize(("paragraph", "place", "country", "agency"), [
    ("BISHKEK: Russian President Vladimir Putin said", "Bishkek", "Kyrgyzstan", None),
    ("WASHINGTON, Oct 12 (Reuters) - A Senate panel", "Washington", "United States", "Reuters"),
    ("LONDON, Oct. 13, 2023 (AFP) — Prices rose", "London", "United Kingdom", "AFP"),
    ("Kyiv, Ukraine — Ukrainian drones struck", "Kyiv", "Ukraine", None),
    ("NAIROBI, Kenya — Heavy rains", "Nairobi", "Kenya", None),
    ("SAN FRANCISCO (AP) — A judge ruled", "San Francisco", "United States", "AP"),
    ("(Reuters) - Oil prices rose", None, None, "Reuters"),
    ("LONDON, Ontario (CP) — A city council", "London", "Canada", "CP"),
    ("SPRINGFIELD, Ill. (AP) — Lawmakers", "Springfield", "United States", "AP"),
    ("ROTTERDAM, Netherlands — Dock workers", "Rotterdam", "The Netherlands", None),
    ("GAZA CITY, Oct 13 (Reuters) - Residents", "Gaza City", "Palestinian Territory", "Reuters"),
])
def test_datelines(paragraph: str, place: str | None, country: str | None, agency: str | None) -> None:
    m = find_dateline(paragraph)
    assert m is not None
    assert (m.dateline.place if m.dateline else None, m.dateline.country if m.dateline else None) == (place, country)
    assert m.agency == agency
    assert paragraph[m.length:][:1].isupper()


def test_dateline_details() -> None:
    nbsp = find_dateline("WASHINGTON \u2014\u00a0U.S. officials said")
    assert nbsp is not None and nbsp.dateline == Dateline("Washington", "United States")
    saint = find_dateline("ST. PETERSBURG, Russia \u2014 Officials said")
    assert saint is not None and saint.dateline == Dateline("St. Petersburg", "Russia")
    hyphen = find_dateline("WINSTON-SALEM, N.C. (AP) \u2014 A jury")
    assert hyphen is not None and hyphen.dateline is not None and hyphen.dateline.place == "Winston-Salem"


@pytest.mark.parametrize("paragraph", [
    "NATO: allies agreed on Tuesday to spend more.",
    "THE OLD:\r\nMarc Jacobs\r\nNotable for: being himself",
    "Officials said - without giving details - that talks failed.",
    "UPDATE: talks resumed on Friday.",
    "Putin said the talks — which began in May — had failed.",
    "The minister said: we will not give up.",
])
def test_not_datelines(paragraph: str) -> None:
    assert find_dateline(paragraph) is None


def _page(byline: str) -> str:
    body = "LONDON: " + "The talks went on late into the night and ended without an agreement on any point. " * 4
    return f"Talks end without a deal\n\n{byline}\n\n{body}\n"


@pytest.mark.parametrize(("byline", "authors"), [
    ("By Jane Doe", ["Jane Doe"]),
    ("By Jane Doe and John Roe", ["Jane Doe", "John Roe"]),
    ("By Jane Doe, John Roe and Ann Lee", ["Jane Doe", "John Roe", "Ann Lee"]),
    ("By JANE DOE and JOHN ROE", ["Jane Doe", "John Roe"]),
    ("By Jane Doe, Reuters", ["Jane Doe"]),
    ("By Jane Doe | The Daily Planet", ["Jane Doe"]),
    ("By Jane Doe for The Northern Echo", ["Jane Doe"]),
    ("By Jane Doe, Political Correspondent", ["Jane Doe"]),
    ("By Jane Doe in Moscow", ["Jane Doe"]),
    ("By Associated Press", []),
    ("By Jane Doe | October 13, 2023 4:15 pm", ["Jane Doe"]),
])
def test_bylines(byline: str, authors: list[str]) -> None:
    layout = parse_layout(_page(byline))
    assert layout.authors == authors
    assert layout.dateline is not None and layout.paragraphs[0].text.startswith("The talks went on")


def test_byline_with_a_time_gives_the_time() -> None:
    assert parse_layout(_page("By Jane Doe | October 13, 2023 4:15 pm")).published == "2023-10-13T16:15:00+00:00"


def test_one_line_published_and_updated() -> None:
    layout = parse_layout(_page("Published: 12 Oct 2023 10:00 GMT Updated: 13 Oct 2023 08:30 GMT"))
    assert (layout.published, layout.updated) == ("2023-10-12T10:00:00+00:00", "2023-10-13T08:30:00+00:00")


@pytest.mark.parametrize("text", [
    "Protesters gather outside parliament on Tuesday. (AP Photo/Jane Doe)",
    "Photo: Protesters outside parliament.",
    "A rescue worker at the scene. Ed Ramos/AFP via Getty Images",
    "Smoke rises over the city. (Reuters/Sam Ellis)",
    "Protesters in the capital on Tuesday. Photograph: Jane Doe/The Northern Echo",
])
def test_captions(text: str) -> None:
    assert is_caption(text)


@pytest.mark.parametrize("text", [
    "Shares in Getty Images rose 5% after the company reported record sales for the quarter, its chief said.",
    '"We took the photo ourselves," she said.',
    "The figures are in the agency's annual report (PDF/Excel).",
])
def test_not_captions(text: str) -> None:
    assert not is_caption(text)


def test_body_sentences_that_look_like_chrome_stay() -> None:
    body = ("Share prices fell sharply on Tuesday.\n\nCopyright lawsuits are piling up against the studio.\n\n"
            "Subscribe to the idea that prices will fall and you will be disappointed, the economist said.\n\n"
            "Print media advertising fell for a fifth year.")
    layout = parse_layout(f"Markets slide\n\n{body}")
    assert [p.text.split()[0] for p in layout.paragraphs] == ["Share", "Copyright", "Subscribe", "Print"]
    assert layout.boilerplate == []


def test_blocks_split_on_lines_with_only_spaces() -> None:
    text = "Headline here\n  \t\nFirst paragraph.\n \nSecond paragraph.\n"
    assert [b.text for b in blocks(text)] == ["Headline here", "First paragraph.", "Second paragraph."]


def test_empty_and_chrome_only_pages_have_no_body() -> None:
    assert parse_layout("").paragraphs == []
    layout = parse_layout("Share\n\nTags: a, b\n\nAdvertisement")
    assert layout.paragraphs == [] and layout.headline is None
    assert layout.boilerplate == ["Share", "Tags: a, b", "Advertisement"]


def test_a_page_without_headline_starts_with_its_dateline() -> None:
    text = ("LONDON (Reuters) - Britain's economy shrank 0.3% in the third quarter, official data showed.\n\n"
            "Economists had expected a smaller fall after two quarters of weak growth and high interest rates, and "
            "the finance ministry said the figures showed the need for patience.\n")
    layout = parse_layout(text)
    assert layout.headline is None
    assert layout.dateline is not None and layout.dateline.place == "London"
    assert layout.paragraphs[0].text.startswith("Britain's economy shrank")


def test_editors_notes_are_boilerplate() -> None:
    note = "Correction: An earlier version of this story misstated the date of the vote."
    layout = parse_layout(_page("By Jane Doe") + f"\n{note}\n\nEditor's note: This article was updated.\n")
    assert layout.boilerplate == [note, "Editor's note: This article was updated."]
    assert all("earlier version" not in p.text for p in layout.paragraphs)


def test_a_hard_wrapped_headline_is_not_split_into_headline_and_deck() -> None:
    text = ("Museum returns four bronze statues to the country they were taken from\nmore than a century ago\n\n"
            "LONDON: " + "The statues were packed into crates in a ceremony attended by the minister. " * 4)
    layout = parse_layout(text)
    assert layout.headline is not None and layout.headline.text.endswith("more than a century ago")
    assert layout.standfirst is None


def test_a_headline_with_a_deck_line() -> None:
    text = ("Talks collapse\nNegotiators leave without setting a date for a new round.\n\n"
            "GENEVA: " + "The talks ended on Friday without agreement on any of the main points. " * 4)
    layout = parse_layout(text)
    assert layout.headline is not None and layout.standfirst is not None
    assert (layout.headline.text, layout.standfirst.text) == (
        "Talks collapse", "Negotiators leave without setting a date for a new round.")
    assert text[layout.standfirst.start:layout.standfirst.end] == layout.standfirst.text


@pytest.mark.parametrize(("given", "published"), [
    ("2023-10-14T10:30:00Z", "2023-10-14T10:30:00+00:00"),
    ("1697279400", "2023-10-14T10:30:00+00:00"),
    ("1697279400000", "2023-10-14T10:30:00+00:00"),
    ("2023-10-14", "2023-10-14"),
    ("sometime last week", "2023-11-14"),  # not a time: the page's own date is kept
])
def test_a_records_published_field(given: str, published: str) -> None:
    text = _read(PAGES / "hard-wrapped.txt")
    assert analyze(text, published=given, options=STRUCTURE_ONLY).published == published


def test_a_headline_block_with_its_byline_and_time_under_it() -> None:
    text = ("Talks collapse in Geneva\nBy Jane Doe and John Roe\nPublished: 13 Oct 2023 09:00 GMT\n\n"
            "GENEVA: " + "The talks ended on Friday without agreement on any of the main points. " * 4)
    layout = parse_layout(text)
    assert layout.headline is not None and layout.headline.text == "Talks collapse in Geneva"
    assert text[layout.headline.start:layout.headline.end] == layout.headline.text
    assert layout.authors == ["Jane Doe", "John Roe"] and layout.published == "2023-10-13T09:00:00+00:00"
    assert layout.standfirst is None and len(layout.paragraphs) == 1


@pytest.mark.parametrize(("line", "published", "updated"), [
    ("13 October 2023 • 4:15pm BST", "2023-10-13T16:15:00+01:00", None),
    ("Oct. 13, 2023 Updated 5:05 p.m. ET", "2023-10-13", "2023-10-13T17:05:00-04:00"),
    ("Published 12 Oct 2023 | Last updated 13 Oct 2023 08:30 GMT", "2023-10-12", "2023-10-13T08:30:00+00:00"),
    ("Updated 2 hours ago", None, None),
])
def test_time_lines(line: str, published: str | None, updated: str | None) -> None:
    layout = parse_layout(_page(line))
    assert (layout.published, layout.updated) == (published, updated)
    assert layout.paragraphs[0].text.startswith("The talks went on")


def test_a_sentence_after_the_metadata_is_the_standfirst_a_short_line_the_caption() -> None:
    body = "GENEVA: " + "The talks ended on Friday without agreement on any of the main points. " * 4
    standfirst = "Negotiators from both sides said they would return next month to try again on the hardest points."
    layout = parse_layout(f"Talks collapse\n\nPublished: 13 Oct 2023\n\n{standfirst}\n\n{body}")
    assert layout.standfirst is not None and layout.standfirst.text == standfirst and layout.caption is None
    layout = parse_layout(f"Talks collapse\n\nPublished: 13 Oct 2023\n\nThe chief negotiator.\n\n{body}")
    assert layout.standfirst is None and layout.caption == "The chief negotiator."
