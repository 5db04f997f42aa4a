"""The SQLite store on real files: migrations, transactions, round trips, queries, the factory."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsgraph.connect.near_duplicates import bands, minhash, signature_bytes
from newsgraph.model import Article, DateMention, Entity, Paragraph, Quote, Speaker
from newsgraph.store import ArticleRecord, SQLiteStore, Store, StoreError, open_store
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
            "duplicate_groups", "near_dup_bands", "similar_links", "stories", "migrations"} <= tables
    assert [r[0] for r in db.execute("SELECT name FROM migrations")] == ["0001_initial"]
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
