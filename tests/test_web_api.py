"""The web app in-process (httpx.ASGITransport) on a real SQLite corpus: every page and its JSON, pagination,
search filters and facets, the seed page's Tags and Similar News, and the token-guarded write endpoint."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import lxml.html
import pytest

from newsgraph.engines.analysis_process import PipelineProcess
from newsgraph.ingest import IngestOptions
from newsgraph.serve import queries
from newsgraph.serve.app import ServeSettings, create_app
from newsgraph.serve.connection import connect_readonly
from newsgraph.serve.search import SearchFilters, search
from newsgraph.understand.pipeline import AnalyzeOptions
from web_support import article_id, copy_db, corpus_db

pytestmark = pytest.mark.slow
TOKEN = "t0ken-for-tests-0123456789"
STRUCTURE_ONLY = IngestOptions(analyze=AnalyzeOptions(nlp=False))  # posts where the NLP is not under test


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory, shared: Path) -> Path:
    return corpus_db(tmp_path_factory.mktemp("web"), shared / "seed" / "putin-gaza-2023-10-13.txt")


def fetch(app: Any, *requests: tuple[str, str, dict[str, Any]]) -> list[httpx.Response]:
    async def run() -> list[httpx.Response]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as c:
            return [await c.request(method, url, **kw) for method, url, kw in requests]
    return asyncio.run(run())


def get(app: Any, url: str) -> httpx.Response:
    return fetch(app, ("GET", url, {}))[0]


def test_seed_page_shows_tags_and_similar_news(db: Path) -> None:
    app = create_app(db)
    seed = article_id(db, "putin-gaza-2023-10-13.txt")
    page = lxml.html.fromstring(get(app, f"/article/{seed}").text)
    tags = [a.text_content() for a in page.cssselect("section.tags a.tag")]
    similar = [a.text_content() for a in page.cssselect("section.similar a.headline")]
    assert len(tags) >= 3 and "Vladimir Putin" in tags
    assert any("Putin" in h for h in similar), similar
    data = get(app, f"/api/articles/{seed}").json()
    assert data["tags"] == tags
    assert [r["article"]["headline"] for r in data["similar"]] == similar


def test_syndicated_copy_is_shown_apart_from_similar_news(db: Path) -> None:
    app = create_app(db)
    copy, original = article_id(db, "04-putin-gaza-syndicated.txt"), article_id(db, "01-putin-bishkek-wire.txt")
    data = get(app, f"/api/articles/{copy}").json()
    assert [d["article"]["id"] for d in data["duplicates"]] == [original]
    assert data["duplicates"][0]["original"] is True
    assert original not in {r["article"]["id"] for r in data["similar"]}
    page = lxml.html.fromstring(get(app, f"/article/{copy}").text)
    assert [a.get("href") for a in page.cssselect("ul.duplicates a")] == [f"/article/{original}"]


def test_article_paragraphs_are_anchored_and_quotes_labelled(db: Path) -> None:
    app = create_app(db)
    seed = article_id(db, "putin-gaza-2023-10-13.txt")
    data = get(app, f"/api/articles/{seed}").json()
    page = lxml.html.fromstring(get(app, f"/article/{seed}").text)
    paragraphs = page.cssselect("div.body p")
    assert [p.get("id") for p in paragraphs] == [f"p{n}" for n in range(len(data["paragraphs"]))]
    marks = page.cssselect("div.body mark.quote")
    assert marks, "no quote highlighted"
    linked = []
    for mark in marks:
        label = mark.getnext()
        assert label is not None and label.get("class") in ("who", "who unresolved")
        if label.get("class") == "who":
            assert label.get("href") == "/speaker/" + quote(label.text_content(), safe="")
            linked.append(label.get("href"))
    assert linked and all(get(app, href).status_code == 200 for href in set(linked))
    direct = [q for q in data["quotes"] if q["kind"] == "direct" and q["paragraph"] is not None]
    assert direct
    for q in direct:
        assert q["text"] in page.get_element_by_id(f"p{q['paragraph']}").text_content()
    assert page.cssselect("ul.dates li") and data["dates"]


def test_speaker_page_lists_quotes_newest_first_linking_to_paragraphs(db: Path) -> None:
    app = create_app(db)
    data = get(app, "/api/speakers/vladimir%20putin?limit=100").json()
    assert data["name"] == "Vladimir Putin" and data["page"]["total"] == len(data["quotes"]) > 3
    dates = [q["article"]["published"] for q in data["quotes"] if q["article"]["published"]]
    assert dates == sorted(dates, reverse=True)
    assert sum(b["count"] for b in data["timeline"]) == len(dates)
    assert "Russian President" in data["titles"]
    page = lxml.html.fromstring(get(app, "/speaker/Vladimir%20Putin?limit=100").text)
    links = [a.get("href") for a in page.cssselect("a.source-link")]
    assert len(links) == len(data["quotes"])
    for q, href in zip(data["quotes"], links, strict=True):
        article = get(app, f"/api/articles/{q['article']['id']}").json()
        anchor = f"p{q['paragraph']}" if q["paragraph"] is not None else f"q{q['n']}"
        assert href == f"/article/{q['article']['id']}#{anchor}"
        start = next(x for x in article["quotes"] if x["n"] == q["n"])
        assert start["paragraph"] == q["paragraph"]
    assert page.cssselect("ol.timeline span.bar")


def test_pagination_walks_every_article_once(db: Path) -> None:
    app = create_app(db)
    seen: list[str] = []
    offset: int | None = 0
    while offset is not None:
        data = get(app, f"/api/home?limit=4&offset={offset}").json()
        seen += [c["id"] for c in data["latest"]]
        offset = data["page"]["next_offset"]
    assert len(seen) == len(set(seen)) == data["articles"] == data["page"]["total"]
    assert get(app, "/api/home?limit=0").status_code == 422
    assert get(app, "/api/home?limit=1000").json()["page"]["limit"] == 100


def test_bad_parameters_are_422_json_under_api_and_an_error_page_elsewhere(db: Path) -> None:
    app = create_app(db)
    api, page, missing = (get(app, u) for u in ("/api/search?date_from=yesterday", "/search?date_from=yesterday",
                                                 "/article/nope"))
    assert api.status_code == 422 and api.json()["detail"][0]["loc"] == ["query", "date_from"]
    assert page.status_code == 422 and page.headers["content-type"].startswith("text/html")
    error = lxml.html.fromstring(page.text)
    assert error.findtext(".//title").startswith("Bad request")
    assert error.cssselect("p.error")[0].text_content().startswith("date_from: String should match pattern")
    assert missing.status_code == 404
    assert lxml.html.fromstring(missing.text).findtext(".//title").startswith("Not found")


def test_entity_tag_and_story_pages(db: Path) -> None:
    app = create_app(db)
    seed = get(app, f"/api/articles/{article_id(db, 'putin-gaza-2023-10-13.txt')}").json()
    gaza = next(e for e in seed["entities"] if e["name"] == "Gaza")
    entity = get(app, f"/api/entities/{quote(gaza['key'], safe='')}").json()
    assert seed["article"]["id"] in {c["id"] for c in entity["articles"]}
    assert entity["entities"] and gaza["key"] not in {c["key"] for c in entity["entities"]}
    assert "Vladimir Putin" in {c["key"] for c in entity["speakers"]}
    tag = get(app, "/api/tags/Vladimir%20Putin").json()
    assert tag["page"]["total"] >= 3 and seed["article"]["id"] in {c["id"] for c in tag["articles"]}
    story = get(app, f"/api/stories/{seed['story']['id']}").json()
    assert seed["article"]["id"] in {c["id"] for c in story["articles"]} and story["quotes"]
    assert len({q["speaker"] for q in story["quotes"]}) == len(story["quotes"])
    home = get(app, "/api/home").json()
    assert seed["story"]["id"] in {s["id"] for s in home["stories"]}
    story_url = f"/story/{seed['story']['id']}"
    for url in (f"/entity/{quote(gaza['key'], safe='')}", "/tag/Vladimir%20Putin", story_url, "/"):
        assert get(app, url).status_code == 200
    for url in ("/article/nope", "/speaker/Nobody%20Atall", "/tag/no-such-tag", "/story/nope"):
        r = get(app, url)
        assert r.status_code == 404 and "text/html" in r.headers["content-type"] and "in this corpus" in r.text
    assert get(app, "/api/articles/nope").json() == {"detail": "no article 'nope' in this corpus"}


def test_search_ranks_and_counts_only_the_newest_matches_of_its_window(db: Path) -> None:
    conn = connect_readonly(db)
    every = search(conn, SearchFilters(q="Gaza"), limit=100, window=0)
    newest = [r[0] for r in conn.execute("SELECT a.id FROM articles_fts f JOIN articles a ON a.seq = f.rowid "
                                          "WHERE articles_fts MATCH 'Gaza' ORDER BY a.seq DESC LIMIT 3")]
    capped = search(conn, SearchFilters(q="Gaza"), limit=100, window=3)
    assert every.page.total >= 5 and not every.capped
    assert capped.capped and capped.page.total == 3 and {h.article.id for h in capped.hits} == set(newest)
    counted = {f: sum(c.count for c in capped.facets[f]) for f in ("outlet", "entity")}  # over the window only
    assert counted["outlet"] <= 3 and counted["entity"] < sum(c.count for c in every.facets["entity"])
    assert not search(conn, SearchFilters(q="Gaza"), window=every.page.total).capped
    conn.close()


def test_topic_pages_count_co_occurrences_over_their_newest_articles(db: Path) -> None:
    conn = connect_readonly(db)
    key = str(conn.execute("SELECT entity_key FROM mentions GROUP BY entity_key ORDER BY count(*) DESC, entity_key "
                           "LIMIT 1").fetchone()[0])
    members = [str(r[0]) for r in conn.execute("SELECT a.id FROM articles a JOIN mentions m ON m.article_id = a.id "
                                                "WHERE m.entity_key = ? ORDER BY a.seq DESC", (key,))]
    assert len(members) >= 5

    def counted_here(ids: list[str]) -> dict[str, int]:  # the co-occurring entities, counted in Python
        out: dict[str, int] = {}
        for i in ids:
            for (k,) in conn.execute("SELECT entity_key FROM mentions WHERE article_id = ? AND entity_key != ?",
                                     (i, key)):
                out[k] = out.get(k, 0) + 1
        return out

    for window, ids in ((3, members[:3]), (0, members)):
        _, entities, _, total = queries._topic(conn, queries._MEMBERS_ENTITY, key, key, 0, 5, window)
        expected = counted_here(ids)
        assert total == len(members)
        assert {e.key: e.count for e in entities} == {k: expected[k] for k in (e.key for e in entities)}
        assert sorted(expected.values(), reverse=True)[:len(entities)] == [e.count for e in entities]
    page = queries.entity(conn, key)
    assert page is not None and page.counted == min(len(members), queries.WINDOW)
    conn.close()


def test_search_filters_agree_with_facet_counts(db: Path) -> None:
    app = create_app(db)
    result = get(app, "/api/search?q=Gaza&limit=100").json()
    assert result["page"]["total"] >= 5 and all(h["snippet"] for h in result["hits"])
    assert any(matched and text.lower() == "gaza" for h in result["hits"] for text, matched in h["snippet"])
    for facet in ("speaker", "entity", "tag", "outlet"):
        assert result["facets"][facet], facet
        top = result["facets"][facet][0]
        narrowed = get(app, f"/api/search?q=Gaza&{facet}={quote(top['key'], safe='')}").json()
        assert narrowed["page"]["total"] == top["count"], (facet, top)
    dated = get(app, "/api/search?date_from=2023-10-14&date_to=2023-10").json()
    assert dated["hits"] and all("2023-10-14" <= h["article"]["published"][:10] <= "2023-10-31"
                                 for h in dated["hits"])
    assert get(app, "/api/search?date_from=yesterday").status_code == 422
    page = lxml.html.fromstring(get(app, "/search?q=Gaza").text)
    assert page.cssselect("aside.facets a") and page.cssselect("ol.hits mark")


def test_openapi_documents_every_api_route(db: Path) -> None:
    app = create_app(db)
    spec = get(app, "/openapi.json").json()
    assert {"/api/home", "/api/articles/{article_id}", "/api/speakers/{name}", "/api/entities/{key}",
            "/api/tags/{name}", "/api/stories", "/api/stories/{story_id}", "/api/search",
            "/api/articles"} <= set(spec["paths"])
    assert get(app, "/docs").status_code == 200


def test_write_endpoint_needs_the_token(db: Path, tmp_path: Path) -> None:
    page = {"text": "Harbour bridge reopens after repairs\n\n" + "The harbour bridge reopened on Monday after "
            "six weeks of repairs, the city's transport office said, and traffic was flowing normally. " * 4,
            "url": "https://city.example/bridge", "published": "2023-11-20"}
    read_only = create_app(db)
    assert fetch(read_only, ("POST", "/api/articles", {"json": page}))[0].status_code == 403
    private = copy_db(db, tmp_path / "w.db")
    app = create_app(private, ServeSettings(api_token=TOKEN, ingest=STRUCTURE_ONLY))
    missing, wrong, empty, ok, again = fetch(
        app, ("POST", "/api/articles", {"json": page}),
        ("POST", "/api/articles", {"json": page, "headers": {"Authorization": "Bearer " + TOKEN[:-1] + "x"}}),
        ("POST", "/api/articles", {"json": {"text": " "}, "headers": {"Authorization": "Bearer " + TOKEN}}),
        ("POST", "/api/articles", {"json": page, "headers": {"Authorization": "Bearer " + TOKEN}}),
        ("POST", "/api/articles", {"json": page, "headers": {"Authorization": "Bearer " + TOKEN}}))
    assert (missing.status_code, wrong.status_code, empty.status_code) == (401, 401, 422)
    assert missing.headers["www-authenticate"] == "Bearer"
    german = (Path(__file__).resolve().parent / "fixtures" / "bad" / "german.txt").read_text(encoding="utf-8")
    skipped = fetch(app, ("POST", "/api/articles", {"json": {"text": german},
                                                   "headers": {"Authorization": "Bearer " + TOKEN}}))[0]
    assert skipped.status_code == 422 and "language 'de' is not analysed" in skipped.text
    assert ok.status_code == 201 and ok.json()["report"]["ingested"] == 1
    new_id = ok.json()["ids"][0]
    assert again.json()["ids"] == [] and again.json()["report"]["duplicates"] == 1
    stored = get(app, f"/api/articles/{new_id}").json()
    assert stored["article"]["headline"] == "Harbour bridge reopens after repairs"
    assert stored["article"]["outlet"] == "city.example"
    con = sqlite3.connect(db)
    try:  # the shared corpus was not touched: the write went to the private copy
        assert con.execute("SELECT count(*) FROM articles WHERE id = ?", (new_id,)).fetchone()[0] == 0
    finally:
        con.close()


def test_posts_share_one_pipeline_and_name_their_source(db: Path, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The first post builds the app's language pipeline (spaCy loads once), later posts reuse it; a posted page
    is stored under its URL, or ``api:`` and a content hash, never a temporary file's path."""
    import newsgraph.ingest

    def no_new_pipeline(*args: object) -> None:
        raise AssertionError("ingest built a Pipeline of its own instead of reusing the app's")

    monkeypatch.setattr(newsgraph.ingest, "Pipeline", no_new_pipeline)
    body = ("The harbour bridge reopened on Monday after six weeks of repairs, the city's transport office said. "
            "\"Traffic is flowing normally again,\" said Maria Lopez, the office's spokeswoman. ") * 3
    first = {"text": "Harbour bridge reopens\n\n" + body, "url": "https://city.example/bridge"}
    second = {"text": "Ferry timetable changes\n\n" + body.replace("bridge", "ferry")}
    app = create_app(copy_db(db, tmp_path / "w.db"), ServeSettings(api_token=TOKEN))
    writer = app.state.writer
    assert writer.pipeline is None
    auth = {"Authorization": "Bearer " + TOKEN}
    r1 = fetch(app, ("POST", "/api/articles", {"json": first, "headers": auth}))[0]
    pipeline = writer.pipeline
    assert r1.status_code == 201, r1.text
    assert isinstance(pipeline, PipelineProcess) and pipeline.alive()  # spaCy in a process of its own
    r2 = fetch(app, ("POST", "/api/articles", {"json": second, "headers": auth}))[0]
    assert r2.status_code == 201, r2.text
    assert writer.pipeline is pipeline and pipeline.alive()
    assert writer.loads == 1  # the store's connect state was read once, not once per post
    con = sqlite3.connect(tmp_path / "w.db")
    try:
        sources = [con.execute("SELECT source FROM articles WHERE id = ?", (r.json()["ids"][0],)).fetchone()[0]
                   for r in (r1, r2)]
    finally:
        con.close()
    assert sources[0] == "https://city.example/bridge"
    assert sources[1].startswith("api:") and len(sources[1]) == 20 and "/" not in sources[1]
    quotes = get(app, f"/api/articles/{r1.json()['ids'][0]}").json()["quotes"]
    assert any(q["speaker"] == "Maria Lopez" for q in quotes), quotes  # the full pipeline ran
    os.kill(pipeline._child.pid, signal.SIGKILL)  # the analysis process dies: that post is a 503, the next lands
    third = {"text": "Tram line extended\n\n" + body.replace("bridge", "tram line")}
    r3, r4 = fetch(app, ("POST", "/api/articles", {"json": third, "headers": auth}),
                   ("POST", "/api/articles", {"json": third, "headers": auth}))
    assert r3.status_code == 503 and r3.headers["retry-after"] == "5", r3.text
    assert "could not be analysed now: the analysis process ended" in r3.json()["detail"]
    assert r4.status_code == 201 and r4.json()["report"]["ingested"] == 1, r4.text
    assert writer.pipeline is not pipeline and writer.pipeline.alive()
    writer.close()
    assert not pipeline.alive() and writer.pipeline is None


def test_posts_keep_the_connect_state_and_read_it_again_after_another_writer(tmp_path: Path) -> None:
    """Posted pages end with the stories, links and tags of one ingest run over the same pages, while the writer
    reads the store's connect state only on the first post and after another process wrote to the store."""
    from corpus_gen import canonical_dump, synthetic
    from newsgraph.ingest import ingest
    from newsgraph.store import open_store
    from test_ingest import write_jsonl

    pages = synthetic(24, seed=9)
    posted, reference = tmp_path / "posted.db", tmp_path / "reference.db"
    for db in (posted, reference):
        with open_store(db) as store:
            ingest([str(write_jsonl(tmp_path / "first.jsonl", pages[:8]))], store, STRUCTURE_ONLY)
    app = create_app(posted, ServeSettings(api_token=TOKEN, ingest=STRUCTURE_ONLY))
    auth = {"Authorization": "Bearer " + TOKEN}

    def post(records: list[dict[str, str]]) -> None:
        for r in fetch(app, *(("POST", "/api/articles", {"json": rec, "headers": auth}) for rec in records)):
            assert r.status_code == 201 and len(r.json()["ids"]) == 1, r.text

    try:
        post(pages[8:14])
        assert app.state.writer.loads == 1
        with open_store(posted) as store:  # another writer, as `newsgraph ingest` in another process
            ingest([str(write_jsonl(tmp_path / "middle.jsonl", pages[14:18]))], store, STRUCTURE_ONLY)
        post(pages[18:24])
        assert app.state.writer.loads == 2
    finally:
        app.state.writer.close()
    with open_store(reference) as store:  # the same pages in the same order, file by file
        for n, part in enumerate((pages[8:14], pages[14:18], pages[18:24])):
            ingest([str(write_jsonl(tmp_path / f"ref{n}.jsonl", part))], store, STRUCTURE_ONLY)
    got, want = canonical_dump(posted), canonical_dump(reference)
    for table in want:
        if table != "articles":  # posted pages are stored under their URL as source, files under their path
            assert got[table] == want[table], f"table {table} differs from one ingest of the same pages"
    assert [r[1] for r in got["articles"]] == [r[1] for r in want["articles"]]  # same ids, same order


def test_a_write_by_another_process_during_a_post_is_noticed(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Another process that commits right after a post (before the writer reads the last seq) still makes the
    writer read the connect state again for the next post."""
    import newsgraph.ingest
    from corpus_gen import synthetic
    from newsgraph.ingest import ingest
    from newsgraph.store import open_store
    from test_ingest import write_jsonl

    pages = synthetic(6, seed=21)
    db = tmp_path / "race.db"
    with open_store(db) as store:
        ingest([str(write_jsonl(tmp_path / "a.jsonl", pages[:2]))], store, STRUCTURE_ONLY)
    real = newsgraph.ingest.ingest_results

    def then_another_process(*args: Any, **kwargs: Any) -> Any:
        report = real(*args, **kwargs)
        if not (tmp_path / "b.jsonl").exists():
            with open_store(db) as other:
                ingest([str(write_jsonl(tmp_path / "b.jsonl", pages[2:3]))], other, STRUCTURE_ONLY)
        return report

    monkeypatch.setattr(newsgraph.ingest, "ingest_results", then_another_process)
    app = create_app(db, ServeSettings(api_token=TOKEN, ingest=STRUCTURE_ONLY))
    auth = {"Authorization": "Bearer " + TOKEN}
    try:
        for page in pages[3:6]:
            r = fetch(app, ("POST", "/api/articles", {"json": page, "headers": auth}))[0]
            assert r.status_code == 201, r.text
        assert app.state.writer.loads == 2  # the first post, and the one after the outside write
    finally:
        app.state.writer.close()


def test_a_post_while_another_process_writes_is_a_503_and_the_next_one_lands(db: Path, tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import newsgraph.store.sqlite

    monkeypatch.setattr(newsgraph.store.sqlite, "BUSY_TIMEOUT_S", 0.2)
    private = copy_db(db, tmp_path / "busy.db")
    app = create_app(private, ServeSettings(api_token=TOKEN, ingest=STRUCTURE_ONLY))
    body = "The harbour bridge reopened on Monday after six weeks of repairs, the city's transport office said. " * 3
    page = {"text": "Harbour bridge reopens\n\n" + body, "url": "https://city.example/busy"}
    auth = {"Authorization": "Bearer " + TOKEN}
    other = sqlite3.connect(private, isolation_level=None)  # another process's open write transaction
    try:
        other.execute("BEGIN IMMEDIATE")
        busy = fetch(app, ("POST", "/api/articles", {"json": page, "headers": auth}))[0]
        other.execute("ROLLBACK")
        landed = fetch(app, ("POST", "/api/articles", {"json": page, "headers": auth}))[0]
    finally:
        other.close()
        app.state.writer.close()
    assert busy.status_code == 503 and busy.headers["retry-after"] == "5"
    assert "could not be written now: database is locked: try again" in busy.json()["detail"]
    assert landed.status_code == 201 and len(landed.json()["ids"]) == 1, landed.text


def test_settings_refuse_a_short_token() -> None:
    with pytest.raises(ValueError, match="shorter than 16 characters"):
        ServeSettings(api_token="abc")


def test_serve_refuses_a_missing_database(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from newsgraph.cli import app

    result = CliRunner().invoke(app, ["serve", "--db", str(tmp_path / "none.db")])
    assert result.exit_code == 2
    assert "no corpus database at" in result.output and "newsgraph ingest" in result.output


def test_demo_finds_the_examples_and_the_seed(shared: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from newsgraph.serve.demo import demo_sources

    monkeypatch.setenv("NEWSGRAPH_SHARED", str(shared))
    sources = demo_sources(Path(__file__).resolve().parents[1])
    assert [p.name for p in sources] == ["examples", "putin-gaza-2023-10-13.txt"]
