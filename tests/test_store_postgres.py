"""The PostgreSQL store on a real server started by the tests: its migrations and schema, the factory, the writer
lock; and more of the shared store suite (the ``store`` fixture of test_store.py runs each test on both backends)."""

from __future__ import annotations

import sys
import threading
import time
from dataclasses import replace

import psycopg
import pytest

from newsgraph.store import Store, StoreError, StoryRow, open_store
from newsgraph.store.base import ArticleSummary
from newsgraph.store.postgres import PostgresStore, migrations, redact
from newsgraph.store.sqlite import migrations as sqlite_migrations
from test_store import make_article, record, store  # noqa: F401  (store: the fixture over both backends)


def test_migrations_are_recorded_once_with_the_sqlite_names(pg_url: str) -> None:
    assert [n for n, _ in migrations()] == [n for n, _ in sqlite_migrations()]
    first = PostgresStore(pg_url)
    assert first.applied == ["0001_initial", "0002_story_state", "0003_story_state_day", "0004_reader_indexes"]
    first.close()
    again = PostgresStore(pg_url)
    assert again.applied == []
    again.close()
    with psycopg.connect(pg_url) as db:
        tables = {r[0] for r in db.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
        assert {"articles", "paragraphs", "quotes", "speakers", "entities", "mentions", "dates", "tags",
                "duplicate_groups", "near_dup_bands", "similar_links", "stories", "migrations"} <= tables
        assert [r[0] for r in db.execute("SELECT name FROM migrations ORDER BY name")] == [
            "0001_initial", "0002_story_state", "0003_story_state_day", "0004_reader_indexes"]
        index = db.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'articles_fts'").fetchone()
        assert index is not None and "USING gin (fts)" in index[0]


def test_open_store_picks_postgres_and_hides_the_password(pg_url: str) -> None:
    for url in (pg_url, pg_url.replace("postgresql://", "postgres://")):
        s = open_store(url)
        assert isinstance(s, PostgresStore) and isinstance(s, Store)
        s.close()
    assert redact("postgresql://ann:s3cret@db:5432/news") == "postgresql://ann:***@db:5432/news"
    with pytest.raises(StoreError, match=r"cannot connect to postgresql://ann:\*\*\*@127\.0\.0\.1:1/news: .*"
                                         r"check that the server runs") as err:
        open_store("postgresql://ann:s3cret@127.0.0.1:1/news")
    assert "s3cret" not in str(err.value)


def test_a_missing_driver_names_the_extra_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)  # as if psycopg were not installed
    monkeypatch.delitem(sys.modules, "newsgraph.store.postgres")
    with pytest.raises(StoreError, match=r"needs the psycopg driver: pip install 'newsgraph\[postgres\]'$"):
        open_store("postgresql://localhost/news")


def test_a_second_writer_waits_for_the_first(pg_url: str) -> None:
    a, b = PostgresStore(pg_url), PostgresStore(pg_url)
    done: list[float] = []

    def write_b() -> None:
        with b.transaction():
            b.add_article(record("b", make_article("b.txt", url="https://example.org/b")))
        done.append(time.monotonic())

    with a.transaction():
        a.add_article(record("a", make_article()))
        thread = threading.Thread(target=write_b)
        thread.start()
        time.sleep(0.3)
        assert not done, "the second writer did not wait for the first one's transaction"
        committed = time.monotonic()
    thread.join(10)
    assert done and done[0] >= committed
    assert [r["id"] for r in a.export_rows()] == ["a", "b"] and a.max_seq() == 2
    a.close()
    b.close()


# -- more of the shared suite: each runs on SQLite and on PostgreSQL ---------------------------------------------

def test_state_doc_freq_and_links_accumulate(store: Store) -> None:  # noqa: F811
    with store.transaction():
        store.add_article(record("id1", make_article()))
        store.add_article(record("id2", make_article("b.txt", url="https://example.org/b")))
        store.add_doc_freq(2, {"bridge": 2, "crack": 1})
        store.add_links("id1", [("id2", 0.5)])
    with store.transaction():
        store.add_doc_freq(1, {"bridge": 1})
        store.add_links("id1", [("id2", 0.9)])  # a stored link stays as it was
        store.set_state("x", "1")
        store.set_state("x", "2")
    assert store.doc_freq() == (3, {"bridge": 3, "crack": 1})
    with store.transaction():
        store.add_doc_freq(1, {"arch": 1, "zinc": 2})
    assert store.doc_freq(limit=2) == (4, {"bridge": 3, "zinc": 2})  # the most frequent, ties by term
    assert store.doc_freq(limit=3) == (4, {"bridge": 3, "zinc": 2, "arch": 1})
    assert store.links("id1") == [("id2", 0.5)] and store.get_state("x") == "2" and store.get_state("y") is None
    assert store.similar_candidates("id2", ["girder"], 10, "2024-03-04") == ["id1"]
    assert store.summaries(["id2", "nope"])["id2"].url == "https://example.org/b"


def test_story_rows_are_replaced_one_by_one_and_features_replay_in_order(store: Store) -> None:  # noqa: F811
    ids = [f"id{i}" for i in range(3)]

    def row(sid: str, label: str, members: list[str]) -> StoryRow:
        return StoryRow(sid, label, "2024-03-01", "2024-03-03",
                        [ArticleSummary(i, None, None, None, "") for i in members])

    with store.transaction():
        for n, i in enumerate(ids):
            rec = record(i, make_article(f"{i}.txt", url=f"https://example.org/{i}", published=f"2024-03-0{3 - n}"))
            store.add_article(replace(rec, features=f'{{"id": "{i}"}}', story_id="s1" if n < 2 else "s2"))
        store.put_stories([row("s1", "bridge", ids[:2]), row("s2", "girder", ids[2:])])
    with store.transaction():
        store.put_stories([row("s1", "bridge crack", ids[:2])])  # a later checkpoint: s1 changed, s2 did not
    assert [(s.id, s.label, [m.id for m in s.members]) for s in store.stories()] == [
        ("s1", "bridge crack", ["id1", "id0"]), ("s2", "girder", ["id2"])]
    assert [(seq, data) for seq, data in store.features_since(1)] == [(2, '{"id": "id1"}'), (3, '{"id": "id2"}')]
    assert store.features(["id0", "nope"]) == {"id0": '{"id": "id0"}'} and store.max_seq() == 3
    assert next(store.export_rows())["story_id"] == "s1"


def test_a_nul_character_in_the_text_is_stored(store: Store) -> None:  # noqa: F811
    body = "The Calder Bridge\x00 was closed after inspectors found a crack.\n\n\"We wait,\" Mayor Helena Marsk said."
    article = make_article(body=body)
    with store.transaction():
        store.add_article(record("id1", article))
    assert store.article("id1") == article
    assert [h.article.id for h in store.search("inspectors")] == ["id1"]


def test_postgres_search_takes_web_search_syntax(pg_url: str) -> None:
    s = PostgresStore(pg_url)
    other = "The Calder Bridge reopened on Friday.\n\n\"We are relieved,\" Mayor Helena Marsk said of the span."
    with s.transaction():
        s.add_article(record("id1", make_article()))
        s.add_article(record("id2", replace(make_article("b.txt", other, url="https://example.org/b"),
                                            headline="Span reopens")))
    assert [h.article.id for h in s.search('"found a crack"')] == ["id1"]   # a phrase
    assert [h.article.id for h in s.search("bridge -girder")] == ["id2"]    # a word left out
    assert sorted(h.article.id for h in s.search("girder or relieved")) == ["id1", "id2"]
    assert "[relieved]" in s.search("relieved")[0].snippet and s.search("the") == []  # stop words only: no hits
    s.close()


def test_a_search_leaves_the_connection_with_its_own_planner_settings(pg_url: str) -> None:
    """Search turns sequential and plain index scans off for its own statements (see PostgresStore.search); the
    next statement on the connection, a write included, plans with the server's settings again."""
    s = PostgresStore(pg_url)
    with s.transaction():
        s.add_article(record("id1", make_article()))

    def settings() -> list[str]:
        return [str(s._db.execute(f"SHOW {name}").fetchone()[0])  # fixed names, no input
                for name in ("enable_seqscan", "enable_indexscan", "work_mem")]

    before = settings()
    assert [h.article.id for h in s.search("girder")] == ["id1"]
    assert [h.article.id for h in s.search("girder", window=0)] == ["id1"]
    assert settings() == before == ["on", "on", before[2]]
    with s.transaction():
        assert [h.article.id for h in s.search("girder")] == ["id1"]
        s.add_article(record("id2", make_article("b.txt", url="https://example.org/b")))
        assert settings() == before
    s.close()
