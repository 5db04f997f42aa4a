"""The SQLite store on real files: migrations, transactions, round trips, queries, the factory."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from newsgraph.connect.features import DocFreq, article_terms, features
from newsgraph.connect.near_duplicates import bands, minhash, signature_bytes
from newsgraph.connect.stories import StoryClusterer
from newsgraph.corpus import ConnectOptions, Corpus
from newsgraph.model import Article, DateMention, Entity, Paragraph, Quote, Speaker
from newsgraph.store import ArticleRecord, SQLiteStore, Store, StoreError, open_store
from newsgraph.store.base import StoryRow
from newsgraph.store.sqlite import migrations

BODY = ("The Calder Bridge was closed on Monday after inspectors found a crack in a girder.\n\n"
        "\"We are not taking chances,\" Mayor Helena Marsk said at city hall on Monday evening.")


def make_article(source: str = "a.txt", body: str = BODY, published: str | None = "2024-03-04",
                 url: str | None = "https://example.org/a") -> Article:
    paras, start = [], 0
    for text in body.split("\n\n"):
        paras.append(Paragraph(text, start, start + len(text)))
        start += len(text) + 2
    q_start = body.index("\"We")
    return Article(
        source=source, text=body, headline="Calder Bridge closed", published=published, url=url, language="en",
        paragraphs=paras,
        quotes=[Quote("direct", "We are not taking chances,", "said", [(q_start, q_start + 28)],
                      Speaker("Mayor Helena Marsk", [(q_start + 30, q_start + 48)], "Helena Marsk", "PERSON",
                              "Mayor"))],
        entities=[Entity("helena_marsk", "Helena Marsk", "PERSON", ["Marsk"], "Mayor", [(q_start + 36, q_start + 48)]),
                  Entity("calder_bridge", "Calder Bridge", "FAC", [], None, [(4, 17)])],
        dates=[DateMention("Monday", (35, 41), "date", "2024-03-04")],
        stages={"quotes": "quotes.v1", "entities": "entities.v1", "dates": "dates.v1"})


def record(article_id: str, article: Article, dup: tuple[str, float] | None = None) -> ArticleRecord:
    m = minhash(article.body)
    return ArticleRecord(article_id, article, signature_bytes(m), bands(m), duplicate_of=dup,
                         tags=["bridges", "port calder"], connect_stage="connect.v1")


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """Every test taking ``store`` runs on both backends: a SQLite file and a fresh PostgreSQL database."""
    s = open_store(tmp_path / "corpus.db" if request.param == "sqlite" else request.getfixturevalue("pg_url"))
    yield s
    s.close()


def test_migrations_are_recorded_once_and_the_file_is_plain_sqlite(tmp_path: Path) -> None:
    path = tmp_path / "c.db"
    first = SQLiteStore(path)
    assert first.applied == [name for name, _ in migrations()] and first.applied[0] == "0001_initial"
    first.close()
    again = SQLiteStore(path)
    assert again.applied == []
    again.close()
    db = sqlite3.connect(path)
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"articles", "paragraphs", "quotes", "speakers", "entities", "mentions", "dates", "tags",
            "duplicate_groups", "near_dup_bands", "similar_links", "stories", "story_state", "migrations"} <= tables
    assert [r[0] for r in db.execute("SELECT name FROM migrations ORDER BY name")] == [
        "0001_initial", "0002_story_state", "0003_story_state_day", "0004_reader_indexes"]
    db.close()


def test_store_satisfies_the_protocol(store: Store) -> None:
    assert isinstance(store, Store)


def test_article_round_trip_and_normalised_rows(store: Store) -> None:
    article = make_article()
    with store.transaction():
        store.add_article(record("id1", article))
    assert store.article("id1") == article
    assert store.known_ids(["id1", "nope"]) == {"id1"}
    assert store.resolve("https://example.org/a") == "id1" and store.resolve("a.txt") == "id1"
    rows = store.quotes_by_speaker("marsk")
    assert [(r.speaker, r.text, r.article.id) for r in rows] == [("Helena Marsk", "We are not taking chances,", "id1")]
    assert store.quotes_by_speaker("Helena Marsk")[0].cue == "said"
    assert next(store.export_rows())["tags"] == ["bridges", "port calder"]
    assert next(store.export_rows())["stages"]["quotes"] == "quotes.v1"


def test_writes_need_a_transaction_and_failed_ones_roll_back(store: Store) -> None:
    with pytest.raises(StoreError, match=r"inside `with store\.transaction"):
        store.add_article(record("id1", make_article()))
    with pytest.raises(RuntimeError), store.transaction():
        store.add_article(record("id1", make_article()))
        raise RuntimeError("boom")
    assert store.count() == 0
    with store.transaction(), pytest.raises(StoreError, match="do not nest"), store.transaction():
        pass


def test_search_takes_fts_syntax_and_survives_bad_queries(store: Store) -> None:
    with store.transaction():
        store.add_article(record("id1", make_article()))
    assert [h.article.id for h in store.search("crack AND girder")] == ["id1"]
    assert "[crack]" in store.search("crack")[0].snippet
    assert [h.article.id for h in store.search('U.S. "girder')] == []  # unbalanced quote: searched as words
    assert store.search("zebra") == []


def test_search_ranks_only_the_newest_matches_of_its_window(store: Store) -> None:
    """The window counts matches, not articles: a rare word in the oldest article is still found, while a common
    word ranks only its newest matches."""
    bodies = ["Girder girder girder: the zebra crossing by the girder was shut.",
              *[f"Report {i} on the bridge and one girder, with other words that dilute it." for i in range(5)]]
    with store.transaction():
        for i, body in enumerate(bodies):
            article = make_article(f"{i}.txt", body=body + "\n\n" + BODY.split("\n\n")[1], url=f"https://e.org/{i}")
            store.add_article(record(f"id{i}", article))
    assert store.search("girder", window=0)[0].article.id == "id0"
    assert {h.article.id for h in store.search("girder", window=3)} == {"id3", "id4", "id5"}
    assert [h.article.id for h in store.search("zebra", window=3)] == ["id0"]
    assert len(store.search("girder", window=6)) == 6


def test_the_search_window_holds_when_matches_are_spread_over_a_larger_store(store: Store) -> None:
    """More articles than the window's first look (PostgreSQL looks among the newest 2 x window rows, then as far
    back as the matches seen say the window reaches): a common word's window is the newest matches, a word every
    seventh article uses reaches past the first look, a word dense among the newest articles and rare before
    needs more than one estimate, a word of the oldest article alone is still found."""
    with store.transaction():
        for i in range(60):
            words = (("girder " if i % 7 == 0 else "") + ("zebra " if i == 0 else "")
                     + ("pylon " if i >= 52 or i in (10, 20) else ""))
            article = make_article(f"{i}.txt", body=f"Report {i} on the bridge, {words}with other words.\n\n"
                                   + BODY.split("\n\n")[1], url=f"https://e.org/{i}")
            store.add_article(record(f"id{i}", article))
    assert {h.article.id for h in store.search("bridge", window=4, limit=10)} == {f"id{i}" for i in range(56, 60)}
    assert {h.article.id for h in store.search("girder", window=5, limit=10)} == {f"id{i}" for i in range(28, 60, 7)}
    assert [h.article.id for h in store.search("zebra", window=2)] == ["id0"]
    pylons = {h.article.id for h in store.search("pylon", window=10, limit=20)}
    assert pylons == {"id10", "id20", *(f"id{i}" for i in range(52, 60))}


def test_duplicate_group_original_is_the_earliest_published(store: Store) -> None:
    later, earlier = make_article("late.txt", published="2024-03-05"), make_article("early.txt", published="2024-03-01")
    with store.transaction():
        store.add_article(record("late", later))
        store.add_article(record("early", earlier, dup=("late", 0.9)))
    assert store.group_of("early") == store.group_of("late") == "late"
    assert store.original_of("late") == "early"
    assert [a for a, _ in store.band_candidates(bands(minhash(BODY)))] == ["early", "late"]


def test_open_store_picks_the_backend_and_fails_loudly(tmp_path: Path) -> None:
    s = open_store(f"sqlite:///{tmp_path}/x.db")
    assert isinstance(s, SQLiteStore) and s.path == tmp_path / "x.db"
    s.close()
    with pytest.raises(StoreError, match=r"unknown store scheme 'mongodb'.*use a file path \(corpus.db\)"):
        open_store("mongodb://localhost/news")
    with pytest.raises(StoreError, match="is a directory"):
        open_store(tmp_path)
    bad = tmp_path / "not.db"
    bad.write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(StoreError, match="not a newsgraph SQLite database"):
        open_store(bad)


def stream(n: int) -> list[tuple[str, Article]]:
    """``n`` synthetic dated articles in time order, as ``(id, article)`` pairs."""
    from corpus_gen import synthetic

    recs = sorted(synthetic(n, seed=3), key=lambda r: r["published"])
    return [(f"d{i}", Article(source=f"d{i}.txt", text=r["text"], headline=r["text"].split("\n", 1)[0],
                              published=r["published"])) for i, r in enumerate(recs)]


def whole_stream_stories(items: list[tuple[str, Article]]) -> tuple[list[str], StoryClusterer]:
    """The story of each article when the whole stream goes through one in-memory clusterer (no checkpoints)."""
    df, clusterer = DocFreq(), StoryClusterer()
    out = []
    for article_id, article in items:
        df.add(article_terms(article))
        out.append(clusterer.add(features(article_id, article, df)))
    return out, clusterer


def add_in_batches(corpus: Corpus, items: list[tuple[str, Article]], size: int = 10) -> list[str | None]:
    return [a.story_id for i in range(0, len(items), size) for a in corpus.add_batch(items[i:i + size])]


def test_a_checkpoint_writes_only_the_changed_stories_and_reloads_to_the_same_state(
        store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    items = stream(300)
    expected, whole = whole_stream_stories(items)
    written: list[tuple[int, int, int]] = []  # per checkpoint: rows, bytes written; bytes of the whole state
    put = store.put_story_states

    def spy(states: Sequence[tuple[str, str, int | None]]) -> None:
        written.append((len(states), sum(len(s) for _, s, _ in states), len(corpus.clusterer.to_json())))
        put(states)
    monkeypatch.setattr(store, "put_story_states", spy)
    corpus = Corpus(store, ConnectOptions(checkpoint_every=40, story_memory_days=None))  # the whole state held
    got = add_in_batches(corpus, items[:215])  # checkpoints at 40, 80, ..., 200; 15 articles after the last
    assert len(written) == 5 and all(rows for rows, _, _ in written)
    # the whole state grows with the corpus; what a checkpoint writes is what changed since the last one
    assert written[-1][1] < written[-1][2] / 3, f"not incremental: {written}"
    assert sum(size for _, size, _ in written) < sum(whole_size for _, _, whole_size in written) / 2, written
    assert store.get_state("stories.clusterer") is None and store.get_state("stories.clusterer.head")
    # a new writer on the same store: the story rows, then the 15 articles after the checkpoint replayed
    reopened = Corpus(store, ConnectOptions(checkpoint_every=40, story_memory_days=None))
    assert reopened.clusterer.to_json() == corpus.clusterer.to_json()
    assert got + add_in_batches(reopened, items[215:]) == expected
    assert reopened.finish() == len(whole.stories())
    rows = dict(store.story_states())
    assert set(rows) == {s.id for s in whole.stories()}
    assert StoryClusterer.from_states(str(store.get_state("stories.clusterer.head")),
                                      rows.values()).to_json() == whole.to_json()


def test_each_run_writes_the_rows_of_the_stories_it_changed_and_the_tables_equal_one_whole_run(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ingest in three runs (a new writer and ``finish`` each): every story row is written when its story
    changes, so the last run's ``finish`` does not rewrite the corpus's stories, and the stories tables end as
    one clusterer over the whole stream makes them."""
    items = stream(240)
    expected, whole = whole_stream_stories(items)
    put = store.put_stories
    written: list[set[str]] = []

    def spy(rows: Sequence[StoryRow]) -> None:
        written[-1].update(r.id for r in rows)
        put(rows)
    monkeypatch.setattr(store, "put_stories", spy)
    got: list[str | None] = []
    for lo, hi in ((0, 100), (100, 200), (200, 240)):
        written.append(set())
        corpus = Corpus(store, ConnectOptions(checkpoint_every=40))
        got += add_in_batches(corpus, items[lo:hi])
        assert corpus.finish() == len(set(expected[:hi]))
    assert got == expected
    assert written[-1] == set(expected[200:]), "the last run wrote the rows of other stories than its own"
    assert len(written[-1]) < len(whole.stories()) / 2
    stored = [(s.id, s.label, s.first, s.last, sorted(m.id for m in s.members)) for s in store.stories()]
    assert sorted(stored) == sorted((s.id, s.label, s.first, s.last, sorted(s.members)) for s in whole.stories())


@pytest.mark.parametrize("keep", [5, 60])  # fewer than the time window holds; more (older rows read too)
def test_a_reopened_corpus_reads_only_the_story_rows_it_keeps(
        store: Store, monkeypatch: pytest.MonkeyPatch, keep: int) -> None:
    """Story rows carry the day their story is evicted after, so a reopened corpus reads the stories of its time
    window and the ``story_memory_keep`` latest, not every story the corpus had; it loads the same state as
    reading every row; a row written before the day column existed is always read."""
    options = ConnectOptions(checkpoint_every=40, story_memory_days=28.0, story_memory_keep=keep)
    corpus = Corpus(store, options)
    add_in_batches(corpus, stream(300))
    corpus.finish()
    every = dict(store.story_states())
    head = str(store.get_state("stories.clusterer.head"))
    whole_read = StoryClusterer.from_states(head, every.values(), 28.0, keep)
    with store.transaction():  # as a store written before 0003_story_state_day holds an old story's row
        store.put_story_states([("s1", every["s1"], None)])
    read: list[str] = []
    real = store.story_states

    def spy(since_day: int | None = None, keep: int = 0) -> Iterator[tuple[str, str]]:
        for sid, state in real(since_day, keep):
            read.append(sid)
            yield sid, state
    monkeypatch.setattr(store, "story_states", spy)
    assert Corpus(store, options).clusterer.to_json() == whole_read.to_json()
    assert "s1" in read and len(read) <= whole_read.held + keep + 1 and len(read) < len(every) / 2, len(read)
    assert set(read) >= {sid for sid in every if sid in whole_read.assignments().values()}


def test_a_late_article_brings_back_its_story_evicted_from_memory(store: Store) -> None:
    """An archive ingested out of date order: an article dated within a story that eviction dropped from memory
    reads it back from the store and joins it, as a clusterer holding every story does."""
    items = stream(240)
    options = ConnectOptions(checkpoint_every=40, story_memory_days=28.0, story_memory_keep=0)
    corpus = Corpus(store, options)
    got = add_in_batches(corpus, items)
    early_id, early = items[5]
    assert early_id not in corpus.clusterer.assignments(), "the early story should have been evicted"
    late = (early_id + "-again", replace(early, source="again.txt"))  # the same text again, with its own date
    expected, _ = whole_stream_stories([*items, late])
    assert expected[-1] == got[5]
    assert corpus.add_batch([late])[0].story_id == got[5]
    assert corpus.finish() == len(set(got))  # it joined a story; no new one
    again = Corpus(store, options)  # a later run: the header says stories were evicted
    other = (items[9][0] + "-again", replace(items[9][1], source="again2.txt"))
    assert again.add_batch([other])[0].story_id == got[9] == whole_stream_stories([*items, late, other])[0][-1]


def test_a_writer_goes_on_after_a_failed_batch_as_if_it_had_never_run(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    items = stream(120)
    expected, _ = whole_stream_stories(items)
    failures = {"d45": "add_article", "stories.checkpoint_seq": "set_state"}  # mid-batch; after a checkpoint's rows

    def failing(method: str) -> Any:
        real = getattr(store, method)

        def call(*args: Any, **kwargs: Any) -> Any:
            key = args[0].id if method == "add_article" else args[0]
            if failures.get(key) == method:
                del failures[key]
                raise RuntimeError(f"injected failure in {method}({key})")
            return real(*args, **kwargs)
        return call

    for method in ("add_article", "set_state"):
        monkeypatch.setattr(store, method, failing(method))
    corpus = Corpus(store, ConnectOptions(checkpoint_every=40))
    got: list[str | None] = []
    for i in range(0, len(items), 10):
        while True:  # what a caller does with a failed batch: the same writer tries it again
            try:
                got += [a.story_id for a in corpus.add_batch(items[i:i + 10])]
                break
            except RuntimeError:
                continue
    assert failures == {}, "both failures must have been injected"
    assert got == expected
    corpus.finish()
    reopened = Corpus(store)
    assert reopened.clusterer.to_json() == corpus.clusterer.to_json()


def test_a_store_holding_the_whole_clusterer_in_one_state_row_still_loads(tmp_path: Path) -> None:
    items = stream(160)
    expected, whole = whole_stream_stories(items)
    path = tmp_path / "old.db"
    with SQLiteStore(path) as s:
        old = Corpus(s, ConnectOptions(checkpoint_every=1000, story_memory_days=None))  # as an old store held it
        got = add_in_batches(old, items[:100])
        with s.transaction():  # the state as a store written before 0002_story_state holds it
            s.set_state("stories.clusterer", old.clusterer.to_json())
            s.set_state("stories.checkpoint_seq", str(s.max_seq()))
    db = sqlite3.connect(path)
    db.executescript("DROP TABLE story_state; "
                     "DELETE FROM migrations WHERE name IN ('0002_story_state', '0003_story_state_day');")
    db.close()
    with SQLiteStore(path) as s:
        assert s.applied == ["0002_story_state", "0003_story_state_day"] and list(s.story_states()) == []
        corpus = Corpus(s, ConnectOptions(checkpoint_every=40, story_memory_keep=0))  # eviction by time alone
        assert corpus.clusterer.held < old.clusterer.held  # read whole, the stories of the last 42 days kept
        assert got + add_in_batches(corpus, items[100:]) == expected  # one checkpoint, at 140
        assert s.get_state("stories.clusterer") is None, "the checkpoint should move the old row into story_state"
        assert {sid for sid, _ in s.story_states()} >= {sid for sid in expected[:100]}
    with SQLiteStore(path) as s:
        again = Corpus(s)
        assert again.finish() == len(whole.stories())
        assert StoryClusterer.from_states(str(s.get_state("stories.clusterer.head")),
                                          [r for _, r in s.story_states()]).to_json() == whole.to_json()
