"""The "Tags:" line: the people, organisations and places an article is about, the topics it falls under, and
its key terms, ranked, as an editor would list them.

Four sources, merged into one ranking:

- **entities**: ``article.entities`` when the entities stage has run; otherwise spaCy's named entities through
  ``spacy_entities`` (the adapter to drop once every stored article has entities). Scored by type and
  mentions, lifted when the headline or the URL's words name them (``url_words``: news URLs spell out the
  headline); mentions in bylines and credit lines do not count. A short form joins the longer name it
  shortens ("Xi" -> "Xi Jinping", "Crimson Tide" -> "Alabama Crimson Tide"), a surname alone gets the full
  name a reference news corpus knows ("Trump" -> "Donald Trump"); places are
  given their gazetteer name ("the U.S." -> "United States", a dateline's "Ill." -> "Illinois") and lift their
  country's region ("Middle East"), weighted low: editors seldom tag a continent the text does not name.
- **topics**: a small, general news taxonomy (section names such as "Politics", "Health", "Football"), each
  with cue words; a topic is tagged when its cues are dense enough in the text (lifted when the URL names it,
  as "/politics/" does).
- **sections**: the folders of the URL's path, which name where the site files the article ("/latest-news/",
  "/music/artists/"); editors' tag lines often repeat them. Weighted low, and an entity or topic of the same
  name is that candidate instead.
- **key phrases**: runs of one to three lower-case words ending in a noun ("feather duvet lung", "dentists"),
  ranked by how often the text uses them and how rare their words are in a reference news corpus
  (``tag_wordfreq.json.gz``, rebuilt by ``benchmarks/build_tag_wordfreq.py``). Text in another language gets
  its top TF-IDF words instead (``term_tags``, needs ``df``).

Names are trimmed of what NER ran into them (``tag_names``). ``tag_candidates`` gathers every candidate with
what a scorer weighs; the scorer (``tag_scorer``: the hand-set rule or a fitted linear one, whichever
``benchmarks/train_tag_scorer.py`` found better under cross-validation) ranks them and stops the list early
when the tail is weak: a short list of likely tags beats ten with a tail of guesses.
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
from newsgraph.connect.tag_names import clean, good_name, name_parts, opens_sentence, trim_name
from newsgraph.connect.tag_scorer import Scorer, TagCandidate, default_scorer
from newsgraph.connect.taxonomy import topic_scores
from newsgraph.model import Article

ENTITY_TYPES = {"PERSON": 1.0, "ORG": 0.9, "GPE": 0.9, "LOC": 0.8, "NORP": 0.0, "EVENT": 0.8, "FAC": 0.6,
                "PRODUCT": 0.6, "WORK_OF_ART": 0.5, "LAW": 0.5}
MAX_TOPICS = 3
COUNT_POWER = 0.75
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
    """Named entities from spaCy's NER, grouped by surface form (the entities stage will replace this). A span
    over several lines is one name per line; words NER ran into a name are trimmed (``tag_names``)."""
    with nlp.select_pipes(enable=[p for p in ("tok2vec", "ner") if p in nlp.pipe_names]):
        doc = nlp(article.text)
    out: dict[tuple[str, str], Candidate] = {}
    for ent in doc.ents:
        if ent.label_ not in ENTITY_TYPES:
            continue
        for i, part in enumerate(name_parts(ent.text)):
            name = trim_name(part, ent.label_, i > 0 or opens_sentence(article.text, ent.start_char))
            if not good_name(name):
                continue
            c = out.setdefault((name.casefold(), ent.label_), Candidate(name, ent.label_))
            c.count += 1
    return _merge_short_forms(_merge_acronyms(list(out.values())))


def stored_entities(article: Article) -> list[Candidate]:
    """The entities stage's entities as candidates (a name spanning lines, a list run together, is dropped)."""
    out = []
    for e in article.entities:
        kind = _TYPE_ALIASES.get(e.type.upper(), e.type.upper())
        name = trim_name(clean(e.name), kind) if good_name(e.name) else ""
        if not good_name(name):
            continue
        out.append(Candidate(name, kind, count=max(1, len(e.mentions)), variants=set(e.aliases)))
    return _merge_short_forms(_merge_acronyms(out))


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
    Tide"); of several, the most mentioned, a person first for a one-word name. An organisation named more often
    than a longer name it starts ("Google", "Google Stadia") is the main one, not its short form."""
    named = [c for c in cands if c.type in ("PERSON", "ORG")]
    merged: list[Candidate] = []
    for c in cands:
        words = c.name.split()
        longer = [p for p in named if p is not c and len(p.name.split()) > len(words)
                  and (words == p.name.split()[-len(words):]
                       or (words == p.name.split()[:len(words)] and (c.type == "PERSON" or p.count >= c.count)))]
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


def _entity_score(c: Candidate, head: bool) -> float:
    """Type weight x mentions^COUNT_POWER, lifted when the headline names it, lowered for a lone first name.
    (Weighting by corpus rarity was tried and lost on the editor tags.)"""
    lone = 0.5 if c.type == "PERSON" and len(c.name.split()) == 1 else 1.0  # a first name alone is rarely a tag
    return ENTITY_TYPES.get(c.type, 0.5) * math.pow(c.count, COUNT_POWER) * (1.5 if head else 1.0) * lone


def _in_headline(c: Candidate, headline: str, fold: bool = False) -> bool:
    """The headline names ``c`` (a person by surname too); ``fold``: compare case-insensitively (a URL)."""
    forms = {c.name, *c.variants} | ({c.name.split()[-1]} if c.type == "PERSON" else set())
    if fold:
        return bool(headline) and any(_has_word(headline, f.casefold()) for f in forms if f)
    return any(_has_word(headline, f) for f in forms if f)


_URL_ID = re.compile(r"^(?:[0-9a-f]{6,}|\d+|[a-z]?\d[\w]*|index|html?|php|amp|article|story|news)$")


def _url_path(url: str) -> str:
    """The path of a URL, lower case, without its scheme, host, query and fragment."""
    return re.sub(r"^[a-z]+://[^/]+", "", url.casefold()).split("?")[0].split("#")[0]


def url_words(url: str | None) -> str:
    """The words of a URL's path, lower case ("/sports/crimson-tide-wins-603e9d" -> "sports crimson tide
    wins"): most news URLs spell out the headline, and the section, in their path."""
    if not url:
        return ""
    words = re.split(r"[/\-_.+]+", _url_path(url))
    return " ".join(w for w in words if w and not _URL_ID.match(w))


# folders that are no section: the words sites use for any article's folder, language codes, month names
_NOT_SECTION = re.compile(r"^(?:index|html?|php|amp|articles?|story|stories|news|www|content|posts?|sites?|blogs?|"
                          r"pages?|[a-z]|[a-z]{2}-[a-z]{2}|jan|feb|mar|apr|may|june?|july?|aug|sept?|oct|nov|dec|"
                          r"january|february|march|april|august|september|october|november|december)$")
_LOWER_WORDS = ("and", "of", "the", "in", "for", "to", "on", "at")


def url_sections(url: str | None) -> list[str]:
    """The sections a URL files its article under, deepest first: the folders of its path, not its last part
    (the slug), not ids, dates, language codes or words every site uses for its folders ("article", "news");
    at most three words each, shown capitalised ("/music/artists/x" -> ["Artists", "Music"])."""
    if not url:
        return []
    out = []
    for folder in _url_path(url).strip("/").split("/")[:-1]:
        words = [w for w in re.split(r"[\-_.+]+", folder) if w]
        if not words or len(words) > 3 or not all(w.isalpha() for w in words) or _NOT_SECTION.match(folder):
            continue
        out.append(" ".join(_section_word(w, i) for i, w in enumerate(words)))
    return out[::-1]


def _section_word(word: str, at: int) -> str:
    if word in _LOWER_WORDS:
        return word if at else word.capitalize()
    return word.upper() if len(word) == 2 else word.capitalize()  # "uk" -> "UK", as sites abbreviate places


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

    state = US_STATE_ABBREVIATIONS.get(name.casefold().removesuffix(".") + ".")  # ``clean`` drops the dot
    return state or canonical_place(name, min_population=100_000) or name


_SOURCE = {"PERSON": "person", "ORG": "org", "GPE": "place", "LOC": "place"}


def entity_tags(article: Article, nlp: Any) -> tuple[list[TagCandidate], list[TagCandidate]]:
    """(entity tags, region tags), each scored and best first."""
    cands = stored_entities(article) if article.entities else spacy_entities(article, nlp or _load_nlp())
    cands = _full_names(_without_credits(cands, article.text))
    headline = article.headline or article.text[:200]
    slug = url_words(article.url)
    merged: dict[str, TagCandidate] = {}
    places: list[tuple[str, float]] = []
    for c in cands:
        if ENTITY_TYPES.get(c.type, 0.5) <= 0:
            continue
        name = _place_name(c.name) if c.type in ("GPE", "LOC") else _display(c.name)
        head = _in_headline(c, headline) or _in_headline(c, slug, fold=True)
        s = _entity_score(c, head)
        t = merged.setdefault(name.casefold(), TagCandidate(name, _SOURCE.get(c.type, "entity"), 0.0))
        t.score += s
        t.count += c.count
        t.forms |= {name, c.name, *c.variants}
        t.lead = t.lead or head
        if c.type in ("GPE", "LOC"):
            places.append((name, s))
    regions = [TagCandidate(r, "region", s) for r, s in _region_tags(places)]
    return sorted(merged.values(), key=lambda t: -t.score), sorted(regions, key=lambda t: -t.score)


# Bylines and credit lines name the journalists, not what the story is about.
_CREDITS = re.compile(
    r"[(\[][^()\[\]]*\b(?:[Rr]eporting|[Ww]riting|[Ee]diting|[Cc]ompiled|[Pp]roduced) by\b[^()\[\]]*[)\]]"
    r"|^\s*(?:Additional )?[Rr]eporting by [^\n]*$"
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


def _scaled(items: list[TagCandidate]) -> list[TagCandidate]:
    """Each item's score as a share of its source's best; ``rank`` is its place within the source."""
    top = max((c.score for c in items), default=0.0) or 1.0
    for i, c in enumerate(items):
        c.score, c.rank = c.score / top, i
    return items


def tag_candidates(article: Article, nlp: Any = None) -> list[TagCandidate]:
    """Every possible tag of an English article, one per name (case-insensitive; an entity before a topic, a
    region, a key phrase or a section of the same name): entities, the ``MAX_TOPICS`` densest topics, the
    regions of the places, key phrases, the URL's sections; each scored as a share of its source's best, with
    what the scorer weighs."""
    text, headline = article.text, article.headline or ""
    ents, regions = entity_tags(article, nlp)
    topics = [TagCandidate(t, "topic", min(1.0, d / TOPIC_FULL_DENSITY), count=100 * d)
              for t, d in topic_scores(text)[:MAX_TOPICS]]
    phrases = [TagCandidate(p, "phrase", s, forms={p}) for p, s in phrase_tags(text, headline)]
    if not (ents or topics or phrases):  # a short text naming nobody and repeating nothing: its rarest phrases
        phrases = [TagCandidate(p, "phrase", s, forms={p}) for p, s in phrase_tags(text, headline, min_count=1)]
    sections = [TagCandidate(s, "section", 1.0, in_url=True, rank=i) for i, s in enumerate(url_sections(article.url))]
    best: dict[str, TagCandidate] = {}
    for c in [*_scaled(ents), *_scaled(topics), *_scaled(regions), *_scaled(phrases), *sections]:
        best.setdefault(c.name.casefold(), c)
    slug, folded, folded_headline = url_words(article.url), text.casefold(), headline.casefold()
    return [_placed(c, len(text), folded, folded_headline, slug) for c in best.values()]


def _placed(c: TagCandidate, text_len: int, folded: str, folded_headline: str, slug: str) -> TagCandidate:
    """``c`` with where the text first names it, whether it writes the tag itself, and its words' rarity;
    ``folded``, ``folded_headline``: the text and headline case-folded once for every candidate."""
    forms = [f.casefold() for f in {c.name, *c.forms} if f]
    found = [a for a in (folded.find(f) for f in forms) if a >= 0]
    c.first = min(found) / max(1, text_len) if found else 1.0
    c.literal = _has_word(folded, c.name.casefold())
    c.lead = c.lead or (bool(folded_headline) and _has_word(folded_headline, c.name.casefold()))
    c.in_url = bool(slug) and _has_word(slug, " ".join(c.name.casefold().replace("-", " ").split()))
    stats = word_stats()
    words = [normalize(w) for w in c.name.casefold().split()]
    c.rarity = sum(stats.idf(w) for w in words) / max(1, len(words)) / stats.idf("\0")
    return c


def rank_tags(article: Article, df: DocFreq | None = None, k: int = 10, nlp: Any = None,
              scorer: Scorer | None = None) -> list[str]:
    """About ``k`` tags for the article, best first. ``nlp`` is a loaded spaCy pipeline, used only when the
    article has no entities yet (loaded on first need when not given). ``scorer`` ranks the candidates and
    cuts the list (default: the shipped ``tag_scorer.default_scorer``)."""
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    language = language_of(article)
    if language != "en":  # the NER model and the taxonomy are English; key terms are not
        return [t for t, _ in term_tags(article, df or DocFreq(), [], k, stop_words(language), names_done=False)]
    return ranked_tags(tag_candidates(article, nlp), scorer or default_scorer(), k)


def language_of(article: Article) -> str:
    return article.language or guess_language(article.text)


def ranked_tags(cands: list[TagCandidate], scorer: Scorer, k: int = 10) -> list[str]:
    """The candidates ranked by ``scorer`` and cut by its rule."""
    return scorer.cut(ranking(cands, scorer), k)


def ranking(cands: list[TagCandidate], scorer: Scorer) -> list[tuple[str, float]]:
    """Every candidate's name and ``scorer``'s score, best first (equal scores in candidate order), uncut."""
    return sorted(((c.name, scorer.score(c)) for c in cands), key=lambda kv: -kv[1])


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
    lower = {w for w in WORD.findall(text) if w[:1].islower()}
    for segment in _BREAK.split(_ADDRESS.sub(" . ", text)):
        run: list[str] = []
        for i, w in enumerate(WORD.findall(segment)):
            if i == 0 and w[:1].isupper() and w.lower() in lower:
                w = w.lower()
            if _breaks_run(w):
                if run:
                    yield run
                run = []
            else:
                run.append(w)
        if run:
            yield run


@lru_cache(maxsize=1 << 16)  # words repeat (Zipf)
def _breaks_run(word: str) -> bool:
    """A name, number, short word or stop word: no part of a key phrase."""
    return (word[:1].isupper() or not word.replace("-", "").isalpha() or len(word) < 3
            or word.lower() in english_stop_words())


def phrase_tags(text: str, headline: str = "", stats: WordStats | None = None,
                min_count: int = 2) -> list[tuple[str, float]]:
    """Key phrases of one to ``PHRASE_WORDS`` words used at least ``min_count`` times, best first: sublinear
    frequency times the mean rarity of their words in the reference corpus. A phrase never used outside a
    longer one is left to the longer one; it is shown as the text writes it most often (plurals stay plural)."""
    stats = stats or word_stats()
    counts: Counter[tuple[str, ...]] = Counter()
    written: Counter[tuple[tuple[str, ...], str]] = Counter()  # (phrase, as the text writes it)
    # the headline counts once: an article's text often opens with it already (then it is not added again)
    whole = f"{headline}\n{text}" if headline and not text.lstrip().startswith(headline) else text
    for run in _phrase_runs(whole):
        norm, low = [normalize(w) for w in run], [w.lower() for w in run]
        for n in range(1, PHRASE_WORDS + 1):
            for i in range(len(run) - n + 1):
                key = tuple(norm[i:i + n])
                counts[key] += 1
                written[key, " ".join(low[i:i + n])] += 1
    kept = {key: n for key, n in counts.items()
            if n >= min_count and not 0 <= stats.noun_share(key[-1]) < MIN_NOUN_SHARE
            and max(stats.idf(w) for w in key) >= MIN_IDF}
    shown: dict[tuple[str, ...], tuple[int, str]] = {}  # the most frequent writing, the first of equals
    for (key, form), n in written.items():
        if key in kept and n > shown.get(key, (0, ""))[0]:
            shown[key] = (n, form)
    inside: dict[tuple[str, ...], int] = {}
    for key, n in kept.items():
        for sub in (key[:-1], key[1:]):
            inside[sub] = max(inside.get(sub, 0), n)
    out = [(shown[key][1],
            (1 + math.log(n)) * sum(stats.idf(w) for w in key) / len(key) * (1 + LONGER_BONUS * (len(key) - 1)))
           for key, n in kept.items() if inside.get(key, 0) < n]
    return sorted(out, key=lambda kv: -kv[1])
