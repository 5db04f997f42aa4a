"""CPU savings on a loaded spaCy pipeline that leave its output unchanged (tests/test_spacy_speed.py compares).

Six costs of a small English pipeline's parse of news text are not in the model's weights:

* Matrix products. thinc multiplies with BLIS by default; numpy's OpenBLAS does the same products about three
  times faster on current x86 CPUs (tok2vec and the NER's own tok2vec are mostly these products). OpenBLAS is
  held to one thread: its worker threads spin between the many small products and burn more CPU than they save;
  a process per core scales instead. The limit is process-wide (threadpoolctl), so numpy's other products in a
  process that loaded the pipeline run on one thread too. The transition loops of the parser and NER call BLIS
  from C and keep it.
* Token embeddings. The first layer of each of the two ``tok2vec`` networks (the shared one and the NER's own)
  makes a token's vector from that token's features alone, before any context is mixed in, so the same row of
  features always gets the same vector. ``EmbeddingCache`` remembers them: most tokens of news text are then a
  dictionary lookup instead of hashed table sums and a matrix product (about 4 ms of an article's 26 ms parse).
  The vectors are the layer's own, made in different batches: they agree to about 1e-6, as products through
  another BLAS do.
* Maxout layers. thinc's maxout picks each output's best piece with a loop that also records the winner for
  training, about half the cost of the layer's matrix product. ``MaxoutForward`` orders the weights so each
  piece's outputs are a block of columns and takes the maximum over the blocks: the same numbers up to the
  rounding of the product (to the bit with OpenBLAS's AVX-512 kernels), 2.4 ms less of an article's parse.
* The ``attribute_ruler`` (tag -> POS map and exceptions) runs spaCy's general ``Matcher`` over every token,
  ~15 % of the parse. ``FastAttributeRuler`` applies the same patterns through hash lookups, with the ruler's
  own normalised values and its precedence (later patterns win): what they make of a token is planned once
  per distinct (tag, form, dependency, space) row and written for a whole doc in one array step (about 1 ms
  an article against 3.3 for a lookup per token and rule). Models whose patterns use more than it knows
  (operators, other attributes, longer patterns) keep spaCy's ruler.
* The rule-based ``lemmatizer`` lemmatizes every token (about 6 ms of an article's 70 ms parse), and newsgraph
  reads the lemmas of few: verbs that may introduce speech, nouns that may name a speaker. ``LazyLemmatizer``
  stands in for it and ``lemmas.lemma_of`` lemmatizes a token when it is read, with the same lemmatizer (its
  rules, its cache, and any lemma the attribute ruler set first), so every lemma read is the one the model
  gives. Code that reads ``token.lemma_`` directly on such a doc gets "" for a token not yet read through
  ``lemma_of``.
* Fresh memory. A batch's activations are arrays of tens of MB. glibc's malloc serves blocks that big with a
  new ``mmap`` and gives them back on ``free``, and numpy asks for huge pages on them, so every layer of every
  batch made the kernel zero its memory again (14 % of the parse's CPU, sampled with ``perf``; 7,800 page faults
  to parse 32 articles a second time). ``keep_freed_memory`` has malloc keep what was freed for the next batch:
  390 page faults, the parse 12 % cheaper on CPython 3.12 (4 % on 3.11), for a resident size that stays at its
  peak instead of falling between batches.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from spacy.attrs import DEP, IS_SPACE, LEMMA, LOWER, MORPH, POS, TAG
from spacy.language import Language
from spacy.tokens import Doc

from newsgraph.understand.lemmas import LEMMATIZER_KEY, LEMMATIZERS

# Pattern keys FastAttributeRuler reads, in its row order, and the ones an index lookup can start from.
_KEYS = ("TAG", "LOWER", "DEP", "IS_SPACE")
_COLUMNS: list[int | str] = [TAG, LOWER, DEP, IS_SPACE]
_INDEXED = ("LOWER", "TAG", "DEP", "IS_SPACE")  # most selective first
_MAX_TOKENS = 2
_SETTABLE = {LEMMA, POS, TAG, DEP, MORPH}
_MEMO_SIZE = 200_000  # distinct (tag, lower, dep, space) rows, or regex results, remembered before starting afresh
_EMBEDDING_ROWS = 50_000  # token feature rows whose vectors one embedding layer remembers (19 MB of vectors)


def use_fast_matmul(nlp: Language) -> Language:
    """Multiply through numpy (OpenBLAS, one thread) instead of BLIS in every model of ``nlp`` that runs on
    thinc's CPU ops (a pipeline moved to a GPU, or given other ops, is left as it is)."""
    from thinc.api import NumpyOps
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")  # process-wide: see the module docstring
    ops = NumpyOps(use_blis=False)
    for _, proc in nlp.pipeline:
        model = getattr(proc, "model", None)
        if model is not None and hasattr(model, "walk"):
            for node in model.walk():
                if type(node.ops) is NumpyOps:
                    node.ops = ops
    return nlp


def keep_freed_memory() -> bool:
    """Have glibc's malloc keep freed memory for reuse (process-wide, as BLAS's thread limit is): blocks up to
    32 MB come from the heap rather than a fresh ``mmap``, and the heap is trimmed only once 1 GB lies free at its
    top. False where the C library is not glibc: nothing changes there."""
    import ctypes

    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):  # not glibc (musl, macOS): its allocator is left as it is
        return False
    m_trim_threshold, m_mmap_threshold = -1, -3  # <malloc.h>
    # 32 MB is the largest mmap threshold glibc accepts on 64-bit machines (DEFAULT_MMAP_THRESHOLD_MAX)
    return bool(mallopt(m_mmap_threshold, 32 << 20)) and bool(mallopt(m_trim_threshold, 1 << 30))


def use_fast_attribute_ruler(nlp: Language) -> Language:
    """Swap the pipeline's ``attribute_ruler`` for ``FastAttributeRuler`` when its patterns allow it."""
    if "attribute_ruler" not in nlp.pipe_names:
        return nlp
    ruler: Any = nlp.get_pipe("attribute_ruler")
    rules = compile_rules(ruler.patterns, ruler.attrs, ruler.indices, nlp.vocab.strings)
    if rules is None:
        return nlp
    nlp.replace_pipe("attribute_ruler", "newsgraph_attribute_ruler")
    fast: Any = nlp.get_pipe("attribute_ruler")
    fast.rules = rules
    return nlp


@dataclass(frozen=True, slots=True)
class _Check:
    column: int
    equals: frozenset[int] | None = None  # value in this set (a plain value is a set of one)
    excludes: frozenset[int] | None = None
    regex: re.Pattern[str] | None = None


@dataclass(frozen=True, slots=True)
class _Rule:
    order: int  # the pattern's place in the ruler: later ones win
    tokens: tuple[tuple[_Check, ...], ...]
    target: int  # which token of the match gets the attributes
    attrs: tuple[tuple[int, int], ...]  # (attribute id, normalised value), as the ruler holds them


@dataclass(slots=True)
class _Index:
    """Rules by a value their first token must have (one dict per column), and those with no such value."""

    by_value: list[dict[int, list[_Rule]]] = field(default_factory=lambda: [defaultdict(list) for _ in _KEYS])
    everywhere: list[_Rule] = field(default_factory=list)

    def add(self, rule: _Rule) -> None:
        first = next((c for name in _INDEXED for c in rule.tokens[0]
                      if c.column == _KEYS.index(name) and c.equals is not None), None)
        if first is None or first.equals is None:
            self.everywhere.append(rule)
            return
        for v in first.equals:
            self.by_value[first.column][v].append(rule)

    def candidates(self, row: list[int]) -> list[_Rule]:
        out = list(self.everywhere)
        for column, value in enumerate(row):
            hits = self.by_value[column].get(value)
            if hits:
                out.extend(hits)
        return out


@dataclass(slots=True)
class Rules:
    columns: list[int | str]  # attribute ids the rules set, the columns of the array written back
    single: _Index = field(default_factory=_Index)  # one-token patterns: their matches depend on the token only
    multi: _Index = field(default_factory=_Index)
    lower_values: set[int] = field(default_factory=set)  # lowercase forms a rule names (to equal or exclude)
    lower_regexes: list[_Check] = field(default_factory=list)  # the rules' regular expressions on that form
    where: dict[int | str, int] = field(init=False)  # attribute id -> its column in ``columns``

    def __post_init__(self) -> None:
        self.where = {attr: i for i, attr in enumerate(self.columns)}

    def add(self, rule: _Rule) -> None:
        (self.single if len(rule.tokens) == 1 else self.multi).add(rule)
        lower = _KEYS.index("LOWER")
        for check in (c for token in rule.tokens for c in token if c.column == lower):
            self.lower_values |= (check.equals or set()) | (check.excludes or set())
            if check.regex is not None:
                self.lower_regexes.append(check)


def compile_rules(patterns: list[dict[str, Any]], attrs: list[dict[int, int]], indices: list[int],
                  strings: Any) -> Rules | None:
    """Index the ruler's patterns by a value their first token must have; ``None`` when one is beyond us."""
    set_ids: list[int | str] = sorted({a for d in attrs for a in d})
    if not set(set_ids) <= _SETTABLE:  # extension attributes, entity fields: leave them to spaCy's ruler
        return None
    rules = Rules(columns=set_ids)
    for order, (entry, values, index) in enumerate(zip(patterns, attrs, indices, strict=True)):
        for pattern in entry["patterns"]:
            tokens = _compile_pattern(pattern, strings)
            if tokens is None or not -len(tokens) <= index < len(tokens):
                return None
            rules.add(_Rule(order, tokens, index % len(tokens), tuple(sorted(values.items()))))
    return rules


def _compile_pattern(pattern: list[dict[str, Any]], strings: Any) -> tuple[tuple[_Check, ...], ...] | None:
    if not 1 <= len(pattern) <= _MAX_TOKENS:
        return None
    out = []
    for spec in pattern:
        checks = []
        for key, value in spec.items():
            check = _compile_check(key, value, strings)
            if check is None:
                return None
            checks.append(check)
        out.append(tuple(checks))
    return tuple(out)


def _compile_check(key: str, value: Any, strings: Any) -> _Check | None:
    if key not in _KEYS:
        return None
    column = _KEYS.index(key)

    def code(v: Any) -> int:
        return int(v) if key == "IS_SPACE" else int(strings.add(v)) if v else 0

    if isinstance(value, str | bool):
        return _Check(column, equals=frozenset({code(value)}))
    if not isinstance(value, dict) or len(value) != 1:
        return None
    (op, arg), = value.items()
    if op == "IN":
        return _Check(column, equals=frozenset(code(v) for v in arg))
    if op == "NOT_IN":
        return _Check(column, excludes=frozenset(code(v) for v in arg))
    if op == "REGEX" and key != "IS_SPACE":
        return _Check(column, regex=re.compile(arg))
    return None


@dataclass(frozen=True, slots=True)
class _Plan:
    """What the rules do to a token with a given (tag, lower, dep, space) row: the one-token rules that match it,
    in the order they apply, their merged values (one per written column, ``sets`` saying which are written),
    and the longer rules whose first token it matches (their other tokens are checked where it stands)."""

    index: int  # its row in the ruler's tables of values and ``sets``
    single: tuple[_Rule, ...]
    values: tuple[int, ...]
    sets: tuple[bool, ...]
    multi: tuple[_Rule, ...]


class FastAttributeRuler:
    """spaCy's ``AttributeRuler`` for simple patterns (see the module docstring); ``rules`` set after creation.

    A token's one-token matches depend on its row alone, so each distinct row is planned once and remembered:
    a doc costs a dictionary lookup per token and one array write, plus a check of the longer rules (two
    tokens) at the few tokens where one may start. Few rows differ in what the rules make of them, and the
    lowercase form is what makes most rows distinct: a form no rule names stands in a row as the first such
    form seen that the rules' regular expressions treat alike, so every check gives the same answer on both."""

    def __init__(self, vocab: Any) -> None:
        self.vocab = vocab
        self.rules: Rules | None = None
        self._regex_memo: dict[tuple[int, int], bool] = {}
        self._plans: dict[tuple[int, ...], _Plan] = {}
        self._values = np.zeros((0, 0), dtype=np.uint64)  # the plans' values and sets, by plan index; rows
        self._sets = np.zeros((0, 0), dtype=bool)  # past the number of plans are room to grow
        self._new: list[_Plan] = []  # the last plans made, not yet written into the tables, in order
        self._lower_as: dict[int, int] = {}  # lowercase form -> the form that stands for it in a plan's row
        self._alike: dict[tuple[bool, ...], int] = {}  # regular expressions' answers -> the form standing for them

    def __call__(self, doc: Doc) -> Doc:
        if self.rules is None:
            raise ValueError("FastAttributeRuler has no rules: build it with use_fast_attribute_ruler(nlp)")
        if not len(doc):
            return doc
        if max(len(self._plans), len(self._regex_memo), len(self._lower_as)) > _MEMO_SIZE:  # grow with the vocabulary
            self._plans.clear()
            self._regex_memo.clear()
            self._lower_as.clear()
            self._alike.clear()
            self._new = []
        rows = doc.to_array(_COLUMNS).tolist()
        plans, lower_as = self._plans, self._lower_as
        keys = [(tag, lower_as[lower] if lower in lower_as else self._stand_in(lower), dep, space)
                for tag, lower, dep, space in rows]
        doc_plans = [plans.get(key) or self._plan(key) for key in keys]
        longer: dict[int, list[_Rule]] = {}
        for i, plan in enumerate(doc_plans):
            for rule in plan.multi:  # its first token matched when the row was planned
                if self._matches(rule, rows, i, skip=1):
                    longer.setdefault(i + rule.target, []).append(rule)
        if longer or any(plan.single for plan in doc_plans):
            self._write(doc, doc_plans, longer)
        return doc

    def _stand_in(self, lower: int) -> int:
        """The lowercase form that stands for ``lower`` in a plan's row: itself if a rule names it."""
        assert self.rules is not None
        if lower in self.rules.lower_values:
            stand_in = lower
        else:
            text = self.vocab.strings[lower] if lower else ""  # each form comes here once: no memo
            answers = tuple(bool(check.regex.search(text)) for check in self.rules.lower_regexes if check.regex)
            stand_in = self._alike.setdefault(answers, lower)
        self._lower_as[lower] = stand_in
        return stand_in

    def _plan(self, key: tuple[int, ...]) -> _Plan:
        assert self.rules is not None
        row = list(key)
        single = tuple(sorted((r for r in self.rules.single.candidates(row) if self._matches(r, [row], 0)),
                              key=lambda r: r.order))  # the ruler sorts matches the same way: later ones win
        where = self.rules.where
        values, sets = [0] * len(where), [False] * len(where)
        for rule in single:
            for attr, value in rule.attrs:
                values[where[attr]], sets[where[attr]] = value, True
        multi = tuple(r for r in self.rules.multi.candidates(row) if self._token_matches(r.tokens[0], row))
        plan = _Plan(len(self._plans), single, tuple(values), tuple(sets), multi)
        self._plans[key] = plan
        self._new.append(plan)
        return plan

    def _matches(self, rule: _Rule, rows: list[list[int]], start: int, skip: int = 0) -> bool:
        """Whether ``rule`` matches at ``start``, its first ``skip`` tokens already known to."""
        if start + len(rule.tokens) > len(rows):
            return False
        return all(self._token_matches(rule.tokens[offset], rows[start + offset])
                   for offset in range(skip, len(rule.tokens)))

    def _token_matches(self, checks: tuple[_Check, ...], row: list[int]) -> bool:
        for check in checks:
            value = row[check.column]
            if check.equals is not None and value not in check.equals:
                return False
            if check.excludes is not None and value in check.excludes:
                return False
            if check.regex is not None and not self._regex(check, value):
                return False
        return True

    def _regex(self, check: _Check, value: int) -> bool:
        assert check.regex is not None
        key = (id(check), value)
        hit = self._regex_memo.get(key)
        if hit is None:
            hit = self._regex_memo[key] = bool(check.regex.search(self.vocab.strings[value] if value else ""))
        return hit

    def _table(self, width: int) -> None:
        """Write the plans made since the last call into the tables, doubling their room when full."""
        new, self._new = self._new, []
        tabled = len(self._plans) - len(new)
        if len(self._plans) > len(self._values):
            room = max(1024, 2 * len(self._plans))
            values, sets = np.zeros((room, width), dtype=np.uint64), np.zeros((room, width), dtype=bool)
            if tabled:
                values[:tabled], sets[:tabled] = self._values[:tabled], self._sets[:tabled]
            self._values, self._sets = values, sets
        self._values[tabled:len(self._plans)] = [p.values for p in new]
        self._sets[tabled:len(self._plans)] = [p.sets for p in new]

    def _write(self, doc: Doc, plans: list[_Plan], longer: dict[int, list[_Rule]]) -> None:
        assert self.rules is not None
        columns = self.rules.columns
        before = doc.to_array(columns).reshape(len(doc), len(columns))
        if self._new:
            self._table(len(columns))
        at = np.fromiter((p.index for p in plans), dtype=np.intp, count=len(plans))
        array = np.where(self._sets[at], self._values[at], before)
        where = self.rules.where
        for token, rules in longer.items():  # with a longer match, the token's rules apply afresh, in order
            row = before[token].copy()
            for rule in sorted([*plans[token].single, *rules], key=lambda r: r.order):
                for attr, value in rule.attrs:
                    row[where[attr]] = value
            array[token] = row
        doc.from_array(columns, array)  # type: ignore[arg-type]


@Language.factory("newsgraph_attribute_ruler")
def make_fast_attribute_ruler(nlp: Language, name: str) -> FastAttributeRuler:
    return FastAttributeRuler(nlp.vocab)


# ------------------------------------------------------------------------------------- remembered embeddings

# The leaves an embedding chain may hold for its vectors to depend on a token's own features alone.
_ROW_WISE = frozenset({"ints-getitem", "hashembed", "maxout", "layernorm", "dropout"})


def use_embedding_cache(nlp: Language, size: int = _EMBEDDING_ROWS) -> Language:
    """Have every token-embedding layer of ``nlp`` remember the vector it made for each distinct row of token
    features (see ``EmbeddingCache``); a layer of another make (static vectors, characters) is left as it is."""
    for _, proc in nlp.pipeline:
        model = getattr(proc, "model", None)
        if model is None or not hasattr(model, "walk"):
            continue
        for node in model.walk():
            if _is_token_embedding(node) and not isinstance(node._func, EmbeddingCache):
                node.replace_callbacks(EmbeddingCache(node, node._func, size), init=node.init)
    return nlp


def _is_token_embedding(node: Any) -> bool:
    """spaCy's ``MultiHashEmbed`` without static vectors: features -> hashed tables -> one maxout layer."""
    names = [layer.name for layer in node.layers]
    if names[:2] != ["extract_features", "list2ragged"] or names[-1:] != ["ragged2list"] or len(names) != 5:
        return False
    leaves = {n.name for layer in node.layers[2:4] for n in layer.walk() if not n.layers}
    return leaves <= _ROW_WISE and all(layer.name.startswith("with_array(") for layer in node.layers[2:4])


class EmbeddingCache:
    """The forward pass of a token-embedding layer, remembering the vector of each distinct feature row.

    Before any context is mixed in, spaCy's small models embed a token from its own features only (norm,
    prefix, suffix, shape, whether a space follows it, whether it is a space): hashed table rows, then a maxout
    layer and layer norm. The vector is therefore a function of that row of features, and news text repeats
    few rows: once a few thousand articles have passed, most tokens are a dictionary lookup instead of four to
    six table sums and a 96 x 576 product (about 2 ms of an article's parse in each of the two embedding
    layers). Rows not seen before go through the layer's own sublayers, batched; the vectors are the model's.
    Training (``is_train``) runs the original forward pass and forgets what was remembered, as the weights are
    about to change; so does growing past ``size`` rows."""

    def __init__(self, layer: Any, forward: Any, size: int) -> None:
        self.forward, self.size = forward, size
        extract, _, tables, mix, _ = layer.layers
        self._extract, self._tables, self._mix = extract, tables.layers[0], mix.layers[0]
        self._rows: dict[bytes, int] = {}
        self._vectors = np.zeros((0, 0), dtype=np.float32)  # by row number; rows past len(_rows) are room to grow

    def __call__(self, model: Any, docs: list[Doc], is_train: bool) -> tuple[list[Any], Any]:
        if is_train:
            self._rows.clear()
            trained: tuple[list[Any], Any] = self.forward(model, docs, is_train)
            return trained
        features = self._extract.predict(docs)
        if not features:
            return [], lambda d_vectors: []
        ids = np.ascontiguousarray(np.concatenate(features), dtype=np.uint64)
        if len(self._rows) + len(ids) > self.size:
            self._rows.clear()
        rows, seen = self._rows, len(self._rows)
        width = ids.shape[1] * ids.itemsize  # a token's row of features as one opaque value: bytes in Python
        keys: list[bytes] = ids.view(np.dtype((np.void, width))).ravel().tolist()  # type: ignore[assignment]
        found = list(map(rows.get, keys))
        if None in found:  # rows not seen before get the next numbers, in order of first sight
            found = [rows.setdefault(key, len(rows)) if row is None else row
                     for key, row in zip(keys, found, strict=True)]
        at = np.array(found, dtype=np.intp)
        if len(rows) > seen:
            self._remember(ids, at, seen)
        vectors = self._vectors[at]
        return np.split(vectors, np.cumsum([len(f) for f in features[:-1]])), lambda d_vectors: []

    def _remember(self, ids: Any, at: Any, seen: int) -> None:
        """Embed the rows numbered from ``seen`` on (first met in this batch) with the layer's own sublayers."""
        fresh = np.flatnonzero(at >= seen)
        _, first = np.unique(at[fresh], return_index=True)  # numbered in order of first sight: one per new row
        vectors = self._mix.predict(self._tables.predict(ids[fresh[first]]))
        end = seen + len(vectors)
        if end > len(self._vectors):
            grown = np.empty((max(end, min(2 * end, self.size), 1024), vectors.shape[1]), dtype=vectors.dtype)
            if seen:
                grown[:seen] = self._vectors[:seen]
            self._vectors = grown
        self._vectors[seen:end] = vectors


# ------------------------------------------------------------------------------------------- maxout layers

def use_fast_maxout(nlp: Language) -> Language:
    """Have every maxout layer of ``nlp`` that runs thinc's own forward pass run ``MaxoutForward`` instead."""
    from thinc.layers import maxout

    for _, proc in nlp.pipeline:
        model = getattr(proc, "model", None)
        if model is None or not hasattr(model, "walk"):
            continue
        for node in model.walk():
            if node.name == "maxout" and node._func is maxout.forward:
                node.replace_callbacks(MaxoutForward(node._func), init=node.init)
    return nlp


class MaxoutForward:
    """thinc's maxout layer at inference: the same result for a third less work.

    thinc multiplies the input by the weights laid out (output, piece, input), adds the bias, and takes the
    best piece of each output with a loop that also records which piece won (for training). Here the weights'
    rows are reordered (piece, output, input) before the same product, so that each piece's outputs come out as
    a contiguous block of columns: the best is then two vectorised ``maximum`` passes over those blocks, and no
    winner is recorded. Every output element is the same dot product of the same numbers, so the product, the
    bias and the maximum are those of thinc's forward pass. A BLAS may round a product differently where the
    reordering moves a column into another tile: on the small English model's layers (widths of 96 x 3 by 288
    to 576) the results were equal to the bit with OpenBLAS's AVX-512 kernels, and within 1e-5 with its AVX2
    ones, which left every annotation as it was (see the tests). In the two encoders
    of a small English pipeline the loop cost about half as much as the products themselves. Training
    (``is_train``) runs thinc's own forward pass, which keeps what backpropagation needs."""

    def __init__(self, forward: Any) -> None:
        self.forward = forward

    def __call__(self, model: Any, X: Any, is_train: bool) -> tuple[Any, Any]:
        if is_train:
            trained: tuple[Any, Any] = self.forward(model, X, is_train)
            return trained
        n_out, pieces, n_in = model.get_dim("nO"), model.get_dim("nP"), model.get_dim("nI")
        weights = model.get_param("W").reshape(n_out, pieces, n_in).transpose(1, 0, 2).reshape(pieces * n_out, n_in)
        bias = model.get_param("b").reshape(n_out, pieces).T.reshape(pieces * n_out)
        Y = model.ops.gemm(X, weights, trans2=True)
        Y += bias
        best = np.maximum(Y[:, :n_out], Y[:, n_out:2 * n_out]) if pieces > 1 else Y[:, :n_out].copy()
        for piece in range(2, pieces):
            np.maximum(best, Y[:, piece * n_out:(piece + 1) * n_out], out=best)
        return best, _inference_only


def _inference_only(d_best: Any) -> Any:
    raise ValueError("this maxout pass ran for inference (is_train=False): it has no gradient to give back")


# ------------------------------------------------------------------------------------------- lemmas on demand

def use_lazy_lemmatizer(nlp: Language) -> Language:
    """Swap a rule-mode ``lemmatizer`` for ``LazyLemmatizer`` (others, and one set to overwrite, are kept)."""
    if "lemmatizer" not in nlp.pipe_names:
        return nlp
    lemmatizer: Any = nlp.get_pipe("lemmatizer")
    if getattr(lemmatizer, "mode", None) != "rule" or getattr(lemmatizer, "overwrite", True):
        return nlp
    lemmatizer(Doc(nlp.vocab, words=["checks"], pos=["VERB"]))  # spaCy checks its tables on a first call: here
    index = lemmatizer.lookups.get_table("lemma_index", {})
    for pos in list(index):
        index[pos] = WordList(index[pos])
    key = f"{nlp.meta.get('name', '')}-{id(lemmatizer)}"
    nlp.replace_pipe("lemmatizer", "newsgraph_lazy_lemmatizer", config={"key": key})
    lazy: Any = nlp.get_pipe("lemmatizer")
    lazy.lemmatizer = lemmatizer  # held here; the registry only points to it
    LEMMATIZERS[key] = lemmatizer
    return nlp


class WordList(list[str]):
    """A list of words whose ``in`` is a set lookup. spaCy's rule lemmatizer checks each candidate lemma with
    ``form in index``, where ``index`` is the list of the known words of a part of speech (57,528 nouns): a scan of
    the list per candidate, about 0.1 ms a word it has not seen. Same answers (tested); the list itself, and so
    anything that saves the tables, is unchanged. The tables are only read."""

    __slots__ = ("_words",)

    def __init__(self, words: Iterable[str]) -> None:
        super().__init__(words)
        self._words = frozenset(self)

    def __contains__(self, word: object) -> bool:
        return word in self._words


class LazyLemmatizer:
    """Lemmatizes no token: marks the doc so that ``lemma_of`` knows which lemmatizer to ask."""

    def __init__(self, key: str) -> None:
        self.key = key
        self.lemmatizer: Any = None

    def __call__(self, doc: Doc) -> Doc:
        doc.user_data[LEMMATIZER_KEY] = self.key
        return doc


@Language.factory("newsgraph_lazy_lemmatizer", default_config={"key": ""}, assigns=["token.lemma"])
def make_lazy_lemmatizer(nlp: Language, name: str, key: str) -> LazyLemmatizer:
    return LazyLemmatizer(key)

