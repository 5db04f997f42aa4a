"""Stage ``speakers.v1``: resolve each quote's speaker, as written, to a canonical entity.

``resolve_speaker`` is the whole job and is pure: mention spans in, ``Speaker`` out. A mention is

- a **name** ("Putin", "Russian President Vladimir Putin", "PENCE:"): the entity whose mention holds the
  phrase's head or its apposition, else the entity whose name or surname the head spells;
- a **pronoun**: "he", "she", "they", "it" take the nearest preceding compatible subject, going back sentence
  by sentence (subjects first; mentions inside quotation marks skipped; in the pronoun's own sentence, not a
  name inside its own clause; earlier pronouns resolved in turn); gender counts where honorifics, gendered
  titles or pronoun history show it; "they"/"it" need an organisation or place that acts, and a plural
  noun before them ("the voters") leaves them unknown. "I"/"we" take the speaker of the quotation they sit
  in; "who"/"which" the noun their clause hangs on;
- a **description**: a title ("the Russian president", "the former president") matches a person whose
  title holds its head, modifiers breaking ties; a definite person noun with no title match ("the New York
  businessman") takes a named subject of its own or the previous sentence; an owner plus an organisation
  noun is an ORG: ``"<surname> <noun>"`` for a person's campaign, administration or staff ("Trump
  campaign"), the place itself for a place's government, else the phrase as written ("Israel's military",
  "Tulsa police"). We keep "Israel's military" rather than map it to "Israel Defense Forces": that needs
  world knowledge we cannot check here.

Anything else (plural groups, "officials", "a report", coordinations) stays unknown: ``name=None``.
Speaker types: PERSON, ORG, and GPE for a place that speaks as its government ("Russia", "Kyiv" in
"Kyiv has compared Moscow to Hamas"); the name stays the place's name. A place the gazetteer does not know
("the White House", tagged as a facility) speaks as an ORG.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Any

from newsgraph.model import Article, Entity, Quote, Span, Speaker
from newsgraph.understand.entities import HONORIFICS, TITLE_WORDS
from newsgraph.understand.gazetteer import canonical_place
from newsgraph.understand.lemmas import lemma_of

PRONOUNS = {"he": "m", "him": "m", "his": "m", "she": "f", "her": "f", "they": "p", "them": "p", "their": "p",
            "it": "n", "its": "n", "i": "self", "me": "self", "we": "self", "us": "self", "my": "self",
            "our": "self", "who": "rel", "which": "rel", "that": "rel", "whom": "rel", "whose": "rel"}
TITLE_NOUNS = {"president", "senator", "congressman", "congresswoman", "governor", "secretary", "minister",
               "nominee", "candidate", "chairman", "chairwoman", "spokesman", "spokeswoman", "mayor", "leader",
               "director", "chief", "general", "ambassador", "lawmaker", "attorney", "judge", "speaker"}
PERSON_NOUNS = TITLE_NOUNS | {"businessman", "businesswoman", "billionaire", "mogul", "doctor", "physician",
                              "journalist", "reporter", "writer", "columnist", "economist", "professor",
                              "scholar", "historian", "lawyer", "official", "executive", "founder", "author",
                              "pollster", "strategist", "adviser", "advisor", "aide", "politician", "star",
                              "congressman", "congresswoman", "commissioner", "officer", "surgeon", "host"}
ORG_HEADS = {"Coalition", "Committee", "Center", "Centre", "Council", "Association", "Institute", "Foundation",
             "Agency", "Service", "Services", "Department", "Bureau", "Commission", "University", "Party",
             "Union", "Organization", "Organisation", "Network", "Fund", "Office", "Administration", "Caucus",
             "Board", "Court", "Times", "Post", "Journal", "News", "Press"}
_SAME_TITLE = {"congressman": {"rep", "representative"}, "congresswoman": {"rep", "representative"},
               "senator": {"sen"}, "governor": {"gov"}, "general": {"gen"}}
ORG_NOUNS = {"campaign", "administration", "government", "military", "army", "ministry", "department", "committee",
             "office", "team", "party", "agency", "police", "court", "foundation", "company", "firm", "bank",
             "council", "commission", "embassy", "navy", "forces", "authorities", "regime", "cabinet", "staff",
             "camp"}
_MALE = {"mr", "sir", "king", "prince", "congressman", "chairman", "spokesman", "father", "husband", "son", "he"}
_FEMALE = {"mrs", "ms", "miss", "dame", "queen", "princess", "congresswoman", "chairwoman", "spokeswoman",
           "mother", "wife", "daughter", "she", "first lady"}
_QUOTE_CHARS = re.compile(r"[\"“”]")
_SUBJ = {"nsubj", "nsubjpass"}
PERSON_ORGS = {"campaign", "administration", "team", "staff", "camp", "office", "foundation", "company", "firm",
               "government", "cabinet"}
_GOVERNMENT = {"government", "regime", "authorities", "cabinet"}
_MAX_SENTS_BACK = 6


@dataclass(frozen=True, slots=True)
class Ref:
    name: str
    type: str
    title: str | None = None


def _ref(entity: Entity) -> Ref:
    if entity.type == "PLACE":
        return Ref(entity.name, "GPE" if canonical_place(entity.name) else "ORG")
    return Ref(entity.name, entity.type, entity.title)


def _surname(name: str) -> str:
    return (name.split() or [""])[-1]


def _tokens(doc: Any, span: Span) -> Any:
    return doc.char_span(span[0], span[1], alignment_mode="expand")


def resolve_speaker(mention_spans: list[Span], article: Article, doc: Any, entities: list[Entity]) -> Speaker:
    """The speaker behind ``mention_spans`` (char offsets into ``article.text``); ``name`` stays ``None``
    when it cannot be told."""
    spans = sorted(mention_spans)
    mention = " ".join(article.text[s:e] for s, e in spans) or None
    speaker = Speaker(mention, list(spans))
    if not spans:
        return speaker
    ref = _resolve(spans[0], article, doc, entities)
    if ref is not None:
        speaker.name, speaker.type, speaker.title = ref.name, ref.type, ref.title
    return speaker


def _resolve(span: Span, article: Article, doc: Any, entities: list[Entity]) -> Ref | None:
    toks = _tokens(doc, span)
    while toks is not None and len(toks) > 1 and toks[0].pos_ == "ADP":  # "from the Senate banking committee"
        toks = toks[1:]
    while toks is not None and len(toks) > 1 and (toks[-1].tag_ == "POS" or toks[-1].is_punct):  # "police's"
        toks = toks[:-1]
    if toks is None or len(toks) == 0:
        return None
    words = [t for t in toks if t.lower_ not in {"the", "a", "an"} and not t.is_punct]
    if not words:
        return None
    ctx = _Context.of(article, doc, entities)
    if len(words) == 1 and words[0].lower_ in PRONOUNS:
        return _pronoun(words[0], ctx)
    if any(t.dep_ == "conj" and t.head.i == toks.root.i for t in toks) or toks.root.lower_ in {"and", "or"}:
        return None  # "Mr. Grassley and Mr. Leahy": no single speaker
    return _named(toks, entities) or _description(toks, ctx) or _unknown_name(toks)


def _named(toks: Any, entities: list[Entity]) -> Ref | None:
    """The entity whose mention covers the phrase's head ("Putin" in "Russian President Vladimir Putin"),
    or its apposition ("Another critic, Laurence H. Tribe,"), or whose name the head spells."""
    head = toks.root
    order = {"PERSON": 0, "ORG": 1, "PLACE": 2}
    found = [e for tok in [head, *(c for c in head.children if c.dep_ == "appos" and c.i < toks.end)]
             if (e := entity_at(entities, tok.idx, tok.idx + len(tok.text))) is not None]
    if found:
        return _ref(found[0] if found[0] is entity_at(entities, head.idx, head.idx + len(head.text))
                    else min(found, key=lambda e: order.get(e.type, 3)))
    if head.pos_ == "PROPN" or head.text[:1].isupper():  # "PENCE:" in a transcript, "Sanders:" in a headline
        word = head.text.casefold()
        named = [e for e in entities if word == e.name.casefold() or word in {a.casefold() for a in e.aliases}
                 or (e.type == "PERSON" and _surname(e.name).casefold() == word)]
        if named:
            return _ref(max(named, key=lambda e: len(e.mentions)))
    return None


def _unknown_name(toks: Any) -> Ref | None:
    """A proper name the NER missed ("Latvian journalist Dainis Ivans"): the capitalised run ending in the
    head, a PERSON when a title or honorific stands before it, else an ORG."""
    head, doc = toks.root, toks.doc
    if head.pos_ != "PROPN" or not head.text[:1].isupper() or head.lower_ in PERSON_NOUNS:
        return None
    i = head.i
    linkers = {"and", "of", "for", "&"} if head.text in ORG_HEADS else set()
    while i > toks.start and ((doc[i - 1].pos_ == "PROPN" and doc[i - 1].text[:1].isupper())
                              or (doc[i - 1].lower_ in linkers and i - 1 > toks.start)):
        i -= 1
    if head.text in ORG_HEADS and head.i > i:
        return Ref(str(doc[i:head.i + 1].text), "ORG")
    before = doc[max(toks.start, i - 3):i]
    if not any(t.lower_.rstrip(".") in HONORIFICS | TITLE_WORDS or t.lower_ in PERSON_NOUNS for t in before):
        return None
    return Ref(str(doc[i:head.i + 1].text), "PERSON")


_TYPE_RANK = {"PERSON": 0, "ORG": 1, "PLACE": 2}


def entity_at(entities: list[Entity], start: int, end: int) -> Entity | None:
    """The entity with a mention covering [start, end); people before organisations before places, and the
    first listed of equals."""
    best, best_rank = None, len(_TYPE_RANK) + 1
    for e in entities:
        rank = _TYPE_RANK.get(e.type, len(_TYPE_RANK))
        if rank < best_rank and any(s <= start and end <= t for s, t in e.mentions):
            best, best_rank = e, rank
            if rank == 0:
                break
    return best


def quote_regions(text: str, paragraphs: list[Span]) -> list[Span]:
    """The spans between quotation marks, paragraph by paragraph; an unclosed quotation runs to the end."""
    regions: list[Span] = []
    for p_start, p_end in paragraphs or [(0, len(text))]:
        opened: int | None = None
        for m in _QUOTE_CHARS.finditer(text, p_start, p_end):
            ch = m.group()
            if opened is None and ch != "”":
                opened = m.start()
            elif opened is not None and ch != "“":
                regions.append((opened, m.end()))
                opened = None
        if opened is not None:
            regions.append((opened, p_end))
    return regions


def inside_quotes(regions: list[Span], pos: int) -> Span | None:
    return next((r for r in regions if r[0] <= pos < r[1]), None)


@dataclass(slots=True)
class _Context:
    """What resolution needs about one article, computed once per call; ``memo`` holds resolved pronouns."""

    article: Article
    doc: Any
    entities: list[Entity]
    regions: list[Span] = field(default_factory=list)
    genders: dict[str, str] = field(default_factory=dict)
    seen: set[int] = field(default_factory=set)
    memo: dict[int, Ref | None] = field(default_factory=dict)
    sents: list[Any] = field(default_factory=list)

    @classmethod
    def of(cls, article: Article, doc: Any, entities: list[Entity]) -> _Context:
        """One context per (article, doc, entities), kept on the Doc: many mentions share the work."""
        key = ("newsgraph.speakers", id(article), id(entities), len(entities))
        cached = doc.user_data.get(key)
        if isinstance(cached, cls) and cached.article is article and cached.entities is entities:
            cached.seen = set()
            return cached
        paras = [(p.start, p.end) for p in article.paragraphs]
        ctx = cls(article, doc, entities, quote_regions(article.text, paras), sents=list(doc.sents))
        ctx.genders = {e.key: gender_of(e, doc, entities, ctx.regions) for e in entities if e.type == "PERSON"}
        doc.user_data[key] = ctx
        return ctx


def _gender_word(word: str) -> str:
    return "m" if word in _MALE else "f" if word in _FEMALE else ""


def gender_of(entity: Entity, doc: Any, entities: list[Entity], regions: list[Span]) -> str:
    """"m", "f" or "" from honorifics and gendered titles, then from the first he/she after the name where
    the name is a subject, within its sentence and the next, when no other person is named in between."""
    votes = {"m": 0, "f": 0, "": 0}
    for word in (entity.title or "").lower().replace("-", " ").split():
        votes[_gender_word(word)] += 3
    starts = sorted(s for e in entities if e.type == "PERSON" for s, _ in e.mentions)
    for start, end in entity.mentions:
        span = doc.char_span(start, end, alignment_mode="expand")
        if span is None:
            continue
        if span.start > 0:
            votes[_gender_word(doc[span.start - 1].lower_.rstrip("."))] += 3
        if span.root.dep_ not in _SUBJ or inside_quotes(regions, start):
            continue
        # the next person named after this mention; none: the scan runs to the sentence limit (no Doc.text,
        # which spaCy rebuilds from every token on each access)
        after = bisect_right(starts, start)
        nxt = starts[after] if after < len(starts) else None
        limit = span.sent.end if span.sent.end >= len(doc) else doc[span.sent.end].sent.end
        for tok in doc[span.end:limit]:
            if nxt is not None and tok.idx >= nxt:
                break
            if tok.lower_ in {"he", "his", "she"} and inside_quotes(regions, tok.idx) is None:
                votes["m" if tok.lower_ in {"he", "his"} else "f"] += 1
                break
    if votes["m"] == votes["f"]:
        return ""
    return "m" if votes["m"] > votes["f"] else "f"


@dataclass(frozen=True, slots=True)
class _Cand:
    start: int
    subject: bool
    agrees: frozenset[str]
    ref: Ref | None = None  # None and no token: a noun that blocks ("the voters" before "they")
    token: Any = None  # a pronoun or title noun, resolved only when reached


def _is_subject(tok: Any) -> bool:
    """A subject, or the possessor of one ("Mr. Obama's bet is ...")."""
    return bool(tok.dep_ in _SUBJ or (tok.dep_ == "poss" and tok.head.dep_ in _SUBJ))


def _entity_cands(ctx: _Context, sent: Any, before: int, bound: set[int]) -> list[_Cand]:
    out: list[_Cand] = []
    for e in ctx.entities:
        for s, t in e.mentions:
            if not (sent.start_char <= s < min(sent.end_char, before)) or inside_quotes(ctx.regions, s):
                continue
            span = ctx.doc.char_span(s, t, alignment_mode="expand")
            if span is None or span.root.i in bound:
                continue
            if e.type == "PERSON":
                g = ctx.genders.get(e.key, "")
                agrees = frozenset({g}) if g else frozenset({"m", "f"})
            elif _is_subject(span.root):
                agrees = frozenset({"p", "n"}) if e.type == "ORG" else frozenset({"n"})
            else:  # "they" and "it" stand for organisations and places that act, not ones acted upon
                continue
            out.append(_Cand(s, _is_subject(span.root), agrees, _ref(e)))
    return out


def _token_cands(ctx: _Context, sent: Any, before: int, bound: set[int]) -> list[_Cand]:
    """Pronouns (resolved in turn), title nouns ("the president") and plain nouns that block."""
    out: list[_Cand] = []
    for tok in sent:
        if tok.idx >= before or tok.i in bound or inside_quotes(ctx.regions, tok.idx) is not None:
            continue
        if not _is_subject(tok) or entity_at(ctx.entities, tok.idx, tok.idx + len(tok.text)) is not None:
            continue
        kind = PRONOUNS.get(tok.lower_)
        if kind in {"m", "f", "p", "n"} and tok.pos_ == "PRON":
            out.append(_Cand(tok.idx, True, frozenset({kind or ""}), token=tok))
        elif tok.pos_ == "NOUN" and lemma_of(tok).lower() in TITLE_NOUNS and tok.tag_ == "NN":
            out.append(_Cand(tok.idx, True, frozenset({"m", "f"}), token=tok))
        elif tok.pos_ == "PROPN" and tok.text in ORG_HEADS:
            out.append(_Cand(tok.idx, True, frozenset({"p", "n"}), token=tok))
        elif tok.pos_ == "NOUN":
            plural = tok.tag_ in {"NNS", "NNPS"} or lemma_of(tok).lower() in ORG_NOUNS
            out.append(_Cand(tok.idx, True, frozenset({"p"} if plural else {"n"}), token=tok))
    return out


def _cand_ref(cand: _Cand, ctx: _Context) -> Ref | None:
    if cand.ref is not None or cand.token is None:
        return cand.ref
    return _token_ref(cand.token, ctx)


def _pronoun(tok: Any, ctx: _Context) -> Ref | None:
    if tok.i in ctx.memo:
        return ctx.memo[tok.i]
    ctx.memo[tok.i] = None  # a cycle resolves to unknown
    kind = PRONOUNS[tok.lower_]
    if kind == "self":
        ref = _quotation_speaker(tok.idx, ctx)
    elif kind == "rel":
        ref = _relative(tok, ctx)
    else:
        ref = _antecedent(tok, kind, ctx)
    ctx.memo[tok.i] = ref
    return ref


def _antecedent(tok: Any, kind: str, ctx: _Context, persons_only: bool = False) -> Ref | None:
    """The first compatible candidate, sentence by sentence back from the pronoun; in its own sentence, not
    a name inside the pronoun's own clause ("Campaigning against Romney, he ...": not Romney)."""
    sents = ctx.sents
    here = next(i for i, s in enumerate(sents) if s.start <= tok.i < s.end)
    bound = {t.i for t in tok.head.subtree} if tok.dep_ in _SUBJ else {tok.i}
    for i in range(here, max(-1, here - (2 if persons_only else _MAX_SENTS_BACK)), -1):
        cands = _entity_cands(ctx, sents[i], tok.idx, bound) + _token_cands(ctx, sents[i], tok.idx, bound)
        if persons_only:  # a definite description ("the New York businessman"): a named subject nearby
            cands = [c for c in cands if c.subject and (c.ref is None or c.ref.type == "PERSON")]
        for cand in sorted(cands, key=lambda c: (not c.subject, c.start)):
            if kind not in cand.agrees:
                continue
            ref = _cand_ref(cand, ctx)
            if ref is not None or cand.token is None:
                return ref
            if cand.token.pos_ == "NOUN" and lemma_of(cand.token).lower() not in PERSON_NOUNS:
                return None  # "the voters ... they": a group we cannot name
        bound = set()
    return None


def _relative(tok: Any, ctx: _Context) -> Ref | None:
    """ "Mr. Kamin, who emphasized ...": the noun the relative clause hangs on."""
    if tok.head.dep_ == "relcl":
        return _token_ref(tok.head.head, ctx)
    for prev in reversed(tok.sent[:tok.i - tok.sent.start]):
        if prev.pos_ in {"NOUN", "PROPN"}:
            return _token_ref(prev, ctx)
    return None


def _quotation_speaker(pos: int, ctx: _Context) -> Ref | None:
    """The speaker of the quotation holding ``pos``: "I" and "we" speak for whoever is quoted."""
    for q in ctx.article.quotes:
        if q.speaker.name and any(s <= pos < e for s, e in q.spans):
            return Ref(q.speaker.name, q.speaker.type or "PERSON", q.speaker.title)
    region = inside_quotes(ctx.regions, pos)
    para = next((p for p in ctx.article.paragraphs if p.start <= pos < p.end), None)
    if region is None or para is None or region[0] in ctx.seen:
        return None
    ctx.seen.add(region[0])
    after = [t for t in ctx.doc.char_span(region[1], para.end, alignment_mode="contract") or []
             if inside_quotes(ctx.regions, t.idx) is None and t.dep_ in _SUBJ]
    before = [t for t in ctx.doc.char_span(para.start, region[0], alignment_mode="contract") or []
              if inside_quotes(ctx.regions, t.idx) is None and t.dep_ in _SUBJ]
    for tok in after + before[::-1]:
        ref = _token_ref(tok, ctx)
        if ref is not None:
            return ref
    if region[0] == para.start:  # a paragraph that opens with a quotation continues the previous speaker
        prev = [r for r in ctx.regions if r[1] <= para.start]
        if prev:
            return _quotation_speaker(prev[-1][0], ctx)
    return None


def _token_ref(tok: Any, ctx: _Context) -> Ref | None:
    if tok.lower_ in PRONOUNS and tok.pos_ == "PRON":
        return _pronoun(tok, ctx)
    entity = entity_at(ctx.entities, tok.idx, tok.idx + len(tok.text))
    if entity is not None:
        return _ref(entity)
    if tok.pos_ not in {"NOUN", "PROPN"}:
        return None
    phrase = ctx.doc[tok.left_edge.i:tok.i + 1]
    return _description(phrase, ctx) or _unknown_name(phrase)


def _owner_name(head: Any, toks: Any, ctx: _Context) -> Ref | None:
    """ "Trump campaign" / "Israel's military" / "Israeli military" for an organisation noun and its owner;
    a place's government is the place itself."""
    for tok in toks:
        if tok.i >= head.i:
            break
        if tok.tag_ == "PRP$" and tok.lower_ in PRONOUNS:  # "her campaign": whose?
            owner = _pronoun(tok, ctx)
            ok = owner is not None and owner.type == "PERSON" and head.lower_ in PERSON_ORGS
            return Ref(f"{_surname(owner.name)} {head.lower_}", "ORG") if owner and ok else None
        entity = entity_at(ctx.entities, tok.idx, tok.idx + len(tok.text))
        if entity is not None and entity.type == "PERSON":  # a person owns a campaign, not a bank
            ok = head.lower_ in PERSON_ORGS
            return Ref(f"{_surname(entity.name)} {head.lower_}", "ORG") if ok else None
        if entity is not None and entity.type == "PLACE" and head.lower_ in _GOVERNMENT:
            return _ref(entity)
        if entity is not None or tok.ent_type_ == "NORP":  # as written: "Israel's military", "Tulsa police"
            return Ref(str(toks.doc[tok.i:head.i + 1].text), "ORG")
    return None


def _description(toks: Any, ctx: _Context) -> Ref | None:
    head = toks.root
    lemma = lemma_of(head).lower()
    apposed = _apposed_person(toks, ctx)
    if apposed is not None:
        return apposed
    if head.tag_ in {"NNS", "NNPS"} and lemma not in ORG_NOUNS:
        return None
    definite = toks[0].lower_ in {"the", "this"} or (toks.start > 0 and toks.doc[toks.start - 1].lower_ == "the")
    if lemma in ORG_NOUNS or head.lower_ in ORG_NOUNS:
        ref = _owner_name(head, toks, ctx)
        return _earlier_owner(head, ctx) if ref is None and definite else ref
    if not definite or (head.tag_ != "NN" and head.pos_ != "PROPN"):
        return None
    ref = _by_title(toks, head, ctx)
    if ref is None and lemma in PERSON_NOUNS:
        ref = _antecedent(head, "m", ctx, persons_only=True) or _antecedent(head, "f", ctx, persons_only=True)
    return ref


def _earlier_owner(head: Any, ctx: _Context) -> Ref | None:
    """For a bare "the campaign": the owner of the last "<owner> campaign" written before it."""
    for tok in reversed(ctx.doc[:head.i]):
        if lemma_of(tok).lower() == lemma_of(head).lower() and tok.i != head.i:
            ref = _owner_name(tok, ctx.doc[tok.left_edge.i:tok.i + 1], ctx)
            if ref is not None:
                return ref
    return None


def _apposed_person(toks: Any, ctx: _Context) -> Ref | None:
    """ "Brian Fallon, a Clinton spokesman" or "a spokesman, Brian Fallon": the name beside it, past a comma."""
    head = toks.root
    near = [c for c in head.children if c.dep_ == "appos"] + ([head.head] if head.dep_ == "appos" else [])
    for tok in near:
        entity = entity_at(ctx.entities, tok.idx, tok.idx + len(tok.text))
        if entity is not None and entity.type == "PERSON":
            return _ref(entity)
    return None


def _by_title(toks: Any, head: Any, ctx: _Context) -> Ref | None:
    """A person whose title holds the head ("the president"), preferring one whose title also holds the
    modifiers ("the former president"); the latest named before the mention wins a tie."""
    heads = {head.lower_} | _SAME_TITLE.get(head.lower_, set())
    mods = {t.lower_.rstrip(".") for t in toks if t.i != head.i and t.pos_ in {"NOUN", "PROPN", "ADJ"}}
    best: tuple[int, int, Entity] | None = None
    for e in ctx.entities:
        if e.type != "PERSON" or not e.title:
            continue
        title = {w.rstrip(".,") for w in e.title.lower().replace("-", " ").split()}
        if not heads & title:
            continue
        before = [s for s, _ in e.mentions if s < toks.start_char]
        rank = (len(mods & title), max(before) if before else -e.mentions[0][0] - len(ctx.article.text))
        if mods - title and not mods & title and len(mods) > 1:
            continue
        if best is None or rank > best[:2]:
            best = (*rank, e)
    return _ref(best[2]) if best else None


def _continues(prev: Quote, quote: Quote, article: Article) -> bool:
    """A quotation paragraph with no attribution of its own, right after the previous quote's paragraph."""
    if quote.speaker.spans or not prev.spans or not quote.spans or not prev.speaker.name:
        return False
    para = next((i for i, p in enumerate(article.paragraphs) if p.start <= quote.spans[0][0] < p.end), None)
    prev_para = next((i for i, p in enumerate(article.paragraphs) if p.start <= prev.spans[-1][0] < p.end), None)
    return para is not None and prev_para is not None and para - prev_para == 1


class SpeakersStage:
    name = "speakers.v1"
    requires: tuple[str, ...] = ("quotes", "entities")
    assigns: tuple[str, ...] = ("quotes.speaker",)

    def __call__(self, article: Article, doc: Any) -> Article:
        prev: Quote | None = None
        for quote in article.quotes:
            resolved = resolve_speaker(quote.speaker.spans, article, doc, article.entities)
            quote.speaker.name, quote.speaker.type, quote.speaker.title = resolved.name, resolved.type, resolved.title
            if prev is not None and _continues(prev, quote, article):
                quote.speaker.name, quote.speaker.type = prev.speaker.name, prev.speaker.type
                quote.speaker.title = prev.speaker.title
            prev = quote
        for key in [k for k in doc.user_data if isinstance(k, tuple) and k[:1] == ("newsgraph.speakers",)]:
            del doc.user_data[key]  # the Doc may be serialised later; the cache is ours alone
        return article


