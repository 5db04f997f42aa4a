"""What the connect step knows about an article: a sparse TF-IDF vector of its top terms, its entities,
speakers and tags, and its date; plus the corpus document frequencies (``DocFreq``) the weights come from.

Terms come from a regex tokenizer, not from spaCy: the store computes features for every article it keeps and
the evaluation for 772 ECB+ documents must stay cheap. Words are lower-cased, stop words dropped and plurals
folded; a word written with a capital inside a sentence (a name) is weighted up, and pairs of such words
(``betty ford``) are kept as terms of their own, because names are what tell one event from another of the
same kind.
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

from newsgraph.model import Article

MAX_TERMS = 200
WORD = re.compile(r"[^\W_](?:[\w'’.&-]*[^\W_])?")
_SENTENCE_END = re.compile(r"[.!?:;\"“”]\s*$|\n\s*$")
_EXTRA_STOP = frozenset({"said", "says", "told", "year", "years", "percent", "mr", "mrs", "ms", "like", "just",
                         "new", "also", "according", "including", "people", "time", "day", "week", "month",
                         "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"})


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """spaCy's English stop words and our own; imported on first use, since importing spaCy costs ~0.5 s and
    commands that never compare texts (``newsgraph analyze --no-nlp``) should not pay it."""
    from spacy.lang.en.stop_words import STOP_WORDS  # a plain set: loads no model

    return frozenset(STOP_WORDS) | _EXTRA_STOP
NAME_BOOST = 1.6
HEADLINE_BOOST = 1.5


@dataclass
class DocFreq:
    """Document frequencies of terms over the corpus seen so far (persisted by the store as JSON).

    ``max_terms`` bounds the table in memory (None: unbounded). Past it, the rarest quarter is dropped (lowest
    count first, then the terms counted first): in a stream the vocabulary never stops growing (names, name
    pairs, typos), and nearly all of it is terms seen once or twice. The approximation: a dropped term reads as
    unseen, so its IDF is too high by log(df + 1) for the df it had (the largest such df is ``pruned_df``;
    about 0.7-1.1 against IDFs of 5-15), and if it comes back it is counted from 1 again. The store keeps
    exact counts, of which a reopened corpus reads only the most frequent (one past the bound, then prunes the
    same way)."""

    n_docs: int = 0
    df: dict[str, int] = field(default_factory=dict)
    max_terms: int | None = None
    pruned_df: int = field(default=0, compare=False)  # the highest count of a term dropped so far

    def __post_init__(self) -> None:
        if self.max_terms is not None and self.max_terms < 4:
            raise ValueError(f"max_terms={self.max_terms} leaves no room for a vocabulary: use None (unbounded) "
                             "or a bound like 500000")
        self._bound()

    def add(self, terms: Iterable[str]) -> None:
        """Count one document: ``terms`` are its terms (repeats are counted once)."""
        self.n_docs += 1
        for t in dict.fromkeys(terms):  # distinct, in a reproducible order
            self.df[t] = self.df.get(t, 0) + 1
        self._bound()

    def _bound(self) -> None:
        if self.max_terms is None or len(self.df) <= self.max_terms:
            return
        keep = self.max_terms * 3 // 4  # a quarter of room, so the sort runs once per max_terms / 4 new terms
        # a stable sort on the count alone: among equal counts the terms first counted go first
        dropped = sorted(self.df, key=self.df.__getitem__)[:len(self.df) - keep]
        self.pruned_df = max(self.pruned_df, self.df[dropped[-1]])
        gone = set(dropped)
        self.df = {t: n for t, n in self.df.items() if t not in gone}  # a new dict: deleting does not shrink one

    def idf(self, term: str) -> float:
        """Smoothed IDF, as scikit-learn's ``smooth_idf``: an unseen term gets the highest weight."""
        return math.log((self.n_docs + 1) / (self.df.get(term, 0) + 1)) + 1.0

    def to_json(self) -> str:
        return json.dumps({"n_docs": self.n_docs, "df": self.df}, ensure_ascii=False)

    @classmethod
    def from_json(cls, s: str) -> DocFreq:
        data = _load_object(s, "DocFreq")
        return cls(n_docs=int(data.get("n_docs", 0)), df={str(k): int(v) for k, v in data.get("df", {}).items()})


@dataclass
class ArticleFeatures:
    """The connect step's view of one article. ``terms`` is L2-normalised; ``published`` is ISO 8601."""

    id: str
    published: str | None
    terms: dict[str, float]
    entities: list[str]
    speakers: list[str]
    tags: list[str]
    title: str | None = None

    def to_json(self) -> str:
        # Field by field: dataclasses.asdict deep-copies every value first (a third of the cost of saving).
        return json.dumps({"id": self.id, "published": self.published, "terms": self.terms,
                           "entities": self.entities, "speakers": self.speakers, "tags": self.tags,
                           "title": self.title}, ensure_ascii=False)

    @classmethod
    def from_json(cls, s: str) -> ArticleFeatures:
        d = _load_object(s, "ArticleFeatures")
        try:
            return cls(id=str(d["id"]), published=d.get("published"), terms=_weights(d.get("terms", {})),
                       entities=list(d.get("entities", [])), speakers=list(d.get("speakers", [])),
                       tags=list(d.get("tags", [])), title=d.get("title"))
        except KeyError as exc:
            raise ValueError(f"ArticleFeatures JSON lacks the field {exc}; was it written by to_json()?") from exc


def _weights(raw: dict[str, Any]) -> dict[str, float]:
    """Term weights as read from JSON: taken as they are when every weight is already a float (what ``to_json``
    writes; JSON keys are always strings), converted otherwise. Ranking reads hundreds of these per query."""
    if all(type(v) is float for v in raw.values()):
        return raw
    return {str(k): float(v) for k, v in raw.items()}


def _load_object(s: str, what: str) -> dict[str, Any]:
    data = json.loads(s)
    if not isinstance(data, dict):
        raise ValueError(f"{what} JSON must be an object, got {type(data).__name__}: {s[:60]!r}")
    return data


@lru_cache(maxsize=1 << 16)  # words repeat (Zipf): most calls are cache hits
def normalize(word: str) -> str:
    """Lower-case, drop a possessive, fold a regular plural (``elections`` -> ``election``)."""
    w = word.lower().replace("’", "'")
    if w.endswith("'s"):
        w = w[:-2]
    w = w.strip("'.-&")
    if len(w) > 4 and w.isalpha():
        if w.endswith("ies"):
            w = w[:-3] + "y"
        elif w.endswith("s") and not w.endswith(("ss", "us", "is")):
            w = w[:-1]
    return w


def content_words(text: str) -> list[tuple[str, bool]]:
    """(normalised word, looks like a name) for every content word; names are capitalised mid-sentence."""
    return list(_content_words(text))


@lru_cache(maxsize=4)  # an article's text is read for its terms and again for its topics (tags): tokenise it once
def _content_words(text: str) -> tuple[tuple[str, bool], ...]:
    out: list[tuple[str, bool]] = []
    stop = stop_words()
    for m in WORD.finditer(text):
        raw = m.group()
        word = normalize(raw)
        if (len(word) < 2 and not word.isdigit()) or word in stop:
            continue
        if not raw[0].isupper():
            out.append((word, False))
            continue
        start = m.start()  # the three characters before the word, searched in place (no slice per word)
        at_start = start == 0 or bool(_SENTENCE_END.search(text, max(0, start - 3), start))
        out.append((word, not at_start))
    return tuple(out)


def term_counts(article: Article) -> Counter[str]:
    """The term counts of an article (``term_vector``'s input), computed once and shared by ``prepare`` and
    ``features`` so the text is tokenised once per article."""
    return _terms_with_flags(_article_text(article))


def _terms_with_flags(text: str) -> Counter[str]:
    """Term counts: words, and adjacent name pairs as ``"a b"`` (counted twice over for the name boost)."""
    tokens = content_words(text)
    counts: Counter[str] = Counter()
    for i, (word, is_name) in enumerate(tokens):
        counts[word] += 1
        if is_name:
            counts["\x00" + word] += 1  # marks a name use; folded into the weight below
        if is_name and i + 1 < len(tokens) and tokens[i + 1][1]:
            counts[f"{word} {tokens[i + 1][0]}"] += 1
    return counts


def _article_text(article: Article) -> str:
    head = article.headline or ""
    return article.text if head and head in article.text else f"{head}\n{article.text}"


def article_terms(article: Article, counts: Counter[str] | None = None) -> list[str]:
    """The distinct terms of an article, as counted in ``DocFreq`` (``counts``: its ``term_counts``, if known)."""
    return sorted(t for t in (counts if counts is not None else term_counts(article)) if not t.startswith("\x00"))


def term_vector(text: str, df: DocFreq, headline: str | None = None, limit: int = MAX_TERMS,
                counts: Counter[str] | None = None) -> dict[str, float]:
    """Sublinear TF x IDF, names and headline words weighted up, top ``limit`` terms, L2-normalised.
    ``counts``: the text's term counts when already known (``term_counts``)."""
    if counts is None:
        counts = _terms_with_flags(text)
    head = {w for w, _ in content_words(headline)} if headline else set()
    weights: dict[str, float] = {}
    for term, n in counts.items():
        if term.startswith("\x00"):
            continue
        w = (1.0 + math.log(n)) * df.idf(term)
        if counts.get("\x00" + term, 0) * 2 > n or " " in term:
            w *= NAME_BOOST
        if term in head:
            w *= HEADLINE_BOOST
        weights[term] = w
    top = sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    norm = math.sqrt(sum(w * w for _, w in top)) or 1.0
    return {t: w / norm for t, w in top}


def features(article_id: str, article: Article, df: DocFreq, counts: Counter[str] | None = None) -> ArticleFeatures:
    """The features of an article, weighted by the corpus statistics ``df`` (which should already count it);
    ``counts``: its ``term_counts`` when already known.

    Tags are ranked only for an article that went through the entities stage: ranking them for a bare article
    would run spaCy here, which is the pipeline's job, not the connect step's."""
    from newsgraph.connect.tags import rank_tags

    tags = rank_tags(article, df) if article.entities else []
    speakers = list(dict.fromkeys(q.speaker.name for q in article.quotes if q.speaker.name))
    return ArticleFeatures(id=article_id, published=article.published or article.updated,
                           terms=term_vector(_article_text(article), df, article.headline, counts=counts),
                           entities=list(dict.fromkeys(e.key for e in article.entities)),
                           speakers=speakers, tags=tags, title=article.headline)
