"""The web reader: ``create_app(store_url, settings)`` builds the FastAPI app serving server-rendered pages
(Jinja2, autoescaped) and the JSON API under ``/api`` (see ``api.py``), for a corpus in a SQLite file or a
PostgreSQL database. Pages read through ``queries.py`` on a read-only connection per request
(``connection.py``); the only writer is the token-guarded ``POST /api/articles``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar
from urllib.parse import quote, urlencode

import jinja2
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request
from fastapi.exception_handlers import http_exception_handler, request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from newsgraph.serve import queries
from newsgraph.serve.connection import ReadDb, open_reader
from newsgraph.serve.docs import DOCS_URL, install_docs
from newsgraph.serve.search import FACETS, SearchFilters, SearchPage, search
from newsgraph.serve.security import SecurityHeaders
from newsgraph.serve.writer import Writer

if TYPE_CHECKING:
    from newsgraph.ingest import IngestOptions

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True, slots=True)
class ServeSettings:
    """``api_token``: the bearer token ``POST /api/articles`` requires; ``None`` makes the server read-only.
    ``ingest``: how posted pages are ingested (``None``: newsgraph's defaults, every stage)."""

    api_token: str | None = None
    page_size: int = 20
    max_page_size: int = 100
    ingest: IngestOptions | None = None

    def __post_init__(self) -> None:
        if self.api_token is not None and len(self.api_token) < 16:
            raise ValueError("the API token is shorter than 16 characters: use a long random one, e.g. "
                             "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`")
        if not 1 <= self.page_size <= self.max_page_size:
            raise ValueError(f"page_size={self.page_size} must lie between 1 and max_page_size={self.max_page_size}")


def _templates() -> Jinja2Templates:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["seg"] = lambda value: quote(str(value), safe="")
    env.filters["day"] = lambda value: (value or "")[:10]
    env.filters["combine_offset"] = lambda params, offset, limit: {**params, "offset": max(offset, 0), "limit": limit}
    env.globals["qs"] = lambda params: urlencode({k: v for k, v in params.items() if v not in ("", None)})
    return Jinja2Templates(env=env)


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """The reader's connections (PostgreSQL's pool) and the writer's store are closed when the server shuts
    down."""
    yield
    app.state.writer.close()
    app.state.reader.close()


def create_app(store_url: str | Path, settings: ServeSettings | None = None) -> FastAPI:
    """The app serving the corpus at ``store_url`` (a SQLite path, ``sqlite:///path.db`` or ``postgresql://...``);
    fails now, with the fix, when the corpus is missing or unreachable."""
    from newsgraph.serve.api import router  # api imports this module's helpers

    reader = open_reader(store_url)
    app = FastAPI(title="newsgraph", summary="News corpus reader: articles, quotes, speakers, entities, stories.",
                  version="1", docs_url=None, redoc_url=None,  # /docs is served offline by docs.py
                  lifespan=_lifespan)
    app.state.reader = reader
    app.state.settings = settings or ServeSettings()
    # POST /api/articles: it opens the store (with its password, unlike reader.store_url) on the first post
    app.state.writer = Writer(str(store_url), app.state.settings.ingest)
    app.state.templates = _templates()
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    docs_csp = install_docs(app)
    app.include_router(router)
    app.include_router(pages)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_middleware(SecurityHeaders, pages={DOCS_URL: docs_csp})
    return app


async def get_db(request: Request) -> AsyncIterator[ReadDb]:
    """One read-only connection per request, waited for in the event loop (see ``Reader.lend``); the request's
    handler uses it in one worker thread."""
    async with request.app.state.reader.lend() as db:
        yield db


Db = Annotated[ReadDb, Depends(get_db)]
Offset = Annotated[int, Query(ge=0, le=1_000_000, description="Items to skip.")]


def page_limit(request: Request, limit: Annotated[int | None, Query(ge=1, description="Items per page.")] = None
               ) -> int:
    s: ServeSettings = request.app.state.settings
    return min(limit or s.page_size, s.max_page_size)


Limit = Annotated[int, Depends(page_limit)]


T = TypeVar("T")


def found(value: T | None, what: str) -> T:
    if value is None:
        raise HTTPException(404, f"no {what} in this corpus")
    return value


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    templates: Jinja2Templates = request.app.state.templates
    return templates.TemplateResponse(request, template, context, status_code=status)


pages = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)


@pages.get("/")
def home_page(request: Request, db: Db, offset: Offset = 0, limit: Limit = 20) -> HTMLResponse:
    return render(request, "home.html", home=queries.home(db, offset, limit))


@pages.get("/article/{article_id}")
def article_page(request: Request, db: Db, article_id: str) -> HTMLResponse:
    return render(request, "article.html", a=found(queries.article(db, article_id), f"article {article_id!r}"))


@pages.get("/speaker/{name:path}")
def speaker_page(request: Request, db: Db, name: str, offset: Offset = 0, limit: Limit = 50) -> HTMLResponse:
    return render(request, "speaker.html", s=found(queries.speaker(db, name, offset, limit), f"speaker {name!r}"))


@pages.get("/entity/{key:path}")
def entity_page(request: Request, db: Db, key: str, offset: Offset = 0, limit: Limit = 50) -> HTMLResponse:
    topic = found(queries.entity(db, key, offset, limit), f"entity {key!r}")
    return render(request, "topic.html", t=topic, kind="entity")


@pages.get("/tag/{name:path}")
def tag_page(request: Request, db: Db, name: str, offset: Offset = 0, limit: Limit = 50) -> HTMLResponse:
    return render(request, "topic.html", t=found(queries.tag(db, name, offset, limit), f"tag {name!r}"), kind="tag")


@pages.get("/story/{story_id}")
def story_page(request: Request, db: Db, story_id: str, offset: Offset = 0, limit: Limit = 50) -> HTMLResponse:
    return render(request, "story.html", s=found(queries.story(db, story_id, offset, limit), f"story {story_id!r}"))


DATE_PATTERN = r"^\d{4}(-\d{2}(-\d{2})?)?$"
Text = Annotated[str, Query(max_length=500)]
Day = Annotated[str, Query(pattern=DATE_PATTERN + "|^$", description="YYYY-MM-DD, YYYY-MM or YYYY.")]


def invalid(where: str, name: str, message: str) -> RequestValidationError:
    """A 422 shaped like FastAPI's own validation errors, so it matches the documented HTTPValidationError."""
    return RequestValidationError([{"loc": [where, name], "msg": message, "type": "value_error"}])


def search_filters(q: Text = "", speaker: Text = "", entity: Text = "", tag: Text = "", outlet: Text = "",
                   date_from: Day = "", date_to: Day = "") -> SearchFilters:
    try:
        return SearchFilters(q, speaker, entity, tag, outlet, date_from, date_to)
    except ValueError as exc:
        raise invalid("query", "q", str(exc)) from exc


Filters = Annotated[SearchFilters, Depends(search_filters)]


def facet_links(result: SearchPage) -> dict[str, list[tuple[queries.Count, str, bool]]]:
    """For each facet value, the search URL that adds it as a filter (or drops it when already chosen)."""
    active = result.filters.active()
    out: dict[str, list[tuple[queries.Count, str, bool]]] = {}
    for name in FACETS:
        rows = []
        for c in result.facets.get(name, []):
            chosen = active.get(name) == c.key
            params = {k: v for k, v in active.items() if k != name} | ({} if chosen else {name: c.key})
            rows.append((c, "/search?" + urlencode(params), chosen))
        out[name] = rows
    return out


@pages.get("/search")
def search_page(request: Request, db: Db, filters: Filters, offset: Offset = 0, limit: Limit = 20) -> HTMLResponse:
    result = search(db, filters, offset, limit)
    return render(request, "search.html", r=result, facets=facet_links(result), active=filters.active())


async def http_error(request: Request, exc: Exception) -> Response:
    """JSON errors under /api (FastAPI's own handler), an HTML page elsewhere."""
    assert isinstance(exc, StarletteHTTPException)
    if _is_api(request):
        return await http_exception_handler(request, exc)
    return render(request, "error.html", status=exc.status_code, code=exc.status_code, message=str(exc.detail))


def _is_api(request: Request) -> bool:
    return request.url.path.startswith(("/api/", "/docs", "/openapi"))


async def validation_error(request: Request, exc: Exception) -> Response:
    """FastAPI's JSON 422 under /api; elsewhere the error page naming the first bad parameter."""
    assert isinstance(exc, RequestValidationError)
    if _is_api(request):
        return await request_validation_exception_handler(request, exc)
    first = exc.errors()[0] if exc.errors() else {}
    where = ".".join(str(part) for part in first.get("loc", ())[1:])
    return render(request, "error.html", status=422, code=422,
                  message=f"{where}: {first.get('msg', 'invalid request')}")
