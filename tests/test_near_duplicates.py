"""Near-duplicates: the MinHash/LSH functions, and a frozen evaluation through real ingest into SQLite."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
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
from newsgraph.corpus import ConnectOptions, Corpus
from newsgraph.ingest import IngestOptions, ingest
from newsgraph.model import Article, Paragraph
from newsgraph.store import ArticleRecord, SQLiteStore
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


def test_signatures_are_stored_in_4_bytes_a_value_and_the_older_8_byte_ones_still_read() -> None:
    a, other = minhash(TEXT), minhash(" ".join(originals()[1].paragraphs))
    assert len(signature_bytes(a)) == 4 * 128
    wide = np.asarray(a.hashvalues, dtype=np.uint64).tobytes()  # as stores written before kept them
    assert signature_jaccard(wide, signature_bytes(a)) == 1.0
    assert signature_jaccard(wide, signature_bytes(other)) == signature_jaccard(signature_bytes(a),
                                                                                  signature_bytes(other)) < 1.0
    assert bands(from_signature(wide)) == bands(from_signature(signature_bytes(a))) == bands(a)
    with pytest.raises(ValueError, match="not 128 hash values of 4 or 8 bytes"):
        signature_jaccard(signature_bytes(a)[:100], signature_bytes(a))
    other = minhash(" ".join(originals()[9].paragraphs))
    assert jaccard(a, other) < 0.1
    assert not set(bands(a)) & set(bands(other))
    assert shingles("one two", 5) == {b"one two"} and shingles("", 5) == set()
    with pytest.raises(ValueError, match="same NearDupParams"):
        bands(minhash(TEXT, NearDupParams(num_perm=64, bands=16)))



def test_a_store_written_with_8_byte_signatures_finds_its_articles_copies(tmp_path: Path) -> None:
    """An article stored before signatures were narrowed is still the original of a copy ingested now."""
    article = originals()[0]
    text = " ".join(article.paragraphs)
    store = SQLiteStore(tmp_path / "c.db")
    m = minhash(text)
    old = Article(source="old", text=text, headline="Old", language="en", paragraphs=[Paragraph(text, 0, len(text))])
    with store.transaction():
        store.add_article(ArticleRecord("old", old, np.asarray(m.hashvalues, dtype=np.uint64).tobytes(), bands(m)))
    copy = Article(source="new", text=text + " Reporting by a wire.", headline="Copy", language="en",
                   paragraphs=[Paragraph(text, 0, len(text))])
    added = Corpus(store, ConnectOptions(features=False)).add_batch([("new", copy)])
    assert added[0].duplicate_of == "old"
    stored = dict(store.band_candidates(bands(m)))
    assert len(stored["old"]) == 8 * 128 and len(stored["new"]) == 4 * 128
    store.close()

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
