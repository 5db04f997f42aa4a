"""Stories and similar news measured on ECB+ (topics 1-35 here; each topic holds two events of the same kind).

Stories: the online ``StoryClusterer`` sees the documents one at a time, in a seeded random order (ECB+ has no
publication dates, so there is no natural stream order, and every article is undated: the time factor is
neutral), with features weighted by the document frequencies seen so far. Scored against the gold story
labels with B-cubed precision/recall/F1, pairwise F1 and the adjusted Rand index, beside the reference method:
TF-IDF (sublinear, English stop words, min_df=2) + average-link agglomerative clustering on cosine distance,
fitted on the whole set at once (offline), distance threshold 0.775 (its best on these topics).

Similar news: for every document, the other documents ranked by ``rank_similar`` on the features the stream
produced; same story is relevant, same topic but the other event is a hard negative. nDCG@10, precision@5 and
the share of hard negatives in the top 5, beside TF-IDF cosine over the same documents.
"""

from __future__ import annotations

import json
import math
import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from newsgraph.connect.features import ArticleFeatures, DocFreq, article_terms, features
from newsgraph.connect.similar import rank_similar
from newsgraph.connect.stories import ClusterOptions, StoryClusterer
from newsgraph.errors import MissingExtra
from newsgraph.model import Article

ECBPLUS = Path("data/similar/ecbplus")
BASELINE_THRESHOLD = 0.775


@dataclass(frozen=True, slots=True)
class EcbDoc:
    doc_id: str
    topic: int
    story: str
    title: str
    text: str
    url: str | None


@dataclass(frozen=True, slots=True)
class ClusterScores:
    clusters: int
    bcubed_p: float
    bcubed_r: float
    bcubed_f1: float
    pairwise_f1: float
    ari: float


@dataclass(frozen=True, slots=True)
class RankScores:
    ndcg10: float
    p5: float
    hard_negatives5: float


def load_ecbplus(root: Path, topics: Sequence[int] | None = None) -> list[EcbDoc]:
    """The documents of ``docs.jsonl`` (all topics present, or those listed), in file order."""
    path = root / "docs.jsonl"
    if not path.exists():
        raise FileNotFoundError(f"{path} not found: point NEWSGRAPH_SHARED (or --data) at the shared data folder")
    docs = []
    for line in path.read_text(encoding="utf-8").splitlines():
        d = json.loads(line)
        if topics is None or int(d["topic"]) in topics:
            docs.append(EcbDoc(d["doc_id"], int(d["topic"]), d["story"], d["title"], d["text"], d.get("url")))
    return docs


def as_article(doc: EcbDoc) -> Article:
    return Article(source=doc.doc_id, text=doc.text, headline=doc.title, url=doc.url)


# ----------------------------------------------------------------------------------------------------- metrics


def bcubed(gold: Sequence[str], pred: Sequence[str]) -> tuple[float, float, float]:
    """B-cubed precision, recall and F1 (Bagga & Baldwin 1998), item-averaged."""
    pairs = Counter(zip(gold, pred, strict=True))
    g_size, p_size = Counter(gold), Counter(pred)
    n = len(gold)
    p = sum(c * c / p_size[pc] for (_, pc), c in pairs.items()) / n
    r = sum(c * c / g_size[gc] for (gc, _), c in pairs.items()) / n
    return p, r, 2 * p * r / (p + r) if p + r else 0.0


def _comb2(x: int) -> float:
    return x * (x - 1) / 2


def pairwise_f1(gold: Sequence[str], pred: Sequence[str]) -> float:
    """F1 over the pairs of items put together (gold pairs vs predicted pairs)."""
    both = sum(_comb2(c) for c in Counter(zip(gold, pred, strict=True)).values())
    g = sum(_comb2(c) for c in Counter(gold).values())
    p = sum(_comb2(c) for c in Counter(pred).values())
    return 2 * both / (g + p) if g + p else 1.0


def adjusted_rand(gold: Sequence[str], pred: Sequence[str]) -> float:
    """Adjusted Rand index (Hubert & Arabie 1985), the same value as scikit-learn's ``adjusted_rand_score``."""
    index = sum(_comb2(c) for c in Counter(zip(gold, pred, strict=True)).values())
    a = sum(_comb2(c) for c in Counter(gold).values())
    b = sum(_comb2(c) for c in Counter(pred).values())
    expected = a * b / _comb2(len(gold)) if len(gold) > 1 else 0.0
    top = (a + b) / 2 - expected
    return 1.0 if top == 0 else (index - expected) / top


def cluster_scores(gold: Sequence[str], pred: Sequence[str]) -> ClusterScores:
    p, r, f = bcubed(gold, pred)
    return ClusterScores(len(set(pred)), p, r, f, pairwise_f1(gold, pred), adjusted_rand(gold, pred))


def ndcg_at(relevant: Sequence[bool], n_relevant: int, k: int = 10) -> float:
    dcg = sum(1 / math.log2(i + 2) for i, rel in enumerate(relevant[:k]) if rel)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(k, n_relevant)))
    return dcg / ideal if ideal else 0.0


# ------------------------------------------------------------------------------------------------ our methods


def stream_features(docs: Sequence[EcbDoc], seed: int) -> list[ArticleFeatures]:
    """Features of the documents in a seeded random order, each weighted by the corpus seen up to it."""
    order = list(docs)
    random.Random(seed).shuffle(order)
    df = DocFreq()
    out = []
    for doc in order:
        article = as_article(doc)
        df.add(article_terms(article))
        out.append(features(doc.doc_id, article, df))
    return out


def online_clusters(feats: Sequence[ArticleFeatures], options: ClusterOptions | None = None) -> dict[str, str]:
    clusterer = StoryClusterer(options)
    return {f.id: clusterer.add(f) for f in feats}


def rank_scores(docs: Sequence[EcbDoc], ranker: Callable[[int], list[int]]) -> RankScores:
    """Average the ranking measures over every document with at least one other member in its story."""
    story_size = Counter(d.story for d in docs)
    ndcg, p5, hard = [], [], []
    for i, d in enumerate(docs):
        if story_size[d.story] < 2:
            continue
        top = ranker(i)[:10]
        rel = [docs[j].story == d.story for j in top]
        ndcg.append(ndcg_at(rel, story_size[d.story] - 1))
        p5.append(sum(rel[:5]) / 5)
        hard.append(sum(docs[j].topic == d.topic and docs[j].story != d.story for j in top[:5]) / 5)
    return RankScores(*(sum(x) / len(x) for x in (ndcg, p5, hard)))


def similar_ranker(docs: Sequence[EcbDoc], feats: Sequence[ArticleFeatures]) -> Callable[[int], list[int]]:
    by_id = {f.id: f for f in feats}
    pos = {d.doc_id: i for i, d in enumerate(docs)}
    ordered = [by_id[d.doc_id] for d in docs]

    def rank(i: int) -> list[int]:
        return [pos[doc_id] for doc_id, _ in rank_similar(ordered[i], ordered, k=10)]
    return rank


# ------------------------------------------------------------------------------------------------- baseline


def _sklearn() -> Any:
    try:
        import sklearn  # noqa: F401
    except ImportError as exc:
        raise MissingExtra("scikit-learn (for the TF-IDF reference method)", "eval") from exc
    from sklearn.feature_extraction.text import TfidfVectorizer
    return TfidfVectorizer


def tfidf_matrix(docs: Sequence[EcbDoc]) -> Any:
    vectorizer = _sklearn()(sublinear_tf=True, stop_words="english", min_df=2)
    return vectorizer.fit_transform([d.text for d in docs])


def baseline_clusters(docs: Sequence[EcbDoc], threshold: float = BASELINE_THRESHOLD) -> list[str]:
    """TF-IDF + average-link agglomerative clustering on cosine distance, cut at ``threshold``."""
    from sklearn.cluster import AgglomerativeClustering

    x = tfidf_matrix(docs).toarray()
    model = AgglomerativeClustering(n_clusters=None, metric="cosine", linkage="average",
                                    distance_threshold=threshold)
    return [str(label) for label in model.fit_predict(x)]


def baseline_ranker(docs: Sequence[EcbDoc]) -> Callable[[int], list[int]]:
    import numpy as np

    x = tfidf_matrix(docs)
    sims = (x @ x.T).toarray()
    np.fill_diagonal(sims, -1.0)

    def rank(i: int) -> list[int]:
        return [int(j) for j in np.argsort(-sims[i], kind="stable")[:10]]
    return rank


# ---------------------------------------------------------------------------------------------------- reports


@dataclass(frozen=True, slots=True)
class StoriesReport:
    docs: int
    stories: int
    online: list[ClusterScores]  # one per stream order
    baseline: ClusterScores

    def mean(self) -> ClusterScores:
        n = len(self.online)
        return ClusterScores(*(sum(getattr(s, f) for s in self.online) / n for f in ClusterScores.__slots__))


def evaluate_stories(root: Path, seeds: Sequence[int] = (0, 1, 2), options: ClusterOptions | None = None,
                     topics: Sequence[int] | None = None, with_baseline: bool = True) -> StoriesReport:
    docs = load_ecbplus(root, topics)
    gold = {d.doc_id: d.story for d in docs}
    runs = []
    for seed in seeds:
        assigned = online_clusters(stream_features(docs, seed), options)
        ids = sorted(assigned)
        runs.append(cluster_scores([gold[i] for i in ids], [assigned[i] for i in ids]))
    base = cluster_scores([d.story for d in docs], baseline_clusters(docs)) if with_baseline else runs[0]
    return StoriesReport(len(docs), len(set(gold.values())), runs, base)


@dataclass(frozen=True, slots=True)
class SimilarReport:
    docs: int
    ours: RankScores
    baseline: RankScores


def evaluate_similar(root: Path, seed: int = 0, topics: Sequence[int] | None = None) -> SimilarReport:
    docs = load_ecbplus(root, topics)
    ours = rank_scores(docs, similar_ranker(docs, stream_features(docs, seed)))
    return SimilarReport(len(docs), ours, rank_scores(docs, baseline_ranker(docs)))


def stories_text(report: StoriesReport) -> str:
    lines = [f"ECB+ stories: {report.docs} documents, {report.stories} gold stories; online runs: "
             f"{len(report.online)} stream orders (mean, then each)",
             f"{'method':<26}{'clusters':>9}{'B3 P':>7}{'B3 R':>7}{'B3 F1':>7}{'pair F1':>9}{'ARI':>7}"]
    rows = [("newsgraph online (mean)", report.mean())]
    rows += [(f"  order {i}", s) for i, s in enumerate(report.online)]
    rows.append((f"tf-idf avg-link @{BASELINE_THRESHOLD}", report.baseline))
    for name, s in rows:
        lines.append(f"{name:<26}{s.clusters:>9.0f}{s.bcubed_p:>7.3f}{s.bcubed_r:>7.3f}{s.bcubed_f1:>7.3f}"
                     f"{s.pairwise_f1:>9.3f}{s.ari:>7.3f}")
    return "\n".join(lines)


def similar_text(report: SimilarReport) -> str:
    lines = [f"ECB+ similar news: {report.docs} documents; relevant = same story; hard negative = same topic, "
             "other story",
             f"{'method':<20}{'nDCG@10':>9}{'P@5':>7}{'hard neg@5':>12}"]
    for name, s in (("newsgraph", report.ours), ("tf-idf cosine", report.baseline)):
        lines.append(f"{name:<20}{s.ndcg10:>9.3f}{s.p5:>7.3f}{s.hard_negatives5:>12.3f}")
    return "\n".join(lines)


def stories_dict(report: StoriesReport) -> dict[str, Any]:
    return {"docs": report.docs, "stories": report.stories, "online_mean": asdict(report.mean()),
            "online": [asdict(s) for s in report.online], "baseline": asdict(report.baseline)}


def similar_dict(report: SimilarReport) -> dict[str, Any]:
    return {"docs": report.docs, "newsgraph": asdict(report.ours), "baseline": asdict(report.baseline)}
