"""How the tag candidates are ranked and where the list stops.

Each candidate (an entity, a topic, a region, a key phrase or a section of the site, see
``tags.tag_candidates``) carries a few
numbers: its source, its share of its source's best score, how often and how early the text names it, whether
the opening names it, whether the tag is written as such in the text, how rare its words are, how many words
it has. Two scorers read them:

- ``HandScorer``: hand-set source weights, the list cut at a share of the first tag's score;
- ``LinearScorer``: a weighted sum of ``features``, the weights fitted (``fit_pairwise``) to put each editor-
  tags dev page's own tags above its other candidates, the list cut at a margin below the first.

``tag_weights.SCORER`` says which one ships, with its settings; ``benchmarks/train_tag_scorer.py`` refits both
and reports each the honest way, 5-fold cross-validated (fitted on four fifths of the pages, scored on the
fifth), since a figure on the pages a scorer was fitted on flatters it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Protocol

SOURCES = ("person", "org", "place", "entity", "topic", "region", "phrase", "section")
FEATURES = (*(f"src_{s}" for s in SOURCES), "share", "log_count", "top_of_source", "lead", "in_url", "first", "literal",
            "rarity", "words", "lone_name", "acronym")


@dataclass
class TagCandidate:
    """A possible tag and what the scorers weigh about it (see ``features``)."""

    name: str
    source: str  # one of SOURCES
    score: float  # the source's own score as a share of the source's best on the page, 0..1
    count: float = 0.0  # mentions (entities), cue density in percent (topics), 0 for the rest
    forms: set[str] = field(default_factory=set)  # written forms to find in the text
    lead: bool = False  # the headline (or the opening when there is none) or the URL's words name it
    in_url: bool = False  # the tag itself is among the URL's words (its slug, its section)
    rank: int = 0  # its place within its source, 0 first
    first: float = 1.0  # where in the text it is first named, 0 (start) to 1 (end, or never)
    literal: bool = False  # the tag itself is written in the text
    rarity: float = 0.0  # mean reference-corpus IDF of its words, scaled to 0..1


def features(c: TagCandidate) -> list[float]:
    """The candidate as numbers, in the order of ``FEATURES``."""
    words = c.name.split()
    return [*(1.0 if c.source == s else 0.0 for s in SOURCES), c.score, math.log1p(c.count),
            1.0 / (1 + c.rank), float(c.lead), float(c.in_url), c.first, float(c.literal), c.rarity,
            min(len(words), 4) / 4, float(c.source == "person" and len(words) == 1), float(c.name.isupper())]


class Scorer(Protocol):
    def score(self, c: TagCandidate) -> float: ...

    def cut(self, ranked: list[tuple[str, float]], k: int) -> list[str]: ...


@dataclass(frozen=True, slots=True)
class HandScorer:
    """The hand-set rule: entities score their share of the page's best entity; topics, regions and key phrases
    their share weighted down (key phrases last: on the editor tags only one in twenty is an editor's tag;
    editors seldom tag a region the text does not name). Past ``min_tags``, a tag under ``min_relative`` of
    the first is left out: a short list of likely tags beats ten with a tail of guesses."""

    topic: float = 0.7
    region: float = 0.1
    phrase: float = 0.15
    min_tags: int = 5  # editors list six tags (median); fewer than five loses more recall than it wins precision
    min_relative: float = 0.3
    url: float = 1.0  # a topic, region or key phrase the URL's words name is lifted this much (entities: 1.5)
    section: float = 0.3  # a section of the site the URL files the article under ("/latest-news/")

    def score(self, c: TagCandidate) -> float:
        if c.source == "section":
            return self.section * c.score
        lift = self.url if c.in_url else 1.0
        if c.source == "topic":
            return self.topic * c.score * lift
        if c.source == "region":
            return self.region * c.score * lift
        return self.phrase * c.score * lift if c.source == "phrase" else c.score

    def cut(self, ranked: list[tuple[str, float]], k: int) -> list[str]:
        top = ranked[0][1] if ranked else 0.0
        return [t for i, (t, s) in enumerate(ranked[:k]) if i < self.min_tags or s >= self.min_relative * top]


@dataclass(frozen=True, slots=True)
class LinearScorer:
    """A weighted sum of ``features``, fitted to put an editor's tags above the page's other candidates
    (``fit_pairwise``); past ``min_tags``, a tag more than ``margin`` below the first is left out."""

    weights: tuple[float, ...]  # one per FEATURES
    margin: float = 2.0
    min_tags: int = 5

    def __post_init__(self) -> None:
        if len(self.weights) != len(FEATURES):
            raise ValueError(f"LinearScorer needs {len(FEATURES)} weights (one per FEATURES), got "
                             f"{len(self.weights)}: refit with benchmarks/train_tag_scorer.py")

    def score(self, c: TagCandidate) -> float:
        return sum(w * x for w, x in zip(self.weights, features(c), strict=True))

    def cut(self, ranked: list[tuple[str, float]], k: int) -> list[str]:
        top = ranked[0][1] if ranked else 0.0
        return [t for i, (t, s) in enumerate(ranked[:k]) if i < self.min_tags or s >= top - self.margin]

    def to_dict(self) -> dict[str, Any]:
        return {"features": list(FEATURES), "weights": [round(w, 6) for w in self.weights],
                "margin": self.margin, "min_tags": self.min_tags}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LinearScorer:
        if list(data.get("features", [])) != list(FEATURES):
            raise ValueError(f"tag scorer weights are for features {data.get('features')}, this code has "
                             f"{list(FEATURES)}: refit with benchmarks/train_tag_scorer.py")
        return cls(tuple(float(w) for w in data["weights"]), float(data["margin"]), int(data["min_tags"]))


def fit_pairwise(pages: list[tuple[list[list[float]], list[int]]], l2: float = 0.1,
                 steps: int = 50) -> tuple[float, ...]:
    """Weights that rank each page's positives (label 1) above its negatives: an L2-regularised logistic
    regression on the feature differences of every (positive, negative) pair of a page, each page weighing
    the same. Newton's method: a few dozen features, so the Hessian is tiny."""
    import numpy as np

    diffs, weights = [], []
    for x, y in pages:
        a = np.asarray(x, dtype=float)
        pos, neg = a[np.asarray(y) == 1], a[np.asarray(y) == 0]
        if len(pos) and len(neg):
            d = (pos[:, None, :] - neg[None, :, :]).reshape(-1, a.shape[1])
            diffs.append(d)
            weights.append(np.full(len(d), 1.0 / len(d)))
    if not diffs:
        return (0.0,) * len(FEATURES)
    d, sw = np.vstack(diffs), np.concatenate(weights)
    w = np.zeros(d.shape[1])
    for _ in range(steps):  # every pair is labelled "first above second": p = sigmoid(w . d)
        p = 1.0 / (1.0 + np.exp(-np.clip(d @ w, -30, 30)))
        grad = d.T @ (sw * (p - 1.0)) + l2 * w
        hess = (d * (sw * p * (1 - p))[:, None]).T @ d + l2 * np.eye(len(w))
        step = np.linalg.solve(hess, grad)
        w -= step
        if float(np.abs(step).max()) < 1e-8:
            break
    return tuple(float(v) for v in w)


def scorer_from_dict(data: dict[str, Any]) -> Scorer:
    """A scorer from its settings: ``{"type": "hand", ...HandScorer fields}`` or ``{"type": "linear",
    "features": [...], "weights": [...], "margin": ..., "min_tags": ...}``."""
    kind = data.get("type")
    if kind == "hand":
        return HandScorer(**{k: v for k, v in data.items() if k != "type"})
    if kind == "linear":
        return LinearScorer.from_dict(data)
    raise ValueError(f"unknown tag scorer type {kind!r}: expected 'hand' or 'linear'")


def scorer_to_dict(scorer: Scorer) -> dict[str, Any]:
    """The settings ``scorer_from_dict`` reads back."""
    if isinstance(scorer, HandScorer):
        return {"type": "hand", "topic": scorer.topic, "region": scorer.region, "phrase": scorer.phrase,
                "min_tags": scorer.min_tags, "min_relative": scorer.min_relative, "url": scorer.url,
                "section": scorer.section}
    if isinstance(scorer, LinearScorer):
        return {"type": "linear", **scorer.to_dict()}
    raise TypeError(f"no settings form for a {type(scorer).__name__}: expected a HandScorer or a LinearScorer")


@lru_cache(maxsize=1)
def default_scorer() -> Scorer:
    """The shipped scorer (``tag_weights.SCORER``, written by ``benchmarks/train_tag_scorer.py``)."""
    from newsgraph.connect.tag_weights import SCORER

    return scorer_from_dict(SCORER)
