"""Pick the store backend from a URL or path: ``sqlite:///path.db``, ``path.db`` (SQLite),
``postgresql://user@host/db`` (PostgreSQL, with the ``postgres`` extra)."""

from __future__ import annotations

from pathlib import Path

from newsgraph.store.base import Store
from newsgraph.store.sqlite import SQLiteStore, StoreError

SCHEMES = ("sqlite", "postgresql")


def store_location(url_or_path: str | Path) -> tuple[str, str]:
    """Which backend ``url_or_path`` names and where: ``("sqlite", file path)`` or ``("postgresql", URL)``;
    unknown schemes fail loudly (the store and the web reader both read URLs through this)."""
    text = str(url_or_path)
    scheme, sep, rest = text.partition("://")
    if not sep:
        return "sqlite", text
    if scheme == "sqlite":
        # sqlite:///relative.db and sqlite:////abs/path.db, as SQLAlchemy spells them
        path = rest[1:] if rest.startswith("/") else rest
        if not path:
            raise StoreError(f"{text!r} names no file: write sqlite:///corpus.db or just corpus.db")
        return "sqlite", path
    if scheme in ("postgres", "postgresql"):
        return "postgresql", text
    raise StoreError(f"unknown store scheme {scheme!r} in {text!r}: use a file path (corpus.db) or one of "
                     f"{', '.join(s + '://' for s in SCHEMES)}")


def open_store(url_or_path: str | Path) -> Store:
    """Open (creating and migrating if needed) the corpus at ``url_or_path``; unknown schemes fail loudly."""
    kind, where = store_location(url_or_path)
    return SQLiteStore(where) if kind == "sqlite" else _postgres(where)


def _postgres(url: str) -> Store:
    """The PostgreSQL store, imported only when asked for: its driver is the optional ``postgres`` extra."""
    try:
        from newsgraph.store.postgres import PostgresStore
    except ImportError as exc:
        if exc.name != "psycopg":
            raise
        raise StoreError("the PostgreSQL store needs the psycopg driver: pip install 'newsgraph[postgres]'") from exc
    return PostgresStore(url)
