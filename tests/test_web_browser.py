"""The reader in a real headless Chromium against uvicorn on loopback, serving the corpus from a SQLite file and
from PostgreSQL (the same corpus copied there): from the home page to an article, to its speaker, to a quote's
source paragraph, and on to a similar article. Screenshots go to artifacts/screenshots/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from newsgraph.serve.app import create_app
from web_support import ROOT, chromium, copy_to_postgres, corpus_db, serving

pytestmark = pytest.mark.slow
SHOTS = ROOT / "artifacts" / "screenshots"


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, shared: Path) -> Iterator[str]:
    db = corpus_db(tmp_path_factory.mktemp("web"), shared / "seed" / "putin-gaza-2023-10-13.txt")
    store = str(db) if request.param == "sqlite" else copy_to_postgres(
        db, request.getfixturevalue("pg_server").new_database())
    app = create_app(store)
    try:
        with serving(app) as url:
            yield url
    finally:
        app.state.reader.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_click_through_article_speaker_paragraph_and_similar(site: str, browser: Any) -> None:
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(site + "/")
    shot(page, "1-home")
    seed = "Putin cautions Israel that ground attack on Gaza would be unacceptable"
    page.get_by_role("link", name=seed).first.click()
    page.wait_for_url("**/article/*")
    assert page.locator("h1.headline").inner_text().startswith("Putin cautions Israel")
    assert page.locator("section.tags a.tag").count() >= 3
    assert page.locator("section.similar a.headline").count() >= 1
    shot(page, "2-article")

    page.locator("div.body a.who", has_text="Vladimir Putin").first.click()
    page.wait_for_url("**/speaker/**")
    assert page.locator("h1").inner_text() == "Vladimir Putin"
    shot(page, "3-speaker")

    first = page.locator("ol.speaker-quotes li").filter(has=page.locator("a.source-link[href*='#p']")).first
    quote_text = first.locator("blockquote").inner_text()
    first.locator("a.source-link").click()
    page.wait_for_url("**/article/*#p*")
    anchor = page.evaluate("location.hash")
    target = page.locator(f"div.body p{anchor}")
    assert page.evaluate("document.querySelector(':target') && document.querySelector(':target').id") == anchor[1:]
    paragraph = " ".join(target.inner_text().split())
    assert " ".join(quote_text.split())[:40] in paragraph
    assert target.is_visible()
    shot(page, "4-source-paragraph")

    similar = page.locator("section.similar a.headline").first
    headline = similar.inner_text()
    similar.click()
    page.wait_for_load_state()
    assert page.locator("h1.headline").inner_text() == headline
    shot(page, "5-similar-article")
    assert errors == []
    page.close()


def test_search_facet_click_narrows_results(site: str, browser: Any) -> None:
    page = browser.new_page()
    page.goto(site + "/")
    page.fill("header input[name=q]", "Gaza")
    page.press("header input[name=q]", "Enter")
    page.wait_for_url("**/search?q=Gaza")
    before = int(page.locator("section p.meta").inner_text().split()[0])
    facet = page.locator("aside.facets ul.counts li").first
    expected = int(facet.locator("span.n").inner_text())
    facet.locator("a").click()
    page.wait_for_load_state()
    after = int(page.locator("section p.meta").inner_text().split()[0])
    assert after == expected <= before and page.locator("p.active-filters").is_visible()
    shot(page, "6-search")
    page.close()


def test_api_docs_render_offline_under_the_strict_policy(site: str, browser: Any) -> None:
    """Swagger UI boots from same-origin files only (no CDN: there is no internet here) and the page's CSP,
    which allows only its own inline script by hash, blocks nothing the page needs to run."""
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    errors: list[str] = []
    requests: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("request", lambda req: requests.append(req.url))
    page.goto(site + "/docs")
    page.locator(".opblock-summary-path", has_text="/api/search").first.wait_for(timeout=20_000)
    assert page.locator(".opblock").count() >= 9
    page.locator(".opblock-summary", has_text="/api/search").first.click()
    page.locator(".opblock-body .parameters").first.wait_for(timeout=10_000)
    shot(page, "6-api-docs")
    assert [u for u in requests if not u.startswith(site + "/")] == []
    assert not [e for e in errors if "Content Security Policy" in e or "Refused" in e], errors
