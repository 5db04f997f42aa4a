"""The connect step's work per article stays bounded as the corpus grows (no timing: counts of what is examined).

- the story clusterer scores at most ``MAX_CANDIDATES`` stories per article, however many open stories share
  its words, and still finds the right one;
- ``similar_candidates`` takes text candidates from the date window and the ``TEXT_CANDIDATE_WINDOW`` articles
  ingested around the article, and skips entities in more than ``ENTITY_CANDIDATE_CAP`` articles (both backends);
- on SQLite, the virtual-machine instructions one ``similar_candidates`` call runs (counted with a progress
  handler) do not grow when the same neighbourhood sits in a corpus four times larger;
- the connect state a ``Corpus`` holds in memory is bounded (counted, not measured): the clusterer holds only the
  stories of the last ``story_memory_days`` and the document-frequency table at most ``doc_freq_terms`` terms,
  while the stories, the stories tables and the links of a time-ordered stream stay those of an unbounded run.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

import newsgraph.store.postgres
import newsgraph.store.sqlite
from newsgraph.connect.features import ArticleFeatures, DocFreq, features
from newsgraph.connect.near_duplicates import bands, minhash, signature_bytes
from newsgraph.connect.stories import MAX_CANDIDATES, StoryClusterer
from newsgraph.corpus import ConnectOptions, Corpus
from newsgraph.model import Article, Entity, Paragraph
from newsgraph.store import ArticleRecord, SQLiteStore, Store, open_store


def _features(fid: str, day: str, terms: dict[str, float]) -> ArticleFeatures:
    norm = sum(w * w for w in terms.values()) ** 0.5
    return ArticleFeatures(fid, day, {t: w / norm for t, w in terms.items()}, [], [], [])


def test_the_clusterer_scores_a_bounded_number_of_open_stories_and_finds_the_right_one() -> None:
    clusterer = StoryClusterer()
    n = 3 * MAX_CANDIDATES
    for i in range(n):  # n open stories, every one with "council" among its top terms
        terms = {"council": 0.3, **{f"{word}{i}": 1.0 for word in ("topic", "place", "name", "thing")}}
        sid = clusterer.add(_features(f"a{i}", "2024-05-01", terms))
        assert sid == f"s{i + 1}"
    target = n // 2
    sid = clusterer.add(_features("new", "2024-05-02", {"council": 0.3, f"topic{target}": 1.0,
                                                        f"place{target}": 1.0}))
    assert sid == f"s{target + 1}"
    assert clusterer.candidates_examined == MAX_CANDIDATES  # not every story sharing "council"


def _article(i: int, day: date, words: str, entities: tuple[str, ...] = ()) -> tuple[str, Article]:
    body = f"Report number {i} on {words}. It names nothing else of note {i}x{i}."
    ents = [Entity(key, key.title(), "ORG", [], None, [(0, 6)]) for key in entities]
    article = Article(source=f"s{i}", text=body, headline=f"Report {i}", published=day.isoformat(), language="en",
                      paragraphs=[Paragraph(body, 0, len(body))], entities=ents)
    return f"id{i:05d}", article


def _fill(store: Store, articles: list[tuple[str, Article]]) -> None:
    with store.transaction():
        for aid, a in articles:
            m = minhash(a.body)
            store.add_article(ArticleRecord(aid, a, signature_bytes(m), bands(m)))


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    s = open_store(tmp_path / "corpus.db" if request.param == "sqlite" else request.getfixturevalue("pg_url"))
    yield s
    s.close()


def test_text_candidates_come_from_the_date_window_and_the_articles_ingested_near(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    old, late = date(2020, 1, 1), date(2024, 6, 1)
    rows = [_article(0, old, "zebrafish farming")]
    rows += [_article(i, date(2021, 1, 1) + timedelta(days=i), f"filler words {i}") for i in range(1, 21)]
    rows += [_article(21, late, "zebrafish export"), _article(22, date(2023, 1, 1), "zebrafish prices"),
             _article(23, late - timedelta(days=3), "zebrafish tanks")]
    _fill(store, rows)
    wide = set(store.similar_candidates("id00021", ["zebrafish"], 10, late.isoformat()))
    assert wide == {"id00000", "id00022", "id00023"}
    for module in (newsgraph.store.sqlite, newsgraph.store.postgres):
        monkeypatch.setattr(module, "TEXT_CANDIDATE_WINDOW", 5)
    near = set(store.similar_candidates("id00021", ["zebrafish"], 10, late.isoformat()))
    assert near == {"id00022", "id00023"}  # 21 articles back, outside the date window: not looked at


def test_an_entity_in_too_many_articles_picks_no_candidates(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    day = date(2024, 3, 1)
    rows = [_article(0, day, "the query", ("org:common", "org:rare"))]
    rows += [_article(i, day, f"other text {i}", ("org:common",)) for i in range(1, 6)]
    rows += [_article(6, day, "more text", ("org:rare",))]
    _fill(store, rows)
    assert set(store.similar_candidates("id00000", [], 20)) == {f"id{i:05d}" for i in range(1, 7)}
    for module in (newsgraph.store.sqlite, newsgraph.store.postgres):
        monkeypatch.setattr(module, "ENTITY_CANDIDATE_CAP", 3)
    assert store.similar_candidates("id00000", [], 20) == ["id00006"]


def _instructions(store: SQLiteStore, article_id: str, published: str) -> int:
    count = [0]

    def tick() -> int:
        count[0] += 1
        return 0

    db: sqlite3.Connection = store._db
    db.set_progress_handler(tick, 100)
    try:
        store.similar_candidates(article_id, ["zebrafish", "council", "harbour"], 20, published)
    finally:
        db.set_progress_handler(None, 100)
    return count[0] * 100


def test_sqlite_candidate_work_does_not_grow_with_the_corpus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(newsgraph.store.sqlite, "TEXT_CANDIDATE_WINDOW", 100)
    monkeypatch.setattr(newsgraph.store.sqlite, "ENTITY_CANDIDATE_CAP", 50)
    start = date(2020, 1, 1)

    def corpus(n: int) -> list[tuple[str, Article]]:  # two a day; every article shares the query's words
        return [_article(i, start + timedelta(days=i // 2), "zebrafish council harbour", ("org:council",))
                for i in range(n)]

    work = []
    for n in (300, 1200):
        with SQLiteStore(tmp_path / f"c{n}.db") as s:
            _fill(s, corpus(n))
            aid, a = corpus(n)[n - 150]  # the same neighbourhood: 150 articles before the end
            work.append(_instructions(s, aid, a.published or ""))
    assert work[1] < 1.25 * work[0], f"VM instructions per similar_candidates call: {work} (300 vs 1,200 articles)"


def _year_of_articles(n: int) -> list[tuple[str, Article]]:
    """``n`` synthetic dated articles over about a year, in time order."""
    from corpus_gen import synthetic

    recs = sorted(synthetic(n, seed=3), key=lambda r: r["published"])
    return [(f"d{i}", Article(source=f"d{i}.txt", text=r["text"], headline=r["text"].split("\n", 1)[0],
                              published=r["published"])) for i, r in enumerate(recs)]


def test_a_corpus_holds_the_stories_of_a_time_window_and_gets_the_results_of_an_unbounded_one(
        tmp_path: Path) -> None:
    items = _year_of_articles(300)
    runs = {}
    for name, days in (("bounded", 28.0), ("unbounded", None)):
        with SQLiteStore(tmp_path / f"{name}.db") as s:
            corpus = Corpus(s, ConnectOptions(checkpoint_every=40, story_memory_days=days, story_memory_keep=0,
                                              doc_freq_terms=None))
            held, ids = [], []
            for i in range(0, len(items), 10):
                ids += [a.story_id for a in corpus.add_batch(items[i:i + 10])]
                held.append(corpus.clusterer.held)
            runs[name] = (ids, held, corpus.finish(), s.stories(), corpus.similar(items[-1][0]))
            if days is not None:  # a new writer loads only the stories it would hold
                assert Corpus(s, corpus.options).clusterer.held == corpus.clusterer.held
    ids, held, count, stories, similar = runs["bounded"]
    assert (ids, count, stories, similar) == tuple(runs["unbounded"][i] for i in (0, 2, 3, 4))
    assert similar, "the last article should have similar ones, or the comparison tests nothing"
    assert max(held) < count / 4, f"stories held per batch {held}, of {count}: not bounded by the time window"
    assert runs["unbounded"][1][-1] == count  # while the unbounded run holds every story


def test_the_document_frequency_table_keeps_at_most_max_terms_and_the_counts_that_matter() -> None:
    common = [f"common{i}" for i in range(40)]
    bounded, exact = DocFreq(max_terms=300), DocFreq()
    sizes = []
    for i in range(400):  # each document: half the common words and twenty words of its own (a long tail)
        terms = [w for j, w in enumerate(common) if (i + j) % 2] + [f"rare{i}x{j}" for j in range(20)]
        bounded.add(terms)
        exact.add(terms)
        sizes.append(len(bounded.df))
    assert max(sizes) <= 300 < len(exact.df)
    assert bounded.pruned_df == 1, "only terms seen once should have been dropped"
    assert all(bounded.df[t] == exact.df[t] for t in common) and bounded.n_docs == exact.n_docs
    text = " ".join([*common[:8], "Freshword", "Newname"])  # a new article: common words and new ones
    article = Article(source="new", text=text, headline="Freshword report", published="2024-01-01")
    assert features("new", article, bounded) == features("new", article, exact)
    with pytest.raises(ValueError, match="or a bound like 500000"):
        DocFreq(max_terms=2)


def test_a_reopened_corpus_bounds_the_document_frequency_table_it_reads(tmp_path: Path) -> None:
    items = _year_of_articles(120)
    with SQLiteStore(tmp_path / "c.db") as s:
        corpus = Corpus(s, ConnectOptions(doc_freq_terms=1000))
        for i in range(0, len(items), 20):
            corpus.add_batch(items[i:i + 20])
            assert len(corpus.df.df) <= 1000
        n, every = s.doc_freq()
        assert len(every) > 1000, "the store keeps every count; too few articles to test the bound"
        asked: list[int | None] = []
        read_all = s.doc_freq
        s.doc_freq = lambda limit=None: asked.append(limit) or read_all(limit)  # type: ignore[method-assign]
        reopened, pruned = Corpus(s, corpus.options).df, DocFreq(n_docs=n, df=every, max_terms=1000)
        assert asked == [1001] and len(reopened.df) <= 1000
        # it reads only the most frequent terms, and keeps what reading every term and pruning keeps (terms with
        # the count at the cut may differ: which of equals goes is arbitrary)
        assert (reopened.n_docs, reopened.pruned_df, len(reopened.df)) == (n, pruned.pruned_df, len(pruned.df))
        assert ({t for t, d in reopened.df.items() if d > pruned.pruned_df}
                == {t for t, d in pruned.df.items() if d > pruned.pruned_df})
