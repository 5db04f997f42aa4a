"""Stage ``entities.v1``: people, organisations and places named in an article, merged article-wide.

spaCy's NER gives the mentions; this module cleans them (titles and possessives off, "Kyiv" tagged PERSON
turned back into a place), merges the forms of one name ("Putin" joins "Vladimir Putin", "IDF" joins
"Israel Defense Forces", "U.S." joins "the United States"), reads a person's title from the words written
before the name ("Russian President Vladimir Putin") or from an appositive ("Brian Fallon, a Clinton
spokesman,"), and gives each entity a corpus key ("person:vladimir-putin", "place:gaza-city") that stays
the same across articles. Places are named through the GeoNames gazetteer where it knows them.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from newsgraph.model import Article, Entity, Span
from newsgraph.understand.gazetteer import canonical_place
from newsgraph.understand.token_select import tokens_where

_TYPES = {"PERSON": "PERSON", "ORG": "ORG", "GPE": "PLACE", "LOC": "PLACE", "FAC": "PLACE"}
HONORIFICS = {"mr", "mrs", "ms", "miss", "dr", "sir", "dame", "mx"}
TITLE_WORDS = {
    "president", "vice", "prime", "minister", "secretary", "senator", "sen", "rep", "representative", "gov",
    "governor", "mayor", "general", "gen", "chancellor", "king", "queen", "prince", "princess", "chairman",
    "chairwoman", "chair", "ceo", "chief", "director", "spokesman", "spokeswoman", "spokesperson", "leader",
    "speaker", "judge", "justice", "attorney", "ambassador", "commander", "colonel", "col", "lt", "sgt",
    "congressman", "congresswoman", "candidate", "nominee", "foreign", "defense", "defence", "state",
    "former", "then", "deputy", "acting", "democratic", "republican", "u.s.", "us", "house", "senate",
    "majority", "minority", "whip", "executive", "pope", "sheikh", "emir", "premier", "lawmaker", "adviser",
    "advisor", "aide", "manager", "campaign", "presidential", "gop", "democrat", "independent", "party",
    "general's", "first", "lady", "white", "national", "security", "press", "counsel", "officer", "head",
    "rev", "reverend", "founder", "co-founder", "economist", "analyst", "professor", "prof", "author",
}
_NOT_ORGS = {"GMT", "UTC", "EST", "EDT", "CST", "CDT", "PST", "PDT", "BST", "CET", "ET", "PT"}
_DASHES = re.compile(r"[^a-z0-9]+")


@dataclass(slots=True)
class _Group:
    type: str
    name: str
    forms: list[str] = field(default_factory=list)
    mentions: list[Span] = field(default_factory=list)
    title: str | None = None


def slug(text: str) -> str:
    """ASCII, lower case, words joined by ``-``: the stable part of a corpus key."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _DASHES.sub("-", ascii_text.lower()).strip("-")


def entity_key(type_: str, name: str) -> str:
    return f"{type_.lower()}:{slug(name)}"


def _clean_span(doc: Any, start: int, end: int, label: str) -> tuple[int, int] | None:
    """Token bounds without a leading "the", a trailing possessive, or (for people) honorifics and titles."""
    while start < end and (doc[start].lower_ in {"the", "a", "an"} or doc[start].is_punct):
        start += 1
    while end > start and (doc[end - 1].lower_ in {"'s", "'", "’s", "’"} or (doc[end - 1].is_punct
                           and doc[end - 1].text not in {"."})):
        end -= 1
    if label == "PERSON":
        while end - start > 1 and doc[start].lower_.rstrip(".") in HONORIFICS | TITLE_WORDS:
            start += 1
    else:  # "federal Securities and Exchange Commission"
        while end - start > 1 and doc[start].is_lower and doc[start].is_alpha:
            start += 1
    return (start, end) if end > start else None


def _looks_like_place(name: str, persons: set[str]) -> bool:
    """A one-word PERSON that is a large city or a country, and never the surname of a full name here."""
    if " " in name or name in persons:
        return False
    return canonical_place(name, min_population=1_000_000) is not None


Mention = tuple[str, str, int, int]  # type, text, start_char, end_char


def _raw_mentions(doc: Any) -> list[tuple[str, int, int]]:
    raw: list[tuple[str, int, int]] = []
    for ent in doc.ents:
        if ent.label_ not in _TYPES or ent.text.upper() in _NOT_ORGS:
            continue
        bounds = _clean_span(doc, ent.start, ent.end, ent.label_)
        if bounds is not None and doc[bounds[0]:bounds[1]].text.strip():
            raw.append((ent.label_, *bounds))
    return raw


def _trim_headline(doc: Any, s: int, e: int, forms: set[str]) -> tuple[int, int]:
    """Title case fools NER in headlines ("Obama Seeks", "Rip Donald Trump"): keep the longest run of tokens
    that names a person of the body."""
    for size in range(e - s, 0, -1):
        for i in range(s, e - size + 1):
            if doc[i:i + size].text in forms:
                return i, i + size
    return s, e


def _mentions(doc: Any, headline: Span | None = None) -> list[Mention]:
    """Every cleaned PERSON/ORG/PLACE mention, in text order. Beyond spaCy's entities: a surname the NER
    tagged as an organisation or place, or missed, is a mention of that person when the article names the
    person in full elsewhere."""
    raw = _raw_mentions(doc)
    in_head = (lambda i: doc[i].idx < headline[1]) if headline else (lambda i: False)
    persons = {doc[s:e].text for label, s, e in raw if label == "PERSON"}
    multi = {p.split()[-1] for p in persons if len(p.split()) > 1}
    persons = {p for p in persons if not _looks_like_place(p, multi)}
    body_persons = {doc[s:e].text for label, s, e in raw if label == "PERSON" and not in_head(s)} & persons
    surnames = {p.split()[-1] for p in body_persons if len(p.split()) > 1}
    forms = body_persons | surnames
    out: list[Mention] = []
    covered: set[int] = set()
    for label, s, e in raw:
        type_ = _TYPES[label]
        if type_ == "PERSON" and in_head(s) and doc[s:e].text not in forms:
            s, e = _trim_headline(doc, s, e, forms)
        text = doc[s:e].text
        if type_ != "PERSON" and text in forms:
            type_ = "PERSON"
        elif type_ == "PERSON" and text not in persons and text not in forms:
            type_ = "PLACE"  # "Kyiv" tagged as a person
        covered.update(range(s, e))
        out.append((type_, text, doc[s].idx, doc[e - 1].idx + len(doc[e - 1].text)))
    for tok in tokens_where(doc, ORTH=sorted(forms)):
        if tok.i not in covered and tok.text[:1].isupper() and tok.pos_ == "PROPN":
            out.append(("PERSON", tok.text, tok.idx, tok.idx + len(tok.text)))
    return sorted(out, key=lambda m: m[2])


def _acronym(name: str) -> str:
    return "".join(w[0] for w in name.split() if w[:1].isupper())


def _links(type_: str, short: str, full: str) -> bool:
    """``short`` can name what ``full`` names: a surname, an acronym, an organisation's last words."""
    s, f = short.split(), full.split()
    if len(s) >= len(f):
        return False
    if type_ == "PERSON":
        return f[-len(s):] == s
    if type_ == "ORG":
        return f[-len(s):] == s or short.replace(".", "") == _acronym(full)
    return False


def _find_group(groups: list[_Group], type_: str, text: str, start: int, headline_end: int,
                early: int = 0) -> _Group | None:
    """The group this form belongs to. A short form joins a full name written before it, or early in the
    article (before ``early``), or anywhere for a headline; where several full names end in it ("Clinton"),
    the one written most often, then the latest written before it."""
    same = [g for g in groups if g.type == type_]
    exact = [g for g in same if text in g.forms and len(g.forms[0].split()) >= len(text.split())]
    linked = [g for g in same if any(_links(type_, text, f) for f in g.forms)
              and (start < headline_end or min(m[0] for m in g.mentions) < max(start, early))]
    if not linked:
        return exact[0] if exact else None
    return max(linked, key=lambda g: (len(g.mentions), max((m[0] for m in g.mentions if m[0] < start), default=-1)))


def _merge(mentions: list[Mention], headline_end: int = 0, length: int = 0) -> list[_Group]:
    """Group the mentions: longer forms first, so a surname seen before its full name still joins it."""
    groups: list[_Group] = []
    early = length // 4
    for type_, text, start, end in sorted(mentions, key=lambda m: (-len(m[1].split()), m[2])):
        if type_ == "PLACE":
            text = canonical_place(text) or text
        g = _find_group(groups, type_, text, start, headline_end, early)
        if g is None:
            g = _Group(type_, text)
            groups.append(g)
        if text not in g.forms:
            g.forms.append(text)
        g.mentions.append((start, end))
    for g in groups:
        g.mentions.sort()
    return groups


def _name(g: _Group, text: str) -> str:
    """The form written most often among the longest ones ("Donald Trump" over a stray "Rip Donald Trump")."""
    if g.type == "PLACE":
        return g.name
    if g.type == "ORG":  # organisations are shortened ("the Security Council"), not padded
        return max(g.forms, key=lambda f: (len(f.split()), len(f)))
    written = Counter(text[s:e] for s, e in g.mentions)  # one pass over the mentions, not one per form
    counts = {f: written[f] for f in g.forms}
    top = max(len(f.split()) for f in g.forms)
    multi = [f for f in g.forms if len(f.split()) > 1] or g.forms
    return max(multi, key=lambda f: (counts[f], len(f.split()) == top, len(f)))


def _is_title_token(tok: Any) -> bool:
    word = tok.lower_.rstrip(".")
    return (word in TITLE_WORDS or (tok.ent_type_ in {"NORP", "GPE"} and tok.text[:1].isupper())
            or (tok.text[:1].isupper() and tok.pos_ == "PROPN" and tok.ent_type_ in {"ORG", ""}
            and tok.i > 0 and tok.nbor(-1).lower_.rstrip(".") in TITLE_WORDS | {"former"}))


def title_before(doc: Any, start_char: int) -> str | None:
    """The title written right before a name: "Russian President" in "Russian President Vladimir Putin"."""
    span = doc.char_span(start_char, start_char + 1, alignment_mode="expand")
    if span is None:
        return None
    i = span.start
    j = i
    while j > 0 and doc[j - 1].lower_.rstrip(".") in HONORIFICS:
        j -= 1
    k = j
    while k > 0 and (_is_title_token(doc[k - 1]) or (doc[k - 1].text == "-" and k > 1)):
        k -= 1
    while k < j and (doc[k].lower_ in {"-", "the"} or doc[k].is_punct):
        k += 1
    if k >= j or not any(doc[t].lower_.rstrip(".") in TITLE_WORDS - {"former", "then"} for t in range(k, j)):
        return None
    return str(doc[k:j].text)


def title_after(doc: Any, end_char: int) -> str | None:
    """An appositive title: ", a Clinton campaign spokesman," after a name (a noun phrase ended by , or .)."""
    span = doc.char_span(end_char - 1, end_char, alignment_mode="expand")
    if span is None or span.end >= len(doc) - 2 or doc[span.end].text != ",":
        return None
    i = span.end + 1
    if doc[i].lower_ not in {"the", "a", "an"}:
        return None
    j = i + 1
    while j < len(doc) and j - i < 10 and not doc[j].is_punct and doc[j].pos_ != "VERB":
        j += 1
    if j >= len(doc) or doc[j].text not in {",", "."}:
        return None
    words = doc[i + 1:j]
    if not any(t.lower_.rstrip(".") in TITLE_WORDS for t in words):
        return None
    return str(words.text)


def _title(doc: Any, g: _Group) -> str | None:
    for start, end in g.mentions:
        title = title_before(doc, start) or title_after(doc, end)
        if title:
            return title
    return None


def extract_entities(article: Article, doc: Any) -> list[Entity]:
    """The article's entities in order of first mention."""
    head = article.headline_span
    groups = _merge(_mentions(doc, head), head[1] if head else 0, len(article.text))
    entities: list[Entity] = []
    for g in groups:
        name = _name(g, article.text)
        title = _title(doc, g) if g.type == "PERSON" else None
        aliases = sorted({f for f in g.forms if f != name} |
                         {article.text[s:e] for s, e in g.mentions if article.text[s:e] != name})
        entities.append(Entity(entity_key(g.type, name), name, g.type, aliases, title, g.mentions))
    entities.sort(key=lambda e: e.mentions[0])
    return entities


class EntitiesStage:
    name = "entities.v1"
    requires: tuple[str, ...] = ("text",)
    assigns: tuple[str, ...] = ("entities",)

    def __call__(self, article: Article, doc: Any) -> Article:
        article.entities = extract_entities(article, doc)
        return article
