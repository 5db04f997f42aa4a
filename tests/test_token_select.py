"""``tokens_where`` finds the same tokens as a loop over the doc reading each attribute."""

from __future__ import annotations

import spacy

from newsgraph.understand.token_select import tokens_where

TAGS = ["PROPN", "VERB", "PUNCT", "VERB", "ADP", "PROPN", "PUNCT", "SCONJ", "PROPN", "AUX", "VERB", "PUNCT",
        "PROPN", "NOUN"]


def _doc() -> spacy.tokens.Doc:
    doc = spacy.blank("en")("Putin said , according to Peskov , that Putin had spoken . PUTIN putin")
    for tok, pos in zip(doc, TAGS, strict=True):
        tok.pos_ = pos
    return doc


def test_same_tokens_as_a_loop_over_the_doc() -> None:
    doc = _doc()
    cues = tokens_where(doc, POS=["VERB", "AUX"], LOWER=["according"])
    assert [t.i for t in cues] == [t.i for t in doc if t.pos_ in ("VERB", "AUX") or t.lower_ == "according"]
    assert [t.text for t in cues] == ["said", "according", "had", "spoken"]
    names = tokens_where(doc, ORTH=["Putin", "Peskov", "Kremlin"])
    assert [t.i for t in names] == [0, 5, 8]  # the exact text: not "PUTIN" or "putin"


def test_nothing_asked_or_nothing_there() -> None:
    doc = _doc()
    assert tokens_where(doc, ORTH=[]) == []
    assert tokens_where(doc) == []
    assert tokens_where(doc, ORTH=["Zelensky"]) == []
    assert tokens_where(spacy.blank("en")(""), LOWER=["said"]) == []
