"""The web reader's read-only connections to a corpus in a SQLite file or a PostgreSQL database, behind one small
interface (``ReadDb``): ``execute(sql, params)`` with ``?`` placeholders, rows as tuples, and ``dialect`` naming
the backend for the few clauses that differ (``queries.py`` and ``search.py`` hold those).

``open_reader(store_url)`` checks the corpus is there and returns a ``Reader`` that hands out one connection per
request (``lend``, awaited by the web app): SQLite opens the file read-only each time (microseconds); PostgreSQL
lends one from a pool (a new server connection costs milliseconds), in read-only transactions."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import AbstractAsyncContextManager, AbstractContextManager, asynccontextmanager, contextmanager
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

from newsgraph.store.factory import store_location
from newsgraph.store.sqlite import StoreError

if TYPE_CHECKING:
    import psycopg
    from psycopg_pool import ConnectionPool

POOL_SIZE = 8  # PostgreSQL connections per server process; requests beyond wait for one


@lru_cache(maxsize=65536)  # called per row by SQL (search's outlet filter and facet): parse each URL once
def outlet_of(url: str | None) -> str | None:
    """The outlet an article came from: its URL's host without ``www.`` (``None`` when it has no web URL)."""
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return parts.hostname.removeprefix("www.")


# outlet_of in PostgreSQL's SQL, for its filters and facets (SQLite calls the Python function itself). It reads
# the host between "http(s)://" and the first / ? or #, drops user info and port, lower-cases it and drops a
# leading "www."; chr(63) is "?", which may not appear in the SQL as written (it is the placeholder).
_PG_NETLOC = "split_part(split_part(split_part(substr({0}, strpos({0}, '://') + 3), '/', 1), chr(63), 1), '#', 1)"
_PG_HOST = f"btrim(regexp_replace(regexp_replace({_PG_NETLOC}, '^.*@', ''), ':[0-9]*$', ''), '[]')"
PG_OUTLET = (f"CASE WHEN {{0}} ~* '^https{{{{0,1}}}}://' THEN nullif(regexp_replace(lower({_PG_HOST}), '^www[.]', ''), "
             "'') END")


class ReadDb(Protocol):
    """A read-only connection: ``execute`` returns a cursor (``fetchone``, ``fetchall``, iteration)."""

    dialect: str

    def execute(self, sql: str, params: Sequence[Any] = ..., /) -> Any: ...


class SQLiteReadDb(sqlite3.Connection):
    dialect = "sqlite"


class PostgresReadDb:
    """A pooled PostgreSQL connection read through ``?`` placeholders (written as psycopg's ``%s``)."""

    dialect = "postgres"

    def __init__(self, conn: psycopg.Connection[tuple[Any, ...]]) -> None:
        self.conn = conn

    def execute(self, sql: str, params: Sequence[Any] = (), /, prepare: bool | None = None) -> Any:
        return self.conn.execute(_pg_sql(sql), params, prepare=prepare)


@lru_cache(maxsize=1024)
def _pg_sql(sql: str) -> str:
    return sql.replace("%", "%%").replace("?", "%s")


@contextmanager
def from_few_rows(db: ReadDb) -> Iterator[None]:
    """For statements that go from a few rows (a window of search matches) to their details,
    which must be looked up by index, never by reading a whole table: PostgreSQL's planner, not knowing how few
    rows a subquery or an array gives, hashed every quote, speaker and entity in the corpus (120 ms of a 250 ms
    search at 100k articles), so it is told not to hash or merge here (one transaction). SQLite is told by its
    CROSS JOINs (``queries.ordered_join``)."""
    if isinstance(db, PostgresReadDb):
        with db.conn.transaction():
            db.conn.execute("SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off")
            yield
    else:
        yield


def outlet_sql(db: ReadDb, column: str) -> str:
    """The SQL expression of ``outlet_of(column)`` in ``db``'s dialect."""
    return f"outlet({column})" if db.dialect == "sqlite" else PG_OUTLET.format(column)


def connect_readonly(path: str | Path) -> SQLiteReadDb:
    """A read-only connection to a corpus file; fails with the fix when the file is missing."""
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"no corpus database at {p}: build one with `newsgraph ingest PAGES --db {p}`")
    db = sqlite3.connect(f"{p.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False, factory=SQLiteReadDb)
    db.create_function("outlet", 1, outlet_of, deterministic=True)
    return db


class Reader(Protocol):
    """Where the corpus is (``store_url``, a password replaced by ``***``) and a connection per request:
    ``lend`` in the web app's event loop, ``connect`` elsewhere."""

    store_url: str

    def connect(self) -> AbstractContextManager[ReadDb]: ...
    def lend(self) -> AbstractAsyncContextManager[ReadDb]: ...
    def close(self) -> None: ...


class SQLiteReader:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.store_url = str(path)
        connect_readonly(path).close()

    @contextmanager
    def connect(self) -> Iterator[ReadDb]:
        db = connect_readonly(self.path)
        try:
            yield db
        finally:
            db.close()

    @asynccontextmanager
    async def lend(self) -> AsyncIterator[ReadDb]:
        with self.connect() as db:
            yield db

    def close(self) -> None:
        pass


class PostgresReader:
    """A pool of read-only connections (each checked before it is lent, so a restarted server is reconnected)."""

    def __init__(self, url: str) -> None:
        try:
            import psycopg
            from psycopg_pool import ConnectionPool
        except ImportError as exc:
            raise StoreError(f"serving a PostgreSQL corpus needs {exc.name}: pip install 'newsgraph[postgres]'"
                             ) from exc
        from newsgraph.store.postgres import redact

        self.store_url = redact(url)
        self._slots: asyncio.Semaphore | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        try:  # fail now, with the reason, rather than on the first request
            with psycopg.connect(url, connect_timeout=10) as probe:
                probe.execute("SELECT 1 FROM articles LIMIT 1")
        except psycopg.errors.UndefinedTable as exc:
            raise StoreError(f"no newsgraph corpus in {self.store_url}: build one with "
                             f"`newsgraph ingest PAGES --db {self.store_url}`") from exc
        except psycopg.Error as exc:
            reason = " ".join(str(exc).split())
            raise StoreError(f"cannot connect to {self.store_url}: {reason}: check that the server runs and the "
                             "URL's user, host, port and database") from exc
        self.pool: ConnectionPool[Any] = ConnectionPool(
            url, min_size=1, max_size=POOL_SIZE, open=True, name="newsgraph-reader",
            kwargs={"autocommit": True, "options": "-c default_transaction_read_only=on"},
            check=ConnectionPool.check_connection)

    @contextmanager
    def connect(self) -> Iterator[ReadDb]:
        with self.pool.connection() as conn:
            yield PostgresReadDb(conn)

    @asynccontextmanager
    async def lend(self) -> AsyncIterator[ReadDb]:
        """A connection for one request, waited for in the event loop. Waiting in a worker thread (as a plain
        dependency does) deadlocks under load: every thread of the app's pool waited for a connection while the
        requests holding the connections waited for a thread to finish in (200 connections: pool timeouts)."""
        loop = asyncio.get_running_loop()
        if self._slots is None or self._loop is not loop:  # a semaphore belongs to one event loop
            self._slots, self._loop = asyncio.Semaphore(POOL_SIZE), loop
        async with self._slots:  # at most POOL_SIZE requests past here, so the pool never makes one wait
            with self.connect() as db:
                yield db

    def close(self) -> None:
        self.pool.close()


def open_reader(store_url: str | Path) -> Reader:
    """The reader of the corpus at ``store_url`` (a path, ``sqlite:///path.db`` or ``postgresql://...``, as
    ``open_store`` reads them); fails now, with the fix, when it is missing or unreachable."""
    kind, where = store_location(store_url)
    return SQLiteReader(Path(where)) if kind == "sqlite" else PostgresReader(where)
