"""Fault test: about 1,000 malformed inputs mixed with about 50 good pages, ingested by the real command line.

Every input is generated in ``tmp_path`` from a fixed seed (binary files, empty files, truncated gzip, truncated
and garbage WARC archives, undecodable text, hostile HTML, malformed feeds, invalid JSONL lines, huge lines). The
good pages are the project's own examples and fixture pages, each once as written and once with an added
paragraph. ``newsgraph ingest`` must name every bad input with a reason, ingest every good page, exit 1 (some
inputs failed, some worked), never crash, and change nothing when run again.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import random
import sqlite3
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from corpus_gen import canonical_dump
from newsgraph.ingest import ingest
from newsgraph.store import SQLiteStore
from test_ingest import FAST

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
GOOD_DIRS = [ROOT / "examples", FIXTURES / "pages", FIXTURES / "html", FIXTURES / "quotes", FIXTURES / "speakers"]
MAX_BYTES = 2_000_000  # --max-bytes of the run: the huge inputs are over it
PROSE = ("The council approved the budget on Tuesday after a long debate. Officials said the money would go to "
         "schools and roads. Residents who spoke at the meeting asked for more buses.")


@dataclass
class Corpus:
    root: Path
    good: list[str] = field(default_factory=list)     # sources that must end up stored
    bad: list[str] = field(default_factory=list)      # sources that must be reported as failed
    skipped: list[str] = field(default_factory=list)  # feed entries with no text: skipped with a reason

    def write(self, name: str, data: bytes, *, good: bool = False) -> str:
        path = self.root / name
        path.write_bytes(data)
        (self.good if good else self.bad).append(str(path))
        return str(path)

    def write_skipped(self, name: str, data: bytes) -> None:
        path = self.root / name
        path.write_bytes(data)
        self.skipped.append(f"{path}#1")


def _good_pages() -> list[Path]:
    return sorted(p for d in GOOD_DIRS for p in d.iterdir() if p.suffix in (".txt", ".html"))


def _warc_record(uri: str, body: bytes, ctype: str = "text/html; charset=utf-8") -> bytes:
    http = (f"HTTP/1.1 200 OK\r\nContent-Type: {ctype}\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body
    head = (f"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: {uri}\r\nWARC-Date: 2024-01-01T00:00:00Z\r\n"
            f"WARC-Record-ID: <urn:uuid:{abs(hash(uri)) % 10**12:012d}-0000-0000-0000-000000000000>\r\n"
            f"Content-Type: application/http; msgtype=response\r\nContent-Length: {len(http)}\r\n\r\n").encode()
    return head + http + b"\r\n\r\n"


def _gz(data: bytes) -> bytes:
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0) as gz:
        gz.write(data)
    return buf.getvalue()


def _html(title: str, body: str) -> bytes:
    return f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>{body}</article></body></html>" \
        .encode()


def _add_good(c: Corpus) -> None:
    pages = _good_pages()
    for n, page in enumerate(pages):
        data = page.read_bytes()
        c.write(f"good-{n:02d}{page.suffix}", data, good=True)
        if n < 50 - len(pages) - 5:  # a second, different page: one added closing paragraph
            note = f"\n\nEditor's note: this is revision {n + 2} of the story, corrected on day {n + 3}.\n"
            extra = note.encode() if page.suffix == ".txt" else f"<p>{note.strip()}</p></body>".encode()
            varied = data.replace(b"</body>", extra, 1) if page.suffix == ".html" else data + extra
            c.write(f"good-{n:02d}-v2{page.suffix}", varied, good=True)
    # good pages inside a WARC archive, a feed and a JSONL file (their sources are record names)
    text = pages[0].read_text(encoding="utf-8")
    paras = "".join(f"<p>{p}</p>" for p in text.split("\n\n")[2:8])
    warc = b"".join(_warc_record(f"https://ok.example/w{i}", _html(f"Archived story {i}", paras + f"<p>{i}</p>"))
                    for i in range(2))
    path = c.write("good-archive.warc.gz", _gz(warc), good=True)
    c.good[-1:] = [f"{path}#{i + 1} https://ok.example/w{i}" for i in range(2)]
    items = "".join(f"<item><title>Feed story {i}</title><link>https://ok.example/f{i}</link><description>"
                    f"{PROSE} {PROSE} Item {i}.</description></item>" for i in range(2))
    path = c.write("good-feed.rss", f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{items}'
                                    f"</channel></rss>".encode(), good=True)
    c.good[-1:] = [f"{path}#{i + 1} https://ok.example/f{i}" for i in range(2)]


def _add_binary_and_empty(c: Corpus, rng: random.Random) -> None:
    suffixes = [".html", ".txt", "", ".json"]
    for i in range(180):
        c.write(f"binary-{i:03d}{suffixes[i % 4]}", rng.randbytes(rng.randint(16, 4096)))
    for i in range(30):
        c.write(f"image-{i:02d}.html", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + rng.randbytes(200))
    for i in range(60):
        c.write(f"empty-{i:02d}{suffixes[i % 4]}", b"" if i % 2 else b" \n\t\r\n" * (i % 7))


def _add_gzip_and_warc(c: Corpus, rng: random.Random) -> None:
    page = _html("A story", f"<p>{PROSE}</p>")
    whole = _warc_record("https://bad.example/x", page)
    for i in range(60):  # truncated gzip: of a WARC and of a page
        blob = _gz(whole if i % 2 else page)
        c.write(f"trunc-{i:02d}{'.warc.gz' if i % 2 else '.gz'}", blob[:rng.randint(2, len(blob) - 9)])
    for i in range(40):  # a gzip that holds something other than a WARC
        c.write(f"gz-other-{i:02d}.gz", _gz(page if i % 2 else rng.randbytes(300)))
    for i in range(80):  # WARC headers cut before the record's block ends
        cut = rng.randint(len(b"WARC/1.0\r\n") + 1, len(whole) - len(page) - 10)
        data = whole[:cut]
        c.write(f"cut-{i:02d}.warc" + (".gz" if i % 2 else ""), _gz(data) if i % 2 else data)
    for i in range(80):  # a WARC magic followed by garbage
        data = b"WARC/1.0\r\n" + (rng.randbytes(500) if i % 2 else b"Content-Length: nine\r\n\r\n" + PROSE.encode())
        c.write(f"garbage-{i:02d}.warc" + (".gz" if i % 3 == 0 else ""), _gz(data) if i % 3 == 0 else data)


def _add_encodings(c: Corpus, rng: random.Random) -> None:
    for i in range(60):  # a UTF-16 byte order mark on bytes that are not UTF-16 (a lone surrogate, odd length)
        c.write(f"utf16-{i:02d}.txt", b"\xff\xfe" + b"\x00\xd8" * (i + 1) + b"a\x00b")
    for i in range(60):  # control bytes throughout: neither text nor HTML
        body = bytes(rng.choice(b"\x01\x02\x03\x04\x05\x06\x07\x08\x0e\x0f\x10\x11abc") for _ in range(800))
        c.write(f"control-{i:02d}.html", b"<html><body>" + body)


def _add_hostile_html(c: Corpus, rng: random.Random) -> None:
    for i in range(40):
        depth = 1000 + 100 * i
        c.write(f"nested-{i:02d}.html", b"<html><body>" + b"<div>" * depth + b"x" + b"</div>" * depth)
    for i in range(40):
        giant = b"A" * (50_000 + 2000 * i)
        c.write(f"giant-attr-{i:02d}.html", b'<html><body><div title="' + giant + b'" data-x="' + giant + b'"></div>')
    for i in range(40):
        scripts = b"".join(b"<script>var a%d = '" % j + b"x" * 50 + b"';</script>" for j in range(2000 + i))
        c.write(f"scripts-{i:02d}.html", b"<html><head>" + scripts + b"</head><body><nav>Home</nav></body></html>")
    for i in range(30):
        tags = b"".join(rng.choice([b"<div>", b"</p>", b"<td>", b"<br/>", b"<a href='", b"</span>", b"<img "])
                        for _ in range(3000))
        c.write(f"tag-soup-{i:02d}.html", b"<!doctype html><html>" + tags)


def _add_feeds(c: Corpus, rng: random.Random) -> None:
    head = '<?xml version="1.0"?><rss version="2.0"><channel><title>News</title><item>'
    for i in range(40):  # cut before the first entry
        c.write(f"feed-trunc-{i:02d}.rss", head[:rng.randint(45, len(head) - 2)].encode())
    for i in range(30):
        junk = rng.randbytes(200).replace(b"\x00", b"?")
        c.write_skipped(f"feed-garbage-{i:02d}.xml", b"<rss><channel><item>" + junk)
    for i in range(30):  # entries with nothing to read (broken XML or not): skipped, with a reason
        atom = b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><title>t</title></entry></feed'
        c.write_skipped(f"atom-empty-{i:02d}.atom", atom + b">" * (i % 2))


def _add_jsonl(c: Corpus, rng: random.Random) -> None:
    lines = ['{"text": "unterminated', "{'single': 'quotes'}", "[1, 2, 3]", '"just a string"', "42", "null",
             '{"text": 5}', '{"html": ""}', '{"url": "https://x.example/only-url"}', "{" * 50, "not json at all",
             '{"text": "   "}']
    good = [json.loads(line) for line in (ROOT / "examples" / "10-feed.jsonl").read_text().splitlines() if line]
    for f in range(10):
        rows = [rng.choice(lines) for _ in range(15)]
        path = c.root / f"records-{f:02d}.jsonl"
        keep = good[f % len(good)] | {"url": f"https://ok.example/j{f}"}
        out = [*rows[:7], json.dumps(keep), *rows[7:]]
        path.write_text("\n".join(out) + "\n", encoding="utf-8")
        c.bad += [f"{path}:{n}" for n, _ in enumerate(out, 1) if n != 8]
        c.good.append(f"{path}:8")


def _add_huge(c: Corpus, rng: random.Random) -> None:
    for i in range(10):  # one line over --max-bytes, as text, JSONL and HTML
        size = MAX_BYTES + 1 + 1000 * i
        c.write(f"huge-{i:02d}" + [".txt", ".jsonl", ".html"][i % 3], (b"word " * (size // 5 + 1))[:size])
    for i in range(10):  # one line of 1 MB that is not a record
        c.write(f"huge-json-{i:02d}.jsonl", b'{"text": "' + b"y" * 1_000_000)


def build(root: Path, seed: int = 6) -> Corpus:
    """The corpus in ``root``: the same files for the same seed."""
    root.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    c = Corpus(root)
    _add_good(c)
    for add in (_add_binary_and_empty, _add_gzip_and_warc, _add_encodings, _add_hostile_html, _add_feeds,
                _add_jsonl, _add_huge):
        add(c, rng)
    return c


def _ingest(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "COLUMNS": "100000", "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "newsgraph", "ingest", "--db", str(db), "--batch", "64", *args],
                          env=env, capture_output=True, text=True, timeout=300, check=False)


def _failures(stderr: str) -> dict[str, str]:
    out = {}
    for line in stderr.splitlines():
        if line.startswith("error: "):
            source, _, reason = line[len("error: "):].partition(": ")
            out[source] = reason
    return out


def _stored_sources(db: Path) -> set[str]:
    with sqlite3.connect(db) as con:
        return {r[0] for r in con.execute("SELECT source FROM articles")}


def test_a_thousand_malformed_inputs_are_each_reported_and_the_good_pages_ingested(tmp_path: Path) -> None:
    c = build(tmp_path / "in")
    assert len(c.bad) >= 1000 and len(c.good) >= 50
    db = tmp_path / "c.db"
    first = _ingest(db, "--stages", "none", "--max-bytes", str(MAX_BYTES), str(c.root))
    assert "Traceback" not in first.stderr, first.stderr[-3000:]
    assert first.returncode == 1, first.stderr[-3000:]
    failed = _failures(first.stderr)
    missing = [b for b in c.bad if not any(f == b or f.startswith(b + "#") for f in failed)]
    assert not missing, f"{len(missing)} bad inputs not reported, e.g. {missing[:5]}"
    assert all(reason.strip() for reason in failed.values())
    wrongly = sorted(set(failed) & set(c.good))
    assert not wrongly, f"good pages reported as failed: {[(g, failed[g]) for g in wrongly][:5]}"
    stored = _stored_sources(db)
    assert set(c.good) <= stored, f"good pages not stored: {sorted(set(c.good) - stored)[:5]}"
    assert not stored & set(c.bad)
    assert f" {len(c.skipped)} skipped, {len(c.bad)} failed;" in first.stderr
    before = canonical_dump(db)
    again = _ingest(db, "--stages", "none", "--max-bytes", str(MAX_BYTES), str(c.root))
    assert again.returncode == 1 and "Traceback" not in again.stderr
    assert _failures(again.stderr) == failed
    assert canonical_dump(db) == before
    assert f"0 ingested (0 near-duplicates), {len(c.good)} already stored" in again.stderr


def test_all_stages_on_good_pages_among_bad_ones(tmp_path: Path) -> None:
    c = build(tmp_path / "in")
    picked = [p for p in c.good if Path(p).is_file()][:10]
    bad = [b for b in c.bad if Path(b).suffix == ".html"][::40]
    db = tmp_path / "full.db"
    run = _ingest(db, "--max-bytes", str(MAX_BYTES), *picked, *bad)
    assert run.returncode == 1 and "Traceback" not in run.stderr, run.stderr[-3000:]
    assert set(_failures(run.stderr)) == set(bad)
    assert set(picked) <= _stored_sources(db)
    with sqlite3.connect(db) as con:
        stages = {s for (row,) in con.execute("SELECT stages FROM articles") for s in json.loads(row)}
    assert any(s.startswith("quotes") for s in stages) and any(s.startswith("entities") for s in stages), stages


def test_feed_entries_with_nothing_to_read_are_skipped_by_name(tmp_path: Path) -> None:
    c = build(tmp_path / "in")
    files = sorted({s.partition("#")[0] for s in c.skipped})
    with SQLiteStore(tmp_path / "s.db") as store:
        report = ingest(files, store, FAST)
    assert (report.ingested, report.failed) == (0, [])
    assert sorted(s for s, _ in report.skipped) == sorted(c.skipped)
    assert all("no content" in reason for _, reason in report.skipped)
