"""The JSON API under ``/api``: every page's data (lists paginated with ``offset``/``limit``), documented at
``/docs``, and ``POST /api/articles``, which ingests one page through newsgraph's ingest when the request
carries the configured bearer token (no token configured: the server is read-only)."""

from __future__ import annotations

import hashlib
import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field, model_validator
from starlette.concurrency import run_in_threadpool

from newsgraph.engines.analysis_process import AnalysisProcessError
from newsgraph.model import RawDocument
from newsgraph.read.decode import detect_kind
from newsgraph.serve import queries
from newsgraph.serve.app import Db, Filters, Limit, Offset, ServeSettings, found, invalid
from newsgraph.serve.connection import Reader
from newsgraph.serve.search import SearchPage, search
from newsgraph.settings import default
from newsgraph.store.base import StoreError, driver_errors

router = APIRouter(prefix="/api", tags=["corpus"])


class ErrorOut(BaseModel):
    """The body of every error but a 422: what was wrong and, where it helps, what to do."""

    detail: str


NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorOut, "description": "No such item in this corpus"}}
WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "The body is not JSON"},
    401: {"model": ErrorOut, "description": "Missing or wrong bearer token"},
    403: {"model": ErrorOut, "description": "The server is read-only (started without a token)"},
    503: {"model": ErrorOut, "description": "The corpus cannot be written now (another process holds it, or the "
                                            "database is unreachable); try again"},
}
MAX_CHARS = int(default("max_bytes"))  # a posted page is held to ingest's --max-bytes default
bearer = HTTPBearer(auto_error=False, description="The token the server was started with (NEWSGRAPH_API_TOKEN).")


@router.get("/home", summary="Latest articles and the biggest active stories")
def api_home(db: Db, offset: Offset = 0, limit: Limit = 20) -> queries.HomePage:
    return queries.home(db, offset, limit)


@router.get("/articles/{article_id}", responses=NOT_FOUND,
            summary="One article: text, highlighted quotes, tags, similar news")
def api_article(db: Db, article_id: str) -> queries.ArticlePage:
    return found(queries.article(db, article_id), f"article {article_id!r}")


@router.get("/speakers/{name:path}", responses=NOT_FOUND,
            summary="Every quote by a speaker, newest first, and a timeline")
def api_speaker(db: Db, name: str, offset: Offset = 0, limit: Limit = 50) -> queries.SpeakerPage:
    return found(queries.speaker(db, name, offset, limit), f"speaker {name!r}")


@router.get("/entities/{key:path}", responses=NOT_FOUND,
            summary="Articles mentioning an entity, co-occurring entities, speakers")
def api_entity(db: Db, key: str, offset: Offset = 0, limit: Limit = 50) -> queries.TopicPage:
    return found(queries.entity(db, key, offset, limit), f"entity {key!r}")


@router.get("/tags/{name:path}", responses=NOT_FOUND, summary="Articles with a tag, co-occurring entities, speakers")
def api_tag(db: Db, name: str, offset: Offset = 0, limit: Limit = 50) -> queries.TopicPage:
    return found(queries.tag(db, name, offset, limit), f"tag {name!r}")


@router.get("/stories", summary="Stories, biggest first")
def api_stories(db: Db, offset: Offset = 0, limit: Limit = 50) -> queries.StoriesPage:
    return queries.StoriesPage(*queries.stories(db, offset, limit))


@router.get("/stories/{story_id}", responses=NOT_FOUND,
            summary="A story: member articles in time order, outlets, key quotes")
def api_story(db: Db, story_id: str, offset: Offset = 0, limit: Limit = 50) -> queries.StoryPage:
    return found(queries.story(db, story_id, offset, limit), f"story {story_id!r}")


@router.get("/search", summary="Full-text search with filters and facet counts")
def api_search(db: Db, filters: Filters, offset: Offset = 0, limit: Limit = 20) -> SearchPage:
    return search(db, filters, offset, limit)


class ArticleIn(BaseModel):
    """One page to ingest: ``html`` or ``text``, with its URL and publication time when known."""

    # the schema says what the validator below checks: at least one of html/text, with some non-space in it
    model_config = ConfigDict(json_schema_extra={"anyOf": [
        {"required": [name], "properties": {name: {"type": "string"}}} for name in ("html", "text")]})

    html: str | None = Field(None, max_length=MAX_CHARS, pattern=r"\S", description="The page as HTML.")
    text: str | None = Field(None, max_length=MAX_CHARS, pattern=r"\S",
                             description="The page as plain text (used when html is absent).")
    url: str | None = Field(None, max_length=2048)
    published: str | None = Field(None, max_length=64, description="ISO 8601 date or time.")

    @model_validator(mode="after")
    def _has_body(self) -> ArticleIn:
        if not (self.html or self.text or "").strip():
            raise ValueError("the body needs a non-empty 'html' or 'text'")
        return self

    def document(self) -> RawDocument:
        """The page as a raw document; its ``source`` is the URL, else ``api:`` and a hash of the content."""
        body = self.html or self.text or ""
        kind = "html" if self.html else detect_kind(body)
        source = self.url or "api:" + hashlib.sha256(body.encode("utf-8")).hexdigest()[:16]
        return RawDocument(source, body, kind, url=self.url or None, published=self.published or None)


class IngestReportOut(BaseModel):
    """What the ingest did with the page (newsgraph's ``IngestReport.to_dict()``)."""

    ingested: int
    near_duplicates: int
    duplicates: int
    skipped: int
    failed: list[dict[str, str]]
    stories: int
    seconds: float


class IngestOut(BaseModel):
    """The ids of the articles stored (empty when the page was already stored) and the ingest report."""

    ids: list[str]
    report: IngestReportOut


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


@router.post("/articles", status_code=201, dependencies=[Depends(require_token)], responses=WRITE_ERRORS,
             summary="Ingest one page (needs the bearer token)")
async def api_ingest(request: Request, page: ArticleIn) -> IngestOut:
    """The page goes through newsgraph's ingest on the server's one writer (``serve/writer.py``), which keeps
    the pipeline, the store and its connect state across posts; a page that fails, or is skipped (its
    language is not analysed), is a 422 naming the reason."""
    state = request.app.state
    doc = page.document()
    unwritable: tuple[type[BaseException], ...] = (StoreError, *driver_errors())
    try:
        report, before = await state.writer.ingest(doc)
    except unwritable as exc:
        raise _try_again("the corpus could not be written now", exc) from exc
    except AnalysisProcessError as exc:  # the writer starts another on the next post
        raise _try_again("the page could not be analysed now", exc) from exc
    if report.failed or report.skipped:  # one page: skipped (a language not analysed) is not ingested either
        raise invalid("body", "html" if doc.kind == "html" else "text",
                      f"the page was not ingested: {(report.failed or report.skipped)[0][1]}")
    ids = await run_in_threadpool(_ids_after, state.reader, before)
    return IngestOut.model_validate({"ids": ids, "report": report.to_dict()})


def _try_again(what: str, exc: BaseException) -> HTTPException:
    """A 503 saying what failed, why (on one line) and to try again (Retry-After)."""
    return HTTPException(503, f"{what}: {' '.join(str(exc).split())}: try again in a moment",
                         headers={"Retry-After": "5"})


def _ids_after(reader: Reader, seq: int) -> list[str]:
    """The ids of the articles stored after ``seq``, in order (what a post added), read as the pages read."""
    with reader.connect() as db:
        return [str(r[0]) for r in db.execute("SELECT id FROM articles WHERE seq > ? ORDER BY seq", (seq,))]
