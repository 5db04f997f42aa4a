"""CPU savings on a loaded spaCy pipeline that leave its output unchanged (tests/test_spacy_speed.py compares).

Four costs of a small English pipeline's parse of news text are not in the model's weights:

* Matrix products. thinc multiplies with BLIS by default; numpy's OpenBLAS does the same products about three
  times faster on current x86 CPUs (tok2vec and the NER's own tok2vec are mostly these products). OpenBLAS is
  held to one thread: its worker threads spin between the many small products and burn more CPU than they save;
  a process per core scales instead. The limit is process-wide (threadpoolctl), so numpy's other products in a
  process that loaded the pipeline run on one thread too. The transition loops of the parser and NER call BLIS
  from C and keep it.
* The ``attribute_ruler`` (tag -> POS map and exceptions) runs spaCy's general ``Matcher`` over every token,
  ~15 % of the parse. ``FastAttributeRuler`` applies the same patterns through hash lookups, with the ruler's
  own normalised values and its precedence (later patterns win). Models whose patterns use more than it knows
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
            rule = _Rule(order, tokens, index % len(tokens), tuple(sorted(values.items())))
            (rules.single if len(tokens) == 1 else rules.multi).add(rule)
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


class FastAttributeRuler:
    """spaCy's ``AttributeRuler`` for simple patterns (see the module docstring); ``rules`` set after creation."""

    def __init__(self, vocab: Any) -> None:
        self.vocab = vocab
        self.rules: Rules | None = None
        self._regex_memo: dict[tuple[int, int], bool] = {}
        self._memo: dict[tuple[int, ...], list[_Rule]] = {}

    def __call__(self, doc: Doc) -> Doc:
        if self.rules is None:
            raise ValueError("FastAttributeRuler has no rules: build it with use_fast_attribute_ruler(nlp)")
        if not len(doc):
            return doc
        rows = doc.to_array(_COLUMNS).tolist()
        found: dict[int, list[_Rule]] = {}
        if len(self._memo) > _MEMO_SIZE or len(self._regex_memo) > _MEMO_SIZE:  # both grow with the vocabulary
            self._memo.clear()
            self._regex_memo.clear()
        for i, row in enumerate(rows):  # one-token rules: the same (tag, lower, dep, space) gets the same rules
            key = tuple(row)
            hits = self._memo.get(key)
            if hits is None:
                hits = self._memo[key] = [r for r in self.rules.single.candidates(row) if self._matches(r, rows, i)]
            if hits:
                found[i] = list(hits)
        for i, row in enumerate(rows):
            for rule in self.rules.multi.candidates(row):
                if self._matches(rule, rows, i):
                    found.setdefault(i + rule.target, []).append(rule)
        if found:
            self._write(doc, found)
        return doc

    def _matches(self, rule: _Rule, rows: list[list[int]], start: int) -> bool:
        if start + len(rule.tokens) > len(rows):
            return False
        for offset, checks in enumerate(rule.tokens):
            row = rows[start + offset]
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

    def _write(self, doc: Doc, found: dict[int, list[_Rule]]) -> None:
        assert self.rules is not None
        columns = self.rules.columns
        where = {attr: i for i, attr in enumerate(columns)}
        array = doc.to_array(columns)
        if array.ndim == 1:
            array = array.reshape(-1, 1)
        for token, rules in found.items():
            for rule in sorted(rules, key=lambda r: r.order):  # the ruler sorts matches the same way
                for attr, value in rule.attrs:
                    array[token, where[attr]] = value
        doc.from_array(columns, array.astype(np.uint64, copy=False))  # type: ignore[arg-type]


@Language.factory("newsgraph_attribute_ruler")
def make_fast_attribute_ruler(nlp: Language, name: str) -> FastAttributeRuler:
    return FastAttributeRuler(nlp.vocab)


# ------------------------------------------------------------------------------------------- lemmas on demand

def use_lazy_lemmatizer(nlp: Language) -> Language:
    """Swap a rule-mode ``lemmatizer`` for ``LazyLemmatizer`` (others, and one set to overwrite, are kept)."""
    if "lemmatizer" not in nlp.pipe_names:
        return nlp
    lemmatizer: Any = nlp.get_pipe("lemmatizer")
    if getattr(lemmatizer, "mode", None) != "rule" or getattr(lemmatizer, "overwrite", True):
        return nlp
    lemmatizer(Doc(nlp.vocab, words=["checks"], pos=["VERB"]))  # spaCy checks its tables on a first call: here
    key = f"{nlp.meta.get('name', '')}-{id(lemmatizer)}"
    nlp.replace_pipe("lemmatizer", "newsgraph_lazy_lemmatizer", config={"key": key})
    lazy: Any = nlp.get_pipe("lemmatizer")
    lazy.lemmatizer = lemmatizer  # held here; the registry only points to it
    LEMMATIZERS[key] = lemmatizer
    return nlp


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

