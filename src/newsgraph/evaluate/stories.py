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

With embeddings (``embeddings="minilm-int8"``, optional): each document's headline and first part is embedded
(``newsgraph.connect.embeddings``) and the score becomes ``(1 - w) * lexical + w * cosine``. For stories the
cosine is with the normalised sum of the story's members' vectors, and the join threshold is raised with ``w``
(mean cosine of two documents from other topics 0.105, same topic but other event 0.526, same story 0.753:
higher than the lexical scores). Chosen on topics 1-35 (all of the set here), mean of the 3 pinned orders for
stories:

    similar nDCG@10 / P@5   w=0: 0.937 / 0.952   0.1-0.3: 0.938 / 0.952-0.953   0.5: 0.933 / 0.951
                            0.8: 0.918 / 0.940   1.0 (embeddings alone): 0.900 / 0.923
    stories B-cubed F1      w=0 (t 0.24): 0.890   w=0.1 (t 0.26 / 0.28 / 0.30): 0.886 / 0.887 / 0.884
                            w=0.2 (t 0.28 / 0.30 / 0.32 / 0.34): 0.883 / 0.889 / 0.890 / 0.885
                            w=0.3 (t 0.32 / 0.34 / 0.36): 0.884 / 0.884 / 0.880   w=0.5 (t 0.40): 0.875
                            over 8 orders: w=0 0.878, w=0.2 (t 0.32) 0.875

Over the pairs of documents within a topic, the chance that a same-story pair outscores a pair from the other
event (``same_kind_auc``): lexical 0.901, embeddings 0.859, blend at 0.2 0.902. So the embeddings separate the
two same-kind events of a topic (the stories' errors) worse than the terms and names do, and the blend ranks
no better than the terms alone: at best a tie. They stay an evaluation option, off by default.
"""

from __future__ import annotations

import json
import math
import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from newsgraph.connect.features import ArticleFeatures, DocFreq, article_terms, features
from newsgraph.connect.similar import rank_similar, similarity
from newsgraph.connect.stories import ClusterOptions, StoryClusterer
from newsgraph.errors import MissingExtra
from newsgraph.evaluate.data import ECBPLUS as ECBPLUS  # where cli_eval looks for the documents
from newsgraph.model import Article

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from newsgraph.connect.embeddings import Embedder

BASELINE_THRESHOLD = 0.775
SIMILAR_WEIGHT = 0.2  # embedding weight for similar news (the sweep in the module docstring)
STORIES_WEIGHT = 0.2  # and for stories, with STORIES_THRESHOLD
STORIES_THRESHOLD = 0.32
SWEEP = (0.1, 0.2, 0.3, 0.5, 1.0)  # weights reported by evaluate_similar beside the chosen one


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


# ---------------------------------------------------------------------------------------- with embeddings


def _embedder(name: str) -> Embedder:
    from newsgraph.connect.embeddings import get_embedder

    return get_embedder(name)


def embed_docs(docs: Sequence[EcbDoc], embedder: str) -> dict[str, NDArray[np.float32]]:
    """Document id -> the unit vector of its headline and first part (``embedding_text``)."""
    from newsgraph.connect.embeddings import embedding_text

    vectors = _embedder(embedder).embed([embedding_text(d.title, d.text) for d in docs])
    return {d.doc_id: vectors[i] for i, d in enumerate(docs)}


def lexical_matrix(docs: Sequence[EcbDoc], feats: Sequence[ArticleFeatures]) -> NDArray[np.float64]:
    """``similarity`` between every two documents, in ``docs`` order (symmetric, so each pair is scored once)."""
    import numpy as np

    by_id = {f.id: f for f in feats}
    ordered = [by_id[d.doc_id] for d in docs]
    sims = np.zeros((len(docs), len(docs)))
    for i, a in enumerate(ordered):
        for j in range(i + 1, len(ordered)):
            sims[i, j] = sims[j, i] = similarity(a, ordered[j])
    return sims


def same_kind_auc(docs: Sequence[EcbDoc], sims: NDArray[np.float64]) -> float:
    """How well ``sims`` tells the two events of a topic apart: over the pairs of documents within a topic, the
    chance that a same-story pair scores above an other-story pair (ROC AUC; ties count half)."""
    import numpy as np

    same: list[float] = []
    other: list[float] = []
    for i, a in enumerate(docs):
        for j in range(i + 1, len(docs)):
            if docs[j].topic == a.topic:
                (same if docs[j].story == a.story else other).append(float(sims[i, j]))
    if not same or not other:
        return float("nan")
    scores = np.concatenate([same, other])
    order = np.argsort(scores, kind="stable")
    ranks = np.empty(len(scores))
    ranks[order] = np.arange(1, len(scores) + 1)
    for value in np.unique(scores):  # ties share their mean rank
        tied = scores == value
        ranks[tied] = ranks[tied].mean()
    return float((ranks[:len(same)].sum() - len(same) * (len(same) + 1) / 2) / (len(same) * len(other)))


def matrix_ranker(sims: NDArray[np.float64]) -> Callable[[int], list[int]]:
    """Rank by a dense score matrix, best first, ties by document order; a document never ranks itself."""
    import numpy as np

    scores = sims.copy()
    np.fill_diagonal(scores, -np.inf)

    def rank(i: int) -> list[int]:
        return [int(j) for j in np.argsort(-scores[i], kind="stable")[:10]]
    return rank


def blended_clusters(feats: Sequence[ArticleFeatures], vectors: dict[str, NDArray[np.float32]], weight: float,
                     options: ClusterOptions | None = None) -> dict[str, str]:
    """``online_clusters`` scoring ``blend(similarity, cosine to the story's summed member vectors, weight)``."""
    import numpy as np

    from newsgraph.connect.embeddings import blend

    sums: dict[str, NDArray[np.float32]] = {}

    def score(article: ArticleFeatures, centroid: ArticleFeatures) -> float:
        story = sums[centroid.id]
        cos = float(vectors[article.id] @ story) / max(float(np.linalg.norm(story)), 1e-12)
        return blend(similarity(article, centroid), cos, weight)

    clusterer = StoryClusterer(options, score)
    assigned = {}
    for f in feats:
        sid = assigned[f.id] = clusterer.add(f)
        sums[sid] = sums[sid] + vectors[f.id] if sid in sums else vectors[f.id].copy()
    return assigned


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
    x = tfidf_matrix(docs)
    return matrix_ranker((x @ x.T).toarray())


# ---------------------------------------------------------------------------------------------------- reports


@dataclass(frozen=True, slots=True)
class StoriesReport:
    docs: int
    stories: int
    online: list[ClusterScores]  # one per stream order
    baseline: ClusterScores
    embedder: str | None = None  # with embeddings: which, its weight and threshold, and the runs (same orders)
    weight: float = 0.0
    threshold: float = 0.0
    blended: list[ClusterScores] = field(default_factory=list)

    def mean(self, runs: list[ClusterScores] | None = None) -> ClusterScores:
        runs = self.online if runs is None else runs
        return ClusterScores(*(sum(getattr(s, f) for s in runs) / len(runs) for f in ClusterScores.__slots__))


@dataclass(frozen=True, slots=True)
class EmbeddingOptions:
    """Blend ``embedder``'s cosine into the score with ``weight``; stories join at ``threshold``."""

    embedder: str
    weight: float = STORIES_WEIGHT
    threshold: float = STORIES_THRESHOLD

    @classmethod
    def of(cls, embedder: str, weight: float | None = None, threshold: float | None = None) -> EmbeddingOptions:
        """The options, each left out (``None``) taking its default."""
        return cls(embedder, STORIES_WEIGHT if weight is None else weight,
                   STORIES_THRESHOLD if threshold is None else threshold)


def evaluate_stories(root: Path, seeds: Sequence[int] = (0, 1, 2), options: ClusterOptions | None = None,
                     topics: Sequence[int] | None = None, with_baseline: bool = True,
                     embeddings: EmbeddingOptions | None = None) -> StoriesReport:
    if embeddings:
        _embedder(embeddings.embedder)  # an unknown name or a missing package fails before the work
    docs = load_ecbplus(root, topics)
    gold = {d.doc_id: d.story for d in docs}
    vectors = embed_docs(docs, embeddings.embedder) if embeddings else {}
    runs: list[ClusterScores] = []
    blended: list[ClusterScores] = []
    for seed in seeds:
        feats = stream_features(docs, seed)
        runs.append(_scored(gold, online_clusters(feats, options)))
        if embeddings:
            blended.append(_scored(gold, _blended_run(feats, vectors, embeddings, options)))
    base = cluster_scores([d.story for d in docs], baseline_clusters(docs)) if with_baseline else runs[0]
    if not embeddings:
        return StoriesReport(len(docs), len(set(gold.values())), runs, base)
    return StoriesReport(len(docs), len(set(gold.values())), runs, base, embeddings.embedder, embeddings.weight,
                         embeddings.threshold, blended)


def _scored(gold: dict[str, str], assigned: dict[str, str]) -> ClusterScores:
    ids = sorted(assigned)
    return cluster_scores([gold[i] for i in ids], [assigned[i] for i in ids])


def _blended_run(feats: Sequence[ArticleFeatures], vectors: dict[str, NDArray[np.float32]],
                 embeddings: EmbeddingOptions, options: ClusterOptions | None) -> dict[str, str]:
    joined = replace(options or ClusterOptions(), threshold=embeddings.threshold)
    return blended_clusters(feats, vectors, embeddings.weight, joined)


@dataclass(frozen=True, slots=True)
class SimilarReport:
    docs: int
    ours: RankScores
    baseline: RankScores
    embedder: str | None = None
    blends: list[tuple[float, RankScores]] = field(default_factory=list)  # (weight, scores), chosen one first
    auc: dict[str, float] = field(default_factory=dict)  # same_kind_auc of lexical, embedding, blend at weight


def evaluate_similar(root: Path, seed: int = 0, topics: Sequence[int] | None = None,
                     embedder: str | None = None, weight: float | None = None) -> SimilarReport:
    """Rank with ``rank_similar``; with ``embedder``, also with its cosine blended in at ``weight`` (default
    ``SIMILAR_WEIGHT``) and at the weights of ``SWEEP``."""
    if embedder:
        _embedder(embedder)  # an unknown name or a missing package fails before the work
    docs = load_ecbplus(root, topics)
    feats = stream_features(docs, seed)
    ours = rank_scores(docs, similar_ranker(docs, feats))
    baseline = rank_scores(docs, baseline_ranker(docs))
    blends: list[tuple[float, RankScores]] = []
    if embedder:
        import numpy as np

        from newsgraph.connect.embeddings import blend

        vectors = embed_docs(docs, embedder)
        matrix = np.stack([vectors[d.doc_id] for d in docs]).astype(np.float64)
        cosines, lexical = matrix @ matrix.T, lexical_matrix(docs, feats)
        for w in dict.fromkeys((SIMILAR_WEIGHT if weight is None else weight, *SWEEP)):
            blends.append((w, rank_scores(docs, matrix_ranker(blend(lexical, cosines, w)))))
        auc = {"lexical": same_kind_auc(docs, lexical), "embedding": same_kind_auc(docs, cosines),
               f"blend w={blends[0][0]:g}": same_kind_auc(docs, blend(lexical, cosines, blends[0][0]))}
        return SimilarReport(len(docs), ours, baseline, embedder, blends, auc)
    return SimilarReport(len(docs), ours, baseline)


def stories_text(report: StoriesReport) -> str:
    lines = [f"ECB+ stories: {report.docs} documents, {report.stories} gold stories; online runs: "
             f"{len(report.online)} stream orders (mean, then each)",
             f"{'method':<26}{'clusters':>9}{'B3 P':>7}{'B3 R':>7}{'B3 F1':>7}{'pair F1':>9}{'ARI':>7}"]
    rows = [("newsgraph online (mean)", report.mean())]
    rows += [(f"  order {i}", s) for i, s in enumerate(report.online)]
    if report.embedder:
        rows.append((f"+ {report.embedder} w={report.weight:g} t={report.threshold:g}", report.mean(report.blended)))
        rows += [(f"  order {i}", s) for i, s in enumerate(report.blended)]
    rows.append((f"tf-idf avg-link @{BASELINE_THRESHOLD}", report.baseline))
    for name, s in rows:
        lines.append(f"{name:<26}{s.clusters:>9.0f}{s.bcubed_p:>7.3f}{s.bcubed_r:>7.3f}{s.bcubed_f1:>7.3f}"
                     f"{s.pairwise_f1:>9.3f}{s.ari:>7.3f}")
    return "\n".join(lines)


def similar_text(report: SimilarReport) -> str:
    lines = [f"ECB+ similar news: {report.docs} documents; relevant = same story; hard negative = same topic, "
             "other story",
             f"{'method':<20}{'nDCG@10':>9}{'P@5':>7}{'hard neg@5':>12}"]
    rows = [("newsgraph", report.ours), ("tf-idf cosine", report.baseline)]
    rows += [(f"+ {report.embedder} w={w:g}", s) for w, s in report.blends]
    for name, s in rows:
        lines.append(f"{name:<20}{s.ndcg10:>9.3f}{s.p5:>7.3f}{s.hard_negatives5:>12.3f}")
    if report.auc:
        lines.append("same story vs same topic, other story (pairs within a topic, ROC AUC): "
                     + ", ".join(f"{name} {value:.3f}" for name, value in report.auc.items()))
    return "\n".join(lines)


def stories_dict(report: StoriesReport) -> dict[str, Any]:
    return {"docs": report.docs, "stories": report.stories, "online_mean": asdict(report.mean()),
            "online": [asdict(s) for s in report.online], "baseline": asdict(report.baseline),
            **({"embeddings": {"embedder": report.embedder, "weight": report.weight, "threshold": report.threshold,
                               "mean": asdict(report.mean(report.blended)),
                               "online": [asdict(s) for s in report.blended]}} if report.embedder else {})}


def similar_dict(report: SimilarReport) -> dict[str, Any]:
    return {"docs": report.docs, "newsgraph": asdict(report.ours), "baseline": asdict(report.baseline),
            **({"embeddings": {"embedder": report.embedder, "same_kind_auc": report.auc,
                               "blends": [{"weight": w, **asdict(s)} for w, s in report.blends]}}
               if report.embedder else {})}
