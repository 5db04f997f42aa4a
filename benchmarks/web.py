"""Page latency of the web reader on a 10k-article corpus, under a bounded loopback load.

    .venv/bin/python benchmarks/web.py [--db PATH] [--articles 10000] [--nlp 1500] [--requests 1200] [--workers 4]
                                       [--postgres]

The corpus is ``tests/corpus_gen.synthetic(N)`` ingested through newsgraph's real ingest (the first ``--nlp``
articles with every language stage, so speakers, quotes and entities exist; the rest structure-only to keep the
build short); it is reused when ``--db`` already holds it. The server is ``newsgraph serve`` in a subprocess;
``--workers`` client threads send ``--requests`` GETs in total (a fixed mix of home, article, speaker, entity,
tag, story and search pages, unfiltered and filtered), one at a time each, so the load is bounded. Reported per
page kind: p50/p95 over HTTP, and p50 of the same read-model call made in-process with no HTTP (the query
cost alone) with the ratio, so the framework and template overhead is visible. Target: p95 < 100 ms.

Peer, side by side: Datasette (the generic SQLite web UI; ``pip install datasette==0.65.5``) serving the same
file under the same load, for its nearest pages: an article row (vs our article page), FTS ``_search`` on the
articles table (vs our search page) and the tags table filtered by tag (vs our tag page). Datasette does less
per page (no quotes, similar news or facets of ours), so a ratio near 1 means the reader costs what a plain
table browser costs.

``--postgres`` also serves the same corpus from PostgreSQL (the SQLite file copied row for row into a throwaway
server, as the tests do) under the same load and prints its p50/p95 beside SQLite's.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote, urlencode

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from corpus_gen import synthetic  # noqa: E402
from newsgraph.ingest import IngestOptions, ingest  # noqa: E402
from newsgraph.serve import queries  # noqa: E402
from newsgraph.serve.connection import ReadDb, connect_readonly, open_reader  # noqa: E402
from newsgraph.serve.search import SearchFilters, search  # noqa: E402
from newsgraph.store import open_store  # noqa: E402
from newsgraph.understand.pipeline import AnalyzeOptions  # noqa: E402


def build(db: Path, n: int, nlp: int) -> None:
    records = synthetic(n)
    folder = db.parent / (db.stem + "-src")
    folder.mkdir(parents=True, exist_ok=True)
    parts = [(folder / "nlp.jsonl", records[:nlp], True), (folder / "plain.jsonl", records[nlp:], False)]
    store = open_store(db)
    try:
        for path, recs, full in parts:
            path.write_text("".join(__import__("json").dumps(r) + "\n" for r in recs), encoding="utf-8")
            start = time.perf_counter()
            report = ingest([str(path)], store, IngestOptions(analyze=AnalyzeOptions(nlp=full), batch=64))
            print(f"built {report.ingested} articles ({'all stages' if full else 'structure only'}) in "
                  f"{time.perf_counter() - start:.0f}s", file=sys.stderr)
    finally:
        store.close()


def targets(db: Path, rng: random.Random) -> list[tuple[str, str, Callable[[ReadDb], object]]]:
    """(kind, URL, in-process read-model call) for a sample of every page kind."""
    con = sqlite3.connect(db)
    pick = lambda sql: [str(r[0]) for r in con.execute(sql)]  # noqa: E731
    arts = pick("SELECT id FROM articles ORDER BY random() LIMIT 40")
    speakers = pick("SELECT s.name FROM speakers s JOIN quotes q ON q.speaker_id = s.id GROUP BY s.id "
                    "ORDER BY count(*) DESC LIMIT 20")
    ents = pick("SELECT entity_key FROM mentions GROUP BY entity_key ORDER BY count(*) DESC LIMIT 20")
    tags = pick("SELECT tag FROM tags GROUP BY tag ORDER BY count(*) DESC LIMIT 20")
    stories = pick("SELECT id FROM stories ORDER BY size DESC LIMIT 20")
    words = ["bridge", "council", "minister", "strike", "flood", "election", "court", "price"]
    con.close()
    out: list[tuple[str, str, Callable[[ReadDb], object]]] = [("home", "/", queries.home)]
    out += [("article", f"/article/{a}", lambda c, a=a: queries.article(c, a)) for a in arts]
    out += [("speaker", f"/speaker/{quote(s, safe='')}", lambda c, s=s: queries.speaker(c, s)) for s in speakers]
    out += [("entity", f"/entity/{quote(e, safe='')}", lambda c, e=e: queries.entity(c, e)) for e in ents]
    out += [("tag", f"/tag/{quote(t, safe='')}", lambda c, t=t: queries.tag(c, t)) for t in tags]
    out += [("story", f"/story/{s}", lambda c, s=s: queries.story(c, s)) for s in stories]
    for w in words:
        f = SearchFilters(q=w)
        out.append(("search", "/search?" + urlencode({"q": w}), lambda c, f=f: search(c, f)))
        g = SearchFilters(q=w, tag=rng.choice(tags), date_from="2024-03-01")
        out.append(("search+filters", "/search?" + urlencode(g.active()), lambda c, g=g: search(c, g)))
    out.append(("search (no words)", "/search", lambda c: search(c, SearchFilters())))
    return out


def serve(command: list[str], probe: str) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(300):
        try:
            httpx.get(probe, timeout=1)
            return proc
        except httpx.TransportError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("the server did not start")


def load(base: str, plan: list[tuple[str, str]], workers: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {}
    lock = threading.Lock()
    chunks = [plan[i::workers] for i in range(workers)]

    def worker(items: list[tuple[str, str]]) -> None:
        with httpx.Client(base_url=base, timeout=30) as client:
            for kind, url in items:
                start = time.perf_counter()
                r = client.get(url)
                elapsed = (time.perf_counter() - start) * 1000
                assert r.status_code == 200, (url, r.status_code)
                with lock:
                    times.setdefault(kind, []).append(elapsed)

    threads = [threading.Thread(target=worker, args=(c,)) for c in chunks]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return times


def run_load(command: list[str], base: str, plan: list[tuple[str, str]], workers: int
             ) -> tuple[dict[str, list[float]], float]:
    proc = serve(command, base + plan[0][1])
    try:
        load(base, plan[: 4 * workers], workers)  # warm-up
        start = time.perf_counter()
        times = load(base, plan, workers)
        return times, time.perf_counter() - start
    finally:
        proc.terminate()
        proc.wait(10)


def peer_targets(db: Path, rng: random.Random, n: int) -> list[tuple[str, str]]:
    """Datasette's nearest pages, keyed by the page kind of ours they stand beside."""
    con = sqlite3.connect(db)
    seqs = [int(r[0]) for r in con.execute("SELECT seq FROM articles ORDER BY random() LIMIT 40")]
    tags = [str(r[0]) for r in con.execute("SELECT tag FROM tags GROUP BY tag ORDER BY count(*) DESC LIMIT 20")]
    con.close()
    words = ["bridge", "council", "minister", "strike", "flood", "election", "court", "price"]
    stem = db.stem
    pages = [("article", f"/{stem}/articles/{s}") for s in seqs]
    pages += [("search", f"/{stem}/articles?" + urlencode({"_search": w})) for w in words]
    pages += [("tag", f"/{stem}/tags?" + urlencode({"tag": t})) for t in tags]
    return balanced(pages, rng, n)


def balanced(pages: list[tuple[str, str]], rng: random.Random, n: int) -> list[tuple[str, str]]:
    """``n`` requests, the page kinds taken in turn (so each kind gets its share), a random page of each."""
    by_kind: dict[str, list[tuple[str, str]]] = {}
    for kind, url in pages:
        by_kind.setdefault(kind, []).append((kind, url))
    kinds = sorted(by_kind)
    return [rng.choice(by_kind[kinds[i % len(kinds)]]) for i in range(n)]


def pct(values: list[float], p: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1] if len(values) > 1 else values[0]


def query_times(store: str, pages: list[tuple[str, str, Callable[[ReadDb], object]]]) -> dict[str, list[float]]:
    """Per page kind, the median of 3 in-process read-model calls (the first also reads pages from disk)."""
    direct: dict[str, list[float]] = {}
    reader = open_reader(store)
    try:
        with reader.connect() as con:
            for kind, _, call in pages:
                runs = []
                for _ in range(3):
                    start = time.perf_counter()
                    call(con)
                    runs.append((time.perf_counter() - start) * 1000)
                direct.setdefault(kind, []).append(statistics.median(runs))
    finally:
        reader.close()
    return direct


def postgres(args: argparse.Namespace, pages: list[tuple[str, str, Callable[[ReadDb], object]]],
             plan: list[tuple[str, str]], lite: dict[str, list[float]]) -> None:
    """The same pages and load with the corpus copied into a throwaway PostgreSQL server; prints the table."""
    from web_support import postgres_copy

    with postgres_copy(args.db) as url:
        direct = query_times(url, pages)
        base = f"http://127.0.0.1:{args.port + 2}"
        times, wall = run_load([sys.executable, "-m", "newsgraph", "serve", "--db", url, "--port",
                                str(args.port + 2)], base, plan, args.workers)
    print(f"\nPostgreSQL, the same corpus and requests: {len(plan) / wall:.0f} req/s")
    print(f"{'page':<18} {'p50 ms':>8} {'p95 ms':>8} {'query p50':>10} {'p50 vs SQLite':>14} {'p95 vs SQLite':>14}")
    everything: list[float] = []
    for kind in sorted(times):
        t, s = times[kind], lite[kind]
        everything += t
        print(f"{kind:<18} {pct(t, 50):>8.1f} {pct(t, 95):>8.1f} {statistics.median(direct[kind]):>10.1f} "
              f"{pct(t, 50) / pct(s, 50):>13.2f}x {pct(t, 95) / pct(s, 95):>13.2f}x")
    print(f"{'all':<18} {pct(everything, 50):>8.1f} {pct(everything, 95):>8.1f}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", type=Path, default=ROOT / "artifacts" / "bench-web.db")
    ap.add_argument("--articles", type=int, default=10_000)
    ap.add_argument("--nlp", type=int, default=1500)
    ap.add_argument("--requests", type=int, default=1200)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--port", type=int, default=8765)
    ap.add_argument("--no-peer", action="store_true", help="Skip the Datasette run.")
    ap.add_argument("--postgres", action="store_true", help="Also serve the corpus from PostgreSQL, side by side.")
    args = ap.parse_args()
    if not args.db.exists():
        build(args.db, args.articles, min(args.nlp, args.articles))
    rng = random.Random(1)
    pages = targets(args.db, rng)
    direct = query_times(str(args.db), pages)
    plan = balanced([(k, u) for k, u, _ in pages], rng, args.requests)
    base = f"http://127.0.0.1:{args.port}"
    times, wall = run_load([sys.executable, "-m", "newsgraph", "serve", "--db", str(args.db), "--port",
                            str(args.port)], base, plan, args.workers)
    peer: dict[str, list[float]] = {}
    if not args.no_peer:
        peer_plan = peer_targets(args.db, rng, args.requests // 2)
        peer, _ = run_load([sys.executable, "-m", "datasette", "serve", str(args.db), "-p", str(args.port + 1)],
                           f"http://127.0.0.1:{args.port + 1}", peer_plan, args.workers)
    n = connect_readonly(args.db).execute("SELECT count(*) FROM articles").fetchone()[0]
    print(f"corpus: {n} articles; {args.requests} requests by {args.workers} loopback clients in {wall:.1f}s "
          f"({args.requests / wall:.0f} req/s)")
    print(f"{'page':<18} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'query p50':>10} {'HTTP/query':>11} "
          f"{'Datasette p50/p95':>18} {'ours/Datasette p50':>19}")
    everything: list[float] = []
    for kind in sorted(times):
        t = times[kind]
        everything += t
        q = statistics.median(direct[kind])
        p = peer.get(kind)
        side = f"{pct(p, 50):>8.1f}/{pct(p, 95):<9.1f} {pct(t, 50) / pct(p, 50):>18.2f}x" if p else ""
        print(f"{kind:<18} {len(t):>5} {pct(t, 50):>8.1f} {pct(t, 95):>8.1f} {q:>10.1f} {pct(t, 50) / q:>10.1f}x "
              + side)
    p95 = pct(everything, 95)
    print(f"{'all':<18} {len(everything):>5} {pct(everything, 50):>8.1f} {p95:>8.1f}   target p95 < 100 ms: "
          f"{'met' if p95 < 100 else 'NOT met'}")
    if args.postgres:
        postgres(args, pages, plan, times)


if __name__ == "__main__":
    main()
