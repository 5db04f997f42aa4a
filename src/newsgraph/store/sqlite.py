"""The embedded SQLite store: one file, one writer connection, each write one ``BEGIN IMMEDIATE`` transaction.

The schema comes only from the named migrations in ``migrations/`` (applied in name order, each recorded in the
``migrations`` table). Every value reaches SQL as a parameter. FTS5 indexes headline and body.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from newsgraph.model import Article
from newsgraph.store.base import (
    ENTITY_CANDIDATE_CAP,
    SEARCH_WINDOW,
    TEXT_CANDIDATE_WINDOW,
    ArticleRecord,
    ArticleSummary,
    QuoteRow,
    Rows,
    SearchHit,
    StoreError,
    StoryRow,
    article_from_json,
    article_json,
    corpus_table,
    date_window,
    known_columns,
    story_values,
)
from newsgraph.store.sqlite_write import insert_article

_SUMMARY = "id, url, headline, published, source"
BUSY_TIMEOUT_S = 30.0  # how long a write waits for another process's write transaction to end
_FTS_WORD = re.compile(r"\w+", re.UNICODE)


def migrations() -> list[tuple[str, str]]:
    """(name, SQL) of every migration shipped with newsgraph, in the order they apply."""
    folder = resources.files("newsgraph.store") / "migrations"
    files = sorted((f for f in folder.iterdir() if f.name.endswith(".sql")), key=lambda f: f.name)
    return [(f.name.removesuffix(".sql"), f.read_text(encoding="utf-8")) for f in files]


class SQLiteStore:
    """A corpus in one SQLite file. Not thread-safe: the thread that opens it owns the (single) connection."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.url = f"sqlite:///{self.path}"
        if self.path.is_dir():
            raise StoreError(f"{self.path} is a directory: give a database file path such as {self.path}/corpus.db")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(self.path, isolation_level=None, timeout=BUSY_TIMEOUT_S)
            self._db.execute("PRAGMA journal_mode=WAL")
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path} is not a newsgraph SQLite database ({exc}): "
                             "give a new file name or the corpus file written by `newsgraph ingest`") from exc
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._in_tx = False
        self.applied = self.migrate()

    # -- schema --------------------------------------------------------------------------------------------------
    def migrate(self) -> list[str]:
        """Apply the migrations this file lacks, each in its own transaction; return the names applied now."""
        self._db.execute("CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
        done = {row[0] for row in self._db.execute("SELECT name FROM migrations")}
        applied: list[str] = []
        for name, sql in migrations():
            if name in done:
                continue
            try:
                self._db.executescript("BEGIN IMMEDIATE;\n" + sql)
                self._db.execute("INSERT INTO migrations (name, applied_at) VALUES (?, ?)", (name, _now()))
                self._db.execute("COMMIT")
            except sqlite3.Error as exc:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise StoreError(f"migration {name} failed on {self.path}: {exc}") from exc
            applied.append(name)
        return applied

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> SQLiteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One explicit write transaction; taken IMMEDIATE so a second writer waits instead of failing late."""
        if self._in_tx:
            raise StoreError("transactions do not nest: finish the open one before starting another")
        self._db.execute("BEGIN IMMEDIATE")
        self._in_tx = True
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        else:
            self._db.execute("COMMIT")
        finally:
            self._in_tx = False

    def _need_tx(self) -> None:
        if not self._in_tx:
            raise StoreError("writes must happen inside `with store.transaction():`")

    # -- writes --------------------------------------------------------------------------------------------------
    def add_article(self, record: ArticleRecord) -> None:
        self._need_tx()
        insert_article(self._db, record, _now())

    def add_doc_freq(self, n_docs: int, terms: dict[str, int]) -> None:
        self._need_tx()
        self._db.executemany("INSERT INTO doc_freq (term, df) VALUES (?, ?) "
                             "ON CONFLICT (term) DO UPDATE SET df = df + excluded.df", sorted(terms.items()))
        n = int(self.get_state("doc_freq.n_docs") or 0)
        self.set_state("doc_freq.n_docs", str(n + n_docs))

    def add_links(self, article_id: str, links: Sequence[tuple[str, float]]) -> None:
        self._need_tx()
        self._db.executemany("INSERT INTO similar_links (article_id, other_id, score) VALUES (?, ?, ?) "
                             "ON CONFLICT DO NOTHING", [(article_id, o, s) for o, s in links])

    def set_state(self, name: str, value: str) -> None:
        self._need_tx()
        self._db.execute("INSERT INTO state (name, value) VALUES (?, ?) "
                         "ON CONFLICT (name) DO UPDATE SET value = excluded.value", (name, value))

    def delete_state(self, name: str) -> None:
        self._need_tx()
        self._db.execute("DELETE FROM state WHERE name = ?", (name,))

    def put_story_states(self, states: Sequence[tuple[str, str, int | None]]) -> None:
        """Write ``(story id, JSON state, eviction day)`` rows of the story clusterer's checkpoint, replacing
        those stored."""
        self._need_tx()
        self._db.executemany("INSERT INTO story_state (story_id, state, day) VALUES (?, ?, ?) ON CONFLICT "
                             "(story_id) DO UPDATE SET state = excluded.state, day = excluded.day", states)

    def put_stories(self, stories: Sequence[StoryRow]) -> None:
        """Write the rows of these stories, replacing those stored (stories never merge, and each article's
        story is written with the article, so a checkpoint writes only the stories that changed)."""
        self._need_tx()
        self._db.executemany(
            "INSERT INTO stories (id, label, first, last, size, data) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (id) DO UPDATE SET label = excluded.label, first = excluded.first, last = excluded.last, "
            "size = excluded.size, data = excluded.data", [story_values(s) for s in stories])

    # -- reads ---------------------------------------------------------------------------------------------------
    def known_ids(self, ids: Iterable[str]) -> set[str]:
        wanted = list(dict.fromkeys(ids))
        found: set[str] = set()
        for i in range(0, len(wanted), 500):
            chunk = wanted[i:i + 500]
            marks = ",".join("?" * len(chunk))
            found.update(r[0] for r in self._db.execute(f"SELECT id FROM articles WHERE id IN ({marks})", chunk))
        return found

    def count(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM articles").fetchone()[0])

    def resolve(self, ref: str) -> str | None:
        """The id of the article that ``ref`` names: its id, its URL or its source (file name)."""
        for column in ("id", "url", "source"):
            row = self._db.execute(f"SELECT id FROM articles WHERE {column} = ? ORDER BY seq LIMIT 1",
                                   (ref,)).fetchone()
            if row is not None:
                return str(row[0])
        return None

    def get_state(self, name: str) -> str | None:
        row = self._db.execute("SELECT value FROM state WHERE name = ?", (name,)).fetchone()
        return None if row is None else str(row[0])

    def story_states(self, since_day: int | None = None, keep: int = 0) -> Iterator[tuple[str, str]]:
        """The ``(story id, JSON state)`` rows of the story clusterer's checkpoint, in no set order: every row,
        or with ``since_day`` those evicted on or after it (or without a day), and the ``keep`` latest before."""
        if since_day is None:
            rows = self._db.execute("SELECT story_id, state FROM story_state")
        else:
            # the latest older rows are picked from the (day, story_id) index alone, then joined for their state
            rows = self._db.execute(
                "SELECT story_id, state FROM story_state WHERE day IS NULL OR day >= :day UNION ALL "
                "SELECT s.story_id, s.state FROM (SELECT story_id FROM story_state WHERE day < :day "
                "ORDER BY day DESC, CAST(substr(story_id, 2) AS INTEGER) DESC LIMIT :keep) k "
                "JOIN story_state s ON s.story_id = k.story_id", {"day": since_day, "keep": keep})
        for sid, state in rows:
            yield str(sid), str(state)

    def story_states_between(self, lo: int, hi: int, limit: int) -> list[tuple[str, str]]:
        """The story rows whose eviction day lies in ``lo..hi`` (day numbers), at most ``limit``, latest first."""
        rows = self._db.execute("SELECT s.story_id, s.state FROM (SELECT story_id FROM story_state WHERE day "
                                "BETWEEN ? AND ? ORDER BY day DESC, story_id LIMIT ?) k JOIN story_state s "
                                "ON s.story_id = k.story_id", (lo, hi, limit))
        return [(str(sid), str(state)) for sid, state in rows]

    def doc_freq(self, limit: int | None = None) -> tuple[int, dict[str, int]]:
        """The number of documents counted and each term's document count; with ``limit``, only that many of
        the most frequent terms (a scan with a bounded sort: the table keeps every term ever counted)."""
        n = int(self.get_state("doc_freq.n_docs") or 0)
        rows = self._db.execute("SELECT term, df FROM doc_freq" if limit is None else
                                "SELECT term, df FROM doc_freq ORDER BY df DESC, term LIMIT ?",
                                () if limit is None else (limit,))
        return n, {str(t): int(d) for t, d in rows}

    def article(self, article_id: str) -> Article | None:
        row = self._db.execute("SELECT data FROM articles WHERE id = ?", (article_id,)).fetchone()
        return None if row is None else article_from_json(row[0])

    def summary(self, article_id: str) -> ArticleSummary | None:
        return self.summaries([article_id]).get(article_id)

    def summaries(self, ids: Sequence[str]) -> dict[str, ArticleSummary]:
        out: dict[str, ArticleSummary] = {}
        wanted = list(dict.fromkeys(ids))
        for i in range(0, len(wanted), 500):
            chunk = wanted[i:i + 500]
            marks = ",".join("?" * len(chunk))
            for row in self._db.execute(f"SELECT {_SUMMARY} FROM articles WHERE id IN ({marks})", chunk):
                out[row[0]] = ArticleSummary(*row)
        return out

    def band_candidates(self, bands: Sequence[tuple[int, str]]) -> list[tuple[str, bytes]]:
        """Articles sharing at least one LSH band with ``bands``, with their signatures (indexed lookups)."""
        if not bands:
            return []
        where = " OR ".join(["(b.band = ? AND b.key = ?)"] * len(bands))
        params = [v for band in bands for v in band]
        rows = self._db.execute(
            f"SELECT DISTINCT s.article_id, s.signature FROM near_dup_bands b "
            f"JOIN near_dup_signatures s ON s.article_id = b.article_id WHERE {where} ORDER BY s.article_id", params)
        return [(str(a), bytes(sig)) for a, sig in rows]

    def group_of(self, article_id: str) -> str | None:
        row = self._db.execute("SELECT group_id FROM duplicate_members WHERE article_id = ?", (article_id,)).fetchone()
        return None if row is None else str(row[0])

    def original_of(self, article_id: str) -> str | None:
        row = self._db.execute("SELECT g.original_id FROM duplicate_members m JOIN duplicate_groups g "
                               "ON g.id = m.group_id WHERE m.article_id = ?", (article_id,)).fetchone()
        return None if row is None else str(row[0])

    def features(self, ids: Sequence[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        wanted = list(dict.fromkeys(ids))
        for i in range(0, len(wanted), 500):
            chunk = wanted[i:i + 500]
            marks = ",".join("?" * len(chunk))
            out.update(self._db.execute(f"SELECT article_id, data FROM features WHERE article_id IN ({marks})",
                                        chunk).fetchall())
        return out

    def features_since(self, seq: int) -> Iterator[tuple[int, str]]:
        """Features of the articles ingested after ``seq``, in ingest order (to replay a story checkpoint)."""
        cur = self._db.execute("SELECT a.seq, f.data FROM articles a JOIN features f ON f.article_id = a.id "
                               "WHERE a.seq > ? ORDER BY a.seq", (seq,))
        for s, data in cur:
            yield int(s), str(data)

    def max_seq(self) -> int:
        return int(self._db.execute("SELECT coalesce(max(seq), 0) FROM articles").fetchone()[0])

    def similar_candidates(self, article_id: str, terms: Sequence[str], limit: int,
                           published: str | None = None, window_days: float = 14.0) -> list[str]:
        """Candidates for ``similar``: shared entities (those in at most ``ENTITY_CANDIDATE_CAP`` articles), shared
        LSH bands, same story, stored links (and their links), and FTS on the article's top ``terms`` within
        ``window_days`` of ``published`` when it is known, then among the ``TEXT_CANDIDATE_WINDOW`` articles
        ingested before and after it. Every source is an indexed query capped at ``limit`` whose work does not
        grow with the corpus (for articles ingested in time order)."""
        queries: list[tuple[str, dict[str, object]]] = [
            ("SELECT m2.article_id FROM mentions m1 JOIN mentions m2 ON m2.entity_key = m1.entity_key "
             "WHERE m1.article_id = :id AND m2.article_id != :id AND (SELECT count(*) FROM (SELECT 1 FROM mentions m3 "
             "WHERE m3.entity_key = m1.entity_key LIMIT :cap + 1)) <= :cap GROUP BY m2.article_id "
             "ORDER BY count(*) DESC, m2.article_id LIMIT :limit",
             {"id": article_id, "limit": limit, "cap": ENTITY_CANDIDATE_CAP}),
            ("SELECT DISTINCT b2.article_id FROM near_dup_bands b1 JOIN near_dup_bands b2 "
             "ON b2.band = b1.band AND b2.key = b1.key WHERE b1.article_id = :id AND b2.article_id != :id LIMIT :limit",
             {"id": article_id, "limit": limit}),
            ("SELECT s2.article_id FROM story_members s1 JOIN story_members s2 ON s2.story_id = s1.story_id "
             "WHERE s1.article_id = :id AND s2.article_id != :id LIMIT :limit", {"id": article_id, "limit": limit}),
            ("SELECT other_id FROM similar_links WHERE article_id = :id UNION "
             "SELECT article_id FROM similar_links WHERE other_id = :id UNION "
             "SELECT l2.other_id FROM similar_links l1 JOIN similar_links l2 ON l2.article_id = l1.other_id "
             "WHERE l1.article_id = :id AND l2.other_id != :id", {"id": article_id}),
        ]
        found: dict[str, None] = {}
        for sql, params in queries:
            found.update((str(r[0]), None) for r in self._db.execute(sql, params))
        match = fts_any(terms)
        if match:
            found.update((a, None) for a in self._text_candidates(article_id, match, limit, published, window_days))
        return list(found)

    def _text_candidates(self, article_id: str, match: str, limit: int, published: str | None,
                         window_days: float) -> list[str]:
        """FTS candidates ranked by bm25 within rowid (seq) ranges, so FTS5 ranks only the matches in range, not
        every match in the corpus: the range of the articles published in the date window (the same rows as a
        filter on the date alone), then the ``TEXT_CANDIDATE_WINDOW`` articles ingested around this one."""
        fts = ("SELECT a.id FROM articles_fts f JOIN articles a ON a.seq = f.rowid WHERE articles_fts MATCH ? "
               "AND f.rowid BETWEEN ? AND ? AND a.id != ? {} ORDER BY f.rank LIMIT ?")
        out: list[str] = []
        window = date_window(published, window_days)
        if window is not None:
            lo, hi = self._db.execute("SELECT min(seq), max(seq) FROM articles WHERE published BETWEEN ? AND ?",
                                      window).fetchone()
            if lo is not None:
                rows = self._db.execute(fts.format("AND a.published BETWEEN ? AND ?"),
                                        (match, lo, hi, article_id, *window, limit))
                out += [str(r[0]) for r in rows]
        row = self._db.execute("SELECT seq FROM articles WHERE id = ?", (article_id,)).fetchone()
        seq = int(row[0]) if row is not None else self.max_seq()
        rows = self._db.execute(fts.format(""), (match, seq - TEXT_CANDIDATE_WINDOW, seq + TEXT_CANDIDATE_WINDOW,
                                                 article_id, limit))
        return out + [str(r[0]) for r in rows]

    def links(self, article_id: str) -> list[tuple[str, float]]:
        rows = self._db.execute("SELECT other_id, score FROM similar_links WHERE article_id = ? "
                                "ORDER BY score DESC", (article_id,))
        return [(str(a), float(s)) for a, s in rows]

    def search(self, query: str, limit: int = 20, window: int = SEARCH_WINDOW) -> list[SearchHit]:
        """Full-text search; FTS5 syntax works, and a query FTS5 cannot parse is searched as plain words.
        Only the ``window`` most recently ingested matches are ranked (0: all): FTS5 reads a word's matches
        newest first and stops there, so a word in every article costs no more than a rarer one."""
        try:
            return self._search(query, limit, window)
        except sqlite3.OperationalError:
            plain = " ".join(_quote_fts(w) for w in _FTS_WORD.findall(query))
            return self._search(plain, limit, window) if plain else []

    def _search(self, match: str, limit: int, window: int) -> list[SearchHit]:
        floor = self._db.execute("SELECT rowid FROM articles_fts WHERE articles_fts MATCH ? "
                                 "ORDER BY rowid DESC LIMIT 1 OFFSET ?", (match, window - 1)).fetchone() \
            if window > 0 else None
        rows = self._db.execute(
            f"SELECT {', '.join('a.' + c.strip() for c in _SUMMARY.split(','))}, "
            "snippet(articles_fts, 1, '[', ']', '…', 12), f.rank FROM articles_fts f "
            "JOIN articles a ON a.seq = f.rowid WHERE articles_fts MATCH ? AND f.rowid >= ? "
            "ORDER BY f.rank LIMIT ?", (match, floor[0] if floor else 0, limit)).fetchall()
        return [SearchHit(ArticleSummary(*r[:5]), str(r[5]), -float(r[6])) for r in rows]

    def quotes_by_speaker(self, name: str, limit: int = 100) -> list[QuoteRow]:
        """Quotes whose resolved speaker is ``name`` (any case) or whose name ends with it ("Putin")."""
        rows = self._db.execute(
            f"SELECT {', '.join('a.' + c.strip() for c in _SUMMARY.split(','))}, s.name, q.kind, q.text, q.cue "
            "FROM quotes q JOIN speakers s ON s.id = q.speaker_id JOIN articles a ON a.id = q.article_id "
            "WHERE s.name = :name OR s.name LIKE '% ' || :name ORDER BY a.published, a.seq, q.n LIMIT :limit",
            {"name": name, "limit": limit})
        return [QuoteRow(ArticleSummary(*r[:5]), r[5], r[6], r[7], r[8]) for r in rows]

    def stories(self) -> list[StoryRow]:
        rows = self._db.execute("SELECT id, label, first, last FROM stories ORDER BY size DESC, first, id").fetchall()
        members: dict[str, list[ArticleSummary]] = {r[0]: [] for r in rows}
        for row in self._db.execute(f"SELECT m.story_id, {', '.join('a.' + c.strip() for c in _SUMMARY.split(','))} "
                                    "FROM story_members m JOIN articles a ON a.id = m.article_id "
                                    "ORDER BY a.published, a.seq"):
            if row[0] in members:
                members[row[0]].append(ArticleSummary(*row[1:]))
        return [StoryRow(r[0], r[1], r[2], r[3], members[r[0]]) for r in rows]

    def export_rows(self) -> Iterator[dict[str, Any]]:
        """One flat dict per article in ingest order: ids, url, headline, date, ranked tags, group and story."""
        cur = self._db.execute(
            "SELECT a.id, a.url, a.headline, a.published, a.source, a.language, a.body, a.stages, "
            "(SELECT json_group_array(tag) FROM (SELECT tag FROM tags t WHERE t.article_id = a.id ORDER BY rank)), "
            "(SELECT g.original_id FROM duplicate_members m JOIN duplicate_groups g ON g.id = m.group_id "
            " WHERE m.article_id = a.id), "
            "(SELECT story_id FROM story_members s WHERE s.article_id = a.id) FROM articles a ORDER BY a.seq")
        for r in cur:
            yield {"id": r[0], "url": r[1], "headline": r[2], "published": r[3], "source": r[4], "language": r[5],
                   "tags": json.loads(r[8]), "original_id": r[9], "story_id": r[10], "stages": json.loads(r[7]),
                   "body": r[6]}

    # -- whole tables (store/copy.py) ---------------------------------------------------------------------------
    def table_columns(self, table: str) -> list[str]:
        """The columns of one of ``CORPUS_TABLES`` in this file's schema (a name checked, then quoted)."""
        return [r[1] for r in self._db.execute(f'PRAGMA table_info("{corpus_table(table)}")')]

    def read_tables(self, tables: Sequence[str]) -> Iterator[tuple[str, list[str], Rows]]:
        """Each of ``tables`` with its columns and rows, all read in one snapshot (one read transaction: an
        ingest writing meanwhile is not seen half-way); consume each table's rows before the next."""
        if self._in_tx:
            raise StoreError("read_tables cannot run inside a write transaction")
        self._db.execute("BEGIN")
        try:
            for table in tables:
                columns = self.table_columns(table)
                names = ", ".join(f'"{c}"' for c in columns)  # from the schema, not from input
                yield table, columns, iter(self._db.execute(f'SELECT {names} FROM "{table}"'))
        finally:
            self._db.execute("COMMIT")

    def load_rows(self, table: str, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> int:
        """Insert ``rows`` into ``table`` (inside a transaction); the articles also go into the full-text index.
        Meant for an empty store (``copy_corpus`` checks): rows are inserted as they are. Returns the count."""
        self._need_tx()
        known_columns(table, columns, self.table_columns(table))
        names = ", ".join(f'"{c}"' for c in columns)
        marks = ", ".join("?" for _ in columns)
        before, last = self._db.total_changes, self.max_seq()
        self._db.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)
        count = self._db.total_changes - before
        if table == "articles":  # the FTS5 index has external content: rows are indexed as insert_article does
            self._db.execute("INSERT INTO articles_fts (rowid, headline, body) "
                             "SELECT seq, coalesce(headline, ''), body FROM articles WHERE seq > ?", (last,))
        return count

    def after_load(self) -> None:
        """Nothing to do after a bulk load: SQLite plans without gathered statistics here, as after ingest."""


def fts_any(terms: Sequence[str]) -> str:
    """An FTS5 query matching any of ``terms``, each quoted so no word is read as an operator."""
    words = [w for t in terms for w in _FTS_WORD.findall(t)]
    return " OR ".join(_quote_fts(w) for w in dict.fromkeys(words))


def _quote_fts(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


__all__ = ["SQLiteStore", "StoreError", "article_from_json", "article_json", "migrations"]
