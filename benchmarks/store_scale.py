"""Store scale: ingest rate, `similar` and `search` latency, size and memory of the SQLite and PostgreSQL stores.

    nice -n 10 .venv/bin/python benchmarks/store_scale.py [--sizes 2000] [--backends sqlite postgres]
        [--mode full|nolinks|store] [--batch 256] [--max-minutes 30] [--queries 100]

Corpus: ``--seed-articles`` (300) articles from ``tests/corpus_gen.synthetic`` plus the 10 pages of ``examples/``
are analysed ONCE with the full spaCy pipeline (cached in the temp folder). Each of the N benchmark articles is
then made from them without spaCy. Articles belong to stories (about 8 articles each, arriving interleaved within
a window of ~320 articles); a story has a seed article, its own renamed people and places (about half of their
name words, from a pool of 40,000 invented names) and 40 words of its own. An article takes the story seed's
headline and 3-6 of its paragraphs (one paragraph in five swapped for a paragraph of another seed), rewritten word
by word: about one content word in three replaced, half the time by one of the story's words, else by a word
drawn from a Zipf-distributed vocabulary of 60,000 invented words. It keeps its quotes,
entities (new keys from the new names), speakers and dates at their new offsets. Each article has
its own id and URL (3 % are syndicated copies of an article up to 500 earlier: near-duplicates); publication
dates advance through two years in ingest order (as a news stream does), so the text, MinHash signature,
features and entities differ between articles as in a real corpus.

What runs per article, exactly as ``newsgraph ingest`` runs it after analysis (``Corpus.add_batch``, one
transaction per ``--batch`` articles): MinHash + LSH bands + the near-duplicate band lookup in the store; document
frequencies, ``features`` and tags; the online story clusterer; the store write path (article row and its full
text index, paragraphs, quotes, speakers, entities, mentions, dates, tags, signature, bands, features, story); and
in ``--mode full`` the similar links (candidate queries + ``rank_similar``, 5 links stored per article). In
``--mode nolinks`` (ConnectOptions(links=0)) no links are stored and ``similar`` is computed only at query time.
``--mode store`` (ConnectOptions(features=False)) keeps only the near-duplicate part of the connect step (MinHash,
bands, band lookup) and the whole store write path: no document frequencies, features, tags, stories or links,
so ``similar`` has nothing to rank and is not measured (n/a); it is the mode that can get near 1M here.
``Corpus.finish`` (a last checkpoint: the rows of the stories changed since the one before) is timed separately.
Not run: reading inputs and the spaCy pipeline.

Each backend runs in its own process and fills ONE store up to the largest of ``--sizes``, stopping at each size
on the way to measure it (measuring time is left out of the ingest time). Measured per (backend, size): ingest
rate overall and over the first and last 10 % of the articles so far (growth), the last two also per CPU second
of the benchmark process (``cpu f10%``, ``cpu l10%``: less moved by other load on the machine; the database
work is in-process for SQLite, not for PostgreSQL),
``Corpus.similar(id, k=10)`` (on a fresh ``Corpus``, as ``newsgraph similar`` runs it: nothing cached by the
ingest) and ``store.search(q)`` latency p50/p95 over ``--queries`` random ids / queries
(common, mid-frequency and rare words, two-word queries and names), database size (SQLite: file + WAL;
PostgreSQL: ``pg_database_size``), peak RSS of the benchmark process (each run is its own child process) and, for
PostgreSQL, the peak summed PSS of the server's processes (sampled every second). ``--max-minutes`` bounds the
ingest of one backend: a run that hits it stops, says how many articles it reached (``stored`` < ``size``) and
still measures there. Progress lines (rate now and overall, RSS) come every 2 % of the largest size or minute.
There is no peer tool here: SQLite and PostgreSQL are the two sides compared, on the same articles.
"""

from __future__ import annotations

import argparse
import bisect
import hashlib
import json
import os
import random
import re
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from corpus_gen import synthetic  # noqa: E402
from newsgraph.corpus import ConnectOptions, Corpus  # noqa: E402
from newsgraph.model import Article, DateMention, Entity, Paragraph, Quote, RawDocument, Span, Speaker  # noqa: E402
from newsgraph.store import open_store  # noqa: E402
from newsgraph.store.base import article_from_json, article_json  # noqa: E402
from newsgraph.understand.entities import entity_key  # noqa: E402

_WORD = re.compile(r"[A-Za-z]+")
_SYLLABLES = ["ka", "lo", "mer", "vin", "dra", "sel", "tor", "ana", "bel", "rik", "os", "un", "zel", "por", "hal",
              "ten", "mu", "gar", "fi", "sto", "wen", "ly", "quo", "bran", "ed", "pil", "ra", "no", "sha", "dut"]
_KEEP = frozenset(["said", "says", "told", "that", "this", "with", "from", "have", "were", "will", "would",
                   "about", "their", "there", "which", "after"])
START = datetime(2023, 1, 1, tzinfo=UTC)
SPAN_DAYS = 730
SYNDICATED = 0.03
STORY_SIZE, STORY_SPREAD = 8, 40  # about 8 articles a story, each up to 40 stories (320 articles) after its start
# full: what `newsgraph ingest` does; nolinks: no similar links stored (`similar` only at query time);
# store: near-duplicates only (no features, tags, stories or links), so `similar` has nothing to rank
MODES = {"full": ConnectOptions(), "nolinks": ConnectOptions(links=0), "store": ConnectOptions(features=False)}


# -- the seed: a few hundred articles analysed once with the full pipeline ----------------------------------------
def seed_articles(n: int, seed: int) -> list[Article]:
    cache = Path(tempfile.gettempdir()) / f"newsgraph-store-scale-seed-{n}-{seed}.jsonl"
    if cache.exists():
        return [article_from_json(line) for line in cache.read_text(encoding="utf-8").splitlines()]
    from newsgraph.ingest import iter_inputs
    from newsgraph.read.sources import ReadResult
    from newsgraph.understand.pipeline import AnalyzeOptions, Pipeline

    docs = [RawDocument(r["url"], r["text"], "text", r["url"], r["published"]) for r in synthetic(n, seed)]
    docs += [r.document for r in iter_inputs([str(ROOT / "examples")], max_bytes=10_000_000)
             if isinstance(r, ReadResult) and r.document is not None]
    t = time.perf_counter()
    out = [a for a in Pipeline(AnalyzeOptions()).analyze_many(docs, batch=32)
           if isinstance(a, Article) and len(a.paragraphs) >= 2]
    print(f"seed: analysed {len(docs)} articles with the full pipeline in {time.perf_counter() - t:.0f} s "
          f"({len(out)} usable); cached in {cache}", flush=True)
    cache.write_text("".join(article_json(a) + "\n" for a in out), encoding="utf-8")
    return out


# -- N distinct analysed articles made from the seed --------------------------------------------------------------
def _invented(rng: random.Random, n: int, capital: bool) -> list[str]:
    words: set[str] = set()
    while len(words) < n:
        w = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4)))
        words.add(w.capitalize() if capital else w)
    return sorted(words)


@dataclass
class _Segment:
    """One stretch of a seed article rewritten: ``text`` starts at ``offset`` in the new article."""

    seed: Article
    start: int
    end: int
    text: str
    offset: int
    edit_starts: list[int]
    edit_ends: list[int]
    shifts: list[int]  # cumulative length change after each edit

    def inside(self, span: Span) -> bool:
        return self.start <= span[0] and span[1] <= self.end

    def pos(self, old: int, end: bool = False) -> int:
        """The new offset of seed offset ``old``; inside a rewritten word, its new start (or end, for an end)."""
        i = bisect.bisect_right(self.edit_ends, old) - 1  # the edits ending at or before ``old``
        shift = self.shifts[i] if i >= 0 else 0
        j = i + 1
        if j < len(self.edit_starts) and self.edit_starts[j] < old:
            new_start = self.edit_starts[j] - self.start + shift
            new_len = self.edit_ends[j] - self.edit_starts[j] + self.shifts[j] - shift
            return self.offset + new_start + (new_len if end else 0)
        return self.offset + old - self.start + shift

    def span(self, s: Span) -> Span:
        return (self.pos(s[0]), self.pos(s[1], end=True))


@dataclass
class _Story:
    base: Article
    names: dict[str, str]
    words: list[str]


class Generator:
    """Deterministic: article ``i`` of a given seed is always the same."""

    def __init__(self, seeds: list[Article], n: int, seed: int = 11) -> None:
        rng = random.Random(seed)
        self.seeds, self.n, self.seed = seeds, n, seed
        self.names = _invented(rng, 40_000, capital=True)
        self.vocab = _invented(rng, 60_000, capital=False)
        rng.shuffle(self.vocab)  # the Zipf rank of a word, not its spelling, makes it common
        # Zipf (s = 1.1) over the vocabulary ranks: a few words common, a long tail of rare ones
        weights = [1.0 / (r + 1) ** 1.1 for r in range(len(self.vocab))]
        self.cum = list(_accumulate(weights))
        self._stories: dict[int, _Story] = {}

    def word(self, rng: random.Random) -> str:
        return self.vocab[min(bisect.bisect_left(self.cum, rng.random() * self.cum[-1]), len(self.vocab) - 1)]

    def published(self, i: int, rng: random.Random) -> str:
        t = START + timedelta(days=SPAN_DAYS * i / max(self.n, 1), hours=rng.uniform(-12, 12))
        return t.strftime("%Y-%m-%dT%H:%M:%SZ")

    def make(self, i: int) -> tuple[str, Article]:
        rng = random.Random(self.seed * 1_000_003 + i)
        if i and rng.random() < SYNDICATED:  # a syndicated copy of a recent article: a near-duplicate
            _, orig = self.make(i - rng.randint(1, min(i, 500)))
            published = self.published(i, rng)
            url = f"https://bench{i % 97}.example/{published[:7]}/{i}"
            copy = replace(orig, url=url, source=url, published=published)
            return hashlib.sha256(url.encode()).hexdigest()[:16], copy
        story = self.story(max(0, i // STORY_SIZE - rng.randint(0, STORY_SPREAD)))
        base = story.base
        picks = sorted(rng.sample(range(len(base.paragraphs)), k=min(len(base.paragraphs), rng.randint(3, 6))))
        parts: list[tuple[Article, int, int]] = [(base, *_headline_span(base))]
        for p in picks:
            seed, para = base, base.paragraphs[p]
            if rng.random() < 0.2:
                seed = rng.choice(self.seeds)
                para = rng.choice(seed.paragraphs)
            parts.append((seed, para.start, para.end))
        names = {**self._rename([s for s, _, _ in parts if s is not base], rng), **story.names}
        segments, offset = [], 0
        for seed, s, e in parts:
            seg = self._rewrite(seed, s, e, offset, names, story.words, rng)
            segments.append(seg)
            offset += len(seg.text) + 2
        return self._assemble(i, base, segments, names, rng)

    def story(self, k: int) -> _Story:
        """Story ``k``: its seed article, its renamed people and places, its own words (cached: a story's
        articles arrive close together)."""
        found = self._stories.get(k)
        if found is None:
            rng = random.Random(self.seed * 7_000_003 + k)
            base = rng.choice(self.seeds)
            found = _Story(base, self._rename([base], rng), [self.word(rng) for _ in range(40)])
            self._stories[k] = found
            if len(self._stories) > 4 * STORY_SPREAD:
                del self._stories[min(self._stories)]
        return found

    def _rename(self, seeds: list[Article], rng: random.Random) -> dict[str, str]:
        out: dict[str, str] = {}
        for s in seeds:
            for e in s.entities:
                for w in _WORD.findall(" ".join([e.name, *e.aliases])):
                    if w[0].isupper() and w not in out:
                        out[w] = rng.choice(self.names) if rng.random() < 0.5 else w
        return {k: v for k, v in out.items() if k != v}

    def _rewrite(self, seed: Article, start: int, end: int, offset: int, names: dict[str, str],
                 words: list[str], rng: random.Random) -> _Segment:
        protect = [d.span for d in seed.dates] + [c for q in seed.quotes for c in q.cue_spans]
        pieces, pos = [], start
        starts: list[int] = []
        ends: list[int] = []
        shifts: list[int] = []
        for m in _WORD.finditer(seed.text, start, end):
            w = m.group()
            if w in names:
                new = names[w]
            elif (len(w) >= 4 and w.islower() and w not in _KEEP and rng.random() < 0.35
                  and not any(a <= m.start() < b for a, b in protect)):
                new = rng.choice(words) if rng.random() < 0.5 else self.word(rng)
            else:
                continue
            pieces += [seed.text[pos:m.start()], new]
            pos = m.end()
            starts.append(m.start())
            ends.append(m.end())
            shifts.append((shifts[-1] if shifts else 0) + len(new) - len(w))
        pieces.append(seed.text[pos:end])
        return _Segment(seed, start, end, "".join(pieces), offset, starts, ends, shifts)

    def _assemble(self, i: int, base: Article, segs: list[_Segment], names: dict[str, str],
                  rng: random.Random) -> tuple[str, Article]:
        text = "\n\n".join(s.text for s in segs) + "\n"
        entities: dict[str, Entity] = {}
        quotes: list[Quote] = []
        dates: list[DateMention] = []
        for seg in segs:
            for e in seg.seed.entities:
                spans = [seg.span(m) for m in e.mentions if seg.inside(m)]
                if not spans:
                    continue
                name = _sub(e.name, names)
                key = entity_key(e.type, name)
                if key in entities:
                    entities[key].mentions.extend(spans)
                else:
                    entities[key] = Entity(key, name, e.type, [_sub(a, names) for a in e.aliases], e.title, spans)
            for q in seg.seed.quotes:
                if q.spans and all(seg.inside(s) for s in q.spans):
                    spans = [seg.span(s) for s in q.spans]
                    sp = q.speaker
                    speaker = Speaker(_opt_sub(sp.mention, names), [seg.span(s) for s in sp.spans if seg.inside(s)],
                                      _opt_sub(sp.name, names), sp.type, sp.title)
                    quotes.append(Quote(q.kind, " ".join(text[a:b] for a, b in spans), q.cue, spans, speaker,
                                        [seg.span(s) for s in q.cue_spans if seg.inside(s)]))
            dates += [replace(d, span=seg.span(d.span)) for d in seg.seed.dates if seg.inside(d.span)]
        for e in entities.values():
            e.mentions.sort()
        published = self.published(i, rng)
        url = f"https://bench{i % 97}.example/{published[:7]}/{i}"
        article = Article(
            source=url, text=text, headline=segs[0].text, published=published, language=base.language or "en",
            url=url, authors=list(base.authors), headline_span=(0, len(segs[0].text)),
            paragraphs=[Paragraph(s.text, s.offset, s.offset + len(s.text)) for s in segs[1:]],
            quotes=quotes, entities=sorted(entities.values(), key=lambda e: e.mentions[0]), dates=dates,
            stages=dict(base.stages))
        return hashlib.sha256(url.encode()).hexdigest()[:16], article


def _headline_span(a: Article) -> tuple[int, int]:
    if a.headline_span:
        return a.headline_span
    first = a.paragraphs[0]
    return first.start, first.end


def _sub(text: str, names: dict[str, str]) -> str:
    return _WORD.sub(lambda m: names.get(m.group(), m.group()), text)


def _opt_sub(text: str | None, names: dict[str, str]) -> str | None:
    return None if text is None else _sub(text, names)


def _accumulate(xs: list[float]) -> Iterator[float]:
    total = 0.0
    for x in xs:
        total += x
        yield total


def check(article: Article) -> None:
    """The generated article keeps the contract: every offset points at the text it claims."""
    for p in article.paragraphs:
        assert article.text[p.start:p.end] == p.text, p
    for e in article.entities:
        for s in e.mentions:
            assert 0 <= s[0] <= s[1] <= len(article.text), (e, s)
    for d in article.dates:
        assert article.text[d.span[0]:d.span[1]] == d.text, d


# -- memory sampling -----------------------------------------------------------------------------------------------
def _pss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


class ServerMemory(threading.Thread):
    """Peak of the summed PSS (shared pages split between processes, so the sum is honest) of the PostgreSQL
    postmaster and its children, sampled every second."""

    def __init__(self, data_dir: str | None) -> None:
        super().__init__(daemon=True)
        self.pid = int(Path(data_dir, "postmaster.pid").read_text().split()[0]) if data_dir else None
        self.peak_kib = 0
        self._stop = threading.Event()

    def run(self) -> None:
        while self.pid and not self._stop.wait(1.0):
            self.peak_kib = max(self.peak_kib, sum(_pss_kib(p) for p in [self.pid, *_children(self.pid)]))

    def stop(self) -> None:
        self._stop.set()


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# -- one run (a child process): ingest, finish, queries, size --------------------------------------------------------
def _pcts(xs: list[float]) -> dict[str, float]:
    qs = statistics.quantiles(xs, n=20, method="inclusive") if len(xs) > 1 else [xs[0]] * 19
    return {"p50_ms": round(statistics.median(xs) * 1000, 2), "p95_ms": round(qs[18] * 1000, 2)}


def _queries(gen: Generator, rng: random.Random, k: int) -> list[str]:
    common = gen.vocab[:50]
    mid = gen.vocab[500:5000]
    rare = gen.vocab[20000:]
    pool = [lambda: rng.choice(common), lambda: rng.choice(mid), lambda: rng.choice(rare),
            lambda: f"{rng.choice(common)} {rng.choice(mid)}", lambda: rng.choice(gen.names)]
    return [rng.choice(pool)() for _ in range(k)]


def _timed(fn: Any, items: list[Any]) -> list[float]:
    out = []
    for item in items:
        t = time.perf_counter()
        fn(item)
        out.append(time.perf_counter() - t)
    return out


def run_one(cfg: dict[str, Any]) -> None:
    """One backend: ingest into one growing store up to the largest size, measuring at each size on the way
    (and where ``max_minutes`` stops the ingest); each measurement is printed at once as a ``ROW`` line."""
    sizes, batch, mode = sorted(int(x) for x in cfg["sizes"]), int(cfg["batch"]), str(cfg["mode"])
    n = sizes[-1]
    gen = Generator(seed_articles(int(cfg["seed_articles"]), int(cfg["seed"])), n, int(cfg["seed"]))
    for i in range(200):
        check(gen.make(i)[1])
    server = ServerMemory(cfg.get("pg_data"))
    server.start()
    store = open_store(cfg["url"])
    corpus = Corpus(store, MODES[mode])
    budget = float(cfg["max_minutes"]) * 60
    every, last_print = max(n // 50, min(n, 1000)), 0.0
    marks: list[tuple[int, float]] = [(0, 0.0)]
    cpu_marks: list[tuple[int, float]] = [(0, 0.0)]  # the same in CPU seconds of this process: less load-dependent
    done, dups, paused, cpu_paused = 0, 0, 0.0, 0.0  # paused: seconds spent measuring, left out of the ingest time
    t0, c0 = time.perf_counter(), time.process_time()
    while done < n:
        stop = min(done + batch, next(x for x in sizes if x > done))  # a batch ends at each size measured
        items = [gen.make(i) for i in range(done, stop)]
        dups += sum(a.duplicate_of is not None for a in corpus.add_batch(items))
        done += len(items)
        el = time.perf_counter() - t0 - paused
        if done % every < batch or done in sizes or el - last_print > 60:
            cpu = time.process_time() - c0 - cpu_paused
            window = (done - marks[-1][0]) / max(el - marks[-1][1], 1e-9)
            cpu_window = (done - cpu_marks[-1][0]) / max(cpu - cpu_marks[-1][1], 1e-9)
            marks.append((done, el))
            cpu_marks.append((done, cpu))
            last_print = el
            print(f"  [{cfg['backend']} {mode}] {done:>8} stored  {el:7.0f} s  {window:6.0f}/s now  "
                  f"{done / el:6.0f}/s overall  {cpu_window:6.0f}/s now per CPU second  rss {_rss_mib():.0f} MiB",
                  flush=True)
        out_of_time = el > budget
        if done in sizes or out_of_time:
            t, c = time.perf_counter(), time.process_time()
            row = measure(cfg, corpus, gen, done, marks, dups, server)
            paused += time.perf_counter() - t
            cpu_paused += time.process_time() - c
            cpu_first, cpu_last = _growth(cpu_marks, done)
            row.update(cpu_rate_first10=cpu_first, cpu_rate_last10=cpu_last, cpu_marks=list(cpu_marks))
            row.update(size=done if done in sizes else n, complete=done in sizes, ingest_s=round(el, 1))
            print("ROW " + json.dumps(row), flush=True)
        if out_of_time:
            break
    store.close()
    server.stop()


def measure(cfg: dict[str, Any], corpus: Corpus, gen: Generator, done: int, marks: list[tuple[int, float]],
            dups: int, server: ServerMemory) -> dict[str, Any]:
    store = corpus.store
    t = time.perf_counter()
    stories = corpus.finish()
    finish_s = time.perf_counter() - t
    rng = random.Random(5)
    k = int(cfg["queries"]) + 5
    ids = [gen.make(rng.randrange(done))[0] for _ in range(k)]
    qs = _queries(gen, rng, k)
    _timed(store.search, qs[:5])
    search = _timed(store.search, qs[5:])
    hits = statistics.mean(len(store.search(q)) for q in qs[5:25])
    # the same queries ranking every match (window 0), and how many of its top 20 the window keeps
    exact = _timed(lambda q: store.search(q, window=0), qs[5:])
    tops = [({h.article.id for h in store.search(q)}, {h.article.id for h in store.search(q, window=0)})
            for q in qs[5:45]]
    kept = [len(w & a) / len(a) for w, a in tops if a]
    similar, sim_hits = None, None
    if corpus.options.features:
        fresh = Corpus(store, corpus.options)  # as `newsgraph similar` runs it: nothing cached by the ingest
        _timed(lambda i: fresh.similar(i, 10), ids[:5])
        similar = _pcts(_timed(lambda i: fresh.similar(i, 10), ids[5:]))
        sim_hits = statistics.mean(len(fresh.similar(i, 10)) for i in ids[5:25])
    first, last = _growth(marks, done)
    el = marks[-1][1]
    return {"backend": cfg["backend"], "mode": cfg["mode"], "stored": done, "batch": cfg["batch"],
            "rate": round(done / el, 1), "rate_first10": first, "rate_last10": last, "near_duplicates": dups,
            "stories": stories, "finish_s": round(finish_s, 1), "similar": similar, "search": _pcts(search),
            "search_all": _pcts(exact), "search_top20_kept": round(statistics.mean(kept), 3) if kept else 1.0,
            "similar_mean_hits": sim_hits, "search_mean_hits": round(hits, 1),
            "db_mib": round(_db_size(store, cfg) / 2**20, 1), "peak_rss_mib": round(_rss_mib(), 1),
            "server_peak_pss_mib": round(server.peak_kib / 1024, 1) or None, "marks": list(marks)}


def _growth(marks: list[tuple[int, float]], done: int) -> tuple[float | None, float | None]:
    """Rates over the first and the last tenth of the stored articles (from the progress marks)."""
    if done < 10 or len(marks) < 3:
        return None, None
    a = next(m for m in marks if m[0] >= done / 10)
    b = max((m for m in marks if m[0] <= done * 0.9), key=lambda m: m[0])
    return round(a[0] / a[1], 1), round((done - b[0]) / (marks[-1][1] - b[1]), 1)


def _db_size(store: Any, cfg: dict[str, Any]) -> int:
    if cfg["backend"] == "postgres":
        return int(store._db.execute("SELECT pg_database_size(current_database())").fetchone()[0])
    path = Path(cfg["url"])
    return sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())


# -- the driver -----------------------------------------------------------------------------------------------------
def _child(cfg: dict[str, Any], results: list[dict[str, Any]]) -> None:
    """Run one backend in its own process (so its peak RSS is its own), appending its rows to ``results``."""
    proc = subprocess.Popen([sys.executable, __file__, "--child", json.dumps(cfg)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    try:
        for line in proc.stdout:
            if line.startswith("ROW "):
                results.append(json.loads(line[4:]))
                print(table(results[-1:]).splitlines()[-1], flush=True)
            else:
                print(line, end="", flush=True)
    finally:
        if proc.poll() is None:
            proc.terminate()
        proc.wait()
    if proc.returncode != 0:
        print(f"the {cfg['backend']} run failed (exit {proc.returncode}); rows so far are kept", flush=True)


def table(results: list[dict[str, Any]]) -> str:
    head = (f"{'backend':9} {'mode':8} {'size':>8} {'stored':>8} {'art/s':>6} {'first10%':>8} {'last10%':>8} "
            f"{'cpu f10%':>8} {'cpu l10%':>8} {'sim p50':>8} {'sim p95':>8} {'fts p50':>8} {'fts p95':>8} "
            f"{'all p95':>8} {'kept':>5} {'DB MiB':>8} "
            f"{'RSS MiB':>8} "
            f"{'srv MiB':>8} {'finish s':>8}")
    rows = [head, "-" * len(head)]
    for r in results:
        rows.append(f"{r['backend']:9} {r['mode']:8} {r['size']:>8} {r['stored']:>8} {r['rate']:>6.0f} "
                    f"{_num(r['rate_first10'])} {_num(r['rate_last10'])} "
                    f"{_num(r.get('cpu_rate_first10'))} {_num(r.get('cpu_rate_last10'))} "
                    f"{_ms(r['similar'], 'p50_ms')} {_ms(r['similar'], 'p95_ms')} {r['search']['p50_ms']:>8.1f} "
                    f"{r['search']['p95_ms']:>8.1f} {r['search_all']['p95_ms']:>8.1f} {r['search_top20_kept']:>5.2f} "
                    f"{r['db_mib']:>8.0f} {r['peak_rss_mib']:>8.0f} "
                    f"{r['server_peak_pss_mib'] or 0:>8.0f} {r['finish_s']:>8.1f}")
    return "\n".join(rows)


def _num(x: float | None) -> str:
    return f"{'-':>8}" if x is None else f"{x:>8.0f}"


def _ms(d: dict[str, float] | None, key: str) -> str:
    return f"{'n/a':>8}" if d is None else f"{d[key]:>8.1f}"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[2000])
    ap.add_argument("--backends", nargs="+", choices=["sqlite", "postgres"], default=["sqlite", "postgres"])
    ap.add_argument("--mode", choices=sorted(MODES), default="full")
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--max-minutes", type=float, default=30.0)
    ap.add_argument("--queries", type=int, default=100)
    ap.add_argument("--seed-articles", type=int, default=300)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--workdir", default=None, help="where the databases go (a temp folder, removed at the end)")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        run_one(json.loads(args.child))
        return
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so `finally` stops the server and cleans up
    seed_articles(args.seed_articles, args.seed)  # analysed once here, before the timed children
    work = Path(tempfile.mkdtemp(prefix="ng-store-scale-", dir=args.workdir))
    base = {"sizes": args.sizes, "batch": args.batch, "mode": args.mode, "max_minutes": args.max_minutes,
            "queries": args.queries,
            "seed_articles": args.seed_articles, "seed": args.seed}
    results: list[dict[str, Any]] = []
    server = None
    try:
        if "postgres" in args.backends:
            from pg_server import PgServer

            (work / "pg").mkdir()
            work.chmod(0o755)  # the server runs as `nobody` when we are root (see tests/pg_server.py)
            server = PgServer(work / "pg")
            server.start()
        for backend in args.backends:
            if backend == "postgres" and server is not None:
                cfg = {**base, "backend": backend, "url": server.new_database(), "pg_data": str(server.data)}
            else:
                cfg = {**base, "backend": backend, "url": str(work / "corpus.db")}
            _child(cfg, results)
    finally:
        if server is not None:
            server.stop()
        subprocess.run(["rm", "-rf", str(work)], check=False)
        print()
        print(table(results))
        _save(args, results)


def _save(args: argparse.Namespace, results: list[dict[str, Any]]) -> None:
    out = ROOT / "artifacts" / (f"store_scale-{'-'.join(args.backends)}-{args.mode}-"
                                f"{'-'.join(map(str, args.sizes))}.json")
    out.parent.mkdir(exist_ok=True)  # artifacts/ is ignored by git: a fresh clone has none
    out.write_text(json.dumps({"command": " ".join(sys.argv), "cpus": os.cpu_count(), "results": results},
                              indent=1), encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
