"""The "Tags:" line: the people, organisations and places an article is about, the topics it falls under, and
its key terms, ranked, as an editor would list them.

Three sources, merged into one ranking:

- **entities**: ``article.entities`` when the entities stage has run; otherwise spaCy's named entities through
  ``spacy_entities`` (the adapter to drop once every stored article has entities). Scored by type and
  mentions, lifted when the headline names them; mentions in bylines and credit lines do not count. A short
  form joins the longer name it shortens ("Xi" -> "Xi Jinping", "Crimson Tide" -> "Alabama Crimson Tide"), a
  surname alone gets the full name a reference news corpus knows ("Trump" -> "Donald Trump"); places are
  given their gazetteer name ("the U.S." -> "United States", a dateline's "Ill." -> "Illinois") and lift their
  country's region ("Middle East"), weighted low: editors seldom tag a continent the text does not name.
- **topics**: a small, general news taxonomy (section names such as "Politics", "Health", "Football"), each
  with cue words; a topic is tagged when its cues are dense enough in the text.
- **key phrases**: runs of one to three lower-case words ending in a noun ("feather duvet lung", "dentists"),
  ranked by how often the text uses them and how rare their words are in a reference news corpus
  (``tag_wordfreq.json.gz``, rebuilt by ``benchmarks/build_tag_wordfreq.py``). Text in another language gets
  its top TF-IDF words instead (``term_tags``, needs ``df``).

The merged ranking stops early when the next tag scores far below the first: a short list of likely tags beats
ten with a tail of guesses.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from spacy.lang.en.stop_words import STOP_WORDS

from newsgraph.connect.features import WORD, DocFreq, normalize, term_vector
from newsgraph.connect.features import stop_words as english_stop_words
from newsgraph.connect.taxonomy import topic_scores
from newsgraph.model import Article

ENTITY_TYPES = {"PERSON": 1.0, "ORG": 0.9, "GPE": 0.9, "LOC": 0.8, "NORP": 0.0, "EVENT": 0.8, "FAC": 0.6,
                "PRODUCT": 0.6, "WORK_OF_ART": 0.5, "LAW": 0.5}
_ABBREVIATION = re.compile(r"(?:^|[\s.])\w\.$")
_POSSESSOR = re.compile(r"^(?:[\w.-]+\s){0,2}[\w.-]+['’]s\s+(?=\S)")  # "Beth's NHS": the name follows it
MAX_NAME_WORDS = 5
W_TOPIC = 0.7
W_REGION = 0.1
W_TERM = 0.15  # key phrases: on the editor tags only one in twenty is an editor's tag, so they come last
MAX_TOPICS = 3
COUNT_POWER = 0.75
TOPIC_FULL_DENSITY = 0.03
MIN_TAGS = 5  # editors list six tags (median); fewer than five loses more recall than it wins precision
MIN_RELATIVE = 0.3  # past MIN_TAGS, a tag scoring under this share of the first is left out
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
        if ent.label_ not in ENTITY_TYPES or not _good_name(name):
            continue
        c = out.setdefault((name.casefold(), ent.label_), Candidate(name, ent.label_))
        c.count += 1
    return _merge_short_forms(_merge_acronyms(list(out.values())))


def stored_entities(article: Article) -> list[Candidate]:
    """The entities stage's entities as candidates (a name spanning lines, a list run together, is dropped)."""
    out = []
    for e in article.entities:
        if not _good_name(e.name):
            continue
        kind = _TYPE_ALIASES.get(e.type.upper(), e.type.upper())
        out.append(Candidate(_clean(e.name), kind, count=max(1, len(e.mentions)), variants=set(e.aliases)))
    return _merge_short_forms(_merge_acronyms(out))


def _good_name(name: str) -> bool:
    return (len(name) >= 2 and "\n" not in name and any(c.isalpha() for c in name)
            and not any(c.isdigit() for c in name) and len(name.split()) <= MAX_NAME_WORDS)


def _clean(text: str) -> str:
    name = " ".join(text.split()).strip(" ,;:'\"“”‘’()-")
    if name.endswith(".") and not _ABBREVIATION.search(name):
        name = name[:-1]
    for prefix in ("the ", "The "):
        name = name.removeprefix(prefix)
    name = _POSSESSOR.sub("", name)
    return name.removesuffix("'s").removesuffix("’s")


_NOT_INITIALS = {"The", "Of", "And", "For", "Co", "Corp", "Inc", "Ltd", "Plc", "LLC", "Company"}


def _initials(name: str) -> str:
    return "".join(w[0] for w in re.findall(r"[A-Z][\w-]*", name) if w not in _NOT_INITIALS)


def _merge_acronyms(cands: list[Candidate]) -> list[Candidate]:
    """An organisation's acronym ("ESA", "PG&E") and its name written out ("European Space Agency") are one tag,
    shown in the form the text uses more."""
    orgs = [c for c in cands if c.type == "ORG" and len(c.name.split()) > 1]
    out: list[Candidate] = []
    for c in cands:
        letters = c.name.replace("&", "").replace(".", "")
        full = next((o for o in orgs if c.type == "ORG" and c.name.isupper() and 2 <= len(letters) <= 6
                     and _initials(o.name) == letters), None)
        if full is None:
            out.append(c)
            continue
        full.variants.add(c.name)
        if c.count > full.count:
            full.variants.add(full.name)
            full.name = c.name
        full.count += c.count
    return out


def _merge_short_forms(cands: list[Candidate]) -> list[Candidate]:
    """A person's or organisation's short form ("Lohan", "Xi", "Crimson Tide") is counted with the longer name
    of a person or organisation that starts or ends with it ("Lindsay Lohan", "Xi Jinping", "Alabama Crimson
    Tide"); of several, the most mentioned, a person first for a one-word name."""
    named = [c for c in cands if c.type in ("PERSON", "ORG")]
    merged: list[Candidate] = []
    for c in cands:
        words = c.name.split()
        longer = [p for p in named if p is not c and len(p.name.split()) > len(words)
                  and words in (p.name.split()[:len(words)], p.name.split()[-len(words):])]
        if c.type not in ("PERSON", "ORG") or not longer:
            merged.append(c)
            continue
        full = max(longer, key=lambda p: (len(words) == 1 and p.type == c.type == "PERSON", p.count))
        full.count += c.count
        full.variants.add(c.name)
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
    head = 1.5 if any(_has_word(headline, f) for f in forms if f) else 1.0
    lone = 0.5 if c.type == "PERSON" and len(c.name.split()) == 1 else 1.0  # a first name alone is rarely a tag
    return ENTITY_TYPES.get(c.type, 0.5) * math.pow(c.count, COUNT_POWER) * head * lone


def _is_word_char(c: str) -> bool:
    return c.isalnum() or c == "_"  # what the regex ``\w`` matches in a str pattern


def _has_word(text: str, form: str) -> bool:
    r"""``form`` occurs in ``text`` with no word character either side: the regex ``(?<!\w)form(?!\w)`` without
    compiling one pattern per name (every article has new names, so the regex cache missed each time)."""
    at = text.find(form)
    while at >= 0:
        end = at + len(form)
        if (at == 0 or not _is_word_char(text[at - 1])) and (end == len(text) or not _is_word_char(text[end])):
            return True
        at = text.find(form, at + 1)
    return False


def _region_tags(places: Iterable[tuple[str, float]]) -> list[tuple[str, float]]:
    from newsgraph.connect.taxonomy import region_of

    regions: dict[str, float] = {}
    for name, score in places:
        region = region_of(name)
        if region:
            regions[region] = regions.get(region, 0.0) + score
    return list(regions.items())


def _place_name(name: str) -> str:
    from newsgraph.connect.taxonomy import US_STATE_ABBREVIATIONS
    from newsgraph.understand.gazetteer import canonical_place

    state = US_STATE_ABBREVIATIONS.get(name.casefold().removesuffix(".") + ".")  # ``_clean`` drops the dot
    return state or canonical_place(name, min_population=100_000) or name


def entity_tags(article: Article, nlp: Any) -> tuple[list[tuple[str, float]], list[tuple[str, float]]]:
    """(entity tags, region tags), each scored and best first."""
    cands = stored_entities(article) if article.entities else spacy_entities(article, nlp or _load_nlp())
    cands = _full_names(_without_credits(cands, article.text))
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


# Bylines and credit lines name the journalists, not what the story is about.
_CREDITS = re.compile(
    r"\([^()]*\b(?:[Rr]eporting|[Ww]riting|[Ee]diting|[Cc]ompiled|[Pp]roduced) by\b[^()]*\)"
    r"|^[^\n]*\b(?:contributed (?:to )?(?:this|the) (?:report|story)|[Ff]ollow [^\n]{1,60} on (?:Twitter|X)\b)[^\n]*$"
    r"|^\s*(?:[Bb]y|BY) [A-Z][^\n]{0,80}$"
    r"|^[^\n]{0,80}?(?P<agency>\((?:[A-Z][\w.]*\s?){1,3}\))(?=\s*[-—–])", re.MULTILINE)  # "PARIS (AP) —"


def _without_credits(cands: list[Candidate], text: str) -> list[Candidate]:
    """Candidates less their mentions in bylines and credit lines; those left with none are dropped."""
    credits = " ".join(m.group("agency") or m.group() for m in _CREDITS.finditer(text))
    if not credits:
        return cands
    out = []
    for c in cands:
        c.count -= min(c.count, sum(credits.count(f) for f in {c.name, *c.variants}))
        if c.count > 0:
            out.append(c)
    return out


def _full_names(cands: list[Candidate]) -> list[Candidate]:
    """A person the text names only by surname gets the full name the reference corpus knows them by
    ("Trump" -> "Donald Trump"), when that corpus is sure of it."""
    people = word_stats().people
    for c in cands:
        full = people.get(c.name.casefold()) if c.type == "PERSON" and " " not in c.name else None
        if full:
            c.variants.add(c.name)
            c.name = full
    return cands


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
    phrases = phrase_tags(article.text, article.headline or "")
    pool = [*_normalised(ents, 1.0), *[(t, W_TOPIC * s) for t, s in topics[:MAX_TOPICS]],
            *_normalised(regions, W_REGION), *_normalised(phrases, W_TERM)]
    return _cut(_dedupe_scored(sorted(pool, key=lambda kv: -kv[1])), k)


def _cut(ranked: list[tuple[str, float]], k: int) -> list[str]:
    """The first ``k`` tags, less the tail that scores below ``MIN_RELATIVE`` of the first (at least
    ``MIN_TAGS`` are kept)."""
    top = ranked[0][1] if ranked else 0.0
    return [t for i, (t, s) in enumerate(ranked[:k]) if i < MIN_TAGS or s >= MIN_RELATIVE * top]


def _dedupe_scored(ranked: list[tuple[str, float]]) -> list[tuple[str, float]]:
    seen: set[str] = set()
    out = []
    for t, s in ranked:
        if t.casefold() not in seen:
            seen.add(t.casefold())
            out.append((t, s))
    return out


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


# --- key phrases: runs of lower-case content words, ranked by frequency x rarity in a reference corpus ---

_BREAK = re.compile(r"[.,;:!?()\[\]{}\"“”/|\n—–…•]|\s-\s|\s['‘’]|['‘’]\s")
_ADDRESS = re.compile(r"\S+(?:@|://|\.(?:com|org|net|co|uk|gov|edu)\b)\S*")
PHRASE_WORDS = 3
MIN_NOUN_SHARE = 50  # a phrase's last word must be a noun at least this % of the time in the reference corpus
LONGER_BONUS = 0.3
MIN_IDF = 3.0  # some word of a phrase is used by at most ~1 in 7 documents of the reference corpus
WORDFREQ = "tag_wordfreq.json.gz"


@dataclass(frozen=True, slots=True)
class WordStats:
    """The reference corpus: its document count and, per normalised word, the documents that use it and the
    percent of its uses spaCy tags a noun (``benchmarks/build_tag_wordfreq.py`` builds it)."""

    n_docs: int
    words: dict[str, tuple[int, int]]
    people: dict[str, str] = field(default_factory=dict)  # casefolded surname -> full name

    def idf(self, word: str) -> float:
        return math.log((self.n_docs + 1) / (self.words.get(word, (0, 0))[0] + 1)) + 1.0

    def noun_share(self, word: str) -> int:
        """-1 when the reference corpus has not seen the word (a rare word, given the benefit of the doubt)."""
        return self.words.get(word, (0, -1))[1]


@lru_cache(maxsize=1)
def word_stats() -> WordStats:
    import gzip
    from importlib.resources import files

    data = json.loads(gzip.decompress(files("newsgraph.connect").joinpath(WORDFREQ).read_bytes()))
    return WordStats(int(data["n_docs"]), {w: (int(v[0]), int(v[1])) for w, v in data["words"].items()},
                     {str(k): str(v) for k, v in data.get("people", {}).items()})


def _phrase_runs(text: str) -> Iterable[list[str]]:
    """Runs of adjacent lower-case content words, broken by punctuation, stop words, names and numbers. A
    sentence's capitalised first word counts as lower case when the text also writes it so ("Feather duvet")."""
    stop = english_stop_words()
    lower = {m.group() for m in WORD.finditer(text) if m.group()[:1].islower()}
    for segment in _BREAK.split(_ADDRESS.sub(" . ", text)):
        run: list[str] = []
        for i, m in enumerate(WORD.finditer(segment)):
            w = m.group()
            if i == 0 and w[:1].isupper() and w.lower() in lower:
                w = w.lower()
            if w[:1].isupper() or not w.replace("-", "").isalpha() or len(w) < 3 or w.lower() in stop:
                if run:
                    yield run
                run = []
            else:
                run.append(w)
        if run:
            yield run


def phrase_tags(text: str, headline: str = "", stats: WordStats | None = None) -> list[tuple[str, float]]:
    """Key phrases of one to ``PHRASE_WORDS`` words used at least twice, best first: sublinear frequency times
    the mean rarity of their words in the reference corpus. A phrase never used outside a longer one is left
    to the longer one; it is shown as the text writes it most often (plurals stay plural)."""
    stats = stats or word_stats()
    counts: Counter[tuple[str, ...]] = Counter()
    shown: dict[tuple[str, ...], Counter[str]] = {}
    for run in _phrase_runs(f"{headline}\n{text}" if headline else text):
        for n in range(1, PHRASE_WORDS + 1):
            for i in range(len(run) - n + 1):
                key = tuple(normalize(w) for w in run[i:i + n])
                counts[key] += 1
                shown.setdefault(key, Counter())[" ".join(run[i:i + n]).lower()] += 1
    kept = {key: n for key, n in counts.items()
            if n >= 2 and not 0 <= stats.noun_share(key[-1]) < MIN_NOUN_SHARE
            and max(stats.idf(w) for w in key) >= MIN_IDF}
    inside: dict[tuple[str, ...], int] = {}
    for key, n in kept.items():
        for sub in (key[:-1], key[1:]):
            inside[sub] = max(inside.get(sub, 0), n)
    out = [(shown[key].most_common(1)[0][0],
            (1 + math.log(n)) * sum(stats.idf(w) for w in key) / len(key) * (1 + LONGER_BONUS * (len(key) - 1)))
           for key, n in kept.items() if inside.get(key, 0) < n]
    return sorted(out, key=lambda kv: -kv[1])
