"""The PostgreSQL store: the ``Store`` interface of the SQLite store, for a corpus shared by several processes.

One connection per store. Each write is one explicit transaction that first takes a transaction-scoped
advisory lock, so writers queue one at a time as under SQLite's ``BEGIN IMMEDIATE`` (readers never wait).
The schema comes only from the named migrations in ``migrations_pg/`` (applied in name order under the same
lock, each recorded in the ``migrations`` table). Every value reaches SQL as a parameter. Full-text search is
PostgreSQL's own: a generated ``tsvector`` column with a GIN index, ``websearch_to_tsquery`` queries and
``ts_headline`` snippets. Needs the ``postgres`` extra (psycopg 3).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import resources
from typing import Any, TypeVar

import psycopg
from psycopg import sql as pgsql
from psycopg.abc import Buffer
from psycopg.types.string import StrDumperUnknown

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
    corpus_table,
    date_window,
    known_columns,
    story_values,
)
from newsgraph.store.postgres_write import Conn, insert_article

_SUMMARY = "a.id, a.url, a.headline, a.published, a.source"
_WORD = re.compile(r"\w+", re.UNICODE)
_WRITER_LOCK = 0x6E657773  # pg_advisory_xact_lock key of the one writer ("news"); locks are per database
_HEADLINE = "StartSel=[, StopSel=], MaxWords=12, MinWords=5, MaxFragments=1, FragmentDelimiter=…"
_PAGE = 500
# Surviving a server restart: psycopg does not reconnect by itself. When the connection is lost, the store
# reconnects after each of these pauses in turn (about 24 s in all, then StoreError). Inside a write transaction
# it begins a new one and replays the writes done so far (kept as closures in ``_journal``) before going on:
# the lost transaction was rolled back by the server, and each write is deterministic (ids are content-derived).
_BACKOFF = (0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 8.0)


def migrations() -> list[tuple[str, str]]:
    """(name, SQL) of every PostgreSQL migration shipped with newsgraph, in the order they apply; the names
    match the SQLite migrations one for one."""
    folder = resources.files("newsgraph.store") / "migrations_pg"
    files = sorted((f for f in folder.iterdir() if f.name.endswith(".sql")), key=lambda f: f.name)
    return [(f.name.removesuffix(".sql"), f.read_text(encoding="utf-8")) for f in files]


def redact(url: str) -> str:
    """``url`` with its password replaced by ``***`` (for messages and ``store.url``)."""
    return re.sub(r"(://[^:/@]*:)[^@/]*@", r"\1***@", url)


class _NulFreeStr(StrDumperUnknown):
    """PostgreSQL text cannot hold NUL, which SQLite and the JSON contract can: table columns get U+FFFD
    instead, while ``data`` (JSON, where json.dumps escapes NUL as \\u0000) keeps the exact text."""

    def dump(self, obj: str) -> Buffer | None:
        return super().dump(obj.replace("\x00", "\ufffd"))


def _lost(db: Conn, exc: psycopg.OperationalError) -> bool:
    """True when ``exc`` means the connection is gone (not a statement that failed on a live one)."""
    shutdown = (psycopg.errors.AdminShutdown, psycopg.errors.CrashShutdown, psycopg.errors.CannotConnectNow)
    return db.closed or db.broken or isinstance(exc, shutdown)


class _Connection(psycopg.Connection[tuple[Any, ...]]):
    """A connection whose statements outside a write are run again on a new connection when it is lost (reads:
    every read method goes through ``execute``); writes are retried whole by ``PostgresStore._write``."""

    owner: PostgresStore | None = None

    def execute(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().execute(*args, **kwargs)
        except psycopg.OperationalError as exc:
            owner = self.owner
            if owner is None or owner._writing or not _lost(self, exc):
                raise
            owner._recover(exc)
            return owner._db.execute(*args, **kwargs)


class PostgresStore:
    """A corpus in one PostgreSQL database. Not thread-safe: one connection, owned by the opening thread."""

    def __init__(self, url: str) -> None:
        self.url, self._url = redact(url), url
        try:
            self._db: Conn = self._connect()
        except psycopg.Error as exc:
            reason = " ".join(str(exc).split())
            raise StoreError(f"cannot connect to {self.url}: {reason}: check that the server runs and the URL's "
                             "user, host, port and database (postgresql://user@host:5432/dbname)") from exc
        self._in_tx = False
        self._writing = 0  # > 0 while a write runs: its statements are not retried one by one
        self._journal: list[Callable[[], None]] = []  # the writes of the open transaction, to replay
        self._journal_ids: list[str] = []  # the articles it adds, to tell whether a lost COMMIT landed
        self.applied = self.migrate()

    def _connect(self) -> Conn:
        db = _Connection.connect(self._url, autocommit=True, connect_timeout=10)
        db.adapters.register_dumper(str, _NulFreeStr)
        db.owner = self
        return db

    def _recover(self, exc: psycopg.OperationalError, *, replay: bool = True) -> None:
        """Reconnect after a lost connection (bounded backoff); in a transaction, begin again and replay it."""
        last: psycopg.OperationalError = exc
        for pause in _BACKOFF:
            time.sleep(pause)
            try:
                old, self._db = self._db, self._connect()
                old.close()
                if self._in_tx and replay:
                    self._begin_and_replay()
                return
            except psycopg.OperationalError as again:
                last = again
        raise StoreError(f"lost the connection to {self.url} and could not get it back in {sum(_BACKOFF):g} s: "
                         f"{' '.join(str(last).split())}: check that the server runs") from last

    def _begin_and_replay(self) -> None:
        self._writing += 1
        try:
            self._db.execute("BEGIN")
            self._db.execute("SELECT pg_advisory_xact_lock(%s)", (_WRITER_LOCK,))
            for op in self._journal:
                op()
        finally:
            self._writing -= 1

    def _write(self, op: Callable[[], None]) -> None:
        """Run one write of the open transaction; if the connection is lost, reconnect, replay and run it again."""
        self._need_tx()
        if self._writing:  # a write made by another write (add_doc_freq sets state): part of it
            op()
            return
        for attempt in range(len(_BACKOFF) + 1):
            self._writing += 1
            try:
                op()
                break
            except psycopg.OperationalError as exc:
                if attempt == len(_BACKOFF) or not _lost(self._db, exc):
                    raise
                lost = exc
            finally:
                self._writing -= 1
            self._recover(lost)
        self._journal.append(op)

    # -- schema --------------------------------------------------------------------------------------------------
    def migrate(self) -> list[str]:
        """Apply the migrations this database lacks, each in its own transaction; return the names applied now."""
        applied: list[str] = []
        for name, sql in migrations():
            try:
                with self._db.transaction():
                    self._db.execute("SELECT pg_advisory_xact_lock(%s)", (_WRITER_LOCK,))
                    self._db.execute("CREATE TABLE IF NOT EXISTS migrations "
                                     "(name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
                    if self._db.execute("SELECT 1 FROM migrations WHERE name = %s", (name,)).fetchone():
                        continue
                    self._db.execute(sql.encode("utf-8"))  # a script without parameters: several statements
                    self._db.execute("INSERT INTO migrations (name, applied_at) VALUES (%s, %s)", (name, _now()))
            except psycopg.Error as exc:
                raise StoreError(f"migration {name} failed on {self.url}: {str(exc).strip()}") from exc
            applied.append(name)
        return applied

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> PostgresStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One explicit write transaction holding the writer lock; a second writer waits for it to finish."""
        if self._in_tx:
            raise StoreError("transactions do not nest: finish the open one before starting another")
        self._in_tx, self._journal, self._journal_ids = True, [], []
        try:
            try:
                self._begin_and_replay()
            except psycopg.OperationalError as exc:
                if not _lost(self._db, exc):
                    raise
                self._recover(exc)  # begins the transaction on the new connection
            try:
                yield
            except BaseException:
                if not (self._db.closed or self._db.broken):
                    self._writing += 1  # never retried: there is nothing to roll back on a new connection
                    try:
                        self._db.execute("ROLLBACK")
                    finally:
                        self._writing -= 1
                raise
            self._commit()
        finally:
            self._in_tx = False
            self._journal, self._journal_ids = [], []

    def _commit(self) -> None:
        for attempt in range(len(_BACKOFF) + 1):
            self._writing += 1
            try:
                self._db.execute("COMMIT")
                return
            except psycopg.OperationalError as exc:
                if attempt == len(_BACKOFF) or not _lost(self._db, exc):
                    raise
                lost = exc
            finally:
                self._writing -= 1
            self._recover(lost, replay=False)
            if self._journal_ids and self.known_ids(self._journal_ids[:1]):
                return  # the COMMIT reached the server before the connection went
            self._begin_and_replay()

    def _need_tx(self) -> None:
        if not self._in_tx:
            raise StoreError("writes must happen inside `with store.transaction():`")

    # -- writes --------------------------------------------------------------------------------------------------
    def add_article(self, record: ArticleRecord) -> None:
        now = _now()
        self._write(lambda: insert_article(self._db, record, now))
        self._journal_ids.append(record.id)

    def add_doc_freq(self, n_docs: int, terms: dict[str, int]) -> None:
        self._write(lambda: self._add_doc_freq(n_docs, terms))

    def _add_doc_freq(self, n_docs: int, terms: dict[str, int]) -> None:
        with self._db.cursor() as cur:
            cur.executemany("INSERT INTO doc_freq (term, df) VALUES (%s, %s) "
                            "ON CONFLICT (term) DO UPDATE SET df = doc_freq.df + excluded.df", sorted(terms.items()))
        n = int(self.get_state("doc_freq.n_docs") or 0)
        self.set_state("doc_freq.n_docs", str(n + n_docs))

    def add_links(self, article_id: str, links: Sequence[tuple[str, float]]) -> None:
        def write() -> None:
            with self._db.cursor() as cur:
                cur.executemany("INSERT INTO similar_links (article_id, other_id, score) VALUES (%s, %s, %s) "
                                "ON CONFLICT DO NOTHING", [(article_id, o, s) for o, s in links])
        self._write(write)

    def set_state(self, name: str, value: str) -> None:
        def write() -> None:
            self._db.execute("INSERT INTO state (name, value) VALUES (%s, %s) "
                             "ON CONFLICT (name) DO UPDATE SET value = excluded.value", (name, value))
        self._write(write)

    def delete_state(self, name: str) -> None:
        def write() -> None:
            self._db.execute("DELETE FROM state WHERE name = %s", (name,))
        self._write(write)

    def put_story_states(self, states: Sequence[tuple[str, str, int | None]]) -> None:
        """Write ``(story id, JSON state, eviction day)`` rows of the story clusterer's checkpoint, replacing
        those stored."""
        rows = list(states)  # kept by the journal: replayed as given if the connection is lost

        def write() -> None:
            with self._db.cursor() as cur:
                cur.executemany("INSERT INTO story_state (story_id, state, day) VALUES (%s, %s, %s) ON CONFLICT "
                                "(story_id) DO UPDATE SET state = excluded.state, day = excluded.day", rows)
        self._write(write)

    def put_stories(self, stories: Sequence[StoryRow]) -> None:
        """Write the rows of these stories, replacing those stored (see the SQLite store)."""
        self._write(lambda: self._put_stories(stories))

    def _put_stories(self, stories: Sequence[StoryRow]) -> None:
        with self._db.cursor() as cur:
            cur.executemany(
                "INSERT INTO stories (id, label, first, last, size, data) VALUES (%s, %s, %s, %s, %s, %s) "
                "ON CONFLICT (id) DO UPDATE SET label = excluded.label, first = excluded.first, "
                "last = excluded.last, size = excluded.size, data = excluded.data", [story_values(s) for s in stories])

    # -- reads ---------------------------------------------------------------------------------------------------
    def _column(self, sql: str, params: Any = None) -> list[str]:
        return [str(r[0]) for r in self._db.execute(sql, params).fetchall()]

    def known_ids(self, ids: Iterable[str]) -> set[str]:
        return set(self._column("SELECT id FROM articles WHERE id = ANY(%s)", (list(dict.fromkeys(ids)),)))

    def count(self) -> int:
        return int(self._one("SELECT count(*) FROM articles"))

    def _one(self, sql: str, params: Any = None) -> Any:
        row = self._db.execute(sql, params).fetchone()
        return None if row is None else row[0]

    def resolve(self, ref: str) -> str | None:
        """The id of the article that ``ref`` names: its id, its URL or its source (file name)."""
        for column in ("id", "url", "source"):  # fixed column names, never input
            found = self._one(f"SELECT id FROM articles WHERE {column} = %s ORDER BY seq LIMIT 1", (ref,))
            if found is not None:
                return str(found)
        return None

    def get_state(self, name: str) -> str | None:
        value = self._one("SELECT value FROM state WHERE name = %s", (name,))
        return None if value is None else str(value)

    def story_states(self, since_day: int | None = None, keep: int = 0) -> Iterator[tuple[str, str]]:
        """The ``(story id, JSON state)`` rows of the story clusterer's checkpoint (see the SQLite store); all of
        them are read a page at a time so the connection stays free between pages."""
        if since_day is None:
            rows: Iterable[tuple[Any, ...]] = self._pages("SELECT story_id, state FROM story_state "
                                                          "WHERE story_id > %s ORDER BY story_id LIMIT %s", "")
        else:
            rows = self._db.execute(
                "SELECT story_id, state FROM story_state WHERE day IS NULL OR day >= %(day)s UNION ALL "
                "SELECT s.story_id, s.state FROM (SELECT story_id FROM story_state WHERE day < %(day)s "
                "ORDER BY day DESC, substr(story_id, 2)::bigint DESC LIMIT %(keep)s) k "
                "JOIN story_state s ON s.story_id = k.story_id", {"day": since_day, "keep": keep}).fetchall()
        for sid, state in rows:
            yield str(sid), str(state)

    def story_states_between(self, lo: int, hi: int, limit: int) -> list[tuple[str, str]]:
        rows = self._db.execute("SELECT s.story_id, s.state FROM (SELECT story_id FROM story_state WHERE day "
                                "BETWEEN %s AND %s ORDER BY day DESC, story_id LIMIT %s) k JOIN story_state s "
                                "ON s.story_id = k.story_id", (lo, hi, limit)).fetchall()
        return [(str(sid), str(state)) for sid, state in rows]

    def doc_freq(self, limit: int | None = None) -> tuple[int, dict[str, int]]:
        n = int(self.get_state("doc_freq.n_docs") or 0)
        rows = self._db.execute("SELECT term, df FROM doc_freq" if limit is None else
                                "SELECT term, df FROM doc_freq ORDER BY df DESC, term LIMIT %s",
                                None if limit is None else (limit,)).fetchall()
        return n, {str(t): int(d) for t, d in rows}

    def article(self, article_id: str) -> Article | None:
        data = self._one("SELECT data FROM articles WHERE id = %s", (article_id,))
        return None if data is None else article_from_json(data)

    def summary(self, article_id: str) -> ArticleSummary | None:
        return self.summaries([article_id]).get(article_id)

    def summaries(self, ids: Sequence[str]) -> dict[str, ArticleSummary]:
        rows = self._db.execute(f"SELECT {_SUMMARY} FROM articles a WHERE a.id = ANY(%s)", (list(ids),))
        return {r[0]: ArticleSummary(*r) for r in rows.fetchall()}

    def band_candidates(self, bands: Sequence[tuple[int, str]]) -> list[tuple[str, bytes]]:
        """Articles sharing at least one LSH band with ``bands``, with their signatures (indexed lookups)."""
        if not bands:
            return []
        # never prepared: psycopg prepares a statement after 5 runs and the server then plans it once for any
        # arrays, without seeing them; that generic plan scans the whole bands table (9 ms at 3,000 articles,
        # growing with the corpus) where the plan made for the actual 32 keys is 32 index probes (0.6 ms)
        rows = self._db.execute(
            "SELECT DISTINCT s.article_id, s.signature FROM unnest(%s::integer[], %s::text[]) AS q (band, key) "
            "JOIN near_dup_bands b ON b.band = q.band AND b.key = q.key "
            "JOIN near_dup_signatures s ON s.article_id = b.article_id ORDER BY s.article_id",
            ([b for b, _ in bands], [k for _, k in bands]), prepare=False)
        return [(str(a), bytes(sig)) for a, sig in rows.fetchall()]

    def group_of(self, article_id: str) -> str | None:
        group = self._one("SELECT group_id FROM duplicate_members WHERE article_id = %s", (article_id,))
        return None if group is None else str(group)

    def original_of(self, article_id: str) -> str | None:
        found = self._one("SELECT g.original_id FROM duplicate_members m JOIN duplicate_groups g "
                          "ON g.id = m.group_id WHERE m.article_id = %s", (article_id,))
        return None if found is None else str(found)

    def features(self, ids: Sequence[str]) -> dict[str, str]:
        rows = self._db.execute("SELECT article_id, data FROM features WHERE article_id = ANY(%s)", (list(ids),))
        return {str(a): str(d) for a, d in rows.fetchall()}

    def features_since(self, seq: int) -> Iterator[tuple[int, str]]:
        """Features of the articles ingested after ``seq``, in ingest order (to replay a story checkpoint);
        read a page at a time so the connection stays free between pages."""
        for s, data in self._pages("SELECT a.seq, f.data FROM articles a JOIN features f ON f.article_id = a.id "
                                   "WHERE a.seq > %s ORDER BY a.seq LIMIT %s", seq):
            yield int(s), str(data)

    def max_seq(self) -> int:
        return int(self._one("SELECT coalesce(max(seq), 0) FROM articles"))

    def similar_candidates(self, article_id: str, terms: Sequence[str], limit: int,
                           published: str | None = None, window_days: float = 14.0) -> list[str]:
        """Candidates for ``similar``: shared entities (those in at most ``ENTITY_CANDIDATE_CAP`` articles), shared
        LSH bands, same story, stored links (and their links), and text search on the article's top ``terms``
        within ``window_days`` of ``published`` when it is known, then among the ``TEXT_CANDIDATE_WINDOW``
        articles ingested before and after it. Every source is an indexed query capped at ``limit`` whose work
        does not grow with the corpus (for articles ingested in time order)."""
        p = {"id": article_id, "limit": limit, "cap": ENTITY_CANDIDATE_CAP, "near": TEXT_CANDIDATE_WINDOW}
        queries = [
            "SELECT m2.article_id FROM mentions m1 JOIN mentions m2 ON m2.entity_key = m1.entity_key "
            "WHERE m1.article_id = %(id)s AND m2.article_id != %(id)s AND (SELECT count(*) FROM (SELECT 1 FROM "
            "mentions m3 WHERE m3.entity_key = m1.entity_key LIMIT %(cap)s + 1) c) <= %(cap)s "
            "GROUP BY m2.article_id ORDER BY count(*) DESC, m2.article_id LIMIT %(limit)s",
            "SELECT DISTINCT b2.article_id FROM near_dup_bands b1 JOIN near_dup_bands b2 "
            "ON b2.band = b1.band AND b2.key = b1.key WHERE b1.article_id = %(id)s AND b2.article_id != %(id)s "
            "LIMIT %(limit)s",
            "SELECT s2.article_id FROM story_members s1 JOIN story_members s2 ON s2.story_id = s1.story_id "
            "WHERE s1.article_id = %(id)s AND s2.article_id != %(id)s LIMIT %(limit)s",
            "SELECT other_id FROM similar_links WHERE article_id = %(id)s UNION "
            "SELECT article_id FROM similar_links WHERE other_id = %(id)s UNION "
            "SELECT l2.other_id FROM similar_links l1 JOIN similar_links l2 ON l2.article_id = l1.other_id "
            "WHERE l1.article_id = %(id)s AND l2.other_id != %(id)s",
        ]
        found: dict[str, None] = {}
        for sql in queries:
            found.update((a, None) for a in self._column(sql, p))
        words = list(dict.fromkeys(w for t in terms for w in _WORD.findall(t)))
        if words:
            # websearch syntax: plain words joined by `or` match any of them, and no word is read as an operator
            q = {**p, "q": " or ".join(words)}
            text = ("SELECT a.id FROM articles a, websearch_to_tsquery('english', %(q)s) q, (SELECT coalesce(("
                    "SELECT seq FROM articles WHERE id = %(id)s), (SELECT max(seq) FROM articles)) AS seq) s "
                    "WHERE a.fts @@ q "
                    "AND a.id != %(id)s {} ORDER BY ts_rank(a.fts, q) DESC, a.seq LIMIT %(limit)s")
            window = date_window(published, window_days)
            if window is not None:
                found.update((a, None) for a in self._column(
                    text.format("AND a.published BETWEEN %(lo)s AND %(hi)s"), {**q, "lo": window[0], "hi": window[1]}))
            found.update((a, None) for a in self._column(text.format(
                "AND a.seq BETWEEN s.seq - %(near)s AND s.seq + %(near)s"), q))
        return list(found)

    def links(self, article_id: str) -> list[tuple[str, float]]:
        rows = self._db.execute("SELECT other_id, score FROM similar_links WHERE article_id = %s "
                                "ORDER BY score DESC, other_id", (article_id,))
        return [(str(a), float(s)) for a, s in rows.fetchall()]

    def search(self, query: str, limit: int = 20, window: int = SEARCH_WINDOW) -> list[SearchHit]:
        """Full-text search in web-search syntax ("a phrase", or, -word); it parses any input, so no query fails.
        Only the ``window`` most recently ingested matches are ranked (0: all), so a word in every article does
        not rank (and read the stored vector of) every article. Snippets are made for the returned rows only.
        Statements are never prepared: a generic plan, made once for any word, cannot know how common it is."""
        top = self.max_seq()
        # The planner prices testing a row's stored vector as cheap, not knowing it is TOASTed (read from another
        # table and decompressed), so for a range of newest rows it walks them all testing each, or scans the
        # whole table: 0.5 s for 300k rows, 1.4 s for a common word at 1M articles, against 36 ms combining the GIN
        # and primary-key bitmaps, which these settings leave as its only way in (work_mem keeps the bitmaps
        # exact, so no row is tested again). Reset after the search.
        self._db.execute(_settings("SET"))  # for this session (autocommit: no transaction to scope them to)
        try:
            if window > 0:
                scored = sorted(self._newest_matches(query, window, top), key=lambda r: (-r[1], r[0]))[:limit]
                seqs = [seq for seq, _ in scored]
                found = {int(r[0]): r[1:] for r in self._db.execute(
                    f"SELECT a.seq, {_SUMMARY}, ts_headline('english', a.body, q, %(opts)s) "
                    "FROM articles a, websearch_to_tsquery('english', %(q)s) q WHERE a.seq = ANY(%(seqs)s)",
                    {"q": query, "opts": _HEADLINE, "seqs": seqs}, prepare=False).fetchall()} if seqs else {}
                rows = [(*found[seq], score) for seq, score in scored]
            else:
                rows = self._db.execute(
                    "SELECT h.id, h.url, h.headline, h.published, h.source, "
                    "ts_headline('english', h.body, h.q, %(opts)s), h.score "
                    f"FROM (SELECT {_SUMMARY}, a.body, q, ts_rank(a.fts, q) AS score, a.seq "
                    "FROM articles a, websearch_to_tsquery('english', %(q)s) q WHERE a.fts @@ q "
                    "ORDER BY score DESC, a.seq LIMIT %(limit)s) h ORDER BY h.score DESC, h.seq",
                    {"q": query, "limit": limit, "opts": _HEADLINE}, prepare=False).fetchall()
        finally:
            # (a failed statement inside an open transaction: its rollback undoes the settings)
            if self._db.info.transaction_status != psycopg.pq.TransactionStatus.INERROR:
                self._db.execute(RESET_SETTINGS)
        return [SearchHit(ArticleSummary(*r[:5]), str(r[5]), float(r[6])) for r in rows]

    def _newest_matches(self, query: str, window: int, top: int) -> list[tuple[int, float]]:
        """``(seq, rank)`` of the ``window`` newest matches of ``query`` (see ``newest_first``); only the rows kept
        are ranked (reading their stored vectors)."""

        def fetch(low: int, n: int) -> list[tuple[int, float]]:
            return [(int(seq), float(score)) for seq, score in self._db.execute(
                "SELECT w.seq, ts_rank(w.fts, q) FROM (SELECT m.seq, m.fts FROM articles m "
                "WHERE m.fts @@ websearch_to_tsquery('english', %(q)s) "
                # no range at all over the whole store: a range is a way in through the primary key alone
                + ("AND m.seq > %(low)s " if low > 0 else "")
                + "ORDER BY m.seq DESC LIMIT %(window)s) w, websearch_to_tsquery('english', %(q)s) q",
                {"q": query, "low": low, "window": n}, prepare=False).fetchall()]

        return newest_first(fetch, window, top)

    def quotes_by_speaker(self, name: str, limit: int = 100) -> list[QuoteRow]:
        """Quotes whose resolved speaker is ``name`` (any case) or whose name ends with it ("Putin")."""
        suffix = "% " + name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        rows = self._db.execute(
            f"SELECT {_SUMMARY}, s.name, q.kind, q.text, q.cue "
            "FROM quotes q JOIN speakers s ON s.id = q.speaker_id JOIN articles a ON a.id = q.article_id "
            "WHERE lower(s.name) = lower(%(name)s) OR s.name ILIKE %(suffix)s "
            "ORDER BY a.published NULLS FIRST, a.seq, q.n LIMIT %(limit)s",
            {"name": name, "suffix": suffix, "limit": limit})
        return [QuoteRow(ArticleSummary(*r[:5]), r[5], r[6], r[7], r[8]) for r in rows.fetchall()]

    def stories(self) -> list[StoryRow]:
        rows = self._db.execute("SELECT id, label, first, last FROM stories "
                                "ORDER BY size DESC, first NULLS FIRST, id").fetchall()
        members: dict[str, list[ArticleSummary]] = {r[0]: [] for r in rows}
        for row in self._db.execute(f"SELECT m.story_id, {_SUMMARY} FROM story_members m "
                                    "JOIN articles a ON a.id = m.article_id "
                                    "ORDER BY a.published NULLS FIRST, a.seq").fetchall():
            if row[0] in members:
                members[row[0]].append(ArticleSummary(*row[1:]))
        return [StoryRow(r[0], r[1], r[2], r[3], members[r[0]]) for r in rows]

    def export_rows(self) -> Iterator[dict[str, Any]]:
        """One flat dict per article in ingest order: ids, url, headline, date, ranked tags, group and story;
        read a page at a time so the connection stays free between pages."""
        for r in self._pages(
                "SELECT a.seq, a.id, a.url, a.headline, a.published, a.source, a.language, a.body, a.stages, "
                "(SELECT coalesce(json_agg(t.tag ORDER BY t.rank), '[]') FROM tags t WHERE t.article_id = a.id), "
                "(SELECT g.original_id FROM duplicate_members m JOIN duplicate_groups g ON g.id = m.group_id "
                " WHERE m.article_id = a.id), "
                "(SELECT story_id FROM story_members s WHERE s.article_id = a.id) "
                "FROM articles a WHERE a.seq > %s ORDER BY a.seq LIMIT %s", 0):
            yield {"id": r[1], "url": r[2], "headline": r[3], "published": r[4], "source": r[5],
                   "language": r[6], "tags": r[9], "original_id": r[10], "story_id": r[11],
                   "stages": json.loads(r[8]), "body": r[7]}

    # -- whole tables (store/copy.py) ---------------------------------------------------------------------------
    def table_columns(self, table: str) -> list[str]:
        """The stored columns of one of ``CORPUS_TABLES`` (not the generated ``fts``), in schema order."""
        rows = self._db.execute("SELECT column_name FROM information_schema.columns WHERE table_schema = "
                                "current_schema() AND table_name = %s AND is_generated = 'NEVER' "
                                "ORDER BY ordinal_position", (corpus_table(table),)).fetchall()
        return [r[0] for r in rows]

    def read_tables(self, tables: Sequence[str]) -> Iterator[tuple[str, list[str], Rows]]:
        """Each of ``tables`` with its columns and rows, all in one snapshot (one REPEATABLE READ, READ ONLY
        transaction), each streamed through a server-side cursor; consume each table's rows before the next."""
        if self._in_tx:
            raise StoreError("read_tables cannot run inside a write transaction")
        with self._db.transaction():
            self._db.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            for table in tables:
                columns = self.table_columns(table)
                query = pgsql.SQL("SELECT {} FROM {}").format(
                    pgsql.SQL(", ").join(map(pgsql.Identifier, columns)), pgsql.Identifier(table))
                with self._db.cursor(name=f"copy_{table}") as cur:
                    cur.itersize = 2000
                    cur.execute(query)
                    yield table, columns, iter(cur)

    def load_rows(self, table: str, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> int:
        """COPY ``rows`` into ``table`` (inside a transaction; ``fts`` is generated by the server). Meant for an
        empty store (``copy_corpus`` checks). Not replayed after a lost connection: the transaction fails and
        the copy is to be run again. Returns the count."""
        self._need_tx()
        known_columns(table, columns, self.table_columns(table))
        statement = pgsql.SQL("COPY {} ({}) FROM STDIN").format(
            pgsql.Identifier(table), pgsql.SQL(", ").join(map(pgsql.Identifier, columns)))
        count = 0
        self._writing += 1
        try:
            with self._db.cursor().copy(statement) as copy:
                for row in rows:  # text cannot hold NUL here: U+FFFD, as the store writes it (_NulFreeStr)
                    copy.write_row([v.replace("\x00", "\ufffd") if isinstance(v, str) else v for v in row])
                    count += 1
        finally:
            self._writing -= 1
        return count

    def after_load(self) -> None:
        """Statistics and visibility for the rows just loaded (VACUUM ANALYZE), as autovacuum would give a
        database written over time; without it the first queries plan blind and set every row's hint bits."""
        self._db.execute("VACUUM ANALYZE")

    def _pages(self, sql: str, after: Any) -> Iterator[tuple[Any, ...]]:
        """The rows of ``sql`` a page at a time, so the connection stays free between pages: ``sql`` takes the
        key to start after and a page size, and orders by its first column, which is that key (keyset paging)."""
        while True:
            rows = self._db.execute(sql, (after, _PAGE)).fetchall()
            yield from rows
            if len(rows) < _PAGE:
                return
            after = rows[-1][0]


T = TypeVar("T")


def newest_first(fetch: Callable[[int, int], list[T]], window: int, top: int) -> list[T]:
    """The ``window`` newest matches of a full-text search (all of them when fewer match), where ``fetch(low, n)``
    returns the newest ``n`` matches with ``seq > low``, newest first, and ``top`` is the newest ``seq``. The GIN
    index gives every match of a word at once, unordered, so ordering them all read every match of a common word
    (2 s p95 at 1M articles). Up to 8 x ``window`` articles that is cheap; past that, look among the newest
    2 x ``window`` rows, and when fewer match there, as far back as the density of matches seen says ``window`` of
    them lie (1.5 x that), until the look holds ``window`` matches or covers the store."""
    span = top if top <= 8 * window else 2 * window
    while True:
        low = top - span
        rows = fetch(low, window)
        if len(rows) >= window or low <= 0:
            return rows
        span = top if not rows else min(top, int(span * window / len(rows) * 1.5))


# What the planner needs to search text well (see PostgresStore.search).
_SEARCH_PLAN = {"enable_seqscan": "off", "enable_indexscan": "off", "work_mem": "'32MB'"}


def _settings(verb: str) -> str:
    return "; ".join(f"{verb} {name} = {value}" for name, value in _SEARCH_PLAN.items())


SEARCH_SETTINGS = _settings("SET LOCAL")  # for one transaction
RESET_SETTINGS = "; ".join(f"RESET {name}" for name in _SEARCH_PLAN)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


__all__ = ["RESET_SETTINGS", "SEARCH_SETTINGS", "PostgresStore", "migrations", "newest_first", "redact"]
