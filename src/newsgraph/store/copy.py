"""Copying a whole corpus from one store to another: a SQLite file into PostgreSQL when it outgrows a laptop,
or back into a file to take away.

Every table of ``CORPUS_TABLES`` is read in one snapshot of the source and loaded into the destination in one
transaction, as it is: the same article ids, ``seq`` numbers, speaker ids, stories, similar links and connect
state (document frequencies, the story clusterer's checkpoint), so ingesting more into the copy goes on exactly
as it would have in the source. The destination must hold no article; a copy that fails or is killed leaves it
empty (the transaction rolls back), so running it again starts over. Each backend builds its own full-text index
(FTS5 rows, the generated ``tsvector``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from newsgraph.store.base import CORPUS_TABLES, Store, StoreError, driver_errors

Progress = Callable[[str, int], None]  # (table, rows loaded so far): called as each table finishes


@dataclass(frozen=True, slots=True)
class CopyReport:
    source: str
    destination: str
    rows: dict[str, int]  # table -> rows copied

    @property
    def articles(self) -> int:
        return self.rows.get("articles", 0)


def copy_corpus(source: Store, destination: Store, progress: Progress | None = None) -> CopyReport:
    """Copy every row of ``source`` into the empty ``destination`` (both open, both at the same migrations)."""
    if source.url == destination.url:
        raise StoreError(f"source and destination are the same store ({source.url})")
    held = destination.count()
    if held:
        raise StoreError(f"{destination.url} already holds {held} articles: copy into an empty store (a new file "
                         "or database), or add articles to it with `newsgraph ingest`")
    rows: dict[str, int] = {}
    try:
        with destination.transaction():
            for table, columns, table_rows in source.read_tables(CORPUS_TABLES):
                theirs = destination.table_columns(table)
                if set(columns) != set(theirs):
                    raise StoreError(f"table {table} differs between the stores (source {sorted(columns)}, "
                                     f"destination {sorted(theirs)}): open both with this version of newsgraph, "
                                     "which migrates them")
                rows[table] = destination.load_rows(table, columns, table_rows)
                if progress is not None:
                    progress(table, rows[table])
    except driver_errors() as exc:  # a lost connection, a full disk: said in one line, with what to do
        reason = " ".join(str(exc).split())
        raise StoreError(f"copying {source.url} to {destination.url} failed after {len(rows)} of "
                         f"{len(CORPUS_TABLES)} tables: {reason}: the destination kept nothing; run the copy "
                         "again") from exc
    destination.after_load()
    return CopyReport(source.url, destination.url, rows)
