"""The connected corpus: a store plus the connect step's state (document frequencies, story clusterer).

``Corpus.add_batch`` writes a batch of analysed articles in one transaction: each article is checked for
near-duplicates against everything stored before it (the batch included: reads in the transaction see its own
writes), then gets its features, tags, story and similar links. The story clusterer is checkpointed every
``checkpoint_every`` articles and at ``finish``, in the batch's transaction: its header in the state table and
one row per story that changed since the last checkpoint (so a checkpoint costs what changed, not the whole
corpus). Articles stored after the last checkpoint are replayed on open, so a run killed halfway continues exactly
as an uninterrupted run would have. A store checkpointed by an older newsgraph holds the whole clusterer in one
state row; it is read from there and moved into per-story rows by the next checkpoint.

The state held in memory is bounded by time, not by the corpus, so a stream of any length can go through one
``Corpus``: once more than ``story_memory_keep`` stories are held, stories more than ``story_memory_days`` behind
the newest article are evicted from the clusterer (their rows stay in the store, written at the checkpoint after
their last change; a laptop corpus, whose stories all fit, loses none to eviction whatever the order its articles
come in), the document-frequency table holds at most ``doc_freq_terms`` terms (``DocFreq``: the rarest are dropped,
the store keeps exact counts, and a reopened corpus reads only the most frequent) and the parsed features of the
last ``RECENT_FEATURES`` articles are kept. Each checkpoint, and ``finish``, writes only what changed since the
last one. What still grows: a long-running story's member list, and reading the stored story rows at open.
"""

from __future__ import annotations

import heapq
from collections import Counter, OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field

from newsgraph.connect.features import ArticleFeatures, DocFreq, article_terms, features, term_counts
from newsgraph.connect.near_duplicates import (
    DEFAULT_PARAMS,
    NearDupParams,
    bands,
    minhash,
    signature_bytes,
    signature_jaccard,
)
from newsgraph.connect.similar import rank_similar
from newsgraph.connect.stories import StoryClusterer, checkpoint_rows, eviction_cutoff
from newsgraph.model import Article
from newsgraph.store.base import ArticleRecord, ArticleSummary, Store, StoryRow

CONNECT_STAGE = "connect.v2"  # what made the stored features and tags (v2: the URL sections are tag candidates)
_CLUSTER_HEAD = "stories.clusterer.head"  # the clusterer's global fields; its stories are story_state rows
_CLUSTER_BLOB = "stories.clusterer"  # the whole clusterer as one JSON, as written before the story_state table
_CLUSTER_SEQ = "stories.checkpoint_seq"
_STORY_COUNT = "stories.count"
RESTORE_STORIES = 2000  # stories read back for one late article at most (the latest of its span)
RECENT_FEATURES = 2048  # features of the articles added last, kept parsed: linking a new article mostly ranks them


@dataclass(frozen=True, slots=True)
class ConnectOptions:
    """``features=False`` keeps only near-duplicates (no features, tags, stories or links)."""

    near_dup: NearDupParams = DEFAULT_PARAMS
    features: bool = True
    links: int = 5
    candidates: int = 100         # per candidate source (entities, bands, story, links, text) for `similar`
    terms: int = 20               # top terms of the article searched (FTS) for candidates
    link_candidates: int = 20     # the same two when linking a new article at ingest, where speed matters more
    link_terms: int = 10
    checkpoint_every: int = 2000
    # memory bounds of a long stream (module docstring); None: unbounded. Stories: at least twice the clusterer's
    # 14-day window; 42 days lets an article arrive 28 days late and still see every story open for it.
    story_memory_days: float | None = 42.0
    story_memory_keep: int = 5000  # ... but evicting only past this many stories held (~25 KiB each): see stories.py
    doc_freq_terms: int | None = 1 << 19   # ~60 MiB of table; a pruned term has df <= ``DocFreq.pruned_df``

    def __post_init__(self) -> None:
        if self.links < 0 or min(self.candidates, self.link_candidates, self.checkpoint_every) < 1:
            raise ValueError(f"links={self.links} must be >= 0; candidates={self.candidates}, link_candidates="
                             f"{self.link_candidates} and checkpoint_every={self.checkpoint_every} >= 1")
        if self.story_memory_days is not None and self.story_memory_days < 28:
            raise ValueError(f"story_memory_days={self.story_memory_days} would evict stories still open: use at "
                             "least 28 (twice the story window), or None to keep every story in memory")
        if self.story_memory_keep < 0:
            raise ValueError(f"story_memory_keep={self.story_memory_keep} must be >= 0 (0: evict by time alone)")
        if self.doc_freq_terms is not None and self.doc_freq_terms < 1000:
            raise ValueError(f"doc_freq_terms={self.doc_freq_terms} is too small for a vocabulary: use at least "
                             "1000 (default 524288), or None for an unbounded table")


@dataclass(frozen=True, slots=True)
class Added:
    id: str
    duplicate_of: str | None
    story_id: str | None


@dataclass(frozen=True, slots=True)
class SimilarHit:
    article: ArticleSummary
    score: float
    near_duplicate: bool


@dataclass(frozen=True, slots=True)
class Prepared:
    """What the connect step needs from one article alone (no corpus state), so engines can compute it on their
    workers: the body's MinHash signature and LSH band keys, and its distinct terms (None without features);
    ``counts``, its term counts, saves tokenising the text again for its features (None: counted when needed)."""

    signature: bytes
    bands: list[tuple[int, str]]
    terms: list[str] | None
    counts: Counter[str] | None = field(default=None, compare=False, repr=False)  # derived: not compared


def prepare(article: Article, options: ConnectOptions) -> Prepared:
    m = minhash(article.body, options.near_dup)
    counts = term_counts(article) if options.features else None
    terms = article_terms(article, counts) if counts is not None else None
    return Prepared(signature_bytes(m), bands(m, options.near_dup), terms, counts)


class Corpus:
    """Owns the connect state of one store; one ``Corpus`` per writer."""

    def __init__(self, store: Store, options: ConnectOptions | None = None) -> None:
        self.store = store
        self.options = options or ConnectOptions()
        self._df: DocFreq | None = None
        self._clusterer: StoryClusterer | None = None
        self._checkpoint = 0
        self._since_checkpoint = 0
        self._recent: OrderedDict[str, ArticleFeatures] = OrderedDict()

    @property
    def df(self) -> DocFreq:
        if self._df is None:
            # one term past the bound: if the store holds more, DocFreq prunes as it would have after reading all
            bound = self.options.doc_freq_terms
            n, df = self.store.doc_freq(None if bound is None else bound + 1)
            self._df = DocFreq(n_docs=n, df=df, max_terms=bound)
        return self._df

    @property
    def clusterer(self) -> StoryClusterer:
        """Loaded on first use (queries never need it): the checkpoint, then the articles stored after it."""
        if self._clusterer is None:
            self._clusterer = self._load_clusterer()
            self._checkpoint = int(self.store.get_state(_CLUSTER_SEQ) or 0)
            for _seq, data in self.store.features_since(self._checkpoint):
                self._clusterer.add(ArticleFeatures.from_json(data))
            self._since_checkpoint = self.store.max_seq() - self._checkpoint
        return self._clusterer

    def _load_clusterer(self) -> StoryClusterer:
        head, retain = self.store.get_state(_CLUSTER_HEAD), self.options.story_memory_days
        keep = self.options.story_memory_keep
        if head is not None:  # only the rows it keeps are read (``from_states`` filters them as well)
            states = self.store.story_states(eviction_cutoff(head, retain), keep)
            return StoryClusterer.from_states(head, (state for _, state in states), retain, keep)
        blob = self.store.get_state(_CLUSTER_BLOB)  # an older store: every story is written at the next checkpoint
        return (StoryClusterer.from_json(blob, retain, keep) if blob
                else StoryClusterer(retain_days=retain, keep_stories=keep))

    def add_batch(self, items: Sequence[tuple[str, Article]],
                  prepared: Sequence[Prepared | None] | None = None) -> list[Added]:
        """Store ``(id, article)`` pairs, in order, in one transaction; ids must not be stored yet.
        ``prepared``: ``prepare(article, options)`` of each item, computed elsewhere (None: computed here)."""
        out: list[Added] = []
        ready = list(prepared) if prepared is not None else [None] * len(items)
        if len(ready) != len(items):
            raise ValueError(f"{len(ready)} prepared entries for {len(items)} articles: give one per article")
        try:
            with self.store.transaction():
                new_df: Counter[str] = Counter()
                for (article_id, article), p in zip(items, ready, strict=True):
                    out.append(self._add(article_id, article, new_df, p or prepare(article, self.options)))
                if self.options.features:
                    self.store.add_doc_freq(len(items), dict(new_df))
                    self._since_checkpoint += len(items)
                    if self._since_checkpoint >= self.options.checkpoint_every:
                        self._save_clusterer()
        except BaseException:
            self._forget()
            raise
        return out

    def _forget(self) -> None:
        """The store rolled a batch back: drop the connect state that ran ahead of it (document frequencies, the
        clusterer and what it had marked changed); the next use reloads it from the store."""
        self._df = None
        self._clusterer = None
        self._checkpoint = self._since_checkpoint = 0
        self._recent.clear()

    def _add(self, article_id: str, article: Article, new_df: Counter[str], p: Prepared) -> Added:
        sig, keys = p.signature, p.bands
        dup = self._near_duplicate(sig, keys)
        f = None
        if self.options.features:
            counts = p.counts if p.counts is not None or p.terms is not None else term_counts(article)
            terms = p.terms if p.terms is not None else article_terms(article, counts)
            self.df.add(terms)
            new_df.update(set(terms))
            f = features(article_id, article, self.df, counts)
        if f is not None and (span := self.clusterer.evicted_span(f)) is not None:
            # an article from before the stories held in memory: the stories of its days come back from the store
            self.clusterer.restore(self.store.story_states_between(*span, RESTORE_STORIES))
        story = self.clusterer.add(f) if f is not None else None
        if f is not None:
            self._remember(f)
        self.store.add_article(ArticleRecord(
            id=article_id, article=article, signature=sig, bands=keys, duplicate_of=dup,
            features=f.to_json() if f else None, tags=f.tags if f else (), connect_stage=CONNECT_STAGE if f else None,
            story_id=story))
        if f is not None and self.options.links:
            links = self._rank(f, self.options.links, self.options.link_candidates, self.options.link_terms)
            self.store.add_links(article_id, links)
        return Added(article_id, dup[0] if dup else None, story)

    def _near_duplicate(self, sig: bytes, keys: Sequence[tuple[int, str]]) -> tuple[str, float] | None:
        best: tuple[float, str] | None = None
        for other, other_sig in self.store.band_candidates(keys):
            j = signature_jaccard(sig, other_sig, self.options.near_dup.num_perm)
            if j >= self.options.near_dup.threshold and (best is None or (j, other) > best):
                best = (j, other)
        return None if best is None else (best[1], best[0])

    def _remember(self, f: ArticleFeatures) -> None:
        self._recent[f.id] = f
        if len(self._recent) > RECENT_FEATURES:
            self._recent.popitem(last=False)

    def _features_of(self, ids: Sequence[str]) -> list[ArticleFeatures]:
        """The stored features of ``ids`` (those that have them): recent ones from memory, the rest read and parsed."""
        known = [self._recent[i] for i in ids if i in self._recent]
        rest = [i for i in ids if i not in self._recent]
        return known + [ArticleFeatures.from_json(d) for d in self.store.features(rest).values()] if rest else known

    def _rank(self, f: ArticleFeatures, k: int, limit: int, terms: int) -> list[tuple[str, float]]:
        top = [t for t, _ in heapq.nlargest(terms, f.terms.items(), key=lambda kv: (kv[1], kv[0]))]
        ids = self.store.similar_candidates(f.id, top, limit, f.published)
        return [(i, s) for i, s in rank_similar(f, self._features_of(ids), k) if s > 0.0]

    def _save_clusterer(self) -> None:
        """Checkpoint the clusterer: the state and the ``stories`` row of each story changed since the last
        checkpoint (each article's story row in ``story_members`` is written with the article)."""
        clusterer = self.clusterer
        rows, stories = checkpoint_rows(clusterer.take_changed())
        self.store.put_story_states(rows)
        self.store.put_stories([StoryRow(s.id, s.label, s.first, s.last,
                                         [ArticleSummary(m, None, None, None, "") for m in s.members])
                                for s in stories])
        self.store.set_state(_STORY_COUNT, str(clusterer.story_count))
        self.store.set_state(_CLUSTER_HEAD, clusterer.header())
        self.store.delete_state(_CLUSTER_BLOB)  # an older store's whole clusterer: in story_state rows from now on
        self._checkpoint = self.store.max_seq()
        self.store.set_state(_CLUSTER_SEQ, str(self._checkpoint))
        self._since_checkpoint = 0

    def finish(self) -> int:
        """Checkpoint the clusterer, which writes the rows of the stories changed since the last checkpoint (the
        work grows with what this run added, not with the corpus); returns the number of stories. Does nothing
        when the stored checkpoint already covers every stored article."""
        if not self.options.features:
            return 0
        if self._clusterer is None and int(self.store.get_state(_CLUSTER_SEQ) or -1) == self.store.max_seq():
            return int(self.store.get_state(_STORY_COUNT) or 0)
        with self.store.transaction():
            self._save_clusterer()
        return self.clusterer.story_count

    def similar(self, article_id: str, k: int = 10) -> list[SimilarHit]:
        """The ``k`` stored articles most like ``article_id``: candidates from indexed queries, ranked by
        ``rank_similar``. Empty when the article has no features (ingested with the connect step off)."""
        data = self.store.features([article_id]).get(article_id)
        if data is None:
            return []
        ranked = self._rank(ArticleFeatures.from_json(data), k, self.options.candidates, self.options.terms)
        summaries = self.store.summaries([i for i, _ in ranked])
        group = self.store.group_of(article_id)
        return [SimilarHit(summaries[i], s, group is not None and self.store.group_of(i) == group)
                for i, s in ranked if i in summaries]
