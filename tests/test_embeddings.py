"""The optional sentence embeddings (real all-MiniLM-L6-v2 int8 model, loaded once) and the evaluation option."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from newsgraph.cli import app
from newsgraph.connect.embeddings import (
    EMBEDDERS,
    Embedder,
    UnknownEmbedder,
    _require,
    blend,
    embedding_text,
    get_embedder,
)
from newsgraph.errors import MissingExtra
from newsgraph.evaluate.stories import (
    ECBPLUS,
    EcbDoc,
    EmbeddingOptions,
    evaluate_similar,
    evaluate_stories,
    same_kind_auc,
)

pytestmark = pytest.mark.slow
TOPICS = (2, 3)  # two small ECB+ topics, 41 documents

QUAKE_A = "A magnitude 6.1 earthquake struck off the coast of Indonesia's Aceh province on Tuesday, killing two."
QUAKE_B = "Two people died when a strong earthquake shook Aceh in Indonesia on Tuesday, officials said."
OSCARS = "Hugh Jackman will host this year's Academy Awards ceremony in Los Angeles, the organisers announced."


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    return get_embedder("minilm-int8")


def test_vectors_are_unit_float32_rows_in_input_order(embedder: Embedder) -> None:
    texts = [OSCARS, QUAKE_A, "Short one.", QUAKE_B]
    vectors = embedder.embed(texts)
    assert vectors.shape == (4, embedder.dim) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    # the batch is sorted by length inside embed: each row must still belong to its own text
    alone = np.vstack([embedder.embed([t]) for t in texts])
    assert np.all((vectors * alone).sum(axis=1) > 0.999)


def test_same_story_is_closer_than_another_story(embedder: Embedder) -> None:
    a, b, c = embedder.embed([QUAKE_A, QUAKE_B, OSCARS])
    assert float(a @ b) > 0.5 and float(a @ c) < 0.2 and float(b @ c) < 0.2


def test_loaded_once_and_reused(embedder: Embedder) -> None:
    assert get_embedder("minilm-int8") is embedder
    assert isinstance(embedder, Embedder) and embedder.name == "minilm-int8"


def test_importing_loads_nothing_and_int8_needs_no_torch() -> None:
    code = ("import sys; from newsgraph.connect import embeddings as e; before = set(sys.modules); "
            "e.get_embedder('minilm-int8').embed(['A test.']); "
            "print('onnxruntime' in before, 'onnxruntime' in sys.modules, 'torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "True", "False"]


def test_unknown_name_lists_the_choices() -> None:
    with pytest.raises(UnknownEmbedder, match=r"no embedder named 'bert': choose one of minilm, minilm-int8"):
        get_embedder("bert")
    assert sorted(EMBEDDERS) == ["minilm", "minilm-int8"]


def test_missing_package_names_it_and_the_extra() -> None:
    with pytest.raises(MissingExtra, match=r"no-such-pkg \(runs it\) is not installed: "
                                           r"pip install 'newsgraph\[embeddings\]'"):
        _require("no_such_module_xyz", "no-such-pkg", "runs it")


def test_embedding_text_is_headline_then_the_start_of_the_body() -> None:
    assert embedding_text("Quake hits Aceh", "Quake hits Aceh\nTwo died.") == "Quake hits Aceh.\nTwo died."
    assert embedding_text(None, "Body only.") == "Body only."
    assert len(embedding_text("H", "word " * 1000, max_chars=100)) == 100


def test_blend_weight_must_be_a_share() -> None:
    assert blend(0.4, 0.8, 0.25) == pytest.approx(0.5)
    with pytest.raises(ValueError, match="between 0 and 1"):
        blend(0.4, 0.8, 1.5)


def test_same_kind_auc_counts_pairs_within_a_topic_and_ties_half() -> None:
    docs = [EcbDoc(f"d{i}", topic, story, "", "", None)
            for i, (topic, story) in enumerate([(1, "a"), (1, "a"), (1, "b"), (2, "c")])]
    sims = np.array([[0, 0.9, 0.2, 0.99], [0.9, 0, 0.3, 0.99], [0.2, 0.3, 0, 0.99], [0.99, 0.99, 0.99, 0]])
    assert same_kind_auc(docs, sims) == 1.0  # topic 2's pairs are not looked at
    sims[0, 2] = sims[2, 0] = 0.9
    assert same_kind_auc(docs, sims) == 0.75  # one of the two other-story pairs ties the same-story pair
    sims[1, 2] = sims[2, 1] = 0.95
    assert same_kind_auc(docs, sims) == 0.25


def test_eval_similar_with_embeddings_on_two_topics(shared: Path) -> None:
    report = evaluate_similar(shared / ECBPLUS, topics=TOPICS, embedder="minilm-int8", weight=0.2)
    assert report.embedder == "minilm-int8"
    weights = [w for w, _ in report.blends]
    assert weights[0] == 0.2 and 1.0 in weights
    alone = dict(report.blends)[1.0]  # embeddings alone still find the same story most of the time
    assert 0.6 < alone.ndcg10 <= 1.0 and 0.5 < alone.p5 <= 1.0
    assert set(report.auc) == {"lexical", "embedding", "blend w=0.2"}
    assert all(0.5 < v <= 1.0 for v in report.auc.values())


def test_eval_stories_with_embeddings_on_two_topics(shared: Path) -> None:
    report = evaluate_stories(shared / ECBPLUS, seeds=(0,), topics=TOPICS, with_baseline=False,
                              embeddings=EmbeddingOptions.of("minilm-int8"))
    assert len(report.blended) == 1 and report.weight == 0.2
    assert report.mean(report.blended).bcubed_f1 > 0.6


def test_cli_rejects_an_unknown_embedder_before_any_work(shared: Path) -> None:
    result = CliRunner().invoke(app, ["eval", "similar", "--data", str(shared / ECBPLUS), "--embeddings", "bert"])
    assert result.exit_code == 2
    assert "no embedder named 'bert'" in result.output
