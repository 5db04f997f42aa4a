"""Online story clustering: articles arrive one at a time, in time order, and each joins the most similar open
story or starts a new one (single-pass clustering, as in TDT "first story detection").

A story is kept as the running sum of its members' term vectors (its centroid), counts of its entities,
speakers and tags, and its time span. A new article is compared with the stories that share one of its top
terms (an inverted index over each centroid's top terms keeps this sub-linear in the number of stories) and
that are still open: a dated story whose last article is more than ``window_days`` before the new one is
closed. The article joins the best story when ``similarity`` to its centroid reaches ``threshold``.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from newsgraph.connect.features import ArticleFeatures
from newsgraph.connect.similar import days_apart, similarity, to_date

CENTROID_TERMS = 300
INDEX_TERMS = 40
QUERY_TERMS = 30


@dataclass
class Story:
    id: str
    label: str
    first: str | None
    last: str | None
    members: list[str]
    speakers: list[str]


@dataclass(frozen=True, slots=True)
class ClusterOptions:
    """``threshold``: the least similarity to a story's centroid to join it; ``window_days``: a dated story
    whose last article is older than this (relative to the new one) takes no more articles."""

    threshold: float = 0.28
    window_days: float = 14.0
    centroid_terms: int = CENTROID_TERMS

    def __post_init__(self) -> None:
        if not 0.0 < self.threshold < 1.0:
            raise ValueError(f"threshold must be between 0 and 1 (a similarity), got {self.threshold}")
        if self.window_days <= 0:
            raise ValueError(f"window_days must be positive, got {self.window_days}")


@dataclass
class _StoryState:
    id: str
    sums: dict[str, float] = field(default_factory=dict)
    members: list[str] = field(default_factory=list)
    entities: dict[str, int] = field(default_factory=dict)
    speakers: dict[str, int] = field(default_factory=dict)
    tags: dict[str, int] = field(default_factory=dict)
    first: str | None = None
    last: str | None = None
    label: str = ""
    label_score: float = -1.0

    def centroid(self, options: ClusterOptions) -> ArticleFeatures:
        top = sorted(self.sums.items(), key=lambda kv: (-kv[1], kv[0]))[:options.centroid_terms]
        norm = math.sqrt(sum(w * w for _, w in top)) or 1.0
        half = len(self.members) / 2
        return ArticleFeatures(id=self.id, published=self.last, terms={t: w / norm for t, w in top},
                               entities=[e for e, n in self.entities.items() if n >= half],
                               speakers=list(self.speakers), tags=[t for t, n in self.tags.items() if n >= half])

    def absorb(self, f: ArticleFeatures, score: float) -> None:
        for t, w in f.terms.items():
            self.sums[t] = self.sums.get(t, 0.0) + w
        for counts, items in ((self.entities, f.entities), (self.speakers, f.speakers), (self.tags, f.tags)):
            for item in dict.fromkeys(items):  # distinct, in order (a set's order varies by process)
                counts[item] = counts.get(item, 0) + 1
        self.members.append(f.id)
        if f.published:
            self.first = min(self.first or f.published, f.published, key=_day_key)
            self.last = max(self.last or f.published, f.published, key=_day_key)
        if f.title and score > self.label_score:
            self.label, self.label_score = f.title, score


    def prune(self, keep: int) -> None:
        """Bound the memory of a long story: past 4x ``keep`` terms, keep the 2x ``keep`` heaviest."""
        if len(self.sums) > 4 * keep:
            self.sums = dict(sorted(self.sums.items(), key=lambda kv: (-kv[1], kv[0]))[:2 * keep])


def _day_key(value: str) -> str:
    d = to_date(value)
    return d.isoformat() if d else value


class StoryClusterer:
    """Single-pass story clustering over a time-ordered stream of ``ArticleFeatures``."""

    def __init__(self, options: ClusterOptions | None = None) -> None:
        self.options = options or ClusterOptions()
        self._stories: dict[str, _StoryState] = {}
        self._index: dict[str, set[str]] = {}
        self._indexed: dict[str, list[str]] = {}
        self._centroids: dict[str, ArticleFeatures] = {}  # cache, rebuilt when a story takes an article
        self._next = 1

    def add(self, f: ArticleFeatures) -> str:
        """Put one article into a story and return the story's id (an existing one, or a new one)."""
        best_id, best = None, self.options.threshold
        for sid in self._candidates(f):
            state = self._stories[sid]
            if self._closed(state, f):
                continue
            if sid not in self._centroids:
                self._centroids[sid] = state.centroid(self.options)
            score = similarity(f, self._centroids[sid])
            if score >= best:
                best_id, best = sid, score
        if best_id is None:
            best_id = f"s{self._next}"
            self._next += 1
            self._stories[best_id] = _StoryState(best_id)
            best = 1.0
        state = self._stories[best_id]
        state.absorb(f, best)
        state.prune(self.options.centroid_terms)
        self._centroids.pop(best_id, None)
        self._reindex(state)
        return best_id

    def _candidates(self, f: ArticleFeatures) -> list[str]:
        top = sorted(f.terms, key=lambda t: -f.terms[t])[:QUERY_TERMS]
        found: set[str] = set()
        for t in top:
            found |= self._index.get(t, set())
        return sorted(found, key=lambda s: int(s[1:]))

    def _closed(self, state: _StoryState, f: ArticleFeatures) -> bool:
        gap = days_apart(state.last, f.published)
        return gap is not None and gap > self.options.window_days and _day_key(f.published or "") > (state.last or "")

    def _reindex(self, state: _StoryState) -> None:
        for t in self._indexed.get(state.id, []):
            self._index[t].discard(state.id)
        top = [t for t, _ in sorted(state.sums.items(), key=lambda kv: (-kv[1], kv[0]))[:INDEX_TERMS]]
        for t in top:
            self._index.setdefault(t, set()).add(state.id)
        self._indexed[state.id] = top

    def stories(self) -> list[Story]:
        """Every story, largest first; ``speakers`` are the most quoted, at most five."""
        out = [Story(id=s.id, label=s.label or _top_terms(s), first=s.first, last=s.last, members=list(s.members),
                     speakers=[name for name, _ in Counter(s.speakers).most_common(5)])
               for s in self._stories.values()]
        return sorted(out, key=lambda s: (-len(s.members), int(s.id[1:])))

    def assignments(self) -> dict[str, str]:
        """Article id -> story id."""
        return {m: s.id for s in self._stories.values() for m in s.members}

    def to_json(self) -> str:
        return json.dumps({"options": asdict(self.options), "next": self._next,
                           "stories": [asdict(s) for s in self._stories.values()]}, ensure_ascii=False)

    @classmethod
    def from_json(cls, s: str) -> StoryClusterer:
        data: Any = json.loads(s)
        if not isinstance(data, dict) or "stories" not in data:
            raise ValueError("StoryClusterer JSON must be an object with 'stories'; was it written by to_json()?")
        clusterer = cls(ClusterOptions(**data.get("options", {})))
        clusterer._next = int(data.get("next", 1))
        for raw in data["stories"]:
            state = _StoryState(**raw)
            clusterer._stories[state.id] = state
            clusterer._reindex(state)
        return clusterer


def _top_terms(state: _StoryState, n: int = 3) -> str:
    return " / ".join(t for t, _ in sorted(state.sums.items(), key=lambda kv: -kv[1])[:n])
