"""Writing one article into the SQLite tables: the article row and its FTS entry, its annotation rows
(paragraphs, quotes and speakers, entities and mentions, dates, tags), its near-duplicate signature, bands and
group, its features, story and similar links. Called by ``SQLiteStore.add_article`` inside a transaction."""

from __future__ import annotations

import json
import sqlite3

from newsgraph.store.base import ArticleRecord, article_json
from newsgraph.store.rows import date_rows, entity_rows, mention_rows, paragraph_rows, quote_rows, tag_rows


def insert_article(db: sqlite3.Connection, rec: ArticleRecord, now: str) -> None:
    a = rec.article
    data = article_json(a)
    body = a.body
    cur = db.execute(
        "INSERT INTO articles (id, source, url, headline, published, language, body, stages, data, ingested_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (rec.id, a.source, a.url, a.headline, a.published, a.language, body,
         json.dumps(a.stages, sort_keys=True), data, now))
    seq = cur.lastrowid
    db.execute("INSERT INTO articles_fts (rowid, headline, body) VALUES (?, ?, ?)", (seq, a.headline or "", body))
    db.executemany('INSERT INTO paragraphs (article_id, n, start, "end", text) VALUES (?, ?, ?, ?, ?)',
                   paragraph_rows(rec))
    db.executemany('INSERT INTO quotes (article_id, n, kind, text, cue, speaker_id, speaker_mention, speaker_title, '
                   'start, "end", stage) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
                   quote_rows(rec, lambda name, kind: _speaker_id(db, name, kind)))
    db.executemany("INSERT INTO entities (key, name, type) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING",
                   entity_rows(rec))
    db.executemany("INSERT INTO mentions (article_id, entity_key, name, title, count, spans, stage) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?)", mention_rows(rec))
    db.executemany('INSERT INTO dates (article_id, n, text, kind, value, start, "end", stage) '
                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", date_rows(rec))
    _near_dup(db, rec)
    _connect(db, rec)


def _speaker_id(db: sqlite3.Connection, name: str, kind: str | None) -> int:
    db.execute("INSERT INTO speakers (name, type) VALUES (?, ?) ON CONFLICT (name) DO NOTHING", (name, kind))
    return int(db.execute("SELECT id FROM speakers WHERE name = ?", (name,)).fetchone()[0])


def _near_dup(db: sqlite3.Connection, rec: ArticleRecord) -> None:
    db.execute("INSERT INTO near_dup_signatures (article_id, signature) VALUES (?, ?)", (rec.id, rec.signature))
    db.executemany("INSERT INTO near_dup_bands (band, key, article_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                   [(b, k, rec.id) for b, k in rec.bands])
    if rec.duplicate_of is None:
        return
    other, score = rec.duplicate_of
    row = db.execute("SELECT group_id FROM duplicate_members WHERE article_id = ?", (other,)).fetchone()
    if row is None:
        group = other
        db.execute("INSERT INTO duplicate_groups (id, original_id) VALUES (?, ?)", (group, other))
        db.execute("INSERT INTO duplicate_members (article_id, group_id, jaccard) VALUES (?, ?, 1.0)", (other, group))
    else:
        group = str(row[0])
    db.execute("INSERT INTO duplicate_members (article_id, group_id, jaccard) VALUES (?, ?, ?)",
               (rec.id, group, score))
    # the original is the earliest member: first published (undated last), then first ingested
    db.execute("UPDATE duplicate_groups SET original_id = (SELECT a.id FROM duplicate_members m "
               "JOIN articles a ON a.id = m.article_id WHERE m.group_id = :group "
               "ORDER BY a.published IS NULL, a.published, a.seq LIMIT 1) WHERE id = :group", {"group": group})


def _connect(db: sqlite3.Connection, rec: ArticleRecord) -> None:
    if rec.features is not None:
        db.execute("INSERT INTO features (article_id, data, stage) VALUES (?, ?, ?)",
                   (rec.id, rec.features, rec.connect_stage or ""))
    db.executemany("INSERT INTO tags (article_id, rank, tag, stage) VALUES (?, ?, ?, ?)", tag_rows(rec))
    if rec.story_id is not None:
        db.execute("INSERT INTO story_members (article_id, story_id) VALUES (?, ?) "
                   "ON CONFLICT (article_id) DO UPDATE SET story_id = excluded.story_id", (rec.id, rec.story_id))
