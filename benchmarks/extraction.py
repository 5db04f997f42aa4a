"""Extraction benchmark: newsgraph's HTML path side by side with trafilatura and htmldate.

    .venv/bin/python benchmarks/extraction.py                 # every dataset, full size
    .venv/bin/python benchmarks/extraction.py --every 4       # every 4th page (quick look while developing)
    .venv/bin/python benchmarks/extraction.py --only fundus --dump /tmp/fundus.json   # per-page scores

Body text: ScrapingHub article-extraction-benchmark (shingle P/R/F1, its own rules) and the Fundus evaluation
(ROUGE-LSum). Dates: htmldate's evaluation sets (day accuracy). Throughput: newsgraph's structure step on
the ScrapingHub pages, against ``trafilatura.extract`` alone on the same pages, timed in a fresh process of its
own (``stock_trafilatura``).
The data folder comes from NEWSGRAPH_SHARED (default: ``shared/`` beside the checkout).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _metrics as m
import _systems as s
from newsgraph.errors import NewsgraphError
from newsgraph.evaluate.data import shared_root

Row = dict[str, Any]
FLOORS = Path(__file__).resolve().parent / "extraction_floors.json"
# A floor sits this far below the figure measured when it was written (run-to-run noise, library patch releases).
MARGINS = {"scrapinghub_f1": 0.005, "fundus_rouge_lsum_f1": 0.5, "dates_accuracy": 1.0}


def shared_dir() -> Path:
    try:
        return shared_root("data")
    except NewsgraphError as exc:
        raise SystemExit(str(exc)) from None


def _timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


_STOCK_TRAFILATURA = """
import json, sys, time
import trafilatura
pages = json.load(sys.stdin)
trafilatura.extract(pages[0])
start = time.perf_counter()
out = [trafilatura.extract(html) or "" for html in pages]
json.dump({"outputs": out, "seconds": time.perf_counter() - start}, sys.stdout)
"""


def stock_trafilatura(pages: list[str]) -> tuple[list[str], float]:
    """``trafilatura.extract`` of each page and the seconds they took, in a fresh process: newsgraph's structure
    step changes trafilatura in its own process (XPath tests answered natively, C element classes; the same
    answers), which would flatter the peer's time if it ran here."""
    done = subprocess.run([sys.executable, "-c", _STOCK_TRAFILATURA], input=json.dumps(pages),
                          capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"the trafilatura child failed ({done.returncode}):\n{done.stderr[-3000:]}")
    data = json.loads(done.stdout)
    return [str(o) for o in data["outputs"]], float(data["seconds"])


def bench_scrapinghub(root: Path, every: int, dump: dict[str, Any]) -> list[Row]:
    pages = m.load_scrapinghub(root)[::every]
    s.newsgraph_paragraphs(pages[0][2], pages[0][1])  # warm-up: one-time loads (gazetteer, language model)
    ours, t_ours = _timed(lambda: ["\n\n".join(s.newsgraph_paragraphs(html, url)) for _, url, html, _ in pages])
    peer, t_peer = stock_trafilatura([html for _, _, html, _ in pages])
    rows: list[Row] = []
    for name, outputs, seconds in (("newsgraph", ours, t_ours), ("trafilatura", peer, t_peer)):
        counts = [m.shingle_counts(gold, out) for (_, _, _, gold), out in zip(pages, outputs, strict=True)]
        prf = m.shingle_prf(counts)
        rows.append({"system": name, "dataset": f"scrapinghub ({len(pages)})", "P": prf.precision,
                     "R": prf.recall, "score": prf.f1, "pages/s": len(pages) / seconds})
        dump[f"scrapinghub/{name}"] = {key: {"tp_fp_fn": c, "text": out} for (key, *_), c, out in
                                       zip(pages, counts, outputs, strict=True)}
    rows[0]["ratio"] = rows[0]["pages/s"] / rows[1]["pages/s"]
    return rows


def bench_fundus(root: Path, every: int, dump: dict[str, Any]) -> list[Row]:
    pages = m.load_fundus(root)[::every]
    rouge = m.RougeLsum()
    systems: list[tuple[str, Callable[[str, str], list[str]]]] = [
        ("newsgraph", s.newsgraph_paragraphs),
        ("trafilatura", lambda html, url: s.trafilatura_text(html).split("\n")),
    ]
    rows: list[Row] = []
    for name, fn in systems:
        outputs = [fn(html, url) for _, url, html, _ in pages]
        scores = [rouge.score(gold, out) for (_, _, _, gold), out in zip(pages, outputs, strict=True)]
        prf = m.mean_prf(scores)
        rows.append({"system": name, "dataset": f"fundus ({len(pages)})", "P": 100 * prf.precision,
                     "R": 100 * prf.recall, "score": 100 * prf.f1})
        dump[f"fundus/{name}"] = {key: {"f1": sc.f1, "p": sc.precision, "r": sc.recall, "body": out}
                                  for (key, *_), sc, out in zip(pages, scores, outputs, strict=True)}
    return rows


def bench_dates(root: Path, every: int, dump: dict[str, Any]) -> list[Row]:
    pages = m.load_dates(root)[::every]
    gold = [g for _, _, g in pages]
    rows: list[Row] = []
    finders: list[tuple[str, Callable[[str, str | None], str | None]]] = [
        ("newsgraph", s.newsgraph_date), ("htmldate", s.htmldate_date)]
    for name, fn in finders:
        start = time.perf_counter()
        found = [fn(html, url) for url, html, _ in pages]
        seconds = time.perf_counter() - start
        rows.append({"system": name, "dataset": f"htmldate-eval ({len(pages)})",
                     "score": 100 * m.date_accuracy(found, gold), "pages/s": len(pages) / seconds})
        dump[f"dates/{name}"] = {url: {"found": f, "gold": g} for (url, _, g), f in zip(pages, found, strict=True)}
    rows[0]["ratio"] = rows[0]["pages/s"] / rows[1]["pages/s"]
    return rows


def _fmt(row: Row, key: str, spec: str) -> str:
    return format(row[key], spec) if key in row else "-"


def print_table(rows: list[Row]) -> None:
    print(f"{'system':<12} {'dataset':<22} {'P':>7} {'R':>7} {'F1/acc':>7} {'pages/s':>8} {'ratio':>6}")
    for r in rows:
        digits = ".3f" if r["dataset"].startswith("scrapinghub") else ".1f"
        print(f"{r['system']:<12} {r['dataset']:<22} {_fmt(r, 'P', '7' + digits)} {_fmt(r, 'R', '7' + digits)} "
              f"{_fmt(r, 'score', '7' + digits)} {_fmt(r, 'pages/s', '8.1f')} {_fmt(r, 'ratio', '6.2f')}")
    print("scrapinghub: shingle P/R/F1 (0-1); fundus: ROUGE-LSum P/R/F1 (0-100); htmldate-eval: day accuracy (%).")
    print("ratio: newsgraph pages/s over the peer's in this run (structure step vs trafilatura.extract alone; "
          "date finder vs htmldate.find_date).")


def write_floors(data: Path, allow_lower: bool) -> int:
    """Measure newsgraph's figures and pin floors ``MARGINS`` below them, with the corpus hashes. Lowering an
    existing floor needs ``allow_lower`` (an explicit decision, not a side effect of a regression)."""
    figures = s.newsgraph_figures(data)
    floors = {k: round(v - MARGINS[k], 4) for k, v in figures.items()}
    old = json.loads(FLOORS.read_text(encoding="utf-8"))["floors"] if FLOORS.exists() else {}
    lowered = [k for k, v in floors.items() if k in old and v < old[k]]
    if lowered and not allow_lower:
        print(f"refusing to lower floors {lowered} (measured {figures}); pass --allow-lower if this is intended")
        return 1
    FLOORS.write_text(json.dumps({
        "about": "CI accuracy floors of newsgraph's HTML extraction (tests/test_extraction_gate.py); written by "
                 "benchmarks/extraction.py --write-floors. Floors = measured - margin.",
        "measured": {k: round(v, 4) for k, v in figures.items()}, "margins": MARGINS, "floors": floors,
        "corpus_sha256": s.corpus_hashes(data)}, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {FLOORS}: floors {floors}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=["scrapinghub", "fundus", "dates"], action="append",
                        help="run only this dataset (repeatable)")
    parser.add_argument("--every", type=int, default=1, help="take every Nth page (default: all)")
    parser.add_argument("--dump", type=Path, help="write per-page outputs and scores to this JSON file")
    parser.add_argument("--write-floors", action="store_true", help="measure newsgraph only and rewrite the CI "
                        "floors in benchmarks/extraction_floors.json")
    parser.add_argument("--allow-lower", action="store_true", help="with --write-floors: allow lowering a floor")
    args = parser.parse_args(argv)
    data = shared_dir()
    if args.write_floors:
        return write_floors(data, args.allow_lower)
    benches = {"scrapinghub": (bench_scrapinghub, m.SCRAPINGHUB), "fundus": (bench_fundus, m.FUNDUS),
               "dates": (bench_dates, m.HTMLDATE)}
    rows: list[Row] = []
    dump: dict[str, Any] = {}
    for name in args.only or list(benches):
        fn, rel = benches[name]
        rows += fn(data / rel, args.every, dump)
    print_table(rows)
    if args.dump:
        args.dump.write_text(json.dumps(dump, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
