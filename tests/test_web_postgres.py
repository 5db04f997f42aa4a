"""The web reader and the JSON API on a PostgreSQL corpus (a real server started by the tests): the test corpus is
copied row for row from SQLite into PostgreSQL, and every page both backends serve must be the same, HTML and
JSON; search, where the two rank with different text engines, must find the same articles and count the same
facets. Also PostgreSQL's outlet expression against Python's, the search window, and the token-guarded write."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import psycopg
import pytest

from newsgraph.ingest import IngestOptions
from newsgraph.serve import queries
from newsgraph.serve.app import ServeSettings, create_app
from newsgraph.serve.connection import PG_OUTLET, outlet_of
from newsgraph.serve.search import SearchFilters, search
from newsgraph.store.sqlite import StoreError
from newsgraph.understand.pipeline import AnalyzeOptions
from web_support import copy_to_postgres, corpus_db, serving

pytestmark = pytest.mark.slow
TOKEN = "t0ken-for-tests-0123456789"


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory, shared: Path) -> Path:
    return corpus_db(tmp_path_factory.mktemp("web"), shared / "seed" / "putin-gaza-2023-10-13.txt")


@pytest.fixture(scope="module")
def pg(db: Path, pg_server: Any) -> str:
    return copy_to_postgres(db, pg_server.new_database())


@pytest.fixture(scope="module")
def apps(db: Path, pg: str) -> Any:
    lite, post = create_app(db), create_app(pg)
    yield lite, post
    post.state.reader.close()


def fetch(app: Any, urls: list[str]) -> list[httpx.Response]:
    async def run() -> list[httpx.Response]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as c:
            return [await c.get(u) for u in urls]
    return asyncio.run(run())


def column(db: Path, sql: str) -> list[str]:
    con = sqlite3.connect(db)
    try:
        return [str(r[0]) for r in con.execute(sql)]
    finally:
        con.close()


def test_every_page_is_the_same_on_both_backends(db: Path, apps: Any) -> None:
    articles = column(db, "SELECT id FROM articles ORDER BY seq")
    speakers = column(db, "SELECT name FROM speakers ORDER BY id")
    entities = column(db, "SELECT key FROM entities ORDER BY key")
    tags = column(db, "SELECT DISTINCT tag FROM tags ORDER BY tag")
    stories = column(db, "SELECT id FROM stories ORDER BY id")
    assert len(articles) >= 10 and speakers and entities and tags and stories
    q = lambda s: quote(s, safe="")  # noqa: E731
    urls = ["/", "/?offset=5&limit=5", "/api/home", "/api/stories", "/api/stories?limit=3&offset=2"]
    urls += [u for a in articles for u in (f"/article/{a}", f"/api/articles/{a}")]
    urls += [u for s in speakers for u in (f"/speaker/{q(s)}", f"/api/speakers/{q(s)}")]
    urls += [f"/api/speakers/{q(speakers[0].upper())}", "/api/speakers/nobody%20at%20all"]
    urls += [u for e in entities for u in (f"/entity/{q(e)}", f"/api/entities/{q(e)}")]
    urls += [u for t in tags for u in (f"/tag/{q(t)}", f"/api/tags/{q(t)}")]
    urls += [u for s in stories for u in (f"/story/{s}", f"/api/stories/{s}", f"/api/stories/{s}?limit=1&offset=1")]
    lite, post = apps
    differ = []
    for url, a, b in zip(urls, fetch(lite, urls), fetch(post, urls), strict=True):
        assert a.status_code in (200, 404), (url, a.status_code)
        if (a.status_code, a.text) != (b.status_code, b.text):
            differ.append(url)
    assert not differ, f"{len(differ)} of {len(urls)} pages differ, e.g. {differ[:5]}"
    quoted = [r for r in fetch(post, [f"/api/speakers/{q(s)}" for s in speakers]) if r.json()["quotes"]]
    assert quoted, "no speaker page with quotes: the comparison saw none"


@pytest.mark.parametrize("way", ["walk", "walk cut short", "sort"])
def test_entity_and_tag_pages_list_the_same_newest_articles_either_way(db: Path, apps: Any, way: str,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """A topic page's newest articles come from walking the articles newest first or from sorting the members
    (``queries.newest_members`` picks the cheaper on SQLite); every way gives the pages PostgreSQL gives (its
    planner picks for itself)."""
    entities = column(db, "SELECT entity_key FROM mentions GROUP BY entity_key HAVING count(*) > 1")
    tags = column(db, "SELECT tag FROM tags GROUP BY tag HAVING count(*) > 1")
    assert len(entities) > 5 and len(tags) > 5
    q = lambda s: quote(s, safe="")  # noqa: E731
    urls = [f"/api/entities/{q(e)}{page}" for e in entities for page in ("", "?limit=1", "?limit=2&offset=1")]
    urls += [f"/api/tags/{q(t)}{page}" for t in tags for page in ("", "?limit=1", "?limit=2&offset=1")]
    lite, post = apps
    expected = [r.json() for r in fetch(post, urls)]
    monkeypatch.setattr(queries, "WALK_COST", float("inf") if way == "sort" else 0.0)
    if way == "walk cut short":  # the walk stops before the page is full: the members are sorted instead
        monkeypatch.setattr(queries, "WALK_SCAN", 0.0)
        monkeypatch.setattr(queries, "WALK_MIN_SCAN", 1)
    got = [r.json() for r in fetch(lite, urls)]
    assert got == expected, [u for u, a, b in zip(urls, got, expected, strict=True) if a != b][:5]


def _ids(page: dict[str, Any]) -> list[str]:
    return sorted(h["article"]["id"] for h in page["hits"])


def test_search_finds_the_same_articles_on_both_backends(db: Path, apps: Any) -> None:
    lite, post = apps
    speaker = column(db, "SELECT s.name FROM speakers s JOIN quotes q ON q.speaker_id = s.id "
                         "GROUP BY s.id ORDER BY count(*) DESC LIMIT 1")[0]
    tag = column(db, "SELECT tag FROM tags GROUP BY tag ORDER BY count(*) DESC, tag LIMIT 1")[0]
    outlet = next(o for o in map(outlet_of, column(db, "SELECT url FROM articles WHERE url IS NOT NULL")) if o)
    filtered = [f"speaker={quote(speaker)}", f"tag={quote(tag)}", f"outlet={quote(outlet)}",
                "date_from=2023-10-01&date_to=2023-10", f"tag={quote(tag)}&date_to=2023"]
    urls = [f"/api/search?{f}&limit=100" for f in filtered] + ["/api/search?limit=100"]
    for url, a, b in zip(urls, fetch(lite, urls), fetch(post, urls), strict=True):
        assert a.status_code == b.status_code == 200, url
        assert a.json() == b.json(), url  # no words: newest first and the same facets, exactly
    assert fetch(post, [urls[0]])[0].json()["page"]["total"] > 0
    worded = ["q=Putin", "q=Putin&tag=" + quote(tag), "q=ceasefire%20Gaza", "q=%22prime%20minister%22"]
    urls = [f"/api/search?{w}&limit=100" for w in worded]
    for url, a, b in zip(urls, fetch(lite, urls), fetch(post, urls), strict=True):
        x, y = a.json(), b.json()
        assert (_ids(x), x["page"]["total"], x["facets"]) == (_ids(y), y["page"]["total"], y["facets"]), url
    first = fetch(post, [urls[0]])[0].json()
    assert first["hits"] and any(t == "Putin" and m for h in first["hits"] for t, m in h["snippet"])


def test_search_window_caps_on_postgres(pg: str, apps: Any) -> None:
    from newsgraph.serve.connection import open_reader

    reader = open_reader(pg)
    try:
        with reader.connect() as con:
            full = search(con, SearchFilters(q="Putin"), limit=100, window=0)
            capped = search(con, SearchFilters(q="Putin"), limit=100, window=2)
            newest = search(con, SearchFilters(tag="Vladimir Putin"), limit=100, window=2)
    finally:
        reader.close()
    assert full.page.total > 2 and not full.capped
    assert capped.capped and capped.page.total == 2
    assert {h.article.id for h in capped.hits} < {h.article.id for h in full.hits}
    assert newest.capped and len(newest.hits) == 2


def test_many_concurrent_requests_all_answer(db: Path, pg: str) -> None:
    """More requests at once than the app has worker threads (40) and the pool connections (8): each waits for a
    connection in the event loop. Waiting in worker threads deadlocked until the pool's 30 s timeout."""
    app = create_app(pg)
    ids = column(db, "SELECT id FROM articles ORDER BY seq")
    urls = [f"/api/articles/{ids[i % len(ids)]}" if i % 2 else "/api/search?q=Putin" for i in range(160)]

    async def run(base: str) -> list[int]:
        limits = httpx.Limits(max_connections=200)
        async with httpx.AsyncClient(base_url=base, timeout=20, limits=limits) as c:
            return [r.status_code for r in await asyncio.gather(*(c.get(u) for u in urls))]

    try:
        with serving(app) as base:
            codes = asyncio.run(run(base))
    finally:
        app.state.reader.close()
    assert codes == [200] * len(urls)


def test_the_connection_pool_closes_when_the_server_shuts_down(pg: str) -> None:
    from fastapi.testclient import TestClient

    app = create_app(pg)
    with TestClient(app) as client:  # runs the app's lifespan, as uvicorn does
        assert client.get("/api/search?q=Putin").status_code == 200
        assert not app.state.reader.pool.closed
    assert app.state.reader.pool.closed


def test_postgres_outlet_expression_agrees_with_python(pg_url: str) -> None:
    urls = ["https://www.Example.com/a/b?c=d", "http://news.example.org", "HTTPS://user:pw@Host.example:8443/x",
            "https://example.com?x=1", "https://example.com#top", "ftp://files.example.com/x", "mailto:a@b.c",
            "not a url", "", "https://www.bbc.co.uk/news/world-67089123", "http://[::1]:8080/p", "https:///nohost"]
    with psycopg.connect(pg_url) as con:
        got = [con.execute(f"SELECT {PG_OUTLET.format('u')} FROM (SELECT %s::text AS u) x", (u,)).fetchone()[0]
               for u in urls]
    assert got == [outlet_of(u) for u in urls]


def test_token_guarded_write_lands_in_postgres(pg_server: Any, db: Path) -> None:
    url = copy_to_postgres(db, pg_server.new_database())
    app = create_app(url, ServeSettings(api_token=TOKEN, ingest=IngestOptions(analyze=AnalyzeOptions(
        stages=("entities", "quotes")))))
    try:
        page = {"text": "Ministers meet in Oslo\n\nOSLO (Wire) — Ministers from four countries met in Oslo on Tuesday "
                        "to talk about fishing quotas in the Barents Sea, the first such meeting in two years.\n\n"
                        "\"We made progress on the quotas for cod and haddock,\" said Kari Nordmann, the Norwegian "
                        "fisheries minister. The talks resume in March.",
                "url": "https://example.net/oslo-fish"}

        async def run() -> list[httpx.Response]:
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
                denied = await c.post("/api/articles", json=page)
                made = await c.post("/api/articles", json=page, headers={"Authorization": f"Bearer {TOKEN}"})
                again = await c.post("/api/articles", json=page, headers={"Authorization": f"Bearer {TOKEN}"})
                assert made.status_code == 201, made.text
                shown = await c.get(f"/api/articles/{made.json()['ids'][0]}")
                return [denied, made, again, shown]

        denied, made, again, shown = asyncio.run(run())
        assert denied.status_code == 401
        assert made.status_code == 201 and len(made.json()["ids"]) == 1, made.text
        assert again.status_code == 201 and again.json()["ids"] == []
        assert shown.status_code == 200 and shown.json()["article"]["url"] == page["url"]
        assert any(q["mention"] == "Kari Nordmann" for q in shown.json()["quotes"]), shown.json()["quotes"]
    finally:
        app.state.writer.close()
        app.state.reader.close()


def test_missing_corpus_and_unreachable_server_fail_with_the_fix(pg_url: str) -> None:
    with pytest.raises(StoreError, match=r"no newsgraph corpus in .*newsgraph ingest"):
        create_app(pg_url)
    with pytest.raises(StoreError, match=r"cannot connect to .*check that the server runs"):
        create_app("postgresql://nobody@127.0.0.1:1/none")
