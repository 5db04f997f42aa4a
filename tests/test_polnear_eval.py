"""PolNeAR reader, quote metrics, and the accuracy gate: dev figures must stay above benchmarks/quote_floors.json."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from newsgraph.errors import NewsgraphError
from newsgraph.evaluate.polnear import load_split, parse_ann, to_article
from newsgraph.evaluate.quote_metrics import Item, QuoteEvalOptions, Scores, evaluate_quotes

FLOORS = Path(__file__).resolve().parents[1] / "benchmarks" / "quote_floors.json"

ANN = (
    "T1\tContent 10 20;30 40\t\"one two\" three\n"
    "T2\tSource 0 5\tHe\n"
    "T3\tCue 22 26\tsaid\n"
    "T4\tAttribution 22 26\tsaid\n"
    "E1\tAttribution:T4 Content:T1 Cue:T3 Source:T2\n"
    "T5\tContent 50 70\tacross a\nparagraph break\n"
    "#1\tAnnotatorNotes T5\tlong one\n"
    "T6\tCue 45 49\twere\n"
    "T7\tAttribution-no-source 45 49\twere\n"
    "E2\tAttribution-no-source:T7 Content:T5 Cue:T6\n"
    "T8\tDiscard 80 90\tRead more\n"
    "E3\tAttribution:T4 Cue:T3 Source:T2\n"
)


def test_parse_ann_joins_continued_lines_and_discontinuous_spans() -> None:
    first, second = parse_ann(ANN)
    assert first.content == [(10, 20), (30, 40)] and first.source == [(0, 5)] and first.cue == [(22, 26)]
    assert first.direct and first.pronoun_source
    assert second.content_text == "across a\nparagraph break" and second.source == []
    assert not second.direct


def test_load_split_takes_the_first_annotator_file(tmp_path: Path) -> None:
    (tmp_path / "dev" / "text").mkdir(parents=True)
    (tmp_path / "dev" / "attributions").mkdir()
    (tmp_path / "dev" / "text" / "a_b.txt").write_text("Headline\n\nHe said \"yes\".\n", encoding="utf-8")
    (tmp_path / "dev" / "attributions" / "a_b_ef2d.ann").write_text(ANN, encoding="utf-8")
    (tmp_path / "dev" / "attributions" / "a_b_4b22.ann").write_text("", encoding="utf-8")
    [article] = load_split(tmp_path, "dev")
    assert (article.name, article.annotator, article.attributions) == ("a_b", "4b22", [])
    converted = to_article(article)
    assert converted.headline == "Headline" and [p.text for p in converted.paragraphs] == ['He said "yes".']
    with pytest.raises(NewsgraphError, match="unknown PolNeAR split 'tests'"):
        load_split(tmp_path, "tests")
    with pytest.raises(NewsgraphError, match="pass --data"):
        load_split(tmp_path, "train")


def _item(content: set[int], speaker: set[int], direct: bool = True) -> Item:
    return Item(frozenset(content), frozenset(speaker), direct, False, bool(speaker))


def test_quote_speaker_needs_content_and_speaker_overlap() -> None:
    gold = [_item({1, 2, 3}, {10}), _item({20, 21}, {30}, direct=False), _item({40, 41}, set())]
    preds = [_item({2, 3, 4}, {10}),   # right content, right speaker
             _item({20}, {99}),         # right content, wrong speaker
             _item({40}, set()),        # agentless gold, no speaker predicted: a match
             _item({50}, {10})]         # nothing there
    scores = Scores()
    scores.score_article(preds, gold)
    qs = scores.as_dict()["quote_speaker/all"]
    assert (qs["tp_pred"], qs["n_pred"], qs["tp_gold"], qs["n_gold"]) == (2, 4, 2, 3)
    assert scores.as_dict()["content_overlap/all"]["tp_gold"] == 3
    assert scores.as_dict()["quote_speaker/reported"]["tp_gold"] == 0
    assert scores.as_dict()["coverage@0.8/all"]["tp_gold"] == 0  # {1,2,3}: 2/3 covered, {20,21}: 1/2


def _corpus_hash(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted((root / "dev").rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


@pytest.mark.slow
def test_dev_accuracy_stays_above_the_pinned_floors(shared: Path) -> None:
    pinned = json.loads(FLOORS.read_text(encoding="utf-8"))
    root = shared / "data" / "quotes" / "polnear"
    assert _corpus_hash(root) == pinned["corpus_sha256"], (
        "PolNeAR dev changed since the floors were pinned: re-measure with `newsgraph eval quotes --split dev "
        "--format json` and update benchmarks/quote_floors.json (corpus_sha256 and floors)")
    report = evaluate_quotes(QuoteEvalOptions(split="dev", data=str(root), systems=("newsgraph",)))
    scores = report["systems"]["newsgraph"]["scores"]
    low = {name: (scores[name]["f1"], floor) for name, floor in pinned["floors"].items()
           if scores[name]["f1"] < floor}
    assert not low, f"below the pinned floor (measured, floor): {low}"


@pytest.mark.slow
def test_eval_quotes_command_prints_json(shared: Path) -> None:
    from typer.testing import CliRunner

    from newsgraph.cli import app

    data = str(shared / "data" / "quotes" / "polnear")
    result = CliRunner().invoke(app, ["eval", "quotes", "--data", data, "--limit", "2", "--system", "newsgraph",
                                      "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["articles"] == 2 and list(report["systems"]) == ["newsgraph"]
    assert 0.0 <= report["systems"]["newsgraph"]["scores"]["quote_speaker/all"]["f1"] <= 1.0


def test_evaluate_quotes_names_an_unknown_system() -> None:
    with pytest.raises(NewsgraphError, match="unknown system\\(s\\) spacy: choose from newsgraph, textacy"):
        evaluate_quotes(QuoteEvalOptions(systems=("spacy",)))
