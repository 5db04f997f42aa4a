"""Reading one attribution off the dependency parse: from a cue token to its speaker and its content.

Works on spaCy ``Token`` objects of a parsed ``Doc`` (tagger + parser + NER). Every function returns character
ranges into the document text, so the caller can mix them with quotation-mark regions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from newsgraph.understand.lemmas import lemma_of
from newsgraph.understand.quote_cues import (
    BELIEF,
    CALL_PREPS,
    CLAUSE_MARKERS,
    NO_XCOMP,
    OBJECT_CONTENT,
    PREP_CUES,
    SPEECH,
    words,
)

Token = Any  # spacy.tokens.Token; spaCy ships no type stubs mypy can use here
CharRange = tuple[int, int]

_SPEAKER_DEPS = frozenset({"nsubj", "nsubjpass"})
_NOT_SPEAKER = frozenset({"relcl", "acl", "advcl", "parataxis", "punct", "ccomp", "dep"})
_CLIMB = frozenset({"conj", "advcl", "xcomp"})
_NOT_CONTENT = frozenset({"punct", "advcl", "conj", "cc", "mark", "npadvmod", "nsubj", "nsubjpass", "aux",
                          "auxpass", "neg", "advmod", "dative", "parataxis", "agent", "expl"})
_SAID_OBJECTS = frozenset({"dobj", "xcomp", "attr", "oprd", "ccomp"})
_MESSAGES = words("""statement letter release tweet message post ad advertisement video report memo email interview
note filing op-ed editorial column speech""")
_TIME_ENTS = frozenset({"DATE", "TIME"})
_RELATIVE = frozenset({"who", "that", "which", "whom"})


@dataclass(slots=True)
class Found:
    """One attribution read off the parse, before quotation marks are reconciled."""

    cue: list[Token]
    speaker: CharRange | None
    content: list[CharRange] = field(default_factory=list)
    speaker_head: Token | None = None


def _cue_prep(verb: Token) -> Token | None:
    preps = PREP_CUES.get(lemma_of(verb).lower(), frozenset())
    return next((c for c in verb.rights if c.dep_ == "prep" and c.lower_ in preps), None)


def is_cue_verb(tok: Token) -> bool:
    if tok.pos_ not in ("VERB", "AUX"):  # first: most tokens are not verbs, and their lemma need not be read
        return False
    lemma = lemma_of(tok).lower()
    if lemma in PREP_CUES and _cue_prep(tok) is not None:
        return True
    if not (lemma in SPEECH or lemma in BELIEF):
        return False
    if lemma == "call":  # "called for ...", "called on X to ...", "called the charges "unsubstantiated""
        deps = {c.dep_ for c in tok.children}
        return any(c.dep_ == "prep" and c.lower_ in CALL_PREPS and not _is_time_prep(c) for c in tok.children) \
            or ("dobj" in deps and bool(deps & {"oprd", "ccomp", "xcomp"})) or "oprd" in deps
    return True


def _is_time_prep(prep: Token) -> bool:
    return any(c.dep_ == "pobj" and c.ent_type_ in _TIME_ENTS for c in prep.children)


def _nothing_quoted(pos: int) -> bool:
    return False


def subject_of(verb: Token, quoted: Callable[[int], bool] = _nothing_quoted) -> Token | None:
    """The speaker's head token: the verb's subject, or the subject of the verb it hangs from
    ("Putin said, adding that ..." / "Putin called ... and cautioned ...")."""
    tok = verb
    for _ in range(4):
        for child in tok.children:
            if child.dep_ == "agent":
                return next((c for c in child.children if c.dep_ == "pobj"), None)
        for child in tok.children:
            if child.dep_ in _SPEAKER_DEPS and not quoted(child.idx):
                if child.dep_ == "nsubjpass":
                    return None  # "X was told ...": X is not the speaker, and no agent was given
                if child.dep_ == "nsubj" and child.lower_ == "it" and lemma_of(tok) in ("be",):
                    return None
                return None if child.ent_type_ in _TIME_ENTS else child
        if tok.dep_ in _CLIMB and tok.head is not tok:
            tok = tok.head
            continue
        if tok.dep_ == "acl" and tok.head is not tok:  # "Trump, speaking ...", not "a box labeled ..."
            noun = tok.head
            if noun.pos_ in ("PROPN", "PRON"):
                return noun
            if lemma_of(noun).lower() in _MESSAGES:  # "his office put out a statement saying ...": the office
                if noun.head.pos_ == "VERB" and noun.dep_ in ("dobj", "pobj") and noun.head is not noun:
                    tok = noun.head
                    continue
                return noun
            return None
        return None
    return None


def speaker_range(head: Token) -> CharRange:
    """The speaker as written: the noun phrase around ``head``, without relative clauses and asides."""
    keep: list[Token] = [head]
    for child in head.children:
        if child.dep_ in _NOT_SPEAKER:
            continue
        sub = list(child.subtree)
        if child.dep_ == "appos" and len(sub) > 8:
            continue
        keep.extend(sub)
    kept = {t.i for t in keep}
    lo = hi = head.i  # the contiguous run around the head: a clause the parser left attached breaks it,
    doc = head.doc  # and so does a paragraph break
    while lo - 1 in kept and "\n" not in doc[lo - 1].text:
        lo -= 1
    while hi + 1 in kept and "\n" not in doc[hi + 1].text:
        hi += 1
    toks = [head.doc[i] for i in range(lo, hi + 1)]
    while toks and toks[-1].is_punct and toks[-1] is not head:
        toks.pop()
    while toks and (toks[0].is_punct or toks[0].lower_ in ("and", "but")) and toks[0] is not head:
        toks.pop(0)
    return toks[0].idx, toks[-1].idx + len(toks[-1].text)


def _range(tokens: Iterable[Token]) -> CharRange | None:
    toks = sorted(tokens, key=lambda t: t.i)
    while toks and (toks[0].is_punct or toks[0].is_space or toks[0].lower_ in CLAUSE_MARKERS) and \
            toks[0].text not in "\"“‘'«":
        toks.pop(0)
    while toks and (toks[-1].is_space or (toks[-1].is_punct and toks[-1].text in ",;:—-")):
        toks.pop()
    if not toks:
        return None
    return toks[0].idx, toks[-1].idx + len(toks[-1].text)


def clause_content(verb: Token) -> CharRange | None:
    """Content carried by a clause: "said (that) CLAUSE", "told X that CLAUSE", "urged X to ..."."""
    lemma = lemma_of(verb).lower()
    for child in verb.children:
        if child.dep_ == "ccomp" and child.i > verb.i:
            return _range(child.subtree)
    for child in verb.children:
        if child.dep_ == "ccomp":
            return _range(child.subtree)
    if lemma != "say" and lemma not in NO_XCOMP:
        for child in verb.children:
            if child.dep_ == "xcomp" and child.i > verb.i:
                return _range(child.subtree)
    return None


def object_content(verb: Token, any_verb: bool = False) -> CharRange | None:
    """Content carried by objects: "blamed X for Y", "called for Y", "compared X to Y"."""
    if lemma_of(verb).lower() not in OBJECT_CONTENT and not any_verb:
        return None
    toks: list[Token] = []
    for child in verb.rights:
        infinitive = child.dep_ == "advcl" and any(c.dep_ == "aux" and c.lower_ == "to" for c in child.children)
        if (child.dep_ in _NOT_CONTENT and not infinitive) or (child.dep_ == "prep" and _is_time_prep(child)):
            continue
        toks.extend(child.subtree)
    return _range(toks) if toks else None


def said_objects(verb: Token) -> CharRange | None:
    """"said many of the examples ... failed": the parser took the clause's subject for an object."""
    toks = [t for c in verb.rights if c.dep_ in _SAID_OBJECTS for t in c.subtree]
    return _range(toks) if len(toks) >= 3 else None


def inverted_content(verb: Token) -> CharRange | None:
    """"CLAUSE, X said": the parser may hang "said" from the clause instead of the other way round."""
    head = verb.head
    if head is verb or head.i > verb.i or verb.dep_ not in ("parataxis", "ccomp", "conj", "advcl", "dep"):
        return None
    if head.pos_ not in ("VERB", "AUX"):
        return None
    own = {t.i for t in verb.subtree}
    toks = [t for t in head.subtree if t.i not in own and t.i < verb.i]
    if toks and toks[-1].i < verb.i and any(t.text in ",—" for t in verb.doc[toks[-1].i:verb.i]):
        return _range(toks)
    if toks and toks[-1].is_punct:
        return _range(toks)
    return None


def read_cue(verb: Token, quoted: Callable[[int], bool] = _nothing_quoted) -> Found | None:
    """The attribution hanging from one cue verb, or None when the verb carries none. ``quoted`` says whether a
    character offset lies inside quotation marks (a subject there is part of the quote, not the speaker)."""
    if not is_cue_verb(verb):
        return None
    head = subject_of(verb, quoted)
    lemma = lemma_of(verb).lower()
    content = clause_content(verb)
    prep = _cue_prep(verb) if lemma in PREP_CUES else None
    if content is None and prep is not None:
        content = _range(t for c in prep.children for t in c.subtree)
    if content is None and lemma in OBJECT_CONTENT:
        content = object_content(verb)
    if content is None and lemma in SPEECH:
        content = inverted_content(verb)
    if content is None and lemma in SPEECH:
        content = said_objects(verb)
    if content is None and lemma in BELIEF and lemma not in SPEECH:
        return None
    if head is None or head.lower_ == "what" or (head.lower_ == "it" and lemma in BELIEF and lemma not in SPEECH):
        return None  # agentless ("was told", "is expected") or no one ("it seems", "what appeared")
    cue = [verb] + [c for c in verb.children if c.dep_ in ("prt",) or c is prep or
                    (lemma == "call" and c.dep_ == "prep" and c.lower_ in CALL_PREPS and not _is_time_prep(c))]
    speaker = speaker_range(head) if head is not None else None
    return Found(cue=cue, speaker=speaker, content=[content] if content else [], speaker_head=head)


def read_according_to(tok: Token) -> Found | None:
    """"according to X, CLAUSE" and "CLAUSE, according to X"."""
    if tok.lower_ != "according":
        return None
    to = next((c for c in tok.children if c.lower_ == "to"), None)
    if to is None:
        return None
    pobj = next((c for c in to.children if c.dep_ == "pobj"), None)
    if pobj is None:
        return None
    own = {t.i for t in tok.subtree}
    base = tok.head if tok.head is not tok else tok
    sent = base.sent if base.pos_ not in ("VERB", "AUX") else None
    pool = sent if sent is not None else base.subtree
    toks = [t for t in pool if t.i not in own]
    content = _range(toks)
    return Found(cue=[tok, to], speaker=speaker_range(pobj), content=[content] if content else [],
                 speaker_head=pobj)


def read_governor(first: Token, quoted: Callable[[int], bool]) -> Found | None:
    """A quoted fragment inside narrative belongs to the subject of the verb governing it: "condemned the test
    as "provocative"", "called Clinton a "champion"" (the corpus attributes these to that subject)."""
    tok = first
    for _ in range(8):
        if tok.head is tok:
            return None
        tok = tok.head
        if tok.pos_ in ("VERB", "AUX") and not quoted(tok.idx):
            break
    else:
        return None
    if tok.pos_ != "VERB" or lemma_of(tok) in ("be", "have", "become", "seem") or tok.i > first.i:
        return None  # a copula's subject ("X was "disgusting"") is what is talked about, not who talks
    head = subject_of(tok, quoted)
    if head is None or head.i > tok.i:
        return None
    content = object_content(tok, any_verb=True)
    return Found(cue=[tok], speaker=speaker_range(head), content=[content] if content else [], speaker_head=head)
