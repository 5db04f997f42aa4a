"""The Store interface: what ingest, connect and the CLI ask of a corpus backend.

Backends (SQLite now, PostgreSQL later) implement ``Store``; the pipeline only sees this protocol and the plain
records below. Writes happen inside ``store.transaction()`` (one explicit transaction, one writer); reads made
inside it see its own uncommitted writes, which is how a batch finds near-duplicates among its own articles.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol, runtime_checkable

from newsgraph.errors import NewsgraphError
from newsgraph.model import Article, Dateline, DateMention, Entity, Paragraph, Quote, Speaker
from newsgraph.settings import default

SEARCH_WINDOW = int(default("search_window"))
# similar_candidates: an entity in more articles than this picks no candidates (too common to tell them apart);
# text candidates away from the article's date come from the articles ingested this close to it (bounded work)
ENTITY_CANDIDATE_CAP = 500
TEXT_CANDIDATE_WINDOW = 2000
# Every table of a corpus, parents before the tables whose foreign keys name them (the order a copy loads them
# in); `migrations` is each backend's own and the full-text index is derived (FTS5 table, tsvector column).
CORPUS_TABLES = ("articles", "paragraphs", "speakers", "quotes", "entities", "mentions", "dates", "tags",
                 "near_dup_signatures", "near_dup_bands", "duplicate_groups", "duplicate_members", "features",
                 "doc_freq", "similar_links", "stories", "story_members", "state", "story_state")
Rows = Iterator[tuple[Any, ...]]


@dataclass(frozen=True, slots=True)
class ArticleRecord:
    """One article as ingest hands it to the store, with what the connect step computed for it."""

    id: str
    article: Article
    signature: bytes                                  # MinHash hash values (near-duplicates)
    bands: Sequence[tuple[int, str]]                  # LSH band keys of the signature
    duplicate_of: tuple[str, float] | None = None     # (member it matched, estimated Jaccard)
    features: str | None = None                       # ArticleFeatures JSON
    tags: Sequence[str] = ()
    connect_stage: str | None = None                  # version of the connect code that made features/tags
    story_id: str | None = None


@dataclass(frozen=True, slots=True)
class ArticleSummary:
    id: str
    url: str | None
    headline: str | None
    published: str | None
    source: str


@dataclass(frozen=True, slots=True)
class SearchHit:
    article: ArticleSummary
    snippet: str
    score: float


@dataclass(frozen=True, slots=True)
class QuoteRow:
    article: ArticleSummary
    speaker: str
    kind: str
    text: str
    cue: str | None


@dataclass(frozen=True, slots=True)
class StoryRow:
    id: str
    label: str
    first: str | None
    last: str | None
    members: list[ArticleSummary] = field(default_factory=list)


@runtime_checkable
class Store(Protocol):
    """A corpus backend. Every method but ``transaction`` and the reads raises ``StoreError`` on misuse."""

    url: str

    def close(self) -> None: ...
    def transaction(self) -> AbstractContextManager[None]: ...

    # writes (inside a transaction)
    def add_article(self, record: ArticleRecord) -> None: ...
    def add_doc_freq(self, n_docs: int, terms: dict[str, int]) -> None: ...
    def add_links(self, article_id: str, links: Sequence[tuple[str, float]]) -> None: ...
    def set_state(self, name: str, value: str) -> None: ...
    def delete_state(self, name: str) -> None: ...
    def put_story_states(self, states: Sequence[tuple[str, str, int | None]]) -> None: ...
    def put_stories(self, stories: Sequence[StoryRow]) -> None: ...

    # reads
    def known_ids(self, ids: Iterable[str]) -> set[str]: ...
    def count(self) -> int: ...
    def resolve(self, ref: str) -> str | None: ...
    def get_state(self, name: str) -> str | None: ...
    def story_states(self, since_day: int | None = None, keep: int = 0) -> Iterator[tuple[str, str]]: ...
    def story_states_between(self, lo: int, hi: int, limit: int) -> list[tuple[str, str]]: ...
    def doc_freq(self, limit: int | None = None) -> tuple[int, dict[str, int]]: ...
    def article(self, article_id: str) -> Article | None: ...
    def summary(self, article_id: str) -> ArticleSummary | None: ...
    def summaries(self, ids: Sequence[str]) -> dict[str, ArticleSummary]: ...
    def band_candidates(self, bands: Sequence[tuple[int, str]]) -> list[tuple[str, bytes]]: ...
    def group_of(self, article_id: str) -> str | None: ...
    def original_of(self, article_id: str) -> str | None: ...
    def features(self, ids: Sequence[str]) -> dict[str, str]: ...
    def features_since(self, seq: int) -> Iterator[tuple[int, str]]: ...
    def max_seq(self) -> int: ...
    def similar_candidates(self, article_id: str, terms: Sequence[str], limit: int,
                           published: str | None = None, window_days: float = 14.0) -> list[str]: ...
    def links(self, article_id: str) -> list[tuple[str, float]]: ...
    def search(self, query: str, limit: int = 20, window: int = SEARCH_WINDOW) -> list[SearchHit]: ...
    def quotes_by_speaker(self, name: str, limit: int = 100) -> list[QuoteRow]: ...
    def stories(self) -> list[StoryRow]: ...
    def export_rows(self) -> Iterator[dict[str, Any]]: ...

    # whole tables, for copying a corpus between stores (store/copy.py)
    def read_tables(self, tables: Sequence[str]) -> Iterator[tuple[str, list[str], Rows]]: ...
    def table_columns(self, table: str) -> list[str]: ...
    def load_rows(self, table: str, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> int: ...
    def after_load(self) -> None: ...


class StoreError(NewsgraphError):
    """The corpus database cannot be opened, migrated or written as asked."""


def driver_errors() -> tuple[type[BaseException], ...]:
    """What the database drivers raise when a database cannot be read or written (locked, lost connection, full
    disk): sqlite3's errors, OSError and, when it is installed, psycopg's."""
    errors: list[type[BaseException]] = [sqlite3.Error, OSError]
    with contextlib.suppress(ImportError):
        import psycopg

        errors.append(psycopg.Error)
    return tuple(errors)


def corpus_table(table: str) -> str:
    """``table`` if it is one of ``CORPUS_TABLES``, the only names the copy methods put into SQL."""
    if table not in CORPUS_TABLES:
        raise StoreError(f"{table!r} is not a corpus table (one of {', '.join(CORPUS_TABLES)})")
    return table


def known_columns(table: str, columns: Sequence[str], schema: Sequence[str]) -> None:
    """StoreError unless ``columns`` are some of ``table``'s columns in the store's ``schema``: the only column
    names ``load_rows`` puts into SQL."""
    unknown = sorted(set(columns) - set(schema))
    if not columns or unknown:
        raise StoreError(f"{table}: columns {unknown} are not in this store's schema")


def story_values(s: StoryRow) -> tuple[str, str, str | None, str | None, int, str]:
    """The ``stories`` row of a story (both backends): its fields, size and JSON with its member ids."""
    return (s.id, s.label, s.first, s.last, len(s.members),
            json.dumps({"id": s.id, "label": s.label, "first": s.first, "last": s.last,
                        "members": [m.id for m in s.members]}, ensure_ascii=False))


def date_window(published: str | None, days: float) -> tuple[str, str] | None:
    """ISO bounds, as strings comparable with stored dates, ``days`` around ``published``; None if undated."""
    if not published:
        return None
    try:
        t = datetime.fromisoformat(published.replace("Z", "+00:00"))
    except ValueError:
        return None
    span = timedelta(days=days)
    return (t - span).date().isoformat(), (t + span).date().isoformat() + "T99"


def article_from_json(data: str) -> Article:
    """Rebuild an ``Article`` from its stored JSON (``to_dict(with_text=True)``)."""
    d = json.loads(data)
    d["paragraphs"] = [Paragraph(**p) for p in d.get("paragraphs", [])]
    d["dateline"] = Dateline(**d["dateline"]) if d.get("dateline") else None
    d["quotes"] = [_quote(q) for q in d.get("quotes", [])]
    d["entities"] = [Entity(**{**e, "mentions": [tuple(s) for s in e.get("mentions", [])]})
                     for e in d.get("entities", [])]
    d["dates"] = [DateMention(**{**m, "span": tuple(m["span"])}) for m in d.get("dates", [])]
    for key in ("headline_span", "standfirst_span"):
        d[key] = tuple(d[key]) if d.get(key) else None
    return Article(**d)


def _quote(q: dict[str, Any]) -> Quote:
    sp = q["speaker"]
    speaker = Speaker(**{**sp, "spans": [tuple(s) for s in sp.get("spans", [])]})
    return Quote(**{**q, "speaker": speaker, "spans": [tuple(s) for s in q.get("spans", [])],
                    "cue_spans": [tuple(s) for s in q.get("cue_spans", [])]})


def article_json(article: Article) -> str:
    return json.dumps(article.to_dict(with_text=True), ensure_ascii=False, sort_keys=True)
