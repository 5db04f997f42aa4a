"""The tokens of a parsed doc whose attributes take given values, found in the doc's arrays of ids: looping over
``doc`` makes a Python ``Token`` of every word and reads each attribute through it, which costs more than the
few tokens the stages want (cue verbs, known surnames)."""

from __future__ import annotations

from typing import Any


def tokens_where(doc: Any, **values: list[str]) -> list[Any]:
    """The tokens, in order, whose attribute equals one of its listed strings for any of the attributes given
    (spaCy attribute names: ``ORTH`` the text, ``LOWER``, ``POS``)."""
    import numpy as np  # here, not at import: the CLI imports the stages without parsing anything
    from spacy import attrs

    names = sorted(values)
    if not names or not any(values.values()):
        return []
    table = doc.to_array([getattr(attrs, name) for name in names]).reshape(len(doc), len(names))
    keep = np.zeros(len(doc), dtype=bool)
    for column, name in enumerate(names):
        ids = np.fromiter((_id(doc, name, v) for v in values[name]), dtype=np.uint64, count=len(values[name]))
        keep |= np.isin(table[:, column], ids)
    return [doc[int(i)] for i in np.flatnonzero(keep)]


def _id(doc: Any, attr: str, value: str) -> int:
    if attr == "POS":  # parts of speech are symbols, not hashed strings
        from spacy.parts_of_speech import IDS

        return int(IDS[value])
    return int(doc.vocab.strings[value])
