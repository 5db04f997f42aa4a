"""The table rows one article becomes, shared by every backend: only the SQL dialect differs between them."""

from __future__ import annotations

import json
from collections.abc import Callable

from newsgraph.store.base import ArticleRecord

Row = tuple[object, ...]


def paragraph_rows(rec: ArticleRecord) -> list[Row]:
    """(article_id, n, start, end, text)"""
    return [(rec.id, n, p.start, p.end, p.text) for n, p in enumerate(rec.article.paragraphs)]


def quote_rows(rec: ArticleRecord, speaker_id: Callable[[str, str | None], int]) -> list[Row]:
    """(article_id, n, kind, text, cue, speaker_id, speaker_mention, speaker_title, start, end, stage);
    ``speaker_id`` stores a resolved speaker's name and returns its id."""
    a = rec.article
    stage = a.stages.get("quotes")
    rows: list[Row] = []
    for n, q in enumerate(a.quotes):
        sid = speaker_id(q.speaker.name, q.speaker.type) if q.speaker.name else None
        start = min((s[0] for s in q.spans), default=None)
        end = max((s[1] for s in q.spans), default=None)
        rows.append((rec.id, n, q.kind, q.text, q.cue, sid, q.speaker.mention, q.speaker.title, start, end, stage))
    return rows


def entity_rows(rec: ArticleRecord) -> list[Row]:
    """(key, name, type) for the corpus-wide entities table."""
    return [(e.key, e.name, e.type) for e in rec.article.entities]


def mention_rows(rec: ArticleRecord) -> list[Row]:
    """(article_id, entity_key, name, title, count, spans, stage)"""
    a = rec.article
    stage = a.stages.get("entities")
    rows: dict[str, Row] = {}
    for e in a.entities:  # an entity key appears once per article; keep the first should a stage repeat it
        rows.setdefault(e.key, (rec.id, e.key, e.name, e.title, len(e.mentions),
                                json.dumps([list(s) for s in e.mentions]), stage))
    return list(rows.values())


def date_rows(rec: ArticleRecord) -> list[Row]:
    """(article_id, n, text, kind, value, start, end, stage)"""
    stage = rec.article.stages.get("dates")
    return [(rec.id, n, d.text, d.kind, d.value, d.span[0], d.span[1], stage) for n, d in enumerate(rec.article.dates)]


def tag_rows(rec: ArticleRecord) -> list[Row]:
    """(article_id, rank, tag, stage)"""
    return [(rec.id, n, t, rec.connect_stage or "") for n, t in enumerate(rec.tags)]
