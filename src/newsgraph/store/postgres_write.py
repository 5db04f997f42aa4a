"""Writing one article into the PostgreSQL tables: the article row (its tsvector is a generated column), its
annotation rows (paragraphs, quotes and speakers, entities and mentions, dates, tags), its near-duplicate
signature, bands and group, its features and story. Called by ``PostgresStore.add_article`` inside a
transaction that holds the writer lock, which is what makes ``max + 1`` numbering of ``seq`` and speaker ids safe.
Every value is a parameter (``%s``); nothing is formatted into SQL.

An article's statements go to the server in one pipeline (one round trip for about fifteen statements, where each
used to wait for its answer): only the speaker ids, and a near-duplicate's group, are read back before it ends."""

from __future__ import annotations

import json
from typing import Any

from psycopg import Connection

from newsgraph.store.base import ArticleRecord, StoreError, article_json
from newsgraph.store.rows import date_rows, entity_rows, mention_rows, paragraph_rows, quote_rows, tag_rows

Conn = Connection[tuple[Any, ...]]


def insert_article(db: Conn, rec: ArticleRecord, now: str) -> None:
    a = rec.article
    data = article_json(a)
    quotes = quote_rows(rec, lambda name, kind: _speaker_id(db, name, kind))  # before: the rows need the ids
    with db.pipeline(), db.cursor() as cur:
        cur.execute(
            "INSERT INTO articles (seq, id, source, url, headline, published, language, body, stages, data, "
            "ingested_at) VALUES ((SELECT coalesce(max(seq), 0) + 1 FROM articles), %s, %s, %s, %s, %s, %s, %s, "
            "%s, %s, %s)",
            (rec.id, a.source, a.url, a.headline, a.published, a.language, a.body,
             json.dumps(a.stages, sort_keys=True), data, now))
        cur.executemany('INSERT INTO paragraphs (article_id, n, start, "end", text) VALUES (%s, %s, %s, %s, %s)',
                        paragraph_rows(rec))
        cur.executemany('INSERT INTO quotes (article_id, n, kind, text, cue, speaker_id, speaker_mention, '
                        'speaker_title, start, "end", stage) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)',
                        quotes)
        cur.executemany("INSERT INTO entities (key, name, type) VALUES (%s, %s, %s) ON CONFLICT (key) DO NOTHING",
                        entity_rows(rec))
        cur.executemany("INSERT INTO mentions (article_id, entity_key, name, title, count, spans, stage) "
                        "VALUES (%s, %s, %s, %s, %s, %s, %s)", mention_rows(rec))
        cur.executemany('INSERT INTO dates (article_id, n, text, kind, value, start, "end", stage) '
                        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)", date_rows(rec))
        _near_dup(db, rec)
        _connect(db, rec)


def _speaker_id(db: Conn, name: str, kind: str | None) -> int:
    # one round trip: the row inserted now (RETURNING), else the one already there (the statement's snapshot
    # does not see its own insert, hence both branches)
    row = db.execute("WITH ins AS (INSERT INTO speakers (id, name, type) SELECT coalesce(max(id), 0) + 1, %(n)s, "
                     "%(t)s FROM speakers ON CONFLICT ((lower(name))) DO NOTHING RETURNING id) "
                     "SELECT id FROM ins UNION ALL SELECT id FROM speakers WHERE lower(name) = lower(%(n)s)",
                     {"n": name, "t": kind}).fetchone()
    if row is None:  # cannot happen under the writer lock: inserted now or already there
        raise StoreError(f"speaker {name!r} was neither inserted nor found: is another writer bypassing the lock?")
    return int(row[0])


def _near_dup(db: Conn, rec: ArticleRecord) -> None:
    db.execute("INSERT INTO near_dup_signatures (article_id, signature) VALUES (%s, %s)", (rec.id, rec.signature))
    # one statement for all bands (unnest of two arrays) rather than a round trip per band
    db.execute("INSERT INTO near_dup_bands (band, key, article_id) SELECT q.band, q.key, %s "
               "FROM unnest(%s::integer[], %s::text[]) AS q (band, key) ON CONFLICT DO NOTHING",
               (rec.id, [b for b, _ in rec.bands], [k for _, k in rec.bands]))
    if rec.duplicate_of is None:
        return
    other, score = rec.duplicate_of
    row = db.execute("SELECT group_id FROM duplicate_members WHERE article_id = %s", (other,)).fetchone()
    if row is None:
        group = other
        db.execute("INSERT INTO duplicate_groups (id, original_id) VALUES (%s, %s)", (group, other))
        db.execute("INSERT INTO duplicate_members (article_id, group_id, jaccard) VALUES (%s, %s, 1.0)",
                   (other, group))
    else:
        group = str(row[0])
    db.execute("INSERT INTO duplicate_members (article_id, group_id, jaccard) VALUES (%s, %s, %s)",
               (rec.id, group, score))
    # the original is the earliest member: first published (undated last), then first ingested
    db.execute("UPDATE duplicate_groups SET original_id = (SELECT a.id FROM duplicate_members m "
               "JOIN articles a ON a.id = m.article_id WHERE m.group_id = %(g)s "
               "ORDER BY a.published IS NULL, a.published, a.seq LIMIT 1) WHERE id = %(g)s", {"g": group})


def _connect(db: Conn, rec: ArticleRecord) -> None:
    if rec.features is not None:
        db.execute("INSERT INTO features (article_id, data, stage) VALUES (%s, %s, %s)",
                   (rec.id, rec.features, rec.connect_stage or ""))
    with db.cursor() as cur:
        cur.executemany("INSERT INTO tags (article_id, rank, tag, stage) VALUES (%s, %s, %s, %s)", tag_rows(rec))
    if rec.story_id is not None:
        db.execute("INSERT INTO story_members (article_id, story_id) VALUES (%s, %s) "
                   "ON CONFLICT (article_id) DO UPDATE SET story_id = excluded.story_id", (rec.id, rec.story_id))
