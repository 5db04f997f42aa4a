"""``newsgraph copy``: a whole corpus from one store into another (SQLite into a real PostgreSQL server started by
the tests, and back), row for row; ingest goes on in the copy as it would have in the source; a non-empty
destination is refused and a copy that fails leaves the destination empty."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from corpus_gen import canonical_dump, synthetic
from newsgraph.cli import app
from newsgraph.ingest import ingest
from newsgraph.store import SQLiteStore, StoreError, open_store
from newsgraph.store.copy import copy_corpus
from test_ingest import FAST, write_jsonl
from test_ingest_postgres import pg_dump
from web_support import copy_db, corpus_db

pytestmark = pytest.mark.slow


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stderr


def dump(db: Path) -> dict[str, list[tuple[object, ...]]]:
    return {t: rows for t, rows in canonical_dump(db).items() if t != "migrations"}


def test_a_corpus_copied_into_postgresql_and_back_is_the_same_corpus(tmp_path: Path, shared: Path,
                                                                     pg_url: str) -> None:
    # the web tests' corpus: every stage ran, so quotes, speakers, entities, dates, tags and stories have rows
    src = copy_db(corpus_db(tmp_path, shared / "seed" / "putin-gaza-2023-10-13.txt"), tmp_path / "src.db")
    code, err = run("copy", str(src), pg_url)
    assert code == 0, err
    original = dump(src)
    assert f"copied {len(original['articles'])} articles" in err
    in_pg = {t: rows for t, rows in pg_dump(pg_url).items() if t != "migrations"}
    assert set(in_pg) == set(original)
    for table, rows in original.items():
        assert in_pg[table] == rows, f"table {table} differs in PostgreSQL"
    assert all(original[t] for t in ("quotes", "speakers", "mentions", "dates", "tags", "stories", "state"))
    back = tmp_path / "back.db"
    code, err = run("copy", pg_url, str(back))
    assert code == 0, err
    assert dump(back) == original  # canonical_dump also runs FTS5's integrity check on the rebuilt index
    for query in ("Putin", "Gaza ceasefire", "drought"):
        with open_store(src) as a, open_store(back) as b:
            assert [h.article.id for h in a.search(query)] == [h.article.id for h in b.search(query)], query


def test_ingest_goes_on_in_the_copy_as_in_the_source(tmp_path: Path, pg_url: str) -> None:
    records = synthetic(60, seed=5)
    first, rest = (write_jsonl(tmp_path / f"{n}.jsonl", part) for n, part in (("a", records[:40]),
                                                                              ("b", records[40:])))
    src, copy = tmp_path / "src.db", tmp_path / "copy.db"
    with open_store(src) as store:
        ingest([str(first)], store, FAST)
    for dest in (str(copy), pg_url):
        with open_store(src) as a:
            b = open_store(dest)
            try:
                assert copy_corpus(a, b).articles == 40
            finally:
                b.close()
    for db in (str(src), str(copy), pg_url):  # the stories, document frequencies and links carry on
        store = open_store(db)
        try:
            report = ingest([str(rest)], store, FAST)
        finally:
            store.close()
        assert (report.ingested, report.failed) == (20, []), db
    lite = dump(src)
    assert dump(copy) == lite
    postgres = pg_dump(pg_url)
    for table in sorted(set(lite) - {"similar_links"}):  # text search ranks differ between the engines
        assert postgres[table] == lite[table], f"table {table} differs after ingesting into the PostgreSQL copy"
    assert len(lite["articles"]) == 60 and max(r[0] for r in lite["articles"]) == 60  # seq numbering went on


def test_a_store_that_holds_articles_is_refused_and_a_failed_copy_leaves_nothing(tmp_path: Path) -> None:
    src, dest = tmp_path / "src.db", tmp_path / "dest.db"
    with open_store(src) as store:
        ingest([str(write_jsonl(tmp_path / "a.jsonl", synthetic(12, seed=3)))], store, FAST)

    def fail_after_quotes(table: str, rows: int) -> None:
        if table == "quotes":
            raise RuntimeError("killed")

    with open_store(src) as a, open_store(dest) as b:
        with pytest.raises(RuntimeError):
            copy_corpus(a, b, fail_after_quotes)
        assert b.count() == 0  # rolled back: running it again starts over
    code, err = run("copy", str(src), str(dest))
    assert code == 0, err
    assert dump(dest) == dump(src)
    code, err = run("copy", str(src), str(dest))
    assert code == 1 and "already holds 12 articles: copy into an empty store" in err
    assert dump(dest) == dump(src)
    missing = tmp_path / "nowhere.db"
    code, err = run("copy", str(missing), str(tmp_path / "x.db"))
    assert code == 2 and "no corpus file" in err and not missing.exists()
    with open_store(src) as a, pytest.raises(StoreError, match="same store"):
        copy_corpus(a, a)


def test_a_driver_error_is_named_and_leaves_the_destination_empty(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    src, dest = tmp_path / "src.db", tmp_path / "dest.db"
    with open_store(src) as store:
        ingest([str(write_jsonl(tmp_path / "a.jsonl", synthetic(6, seed=4)))], store, FAST)
    real = SQLiteStore.read_tables

    def lost_midway(self: SQLiteStore, tables: Sequence[str]) -> Iterator[tuple[str, list[str], Any]]:
        for n, item in enumerate(real(self, tables)):
            if n == 3:
                raise sqlite3.OperationalError("disk I/O error")
            yield item

    monkeypatch.setattr(SQLiteStore, "read_tables", lost_midway)
    code, err = run("copy", str(src), str(dest))
    assert code == 1 and "failed after 3 of 19 tables: disk I/O error" in err
    assert "the destination kept nothing; run the copy again" in err
    with open_store(dest) as b:
        assert b.count() == 0
