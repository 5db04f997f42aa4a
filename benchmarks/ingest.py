"""Ingest throughput (all stages, each stage off, structure only), ``similar`` latency at scale, peak memory.

Peers, run side by side in this process: the analysis pipeline alone (``analyze_paths``, nothing stored) for
throughput, and an exact brute-force ``rank_similar`` over every stored article for ``similar`` (latency ratio
and recall@k of the indexed candidates). Corpora are synthetic, recombined from tests/fixtures/corpus.

    .venv/bin/python benchmarks/ingest.py --stage-sample 200 --similar-sizes 10000
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from corpus_gen import synthetic  # noqa: E402
from newsgraph.api import analyze_paths  # noqa: E402
from newsgraph.connect.features import ArticleFeatures  # noqa: E402
from newsgraph.connect.similar import rank_similar  # noqa: E402
from newsgraph.corpus import ConnectOptions, Corpus  # noqa: E402
from newsgraph.errors import InputError  # noqa: E402
from newsgraph.ingest import IngestOptions, ingest  # noqa: E402
from newsgraph.store import SQLiteStore  # noqa: E402
from newsgraph.understand.pipeline import AnalyzeOptions  # noqa: E402
from newsgraph.understand.stages import _registry, load_nlp  # noqa: E402


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def write_corpus(folder: Path, n: int, seed: int) -> Path:
    path = folder / f"synthetic-{n}-{seed}.jsonl"
    with path.open("w", encoding="utf-8") as fh:
        for rec in synthetic(n, seed=seed):
            fh.write(json.dumps(rec) + "\n")
    return path


def time_ingest(corpus: Path, db: Path, options: IngestOptions) -> tuple[float, int, int]:
    store = SQLiteStore(db)
    start = time.perf_counter()
    report = ingest([str(corpus)], store, options)
    seconds = time.perf_counter() - start
    store.close()
    return seconds, report.ingested, len(report.failed)


def throughput(folder: Path, n: int) -> None:
    corpus = write_corpus(folder, n, seed=1)
    load_nlp(AnalyzeOptions().spacy_model)  # warm imports so no run pays them alone
    stages = list(_registry())
    start = time.perf_counter()
    ok = sum(1 for item in analyze_paths([str(corpus)]) if not isinstance(item, InputError))
    peer = ok / (time.perf_counter() - start)
    print(f"\n## ingest throughput, {n} synthetic articles (stages: {', '.join(stages)})")
    print(f"peer  analyze_paths, all stages, nothing stored: {peer:7.1f} art/s")
    runs: list[tuple[str, IngestOptions]] = [("all stages + connect", IngestOptions())]
    for s in stages:
        runs.append((f"without {s}", IngestOptions(analyze=AnalyzeOptions(stages=[x for x in stages if x != s]))))
    runs += [("all stages, connect off", IngestOptions(connect=ConnectOptions(features=False))),
             ("structure only + connect", IngestOptions(analyze=AnalyzeOptions(nlp=False))),
             ("structure only, connect off", IngestOptions(analyze=AnalyzeOptions(nlp=False),
                                                           connect=ConnectOptions(features=False)))]
    for i, (label, options) in enumerate(runs):
        try:
            seconds, done, failed = time_ingest(corpus, folder / f"t{i}.db", options)
        except Exception as exc:  # a stage that needs another one fails here: say so and go on
            print(f"      {label:<30} failed: {type(exc).__name__}: {exc}")
            continue
        rate = done / seconds
        print(f"      {label:<30} {rate:7.1f} art/s  ({done} stored, {failed} failed; x{rate / peer:.2f} of peer)")
    print(f"peak RSS so far: {peak_mb():.0f} MB")


def similar_latency(folder: Path, n: int, queries: int) -> None:
    db = folder / f"similar-{n}.db"
    if db.exists():  # --workdir: reuse a corpus built by an earlier run
        print(f"\n## similar at {n} articles (reusing {db})")
    else:
        corpus = write_corpus(folder, n, seed=2)
        seconds, done, _ = time_ingest(corpus, db, IngestOptions(analyze=AnalyzeOptions(nlp=False), batch=64))
        print(f"\n## similar at {n} articles (structure only + connect; ingest {done / seconds:.1f} art/s, "
              f"db {db.stat().st_size / 1e6:.0f} MB, peak RSS after ingest {peak_mb():.0f} MB)")
    store = SQLiteStore(db)
    corpus_ = Corpus(store)
    ids = [r["id"] for r in store.export_rows()]
    sample = random.Random(5).sample(ids, min(queries, len(ids)))
    ours, hits = [], {}
    for i in sample:
        t = time.perf_counter()
        hits[i] = [h.article.id for h in corpus_.similar(i, 10)]
        ours.append(time.perf_counter() - t)
    feats = {k: ArticleFeatures.from_json(v) for k, v in store.features(ids).items()}
    peer, recall, mass = [], [], []
    for i in sample[: max(20, queries // 10)]:
        t = time.perf_counter()
        exact = [(a, s) for a, s in rank_similar(feats[i], feats.values(), 10) if s > 0]
        peer.append(time.perf_counter() - t)
        recall.append(len({a for a, _ in exact} & set(hits[i])) / max(len(exact), 1))
        ours_scores = sum(sim for _, sim in rank_similar(feats[i], [feats[h] for h in hits[i]], 10))
        mass.append(ours_scores / max(sum(s for _, s in exact), 1e-9))
    store.close()
    p50, p95 = (statistics.quantiles(ours, n=20)[k] * 1000 for k in (9, 18))
    q50 = statistics.median(peer) * 1000
    print(f"ours  indexed candidates + rank_similar: p50 {p50:.1f} ms, p95 {p95:.1f} ms ({len(ours)} queries)")
    print(f"peer  brute-force rank_similar over all: p50 {q50:.1f} ms ({len(peer)} queries, features in memory)")
    print(f"ratio peer/ours p50: x{q50 / p50:.1f}; recall@10 of ours vs exact: {statistics.mean(recall):.3f}; "
          f"score mass of our top 10 / exact top 10: {statistics.mean(mass):.3f}")
    print(f"peak RSS: {peak_mb():.0f} MB (includes the peer's in-memory features)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--stage-sample", type=int, default=200, help="articles for the throughput runs")
    ap.add_argument("--similar-sizes", type=int, nargs="*", default=[10_000], help="corpus sizes for similar")
    ap.add_argument("--queries", type=int, default=200, help="similar queries per size")
    ap.add_argument("--workdir", type=Path, help="keep the corpora here (and reuse them) instead of a temp dir")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.workdir or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        if args.stage_sample:
            throughput(folder, args.stage_sample)
        for n in args.similar_sizes:
            similar_latency(folder, n, args.queries)


if __name__ == "__main__":
    main()
