"""The web reader's pages on a large corpus: the read model (``serve/queries.py``, ``serve/search.py``) timed
in-process on SQLite and, with ``--postgres``, on the same corpus copied into PostgreSQL.

    .venv/bin/python benchmarks/web_scale.py [--articles 100000] [--db PATH] [--postgres] [--repeat 3]

The corpus is ``store_scale.py``'s (seed articles analysed once with spaCy, then N distinct articles derived from
them without it: stories of about 8, renamed people and places, Zipf vocabulary, dates over two years) pushed
through ``Corpus.add_batch`` with features, tags and stories but no stored links (``--mode nolinks`` there); it
is built once into ``--db`` and reused. ``benchmarks/web.py`` measures pages over HTTP on a 10k corpus ingested
from text; this one asks what a page costs when an entity is in a tenth of the corpus and a word in most of it.

Pages (each timed ``--repeat`` times, the fastest kept: the first also reads from disk): home; 20 articles; the
10 entities with the most articles and 10 others; the 10 biggest tags; the 10 most quoted speakers; 10 stories;
search for words common to rare (taken from the newest headlines), for a word with an entity filter, by entity
filter alone, and without words. Printed: p50 / p95 per page kind on each backend and PostgreSQL's ratio to
SQLite. PostgreSQL runs on this machine too (a throwaway server, VACUUM ANALYZEd after the copy, as autovacuum
leaves a database); SQLite runs in this process.
"""

from __future__ import annotations

import argparse
import collections
import random
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from newsgraph.serve import queries  # noqa: E402
from newsgraph.serve.connection import ReadDb, open_reader  # noqa: E402
from newsgraph.serve.search import SearchFilters, search  # noqa: E402

Page = tuple[str, Callable[[ReadDb], object]]


def build(db: Path, n: int) -> None:
    import store_scale
    from newsgraph.corpus import Corpus
    from newsgraph.store import open_store

    gen = store_scale.Generator(store_scale.seed_articles(300, 11), n, 11)
    store = open_store(db)
    try:
        corpus = Corpus(store, store_scale.MODES["nolinks"])
        done, start = store.count(), time.perf_counter()
        while done < n:
            items = [gen.make(i) for i in range(done, min(done + 256, n))]
            corpus.add_batch(items)
            done += len(items)
            if done % 10240 < 256:
                print(f"  built {done} articles in {time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True)
        corpus.finish()
    finally:
        store.close()


def pages(db: ReadDb, rng: random.Random) -> list[Page]:
    """The pages timed, chosen from the corpus (the same on both backends: chosen once, on SQLite)."""
    col = lambda sql: [str(r[0]) for r in db.execute(sql)]  # noqa: E731
    n = int(db.execute("SELECT max(seq) FROM articles").fetchone()[0])
    arts = col(f"SELECT id FROM articles WHERE seq IN ({','.join(str(rng.randint(1, n)) for _ in range(20))})")
    big = col("SELECT entity_key FROM mentions GROUP BY entity_key ORDER BY count(*) DESC LIMIT 10")
    some = col("SELECT entity_key FROM mentions GROUP BY entity_key HAVING count(*) >= 5 ORDER BY entity_key")
    ents = big + rng.sample(some, min(10, len(some)))
    tags = col("SELECT tag FROM tags GROUP BY tag ORDER BY count(*) DESC LIMIT 10")
    speakers = col("SELECT s.name FROM speakers s JOIN quotes q ON q.speaker_id = s.id GROUP BY s.id "
                   "ORDER BY count(*) DESC LIMIT 10")
    stories = col("SELECT id FROM stories ORDER BY size DESC LIMIT 5") + col("SELECT id FROM stories LIMIT 5")
    heads = col("SELECT headline FROM articles ORDER BY seq DESC LIMIT 500")
    ranked = [w for w, _ in collections.Counter(w.lower() for h in heads
                                                for w in re.findall(r"[A-Za-z]{4,}", h)).most_common()]
    words = [ranked[i] for i in (0, 2, 5, 10, 20, 40, 80, 160) if i < len(ranked)]
    out: list[Page] = [("home", lambda c: queries.home(c))]
    out += [("article", lambda c, a=a: queries.article(c, a)) for a in arts]
    out += [("entity", lambda c, e=e: queries.entity(c, e)) for e in ents]
    out += [("tag", lambda c, t=t: queries.tag(c, t)) for t in tags]
    out += [("speaker", lambda c, s=s: queries.speaker(c, s)) for s in speakers]
    out += [("story", lambda c, s=s: queries.story(c, s)) for s in stories]
    out += [("search", lambda c, w=w: search(c, SearchFilters(q=w))) for w in words]
    out += [("search+entity", lambda c, w=w, e=e: search(c, SearchFilters(q=w, entity=e)))
            for w, e in zip(words[:5], big[:5], strict=False)]
    out += [("entity filter", lambda c, e=e: search(c, SearchFilters(entity=e))) for e in big[:5]]
    out.append(("search, no words", lambda c: search(c, SearchFilters())))
    return out


def timed(store: str, plan: list[Page], repeat: int) -> dict[str, list[float]]:
    reader = open_reader(store)
    out: dict[str, list[float]] = {}
    try:
        with reader.connect() as con:
            for kind, call in plan:
                runs = []
                for _ in range(repeat):
                    start = time.perf_counter()
                    call(con)
                    runs.append((time.perf_counter() - start) * 1000)
                out.setdefault(kind, []).append(min(runs))
    finally:
        reader.close()
    return out


def pct(xs: list[float], p: int) -> float:
    return statistics.quantiles(xs, n=100, method="inclusive")[p - 1] if len(xs) > 1 else xs[0]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--articles", type=int, default=100_000)
    ap.add_argument("--db", type=Path, help="the corpus (built there when missing; default artifacts/web-scale-N.db)")
    ap.add_argument("--postgres", action="store_true", help="also time the pages on a PostgreSQL copy")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    db = args.db or ROOT / "artifacts" / f"web-scale-{args.articles}.db"
    if not db.exists():
        db.parent.mkdir(parents=True, exist_ok=True)
        build(db, args.articles)
    reader = open_reader(db)
    with reader.connect() as con:
        plan = pages(con, random.Random(7))
        n = int(con.execute("SELECT count(*) FROM articles").fetchone()[0])
    lite = timed(str(db), plan, args.repeat)
    post: dict[str, list[float]] = {}
    if args.postgres:
        from web_support import postgres_copy

        with postgres_copy(db) as url:
            post = timed(url, plan, args.repeat)
    print(f"corpus: {n} articles; read model in-process, fastest of {args.repeat} runs per page")
    print(f"{'page':<18} {'n':>3} {'SQLite p50':>11} {'p95':>8}" + (f" {'PostgreSQL p50':>15} {'p95':>8} "
                                                                     f"{'p50 vs SQLite':>14}" if post else ""))
    for kind in lite:
        a = lite[kind]
        line = f"{kind:<18} {len(a):>3} {pct(a, 50):>11.1f} {pct(a, 95):>8.1f}"
        if post:
            b = post[kind]
            line += f" {pct(b, 50):>15.1f} {pct(b, 95):>8.1f} {pct(b, 50) / pct(a, 50):>13.2f}x"
        print(line)


if __name__ == "__main__":
    main()
