"""Ingest on real SQLite files: idempotence, resume after SIGKILL, one bad input among many, feeds, WARC."""

from __future__ import annotations

import gzip
import html
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import datetime
from email.utils import format_datetime
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from corpus_gen import canonical_dump, originals, synthetic
from newsgraph.corpus import ConnectOptions
from newsgraph.ingest import IngestOptions, article_id, ingest, normalise_url
from newsgraph.model import RawDocument
from newsgraph.store import SQLiteStore
from newsgraph.understand.pipeline import AnalyzeOptions

FAST = IngestOptions(analyze=AnalyzeOptions(nlp=False), batch=8)
ROOT = Path(__file__).resolve().parents[1]


def write_jsonl(path: Path, records: list[dict[str, str]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def page(headline: str, paragraphs: tuple[str, ...] | list[str]) -> str:
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return (f"<html><head><title>{html.escape(headline)}</title></head><body><article>"
            f"<h1>{html.escape(headline)}</h1>{body}</article></body></html>")


def test_ids_come_from_normalised_url_and_content() -> None:
    a = RawDocument("a", "Some  text\n", "text", url="HTTPS://Example.org/x/?utm_source=t&b=1#top")
    b = RawDocument("b", "Some text", "text", url="https://example.org/x?b=1")
    assert normalise_url(a.url or "") == "https://example.org/x?b=1"
    assert article_id(a) == article_id(b)
    assert article_id(a) != article_id(RawDocument("a", "Some text", "text"))
    assert article_id(a) != article_id(RawDocument("a", "Other text", "text", url=b.url))


def test_ingesting_twice_changes_nothing(tmp_path: Path) -> None:
    corpus = write_jsonl(tmp_path / "c.jsonl", synthetic(40))
    store = SQLiteStore(tmp_path / "c.db")
    first = ingest([str(corpus)], store, FAST)
    assert (first.ingested, first.duplicates, first.failed) == (40, 0, [])
    before = canonical_dump(tmp_path / "c.db")
    again = ingest([str(corpus)], store, FAST)
    store.close()
    assert (again.ingested, again.duplicates) == (0, 40)
    assert canonical_dump(tmp_path / "c.db") == before
    assert len(before["articles"]) == 40 and before["stories"] and before["doc_freq"]


RUN = """
import sys
from newsgraph.corpus import ConnectOptions
from newsgraph.ingest import IngestOptions, ingest
from newsgraph.store import open_store
from newsgraph.understand.pipeline import AnalyzeOptions
store = open_store(sys.argv[1])
opts = IngestOptions(analyze=AnalyzeOptions(nlp=False), connect=ConnectOptions(checkpoint_every=40), batch=4)
report = ingest([sys.argv[2]], store, opts)
print(report.ingested, report.duplicates, len(report.failed))
"""


def _count(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
        try:
            return int(con.execute("SELECT count(*) FROM articles").fetchone()[0])
        finally:
            con.close()
    except sqlite3.OperationalError:  # not migrated yet
        return 0


def test_a_killed_run_resumes_to_exactly_the_rows_of_a_clean_run(tmp_path: Path) -> None:
    n = 240
    corpus = write_jsonl(tmp_path / "c.jsonl", synthetic(n, seed=11))
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    killed_db, clean_db = tmp_path / "killed.db", tmp_path / "clean.db"
    proc = subprocess.Popen([sys.executable, "-c", RUN, str(killed_db), str(corpus)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while _count(killed_db) < 100 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    at_kill = _count(killed_db)
    assert 100 <= at_kill < n, f"the run was not killed halfway ({at_kill} of {n} articles stored)"
    resumed = subprocess.run([sys.executable, "-c", RUN, str(killed_db), str(corpus)], env=env,
                             capture_output=True, text=True, check=True)
    assert resumed.stdout.split() == [str(n - at_kill), str(at_kill), "0"]
    subprocess.run([sys.executable, "-c", RUN, str(clean_db), str(corpus)], env=env, capture_output=True,
                   check=True)
    killed, clean = canonical_dump(killed_db), canonical_dump(clean_db)
    assert len(clean["articles"]) == n
    for table in clean:
        assert killed[table] == clean[table], f"table {table} differs after resume"


def test_one_bad_file_among_many_fails_alone_with_its_name_and_reason(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for i, rec in enumerate(synthetic(200, seed=3)):
        (folder / f"{i:03d}.txt").write_text(rec["text"], encoding="utf-8")
    (folder / "150-broken.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 20)
    store = SQLiteStore(tmp_path / "c.db")
    report = ingest([str(folder)], store, IngestOptions(analyze=AnalyzeOptions(nlp=False),
                                                        connect=ConnectOptions(features=False)))
    assert report.ingested == 200 and store.count() == 200
    assert report.failed == [(str(folder / "150-broken.txt"),
                              "binary data, not text or HTML (is it compressed or an image?)")]
    store.close()


def rss(items: list[tuple[str, str, str, str]]) -> str:
    entries = "".join(
        f"<item><title>{html.escape(t)}</title><link>{u}</link><pubDate>{d}</pubDate>"
        f"<description>{html.escape(body)}</description></item>" for t, u, d, body in items)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>Coastline Wire</title>'
            f"<link>https://coastlinewire.example/</link><description>news</description>{entries}</channel></rss>")


def _feed_items() -> list[tuple[str, str, str, str]]:
    out = []
    for d in originals()[:3]:
        when = format_datetime(datetime.fromisoformat(d.published.replace("Z", "+00:00")))
        out.append((d.headline, d.url, when, "".join(f"<p>{p}</p>" for p in d.paragraphs)))
    return out


def test_rss_and_atom_feeds_give_one_article_per_entry(tmp_path: Path) -> None:
    items = _feed_items()
    (tmp_path / "feed.xml").write_text(rss(items), encoding="utf-8")
    entries = "".join(f'<entry><title>{html.escape(t)}</title><link href="{u}"/><id>{u}</id>'
                      f"<updated>2024-05-2{i}T10:00:00Z</updated><content type=\"html\">{html.escape(b)}</content>"
                      "</entry>" for i, (t, u, _, b) in enumerate(items))
    entries += "<entry><title>Empty</title><id>urn:empty</id><updated>2024-05-20T10:00:00Z</updated></entry>"
    (tmp_path / "atom.xml").write_text('<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/'
                                       f'Atom"><title>T</title><id>urn:t</id>{entries}</feed>', encoding="utf-8")
    store = SQLiteStore(tmp_path / "c.db")
    report = ingest([str(tmp_path / "feed.xml")], store, FAST)
    assert (report.ingested, report.failed) == (3, [])
    rows = list(store.export_rows())
    assert [r["url"] for r in rows] == [u for _, u, _, _ in items]
    assert rows[0]["published"].startswith("2024-03-04") and rows[0]["headline"] == items[0][0]
    again = ingest([str(tmp_path / "atom.xml")], store, FAST)  # the same entries: same URL and content
    assert (again.ingested, again.duplicates) == (0, 3)
    store.close()
    fresh = SQLiteStore(tmp_path / "atom.db")
    atom = ingest([str(tmp_path / "atom.xml")], fresh, FAST)
    assert atom.ingested == 3 and [r for _, r in atom.skipped] == ["feed entry has no content or summary"]
    assert atom.skipped[0][0].startswith(f"{tmp_path / 'atom.xml'}#4")
    assert [r["published"][:10] for r in fresh.export_rows()] == ["2024-05-20", "2024-05-21", "2024-05-22"]
    fresh.close()


def test_a_feed_url_is_fetched_over_http(tmp_path: Path) -> None:
    (tmp_path / "feed.xml").write_text(rss(_feed_items()), encoding="utf-8")

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(tmp_path)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        store = SQLiteStore(tmp_path / "c.db")
        report = ingest([f"http://127.0.0.1:{server.server_port}/feed.xml"], store, FAST)
        assert report.ingested == 3 and not report.failed
        store.close()
    finally:
        server.shutdown()
        server.server_close()


def warc_record(kind: str, uri: str, payload: bytes) -> bytes:
    msg = "request" if kind == "request" else "response"
    head = (f"WARC/1.0\r\nWARC-Type: {kind}\r\nWARC-Target-URI: {uri}\r\nWARC-Date: 2024-03-05T10:00:00Z\r\n"
            f"WARC-Record-ID: <urn:uuid:{abs(hash((kind, uri))):032x}>\r\n"
            f"Content-Type: application/http; msgtype={msg}\r\nContent-Length: {len(payload)}\r\n\r\n")
    return head.encode() + payload + b"\r\n\r\n"


def http_response(content_type: str, body: bytes) -> bytes:
    return (f"HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body


def warc_records() -> list[bytes]:
    docs = originals()
    return [
        warc_record("request", docs[0].url, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"),
        warc_record("response", docs[0].url, http_response("text/html; charset=utf-8",
                                                           page(docs[0].headline, docs[0].paragraphs).encode())),
        warc_record("response", "https://x.example/logo.png", http_response("image/png", b"\x89PNG....")),
        warc_record("response", docs[3].url, http_response("text/html",
                                                           page(docs[3].headline, docs[3].paragraphs).encode())),
    ]


@pytest.mark.parametrize("compressed", [False, True])
def test_warc_html_responses_become_articles(tmp_path: Path, compressed: bool) -> None:
    records = warc_records()
    path = tmp_path / ("crawl.warc.gz" if compressed else "crawl.warc")
    path.write_bytes(b"".join(gzip.compress(r) for r in records) if compressed else b"".join(records))
    store = SQLiteStore(tmp_path / "c.db")
    report = ingest([str(path)], store, FAST)
    assert (report.ingested, report.failed) == (2, [])
    assert [reason for _, reason in report.skipped] == ["not HTML (image/png)"]
    assert [r["url"] for r in store.export_rows()] == [originals()[0].url, originals()[3].url]
    assert store.article(store.resolve(originals()[3].url) or "").headline == originals()[3].headline
    store.close()


def test_a_gzip_file_that_is_not_warc_fails_with_the_fix(tmp_path: Path) -> None:
    (tmp_path / "x.gz").write_bytes(gzip.compress(b"just text " * 100))
    store = SQLiteStore(tmp_path / "c.db")
    report = ingest([str(tmp_path / "x.gz")], store, FAST)
    assert report.failed == [(str(tmp_path / "x.gz"), "gzip file that is not a WARC archive: decompress it first")]
    store.close()


def test_structure_only_ingest_stores_no_language_annotations(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "c.db")
    ingest([str(ROOT / "tests/fixtures/corpus/articles.jsonl")], store,
           IngestOptions(analyze=AnalyzeOptions(nlp=False), connect=ConnectOptions(features=False)))
    dump = canonical_dump(tmp_path / "c.db")
    assert len(dump["articles"]) == 12 and dump["paragraphs"] and not dump["quotes"] and not dump["features"]
    store.close()
