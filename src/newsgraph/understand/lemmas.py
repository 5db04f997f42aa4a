"""Lemmas read on demand. ``spacy_speed.use_lazy_lemmatizer`` takes the rule-based lemmatizer out of the
pipeline's run (it lemmatized every token; newsgraph reads the lemmas of few) and ``lemma_of`` asks it for a
token's lemma when the token is read. No spaCy import here: the language stages import this at start-up."""

from __future__ import annotations

import weakref
from typing import Any

LEMMATIZER_KEY = "newsgraph.lemmatizer"  # Doc.user_data: the key of the lazy lemmatizer that made the doc
LEMMATIZERS: weakref.WeakValueDictionary[str, Any] = weakref.WeakValueDictionary()  # key -> spaCy Lemmatizer
# (lemmatizer key, orth, POS, morphology) -> lemma. The rule lemmatizer's answer depends on these alone, but its
# own cache skips the words it returns early (base forms: "say", singular nouns; proper nouns), most of those read.
_LEMMAS: dict[tuple[str, int, int, int], str] = {}
_LEMMAS_SIZE = 200_000  # then it starts afresh


def lemma_of(tok: Any) -> str:
    """``tok.lemma_``. On a doc a lazy lemmatizer made, the lemmatizer's lemma is made on first reading and kept
    on the token, as the lemmatizer would have set it (a lemma already set, by the attribute ruler's exceptions,
    is kept, as the lemmatizer keeps it)."""
    if tok.lemma == 0:
        key = tok.doc.user_data.get(LEMMATIZER_KEY, "")
        lemmatizer = LEMMATIZERS.get(key)
        if lemmatizer is not None:
            known = (key, tok.orth, tok.pos, tok.morph.key)
            lemma = _LEMMAS.get(known)
            if lemma is None:
                if len(_LEMMAS) > _LEMMAS_SIZE:
                    _LEMMAS.clear()
                lemma = _LEMMAS[known] = lemmatizer.lemmatize(tok)[0]
            tok.lemma_ = lemma
    return str(tok.lemma_)
