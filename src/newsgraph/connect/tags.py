"""The "Tags:" line: the people, organisations and places an article is about, the topics it falls under, and
its key terms, ranked, as an editor would list them.

Three sources, merged into one ranking:

- **entities**: ``article.entities`` when the entities stage has run; otherwise spaCy's named entities through
  ``spacy_entities`` (the adapter to drop once every stored article has entities). Scored by type and
  mentions, lifted when the headline names them. A lone surname joins the full name it shortens; places are
  given their gazetteer name ("the U.S." -> "United States") and lift their country's region ("Middle East").
- **topics**: a small, general news taxonomy (section names such as "Politics", "Health", "Football"), each
  with cue words; a topic is tagged when its cues are dense enough in the text.
- **key terms**: the highest TF-IDF words of the text that are not already part of a tag (needs ``df``).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from spacy.lang.en.stop_words import STOP_WORDS

from newsgraph.connect.features import WORD, DocFreq, normalize, term_vector
from newsgraph.connect.taxonomy import topic_scores
from newsgraph.model import Article

ENTITY_TYPES = {"PERSON": 1.0, "ORG": 0.9, "GPE": 0.9, "LOC": 0.8, "NORP": 0.0, "EVENT": 0.8, "FAC": 0.6,
                "PRODUCT": 0.6, "WORK_OF_ART": 0.5, "LAW": 0.5}
_ABBREVIATION = re.compile(r"(?:^|[\s.])\w\.$")
MAX_NAME_WORDS = 5
W_TOPIC = 0.7
W_REGION = 0.3
W_TERM = 0.4
MAX_TOPICS = 3
COUNT_POWER = 0.5
TOPIC_FULL_DENSITY = 0.03
_TYPE_ALIASES = {"PER": "PERSON", "PERSON": "PERSON", "ORG": "ORG", "ORGANIZATION": "ORG", "GPE": "GPE",
                 "LOC": "LOC", "PLACE": "GPE", "LOCATION": "LOC"}


@dataclass
class Candidate:
    """One entity of the article: its display name, type, other written forms, and how often it is mentioned."""

    name: str
    type: str
    count: int = 0
    variants: set[str] = field(default_factory=set)


def spacy_entities(article: Article, nlp: Any) -> list[Candidate]:
    """Named entities from spaCy's NER, grouped by surface form (the entities stage will replace this)."""
    with nlp.select_pipes(enable=[p for p in ("tok2vec", "ner") if p in nlp.pipe_names]):
        doc = nlp(article.text)
    out: dict[tuple[str, str], Candidate] = {}
    for ent in doc.ents:
        name = _clean(ent.text)
        if (ent.label_ not in ENTITY_TYPES or len(name) < 2 or not any(c.isalpha() for c in name)
                or any(c.isdigit() for c in name) or len(name.split()) > MAX_NAME_WORDS):
            continue
        c = out.setdefault((name.casefold(), ent.label_), Candidate(name, ent.label_))
        c.count += 1
    return _merge_people(list(out.values()))


def stored_entities(article: Article) -> list[Candidate]:
    out = []
    for e in article.entities:
        kind = _TYPE_ALIASES.get(e.type.upper(), e.type.upper())
        out.append(Candidate(e.name, kind, count=max(1, len(e.mentions)), variants=set(e.aliases)))
    return out


def _clean(text: str) -> str:
    name = " ".join(text.split()).strip(" ,;:'\"“”‘’()-")
    if name.endswith(".") and not _ABBREVIATION.search(name):
        name = name[:-1]
    for prefix in ("the ", "The "):
        name = name.removeprefix(prefix)
    return name.removesuffix("'s").removesuffix("’s")


def _merge_people(cands: list[Candidate]) -> list[Candidate]:
    """A name of one word ("Lohan") is counted with the person's full name that ends or starts with it."""
    people = sorted((c for c in cands if c.type == "PERSON"), key=lambda c: (-c.count, -len(c.name.split())))
    merged: list[Candidate] = []
    for c in cands:
        words = c.name.split()
        if len(words) == 1 and c.type in ("PERSON", "ORG"):
            full = next((p for p in people if len(p.name.split()) > 1 and words[0] in (p.name.split()[-1],
                                                                                      p.name.split()[0])), None)
            if full is not None:
                full.count += c.count
                full.variants.add(c.name)
                continue
        merged.append(c)
    return merged


@lru_cache(maxsize=1)
def _load_nlp() -> Any:
    from newsgraph.settings import default
    from newsgraph.understand.stages import load_nlp

    return load_nlp(str(default("spacy_model")))


def _entity_score(c: Candidate, headline: str) -> float:
    """Type weight x mentions^COUNT_POWER, lifted when the headline names it, lowered for a lone first name.
    (Weighting by corpus rarity was tried and lost on the editor tags.)"""
    forms = {c.name, *c.variants} | ({c.name.split()[-1]} if c.type == "PERSON" else set())
    head = 1.5 if any(re.search(rf"(?<!\w){re.escape(f)}(?!\w)", headline) for f in forms if f) else 1.0
    lone = 0.5 if c.type == "PERSON" and len(c.name.split()) == 1 else 1.0  # a first name alone is rarely a tag
    return ENTITY_TYPES.get(c.type, 0.5) * math.pow(c.count, COUNT_POWER) * head * lone


def _region_tags(places: Iterable[tuple[str, float]]) -> list[tuple[str, float]]:
    from newsgraph.connect.taxonomy import region_of

    regions: dict[str, float] = {}
    for name, score in places:
        region = region_of(name)
        if region:
            regions[region] = regions.get(region, 0.0) + score
    return list(regions.items())


def _place_name(name: str) -> str:
    from newsgraph.understand.gazetteer import canonical_place

    return canonical_place(name, min_population=100_000) or name


def entity_tags(article: Article, nlp: Any) -> tuple[list[tuple[str, float]], list[tuple[str, float]]]:
    """(entity tags, region tags), each scored and best first."""
    cands = stored_entities(article) if article.entities else spacy_entities(article, nlp or _load_nlp())
    headline = article.headline or article.text[:200]
    scored: dict[str, tuple[str, float]] = {}
    places: list[tuple[str, float]] = []
    for c in cands:
        if ENTITY_TYPES.get(c.type, 0.5) <= 0:
            continue
        name = _place_name(c.name) if c.type in ("GPE", "LOC") else _display(c.name)
        s = _entity_score(c, headline)
        key = name.casefold()
        scored[key] = (scored[key][0], scored[key][1] + s) if key in scored else (name, s)
        if c.type in ("GPE", "LOC"):
            places.append((name, s))
    by_score = sorted(scored.values(), key=lambda kv: -kv[1])
    return by_score, sorted(_region_tags(places), key=lambda kv: -kv[1])


def _display(name: str) -> str:
    """SHOUTED names (datelines, headings) in title case; everything else as written."""
    return name.title() if name.isupper() and len(name) > 4 else name


def term_tags(article: Article, df: DocFreq, taken: Iterable[str], n: int,
              stop: frozenset[str] | None = None, names_done: bool = True) -> list[tuple[str, float]]:
    """The text's top TF-IDF words that are not part of a tag already chosen, each shown in the form the text
    writes it most often; words always capitalised are left to the entities when ``names_done``."""
    words = set(" ".join(taken).casefold().split())
    vec = term_vector(article.text, df, article.headline, limit=60)
    surface = _surface_forms(article.text)
    out = []
    for term, w in vec.items():
        shown = surface.get(term, term)
        if (" " in term or term.isdigit() or len(term) < 3 or term in words or shown.casefold() in words
                or (stop and term in stop) or shown.isupper() or (names_done and shown[:1].isupper())):
            continue
        out.append((shown, w))
    return out[:n]


def _surface_forms(text: str) -> dict[str, str]:
    """Normalised word -> its most frequent written form, lower-cased unless always capitalised."""
    forms: dict[str, Counter[str]] = {}
    for m in WORD.finditer(text):
        forms.setdefault(normalize(m.group()), Counter())[m.group().rstrip("'’s") if m.group().endswith(
            ("'s", "’s")) else m.group()] += 1
    out = {}
    for term, counts in forms.items():
        best = counts.most_common(1)[0][0]
        out[term] = best if all(f[:1].isupper() for f in counts) else best.lower()
    return out


def _normalised(items: list[tuple[str, float]], weight: float) -> list[tuple[str, float]]:
    top = max((s for _, s in items), default=0.0) or 1.0
    return [(name, weight * s / top) for name, s in items]


def rank_tags(article: Article, df: DocFreq | None = None, k: int = 10, nlp: Any = None) -> list[str]:
    """About ``k`` tags for the article, best first. ``nlp`` is a loaded spaCy pipeline, used only when the
    article has no entities yet (loaded on first need when not given).

    Each source is scaled to its best item and weighted (``W_TOPIC``, ``W_REGION``, ``W_TERM``; entities 1.0),
    then all compete in one ranking."""
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    language = article.language or guess_language(article.text)
    if language != "en":  # the NER model and the taxonomy are English; key terms are not
        return [t for t, _ in term_tags(article, df or DocFreq(), [], k, stop_words(language), names_done=False)]
    ents, regions = entity_tags(article, nlp)
    topics = [(t, min(1.0, d / TOPIC_FULL_DENSITY)) for t, d in topic_scores(article.text)]
    terms = term_tags(article, df or DocFreq(), [n for n, _ in ents[:k]], k)
    pool = [*_normalised(ents, 1.0), *[(t, W_TOPIC * s) for t, s in topics[:MAX_TOPICS]],
            *_normalised(regions, W_REGION), *_normalised(terms, W_TERM)]
    return _dedupe([name for name, _ in sorted(pool, key=lambda kv: -kv[1])])[:k]


def guess_language(text: str) -> str:
    """"en" when at least one word in ten is an English stop word (true of any English prose), else the
    language py3langid finds."""
    words = re.findall(r"[^\W\d_]+", text[:5000].lower())
    if words and sum(w in STOP_WORDS for w in words) / len(words) >= 0.1:
        return "en"
    import py3langid

    return str(py3langid.classify(text[:5000])[0])


@lru_cache(maxsize=16)
def stop_words(language: str) -> frozenset[str]:
    """spaCy's stop words for a language (they ship without any model), empty when it has none."""
    try:
        from spacy.util import get_lang_class

        return frozenset(get_lang_class(language).Defaults.stop_words)
    except Exception:  # an unknown language code: no stop list, key terms are still ranked by TF-IDF
        return frozenset()


def _dedupe(tags: list[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for t in tags:
        if t.casefold() not in seen:
            seen.add(t.casefold())
            out.append(t)
    return out
