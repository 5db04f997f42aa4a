"""Hostile article text renders inert (checked in a real browser: no script runs, no dialog opens), search and
filters survive SQL metacharacters, security headers are on every response, and writes need the token."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import httpx
import lxml.html
import pytest

from newsgraph.serve.app import ServeSettings, create_app
from web_support import article_id, chromium, corpus_db, serving

pytestmark = pytest.mark.slow
HOSTILE_SOURCES = ("hostile.jsonl:1", "hostile.jsonl:2")
NASTY = ["' OR 1=1 --", '"', "*", "NEAR(", ")", "a AND", "%", "_", "\\", "'; DROP TABLE articles; --",
         "x' UNION SELECT id, id, id, id, id FROM articles --", "headline:", "^", "\x00"]


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory, shared: Path) -> Path:
    return corpus_db(tmp_path_factory.mktemp("web"), shared / "seed" / "putin-gaza-2023-10-13.txt")


def get_all(app: Any, urls: list[str]) -> list[httpx.Response]:
    async def run() -> list[httpx.Response]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as c:
            return [await c.get(u) for u in urls]
    return asyncio.run(run())


def hostile_tags(db: Path, ids: list[str]) -> list[str]:
    """The tags the hostile articles were given (their pages list those articles' hostile headlines)."""
    con = sqlite3.connect(db)
    try:
        tags = {str(tag) for i in ids for (tag,) in con.execute("SELECT tag FROM tags WHERE article_id = ?", (i,))}
    finally:
        con.close()
    assert tags, "the hostile articles got no tags: the tag pages would go untested"
    return sorted(tags)


def hostile_urls(db: Path) -> list[str]:
    ids = [article_id(db, s) for s in HOSTILE_SOURCES]
    return ([f"/article/{i}" for i in ids] + ["/speaker/Jane%20O'Brien"]
            + [f"/tag/{quote(t, safe='')}" for t in hostile_tags(db, ids)]
            + ["/search?" + urlencode({"q": "<script>alert(1)</script>"}), "/search?q=pwned"])


def test_hostile_pages_have_no_active_markup(db: Path) -> None:
    responses = get_all(create_app(db), hostile_urls(db))
    for r in responses:
        assert r.status_code == 200, r.url
        doc = lxml.html.fromstring(r.text)
        assert doc.xpath("//script") == []
        assert [el.tag for el in doc.iter() if isinstance(el.tag, str) and
                any(a.lower().startswith("on") for a in el.attrib)] == []
        for el in doc.xpath("//*[@href or @src or @action]"):
            for attr in ("href", "src", "action"):
                value = (el.get(attr) or "").strip().lower()
                assert not value.startswith(("javascript:", "data:text", "vbscript:")), (r.url, value)
        assert "style=" not in r.text  # no inline style either (the CSP forbids it)
    article = lxml.html.fromstring(responses[0].text)
    headline = article.cssselect("h1.headline")[0].text_content()
    assert headline.startswith("City council <script>window.__pwned=1")  # shown as text, not run
    assert article.cssselect("a.source") == []  # a javascript: URL gets no link
    second = lxml.html.fromstring(responses[1].text)
    assert [a.get("href") for a in second.cssselect("a.source")] == [
        'https://hostile.example/a?x="><script>alert(10)</script>']  # whole, inside the attribute


def test_security_headers_on_every_kind_of_response(db: Path) -> None:
    urls = ["/", "/api/home", "/static/style.css", "/article/nope", "/api/articles/nope", "/openapi.json"]
    for r in get_all(create_app(db), urls):
        csp = r.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp, r.url
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "no-referrer"
        assert r.headers["x-frame-options"] == "DENY"


def count_articles(db: Path) -> int:
    con = sqlite3.connect(db)
    try:
        return int(con.execute("SELECT count(*) FROM articles").fetchone()[0])
    finally:
        con.close()


@pytest.mark.parametrize("value", NASTY)
def test_search_and_filters_survive_sql_metacharacters(db: Path, value: str) -> None:
    app = create_app(db)
    count = count_articles(db)
    urls = [f"/api/search?{urlencode({'q': value})}"] + [
        f"/api/search?{urlencode({'q': 'Gaza', name: value})}" for name in ("speaker", "entity", "tag", "outlet")]
    urls += [f"/search?{urlencode({'q': value, 'tag': value})}", f"/speaker/{quote(value, safe='')}",
             f"/api/tags/{quote(value, safe='')}"]
    responses = get_all(app, urls)
    assert responses[0].status_code == 200
    for r in responses[1:5]:
        assert r.status_code == 200 and r.json()["page"]["total"] == 0, (r.url, r.text[:200])
    assert responses[5].status_code == 200
    assert [r.status_code for r in responses[6:]] == [404, 404]
    assert count_articles(db) == count


def test_write_endpoint_refuses_without_the_token(db: Path) -> None:
    body = {"text": "Something happened today.\n\n" + "Words in a paragraph about it. " * 20}

    async def post(app: Any, headers: dict[str, str]) -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as c:
            return await c.post("/api/articles", json=body, headers=headers)

    guarded = create_app(db, ServeSettings(api_token="s3cret-token-of-the-test-suite"))
    assert asyncio.run(post(create_app(db), {})).status_code == 403
    assert asyncio.run(post(guarded, {})).status_code == 401
    assert asyncio.run(post(guarded, {"Authorization": "Bearer wrong"})).status_code == 401
    assert asyncio.run(post(guarded, {"Authorization": "Basic czNjcmV0"})).status_code == 401


@pytest.fixture(scope="module")
def site(db: Path) -> Iterator[str]:
    with serving(create_app(db)) as url:
        yield url


def test_hostile_pages_run_no_script_in_the_browser(db: Path, site: str) -> None:
    dialogs: list[str] = []
    violations: list[str] = []
    with chromium() as browser:
        page = browser.new_page()
        def on_dialog(dialog: Any) -> None:
            dialogs.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", on_dialog)
        page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
        for url in hostile_urls(db):
            page.goto(site + url)
            page.wait_for_load_state("load")
            for el in page.locator("img, a, b, mark").all()[:50]:
                el.hover(timeout=2000, force=True)  # fire any mouseover handler that might have slipped in
            assert page.evaluate("typeof window.__pwned") == "undefined", url
            assert page.locator("body script").count() == 0
        page.goto(site + hostile_urls(db)[0])
        assert "<script>" in page.locator("h1.headline").inner_text()
        page.screenshot(path=str(Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"
                                 / "7-hostile-article.png"), full_page=True)
    assert dialogs == [] and violations == []


def test_api_docs_load_only_same_origin_assets_under_a_hashed_policy(db: Path) -> None:
    """/docs works offline: Swagger UI's files are served by the app itself, and the page's policy allows its one
    inline boot script by hash (no 'unsafe-inline', no other origin)."""
    app = create_app(db)
    docs = get_all(app, ["/docs"])[0]
    assert docs.status_code == 200
    page = lxml.html.fromstring(docs.text)
    assets = [el.get("src") or el.get("href") for el in page.xpath("//script[@src] | //link[@href]")]
    assert sorted(assets) == ["/docs/assets/favicon.png", "/docs/assets/swagger-ui-bundle.js",
                              "/docs/assets/swagger-ui.css"]
    served = dict(zip(assets, get_all(app, assets), strict=True))
    assert all(r.status_code == 200 for r in served.values())
    assert "SwaggerUIBundle" in served["/docs/assets/swagger-ui-bundle.js"].text
    assert served["/docs/assets/swagger-ui.css"].headers["content-type"].startswith("text/css")
    inline = [s.text for s in page.xpath("//script[not(@src)]")]
    assert len(inline) == 1 and "url: '/openapi.json'" in inline[0]
    digest = base64.b64encode(hashlib.sha256(inline[0].encode()).digest()).decode()
    csp = docs.headers["content-security-policy"]
    assert f"script-src 'self' 'sha256-{digest}';" in csp
    assert "unsafe-inline" not in csp and "http" not in csp and "frame-ancestors 'none'" in csp
    assert "sha256" not in get_all(app, ["/"])[0].headers["content-security-policy"]  # that page only
