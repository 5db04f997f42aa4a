"""Entities: merged article-wide, titled, keyed for the corpus; on the seed page and hand-written articles."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsgraph.api import analyze
from newsgraph.model import Article, Entity
from newsgraph.understand.entities import entity_key, slug
from newsgraph.understand.gazetteer import canonical_place

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "speakers"


def by_key(article: Article) -> dict[str, Entity]:
    return {e.key: e for e in article.entities}


@pytest.fixture(scope="module")
def seed(seed_text: str) -> Article:
    return analyze(seed_text, source="seed")


def test_seed_surname_joins_the_full_name_with_its_title(seed: Article) -> None:
    putin = by_key(seed)["person:vladimir-putin"]
    assert (putin.name, putin.type, putin.title) == ("Vladimir Putin", "PERSON", "Russian President")
    assert "Putin" in putin.aliases
    assert len(putin.mentions) == 8  # headline, standfirst, caption, lead and four attributions
    assert not [e for e in seed.entities if e.type == "PERSON" and e.name == "Putin"]


def test_seed_former_title_is_kept(seed: Article) -> None:
    medvedev = by_key(seed)["person:dmitry-medvedev"]
    assert medvedev.title == "former Russian President"


def test_seed_places_orgs_and_keys(seed: Article) -> None:
    keys = by_key(seed)
    assert keys["org:hamas"].type == "ORG"
    assert keys["place:gaza-city"].name == "Gaza City"
    assert keys["place:united-states"].name == "United States"  # "the United States'" cleaned and resolved
    assert keys["place:kyiv"].type == "PLACE"  # the NER calls it a person; the gazetteer knows better
    assert "org:gmt" not in keys  # a time zone is not an organisation


def test_every_mention_spells_the_entity(seed: Article) -> None:
    for e in seed.entities:
        assert e.key == entity_key(e.type, e.name)
        for start, end in e.mentions:
            assert seed.text[start:end] in {e.name, *e.aliases}, (e.key, seed.text[start:end])


@pytest.fixture(scope="module")
def harbour() -> Article:
    return analyze((FIXTURES / "harbour-ferry.txt").read_text(encoding="utf-8"), source="harbour")


def test_acronym_joins_the_organisation(harbour: Article) -> None:
    agency = by_key(harbour)["org:harbour-development-agency"]
    assert "HDA" in agency.aliases


def test_appositive_gives_a_title(harbour: Article) -> None:
    assert by_key(harbour)["person:peter-gray"].title == "spokesman for the mayor"
    assert by_key(harbour)["person:jane-whitfield"].title == "Senator"


CLINTONS = """Clinton vows to fight on

Hillary Clinton said on Monday that she would campaign in Ohio. Hillary Clinton spoke in Cleveland, where
Hillary Clinton has many supporters.

Former President Bill Clinton joined her later.

Clinton told the crowd that the election would be close. Mrs. Clinton thanked volunteers.
"""


def test_a_shared_surname_goes_to_the_name_written_most_often() -> None:
    article = analyze(CLINTONS, source="clintons")
    keys = by_key(article)
    hillary, bill = keys["person:hillary-clinton"], keys["person:bill-clinton"]
    first_bare = article.text.index("Clinton told")
    assert (first_bare, first_bare + 7) in hillary.mentions
    assert (0, 7) in hillary.mentions  # the headline's surname too
    assert len(bill.mentions) == 1
    assert bill.title == "Former President"


def test_slug_and_key_are_stable_ascii() -> None:
    assert slug("Gaza City") == "gaza-city"
    assert slug("Jean-Marc Ayrault") == "jean-marc-ayrault"
    assert slug("Zoë  O'Neill") == "zoe-o-neill"
    assert entity_key("PERSON", "Vladimir Putin") == "person:vladimir-putin"


def test_gazetteer_names_places() -> None:
    assert canonical_place("the U.S.") == "United States"
    assert canonical_place("Kiev") == "Kyiv"
    assert canonical_place("Gaza City") == "Gaza City"
    assert canonical_place("Moscow") == "Moscow"
    assert canonical_place("Warren", min_population=1_000_000) is None  # a surname, not a big city
    assert canonical_place("Nowhereville") is None
