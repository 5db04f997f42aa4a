"""The JSON API under ``/api``: every page's data (lists paginated with ``offset``/``limit``), documented at
``/docs``, and ``POST /api/articles``, which ingests one page through newsgraph's ingest when the request
carries the configured bearer token (no token configured: the server is read-only)."""

from __future__ import annotations

import json
import secrets
import sqlite3
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field

from newsgraph.serve import queries
from newsgraph.serve.app import Db, Filters, Limit, Offset, ServeSettings, found
from newsgraph.serve.search import search

if TYPE_CHECKING:
    from newsgraph.ingest import IngestOptions

router = APIRouter(prefix="/api", tags=["corpus"])
bearer = HTTPBearer(auto_error=False, description="The token the server was started with (NEWSGRAPH_API_TOKEN).")


def _page(page: queries.Page) -> dict[str, int | None]:
    return {"offset": page.offset, "limit": page.limit, "total": page.total, "next_offset": page.next_offset}


def _json(value: Any) -> dict[str, Any]:
    data: dict[str, Any] = asdict(value)
    if "page" in data:
        data["page"] = _page(value.page)
    return data


@router.get("/home", summary="Latest articles and the biggest active stories")
def api_home(db: Db, offset: Offset = 0, limit: Limit = 20) -> dict[str, Any]:
    return _json(queries.home(db, offset, limit))


@router.get("/articles/{article_id}", summary="One article: text, highlighted quotes, tags, similar news")
def api_article(db: Db, article_id: str) -> dict[str, Any]:
    return _json(found(queries.article(db, article_id), f"article {article_id!r}"))


@router.get("/speakers/{name:path}", summary="Every quote by a speaker, newest first, and a timeline")
def api_speaker(db: Db, name: str, offset: Offset = 0, limit: Limit = 50) -> dict[str, Any]:
    return _json(found(queries.speaker(db, name, offset, limit), f"speaker {name!r}"))


@router.get("/entities/{key:path}", summary="Articles mentioning an entity, co-occurring entities, speakers")
def api_entity(db: Db, key: str, offset: Offset = 0, limit: Limit = 50) -> dict[str, Any]:
    return _json(found(queries.entity(db, key, offset, limit), f"entity {key!r}"))


@router.get("/tags/{name:path}", summary="Articles with a tag, co-occurring entities, speakers")
def api_tag(db: Db, name: str, offset: Offset = 0, limit: Limit = 50) -> dict[str, Any]:
    return _json(found(queries.tag(db, name, offset, limit), f"tag {name!r}"))


@router.get("/stories", summary="Stories, biggest first")
def api_stories(db: Db, offset: Offset = 0, limit: Limit = 50) -> dict[str, Any]:
    rows, page = queries.stories(db, offset, limit)
    return {"stories": [asdict(s) for s in rows], "page": _page(page)}


@router.get("/stories/{story_id}", summary="A story: member articles in time order, outlets, key quotes")
def api_story(db: Db, story_id: str, offset: Offset = 0, limit: Limit = 50) -> dict[str, Any]:
    return _json(found(queries.story(db, story_id, offset, limit), f"story {story_id!r}"))


@router.get("/search", summary="Full-text search with filters and facet counts")
def api_search(db: Db, filters: Filters, offset: Offset = 0, limit: Limit = 20) -> dict[str, Any]:
    return _json(search(db, filters, offset, limit))


class ArticleIn(BaseModel):
    """One page to ingest: ``html`` or ``text``, with its URL and publication time when known."""

    html: str | None = Field(None, description="The page as HTML.")
    text: str | None = Field(None, description="The page as plain text (used when html is absent).")
    url: str | None = Field(None, max_length=2048)
    published: str | None = Field(None, max_length=64, description="ISO 8601 date or time.")


def require_token(request: Request,
                  credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> None:
    """403 when the server has no token (read-only), 401 when the request lacks the right one."""
    settings: ServeSettings = request.app.state.settings
    if settings.api_token is None:
        raise HTTPException(403, "this server is read-only: start it with NEWSGRAPH_API_TOKEN set to allow writes")
    given = credentials.credentials if credentials is not None else ""
    if not secrets.compare_digest(given.encode(), settings.api_token.encode()):
        raise HTTPException(401, "missing or wrong bearer token: send 'Authorization: Bearer <token>'",
                            headers={"WWW-Authenticate": "Bearer"})


@router.post("/articles", status_code=201, dependencies=[Depends(require_token)],
             summary="Ingest one page (needs the bearer token)")
def api_ingest(request: Request, page: ArticleIn) -> dict[str, Any]:
    if not (page.html or page.text or "").strip():
        raise HTTPException(422, "the body needs a non-empty 'html' or 'text'")
    record = {k: v for k, v in page.model_dump().items() if v}
    with request.app.state.write_lock:
        return ingest_record(request.app.state.db_path, record, request.app.state.settings.ingest)


def ingest_record(path: Path, record: dict[str, str], options: IngestOptions | None = None) -> dict[str, Any]:
    """Ingest one JSON record (``html``/``text``, ``url``, ``published``) into the corpus at ``path`` through
    newsgraph's ingest; returns the report and the ids of the articles it stored."""
    from newsgraph.ingest import ingest  # the language pipeline loads only when a page is posted
    from newsgraph.store import SQLiteStore

    with tempfile.TemporaryDirectory(prefix="newsgraph-post-") as tmp:
        src = Path(tmp) / "posted.json"
        src.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
        store = SQLiteStore(path)
        try:
            before = store.max_seq()
            report = ingest([str(src)], store, options)
        finally:
            store.close()
    if report.failed:
        raise HTTPException(422, f"the page was not ingested: {report.failed[0][1]}")
    db = sqlite3.connect(path)
    try:
        ids = [str(r[0]) for r in db.execute("SELECT id FROM articles WHERE seq > ? ORDER BY seq", (before,))]
    finally:
        db.close()
    return {"ids": ids, "report": report.to_dict()}
