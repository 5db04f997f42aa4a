"""Shared by the web tests: one real corpus (the bundled examples, the seed page and the hostile fixture pages,
ingested with every stage) built once per session, a real uvicorn server on a free loopback port, and a
headless Chromium driven by Playwright."""

from __future__ import annotations

import socket
import sqlite3
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uvicorn

from newsgraph.ingest import ingest
from newsgraph.store import open_store
from newsgraph.store.copy import copy_corpus

ROOT = Path(__file__).resolve().parents[1]
HOSTILE = Path(__file__).resolve().parent / "fixtures" / "web" / "hostile.jsonl"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
_BUILT: dict[str, Path] = {}


def corpus_db(folder: Path, seed: Path) -> Path:
    """The test corpus, ingested once per session (the spaCy model loads once); callers must not write to it."""
    if "db" not in _BUILT:
        db = folder / "web.db"
        store = open_store(db)
        try:
            report = ingest([str(ROOT / "examples"), str(seed), str(HOSTILE)], store)
        finally:
            store.close()
        assert not report.failed, report.failed
        _BUILT["db"] = db
    return _BUILT["db"]


def copy_db(src: Path, dest: Path) -> Path:
    """A private copy (SQLite's backup API) for tests that write."""
    a, b = sqlite3.connect(src), sqlite3.connect(dest)
    try:
        a.backup(b)
    finally:
        a.close()
        b.close()
    return dest


def article_id(db: Path, source_suffix: str) -> str:
    con = sqlite3.connect(db)
    try:
        row = con.execute("SELECT id FROM articles WHERE source LIKE ? ORDER BY seq", ("%" + source_suffix,)).fetchone()
    finally:
        con.close()
    assert row is not None, f"no article from {source_suffix} in {db}"
    return str(row[0])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """Serve ``app`` with uvicorn in a thread on a free loopback port; yields the base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", ws="none",
                                          lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium (Debian's /usr/bin/chromium; Playwright never downloads a browser here)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def copy_to_postgres(src: Path, url: str) -> str:
    """The SQLite corpus ``src`` copied row for row (``newsgraph copy``) into the empty PostgreSQL database at
    ``url``: the same corpus on both backends, so their readers must serve the same pages."""
    with open_store(src) as lite:
        pg = open_store(url)
        try:
            copy_corpus(lite, pg)
        finally:
            pg.close()
    return url


@contextmanager
def postgres_copy(src: Path) -> Iterator[str]:
    """``src`` copied into a throwaway PostgreSQL server (``copy_to_postgres``), for the benchmarks that serve a
    corpus from both backends; yields the database's URL, stops and removes the server after."""
    from pg_server import throwaway_server

    with throwaway_server() as server:
        start = time.perf_counter()
        url = copy_to_postgres(src, server.new_database())
        print(f"copied {src.name} into PostgreSQL in {time.perf_counter() - start:.0f} s", file=sys.stderr)
        yield url
