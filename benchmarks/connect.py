"""Speed and memory of the connect step as the corpus grows, with scikit-learn run side by side.

    .venv/bin/python benchmarks/connect.py [SIZES...]      (default: 500 2000 8000)

The stream is ``tests/corpus_gen.synthetic`` (distinct dated articles recombined from the hand-written
fixtures), fed in time order. At each size N it prints:

- features: ms per article (``article_terms`` + ``DocFreq.add`` + ``features``);
- add: ms per ``StoryClusterer.add`` over the articles since the previous size, and the number of stories;
- rank_similar: ms per query (top 10 out of N), 50 queries; beside it scikit-learn's TF-IDF + ``linear_kernel``
  + ``argpartition`` for the same queries (vectorizer fitted on the N texts, fit time shown apart): the ratio
  is ours / scikit-learn;
- re-cluster: what clustering everything again costs at N with the offline reference (TF-IDF + average-link
  ``AgglomerativeClustering``), against the incremental cost of one ``add`` (only up to 2000: it is O(N^2));
- state MB: the size of the clusterer's JSON state (what the store keeps);
- and, after the timed runs, a second pass over the largest size under tracemalloc (which slows Python down,
  so it is kept out of the timings): peak MB allocated by ``DocFreq`` + features + ``StoryClusterer``.
"""

from __future__ import annotations

import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
from sklearn.cluster import AgglomerativeClustering
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics.pairwise import linear_kernel

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from corpus_gen import synthetic
from newsgraph.connect.features import ArticleFeatures, DocFreq, article_terms, features
from newsgraph.connect.similar import rank_similar
from newsgraph.connect.stories import StoryClusterer
from newsgraph.model import Article

QUERIES = 50


def articles(n: int) -> list[Article]:
    out = []
    for i, rec in enumerate(sorted(synthetic(n), key=lambda r: r["published"])):
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


def stream_into(items: list[Article], df: DocFreq, clusterer: StoryClusterer,
                feats: list[ArticleFeatures]) -> tuple[float, float]:
    """Feed articles through features and the clusterer; (feature seconds, add seconds)."""
    feat_s = add_s = 0.0
    for article in items:
        t0 = time.perf_counter()
        df.add(article_terms(article))
        f = features(article.source, article, df)
        t1 = time.perf_counter()
        clusterer.add(f)
        feat_s += t1 - t0
        add_s += time.perf_counter() - t1
        feats.append(f)
    return feat_s, add_s


def main(sizes: list[int]) -> None:
    stream = articles(max(sizes))
    df, clusterer = DocFreq(), StoryClusterer()
    feats: list[ArticleFeatures] = []
    feat_total, done = 0.0, 0
    print(f"{'N':>6} {'feat ms':>8} {'add ms':>7} {'stories':>8} {'rank ms':>8} {'sk ms':>7} {'ratio':>6} "
          f"{'sk fit s':>8} {'recluster s':>11} {'state MB':>8}")
    for n in sorted(sizes):
        feat_s, add_s = stream_into(stream[done:n], df, clusterer, feats)
        feat_total += feat_s
        per_add = add_s * 1000 / (n - done)
        done = n
        queries = list(range(0, n, max(1, n // QUERIES)))[:QUERIES]
        t0 = time.perf_counter()
        for q in queries:
            rank_similar(feats[q], feats, k=10)
        ours = (time.perf_counter() - t0) * 1000 / len(queries)
        fit, peer = peer_rank([a.text for a in stream[:n]], queries)
        recluster = f"{recluster_seconds([a.text for a in stream[:n]]):.2f}" if n <= 2000 else "-"
        state = len(clusterer.to_json().encode()) / 1e6
        print(f"{n:>6} {feat_total * 1000 / n:>8.2f} {per_add:>7.2f} {len(clusterer.stories()):>8} {ours:>8.2f} "
              f"{peer:>7.2f} {ours / peer:>6.1f} {fit:>8.2f} {recluster:>11} {state:>8.2f}", flush=True)
    tracemalloc.start()
    stream_into(stream, DocFreq(), StoryClusterer(), [])
    print(f"peak memory streaming {len(stream)} articles (tracemalloc): "
          f"{tracemalloc.get_traced_memory()[1] / 1e6:.1f} MB")
    tracemalloc.stop()


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [500, 2000, 8000])
