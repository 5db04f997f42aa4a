"""Near-duplicates: the MinHash/LSH functions, and a frozen evaluation through real ingest into SQLite."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from corpus_gen import near_dup_set, originals
from newsgraph.connect.near_duplicates import (
    NearDupParams,
    bands,
    from_signature,
    jaccard,
    minhash,
    shingles,
    signature_bytes,
    signature_jaccard,
)
from newsgraph.corpus import ConnectOptions
from newsgraph.ingest import IngestOptions, ingest
from newsgraph.store import SQLiteStore
from newsgraph.understand.pipeline import AnalyzeOptions

TEXT = " ".join(originals()[0].paragraphs)


def test_params_are_checked_with_the_fix_in_the_message() -> None:
    with pytest.raises(ValueError, match="not a multiple of bands=30: pick bands among the divisors"):
        NearDupParams(num_perm=128, bands=30)
    with pytest.raises(ValueError, match="must be a Jaccard similarity"):
        NearDupParams(threshold=1.5)


def test_signatures_bands_and_jaccard() -> None:
    a, b = minhash(TEXT), minhash(TEXT)
    assert bands(a) == bands(b) and len(bands(a)) == 32
    assert jaccard(a, b) == 1.0 == signature_jaccard(signature_bytes(a), signature_bytes(b))
    assert jaccard(a, from_signature(signature_bytes(a))) == 1.0
    other = minhash(" ".join(originals()[9].paragraphs))
    assert jaccard(a, other) < 0.1
    assert not set(bands(a)) & set(bands(other))
    assert shingles("one two", 5) == {b"one two"} and shingles("", 5) == set()
    with pytest.raises(ValueError, match="same NearDupParams"):
        bands(minhash(TEXT, NearDupParams(num_perm=64, bands=16)))


@pytest.fixture(scope="module")
def evaluated(tmp_path_factory: pytest.TempPathFactory) -> tuple[list, dict[str, dict]]:
    docs = near_dup_set()
    folder = tmp_path_factory.mktemp("neardup")
    (folder / "docs.jsonl").write_text("".join(json.dumps(d.record()) + "\n" for d in docs), encoding="utf-8")
    store = SQLiteStore(folder / "c.db")
    report = ingest([str(folder / "docs.jsonl")], store,
                    IngestOptions(analyze=AnalyzeOptions(nlp=False), connect=ConnectOptions(features=False)))
    assert report.ingested == len(docs) and not report.failed
    rows = {r["url"]: r for r in store.export_rows()}
    store.close()
    return docs, rows


def test_pair_precision_and_recall_on_the_frozen_edits(evaluated: tuple[list, dict[str, dict]]) -> None:
    """Positives: an original and its lightly edited copies (and copies among themselves). Negatives: every other
    pair, including the other articles of the same story, which share names, places and quotes."""
    docs, rows = evaluated
    tp = fp = fn = same_story_negatives = 0
    for a, b in itertools.combinations(docs, 2):
        ga, gb = rows[a.url]["original_id"], rows[b.url]["original_id"]
        predicted, gold = ga is not None and ga == gb, a.family == b.family
        same_story_negatives += a.story == b.story and not gold
        tp += predicted and gold
        fp += predicted and not gold
        fn += gold and not predicted
    assert tp + fn == 12 * 6 and same_story_negatives > 100  # the set is what it says
    assert tp / (tp + fp) >= 0.98, f"precision {tp / (tp + fp):.3f} (tp={tp}, fp={fp})"
    assert tp / (tp + fn) >= 0.98, f"recall {tp / (tp + fn):.3f} (tp={tp}, fn={fn})"


def test_each_group_knows_its_earliest_member_as_the_original(evaluated: tuple[list, dict[str, dict]]) -> None:
    docs, rows = evaluated
    for d in docs:
        original = next(o for o in docs if o.family == d.family and o.key == f"a{d.family:02d}")
        assert rows[d.url]["original_id"] == rows[original.url]["id"], d.key


def test_the_evaluation_set_is_frozen() -> None:
    first, again = near_dup_set(), near_dup_set()
    assert first == again and len(first) == 48
    assert sum(1 for d in first if d.key.endswith("c1")) == 12
    assert Path(__file__).with_name("fixtures").joinpath("corpus", "articles.jsonl").is_file()
