"""Ingest into a real PostgreSQL server (started by the tests): the same guarantees as on SQLite, namely a
second ingest changes nothing and a run killed with SIGKILL resumes to exactly the rows of a clean run; and the
corpus a PostgreSQL ingest builds equals, table for table, the one a SQLite ingest builds."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg

from corpus_gen import VOLATILE_COLUMNS, canonical_dump, synthetic
from newsgraph.ingest import ingest
from newsgraph.store import open_store
from pg_server import PgServer
from test_ingest import FAST, RUN, write_jsonl

ROOT = Path(__file__).resolve().parents[1]
GENERATED = {"fts"}  # the tsvector column PostgreSQL derives from headline and body


def pg_dump(url: str) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, sorted, without wall-clock and generated columns (as ``canonical_dump``)."""
    out: dict[str, list[tuple[object, ...]]] = {}
    with psycopg.connect(url) as db:
        names = [r[0] for r in db.execute("SELECT table_name FROM information_schema.tables "
                                          "WHERE table_schema = 'public' ORDER BY table_name")]
        for name in names:
            cols = [r[0] for r in db.execute("SELECT column_name FROM information_schema.columns WHERE table_name = "
                                             "%s AND table_schema = 'public' ORDER BY ordinal_position", (name,))]
            keep = ", ".join(f'"{c}"' for c in cols if c not in VOLATILE_COLUMNS | GENERATED)
            rows = db.execute(f'SELECT {keep} FROM "{name}"').fetchall()  # names read from the catalogue
            out[name] = sorted((tuple(bytes(v) if isinstance(v, memoryview) else v for v in r) for r in rows),
                               key=repr)
    return out


def _count(url: str) -> int:
    try:
        with psycopg.connect(url, connect_timeout=2) as db:
            row = db.execute("SELECT count(*) FROM articles").fetchone()
            return int(row[0]) if row else 0
    except psycopg.errors.UndefinedTable:  # not migrated yet
        return 0


def test_ingesting_twice_changes_nothing_and_matches_sqlite(tmp_path: Path, pg_url: str) -> None:
    corpus = write_jsonl(tmp_path / "c.jsonl", synthetic(40))
    store = open_store(pg_url)
    first = ingest([str(corpus)], store, FAST)
    assert (first.ingested, first.duplicates, first.failed) == (40, 0, [])
    before = pg_dump(pg_url)
    again = ingest([str(corpus)], store, FAST)
    store.close()
    assert (again.ingested, again.duplicates) == (0, 40)
    assert pg_dump(pg_url) == before
    assert len(before["articles"]) == 40 and before["stories"] and before["doc_freq"]
    lite = open_store(tmp_path / "c.db")
    ingest([str(corpus)], lite, FAST)
    lite.close()
    sqlite_rows = canonical_dump(tmp_path / "c.db")
    assert set(before) == set(sqlite_rows)
    for table in sorted(set(sqlite_rows) - {"similar_links"}):
        assert before[table] == sqlite_rows[table], f"table {table} differs between PostgreSQL and SQLite"
    # similar links draw text-search candidates ranked by ts_rank here and by bm25 in SQLite: nearly the same
    pg_links, lite_links = ({r[:2] for r in d["similar_links"]} for d in (before, sqlite_rows))
    assert len(pg_links & lite_links) >= 0.9 * max(len(pg_links), len(lite_links)) > 0


def test_a_killed_run_resumes_to_exactly_the_rows_of_a_clean_run(tmp_path: Path, pg_server: PgServer) -> None:
    n = 120
    corpus = write_jsonl(tmp_path / "c.jsonl", synthetic(n, seed=11))
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    killed_url, clean_url = pg_server.new_database(), pg_server.new_database()
    proc = subprocess.Popen([sys.executable, "-c", RUN, killed_url, str(corpus)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while _count(killed_url) < 50 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    at_kill = _count(killed_url)
    assert 50 <= at_kill < n, f"the run was not killed halfway ({at_kill} of {n} articles stored)"
    resumed = subprocess.run([sys.executable, "-c", RUN, killed_url, str(corpus)], env=env,
                             capture_output=True, text=True, check=True)
    assert resumed.stdout.split() == [str(n - at_kill), str(at_kill), "0"]
    subprocess.run([sys.executable, "-c", RUN, clean_url, str(corpus)], env=env, capture_output=True, check=True)
    killed, clean = pg_dump(killed_url), pg_dump(clean_url)
    assert len(clean["articles"]) == n
    for table in clean:
        assert killed[table] == clean[table], f"table {table} differs after resume"


def test_the_corpus_commands_give_the_same_answers_on_both_backends(tmp_path: Path, pg_url: str) -> None:
    from typer.testing import CliRunner

    from corpus_gen import ARTICLES
    from newsgraph.cli import app

    def run(db: str, *args: str) -> str:
        result = CliRunner().invoke(app, [*args, "--db", db])
        assert result.exit_code == 0, result.stderr
        return result.stdout

    lite = str(tmp_path / "c.db")
    for db in (lite, pg_url):
        run(db, "ingest", "--stages", "none", str(ARTICLES))
    for args in (("stories", "--format", "json"), ("export", "--format", "jsonl")):
        assert run(pg_url, *args) == run(lite, *args), f"`newsgraph {' '.join(args)}` differs"
    for query in ("drought", "bridge", "probe"):  # the same hits; snippets and ranks are each engine's own
        hits = [{line.split()[0] for line in run(db, "search", query).splitlines() if line[:1].strip()}
                for db in (pg_url, lite)]
        assert hits[0] == hits[1] and hits[0], query
