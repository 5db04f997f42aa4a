"""Speed and memory of the connect step as the corpus grows, with scikit-learn run side by side.

    .venv/bin/python benchmarks/connect.py [--unordered] [--no-memory] [SIZES...]   (default: 500 2000 8000)

The stream is ``tests/corpus_gen.synthetic`` (distinct dated articles recombined from the hand-written
fixtures), fed in time order (``--unordered``: in the generator's order, dates all over the year, as
benchmarks/ingest.py feeds them). At each size N it prints:

- features: ms per article (``article_terms`` + ``DocFreq.add`` + ``features``);
- add: ms per ``StoryClusterer.add`` over the articles since the previous size, and the number of stories;
  beside it ``v1 ms``, the first version's ``add`` (``ReferenceClusterer`` below: every story sharing a top term
  is a candidate, open or not; two tuple-key sorts of a story's terms per add; the year test without a cache) on
  the same features, with the ratio v1 / ours and whether both put every article in the same story (they
  should: ``same``);
- rank_similar: ms per query (top 10 out of N), 50 queries; beside it scikit-learn's TF-IDF + ``linear_kernel``
  + ``argpartition`` for the same queries (vectorizer fitted on the N texts, fit time shown apart): the ratio
  is ours / scikit-learn;
- re-cluster: what clustering everything again costs at N with the offline reference (TF-IDF + average-link
  ``AgglomerativeClustering``), against the incremental cost of one ``add`` (only up to 2000: it is O(N^2));
- state MB: the size of the clusterer's whole JSON state; save ms: one ``to_json`` (a full rebuild) after the
  articles since the previous size, beside v1's. The store no longer writes this whole state: a checkpoint
  writes only the stories changed since the last one (``StoryClusterer.take_changed``, table ``story_state``);
- and, after the timed runs, a second pass over the largest size under tracemalloc (which slows Python down,
  so it is kept out of the timings): peak MB allocated by ``DocFreq`` + features + ``StoryClusterer``.
"""

from __future__ import annotations

import json
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import numpy as np
from sklearn.cluster import AgglomerativeClustering
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics.pairwise import linear_kernel

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from corpus_gen import synthetic
from newsgraph.connect.features import ArticleFeatures, DocFreq, article_terms, features
from newsgraph.connect.similar import days_apart, rank_similar, similarity
from newsgraph.connect.stories import (
    INDEX_TERMS,
    QUERY_TERMS,
    StoryClusterer,
    _day_key,
    _StoryState,
    year_conflict,
    years,
)
from newsgraph.model import Article

QUERIES = 50


class ReferenceClusterer:
    """The first version of ``StoryClusterer.add`` (same story state and similarity), kept to measure against."""

    def __init__(self) -> None:
        self.inner = StoryClusterer()
        self.index: dict[str, set[str]] = {}
        self.indexed: dict[str, list[str]] = {}

    def add(self, f: ArticleFeatures) -> str:
        c, opts = self.inner, self.inner.options
        best_id, best = None, opts.threshold
        top = sorted(f.terms, key=lambda t: -f.terms[t])[:QUERY_TERMS]
        found: set[str] = set()
        for t in top:
            found |= self.index.get(t, set())
        for sid in sorted(found, key=lambda s: int(s[1:])):
            state = c._stories[sid]
            gap = days_apart(state.last, f.published)
            if gap is not None and gap > opts.window_days and _day_key(f.published or "") > (state.last or ""):
                continue
            if sid not in c._centroids:
                ranked = [t for t, _ in sorted(state.sums.items(), key=lambda kv: (-kv[1], kv[0]))]
                c._centroids[sid] = state.centroid(opts, ranked[:opts.centroid_terms])
            score = similarity(f, c._centroids[sid])
            if opts.year_penalty and year_conflict(years(f.terms), years(state.sums)):
                score -= opts.year_penalty  # the year test, as ours (uncached), so the stories stay comparable
            if score >= best:
                best_id, best = sid, score
        if best_id is None:
            best_id = f"s{c._next}"
            c._next += 1
            c._stories[best_id] = _StoryState(best_id)
            best = 1.0
        state = c._stories[best_id]
        state.absorb(f, best)
        state.prune(opts.centroid_terms)
        c._centroids.pop(best_id, None)
        for t in self.indexed.get(best_id, []):
            self.index[t].discard(best_id)
        self.indexed[best_id] = [t for t, _ in sorted(state.sums.items(), key=lambda kv: (-kv[1], kv[0]))][
            :INDEX_TERMS]
        for t in self.indexed[best_id]:
            self.index.setdefault(t, set()).add(best_id)
        return best_id

    def to_json(self) -> str:
        c = self.inner
        return json.dumps({"options": asdict(c.options), "next": c._next,
                           "stories": [asdict(s) for s in c._stories.values()]}, ensure_ascii=False)


def articles(n: int, ordered: bool = True) -> list[Article]:
    out = []
    recs = synthetic(n, seed=7 if ordered else 2)
    for i, rec in enumerate(sorted(recs, key=lambda r: r["published"]) if ordered else recs):
        head = rec["text"].split("\n", 1)[0]
        out.append(Article(source=f"d{i}", text=rec["text"], headline=head, published=rec["published"]))
    return out


def peer_rank(texts: list[str], queries: list[int]) -> tuple[float, float]:
    """(fit seconds, ms per query) for scikit-learn TF-IDF cosine top 10."""
    t0 = time.perf_counter()
    x = TfidfVectorizer(sublinear_tf=True, stop_words="english").fit_transform(texts)
    fit = time.perf_counter() - t0
    t0 = time.perf_counter()
    for q in queries:
        sims = linear_kernel(x[q], x).ravel()
        sims[q] = -1
        top = np.argpartition(-sims, 10)[:10]
        top[np.argsort(-sims[top])]
    return fit, (time.perf_counter() - t0) * 1000 / len(queries)


def recluster_seconds(texts: list[str]) -> float:
    t0 = time.perf_counter()
    x = TfidfVectorizer(sublinear_tf=True, stop_words="english", min_df=2).fit_transform(texts).toarray()
    AgglomerativeClustering(n_clusters=None, metric="cosine", linkage="average",
                            distance_threshold=0.775).fit(x)
    return time.perf_counter() - t0


def stream_into(items: list[Article], df: DocFreq, clusterer: StoryClusterer, feats: list[ArticleFeatures],
                ref: ReferenceClusterer | None = None) -> tuple[float, float, float, bool]:
    """Feed articles through features and the clusterer (and ``ref`` right after it, on the same features, so
    both meet the same machine load); (feature seconds, add seconds, ref add seconds, same stories)."""
    feat_s = add_s = ref_s = 0.0
    same = True
    for article in items:
        t0 = time.perf_counter()
        df.add(article_terms(article))
        f = features(article.source, article, df)
        t1 = time.perf_counter()
        story = clusterer.add(f)
        t2 = time.perf_counter()
        if ref is not None:
            same = same and ref.add(f) == story
            ref_s += time.perf_counter() - t2
        feat_s += t1 - t0
        add_s += t2 - t1
        feats.append(f)
    return feat_s, add_s, ref_s, same


def timed_ms(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return (time.perf_counter() - t0) * 1000


def main(sizes: list[int], ordered: bool = True, memory: bool = True) -> None:
    stream = articles(max(sizes), ordered)
    df, clusterer, ref = DocFreq(), StoryClusterer(), ReferenceClusterer()
    feats: list[ArticleFeatures] = []
    feat_total, done = 0.0, 0
    print(f"{'N':>6} {'feat ms':>8} {'add ms':>7} {'v1 ms':>7} {'v1/ours':>7} {'same':>5} {'stories':>8} "
          f"{'rank ms':>8} {'sk ms':>7} {'ratio':>6} {'sk fit s':>8} {'recluster s':>11} {'state MB':>8} "
          f"{'save ms':>8} {'v1 save ms':>10}")
    for n in sorted(sizes):
        feat_s, add_s, ref_s, same = stream_into(stream[done:n], df, clusterer, feats, ref)
        feat_total += feat_s
        per_add, ref_ms = add_s * 1000 / (n - done), ref_s * 1000 / (n - done)
        done = n
        queries = list(range(0, n, max(1, n // QUERIES)))[:QUERIES]
        t0 = time.perf_counter()
        for q in queries:
            rank_similar(feats[q], feats, k=10)
        ours = (time.perf_counter() - t0) * 1000 / len(queries)
        fit, peer = peer_rank([a.text for a in stream[:n]], queries)
        recluster = f"{recluster_seconds([a.text for a in stream[:n]]):.2f}" if n <= 2000 else "-"
        save_ms = timed_ms(clusterer.to_json)
        ref_save_ms = timed_ms(ref.to_json)
        state = len(clusterer.to_json().encode()) / 1e6
        print(f"{n:>6} {feat_total * 1000 / n:>8.2f} {per_add:>7.2f} {ref_ms:>7.2f} {ref_ms / per_add:>7.1f} "
              f"{'yes' if same else 'NO':>5} {len(clusterer.stories()):>8} {ours:>8.2f} {peer:>7.2f} "
              f"{ours / peer:>6.1f} {fit:>8.2f} {recluster:>11} {state:>8.2f} {save_ms:>8.1f} {ref_save_ms:>10.1f}",
              flush=True)
    if not memory:
        return
    tracemalloc.start()
    stream_into(stream, DocFreq(), StoryClusterer(), [])
    print(f"peak memory streaming {len(stream)} articles (tracemalloc): "
          f"{tracemalloc.get_traced_memory()[1] / 1e6:.1f} MB")
    tracemalloc.stop()


if __name__ == "__main__":
    args = sys.argv[1:]
    main([int(a) for a in args if not a.startswith("--")] or [500, 2000, 8000], ordered="--unordered" not in args,
         memory="--no-memory" not in args)
