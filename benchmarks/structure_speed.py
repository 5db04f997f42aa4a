"""Speed of the structure stage on plain-text pages, with the peer tools run side by side in the same process.

    .venv/bin/python benchmarks/structure_speed.py [N]

- language id: ``newsgraph.understand.language.detect_language`` against ``py3langid.classify`` (the library
  it wraps) on the same texts: agreement and pages/s of each, and the ratio;
- whole structure stage (layout + language + checks, no spaCy) on N pages made from the bundled layout
  fixtures and examples, against ``trafilatura.extract`` given the same text wrapped in <pre> (the extractor a
  user would otherwise reach for), pages/s of each and the ratio.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

import py3langid
import trafilatura

from newsgraph import AnalyzeOptions, analyze
from newsgraph.understand.gazetteer import country_of
from newsgraph.understand.language import detect_language

ROOT = Path(__file__).resolve().parents[1]


def pages(n: int) -> list[str]:
    texts = [p.read_bytes().decode("utf-8") for p in sorted((ROOT / "tests" / "fixtures" / "pages").iterdir())]
    texts += [p.read_text(encoding="utf-8") for p in sorted((ROOT / "examples").glob("*.txt"))]
    return [texts[i % len(texts)].replace("\n\n", f"\n\n[{i}] ", 1) for i in range(n)]


def rate(fn: Callable[[str], object], items: list[str]) -> float:
    start = time.perf_counter()
    for item in items:
        fn(item)
    return len(items) / (time.perf_counter() - start)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    items = pages(n)
    detect_language(items[0]), py3langid.classify(items[0])  # load both models before timing
    agree = sum(detect_language(t) == py3langid.classify(t[:5000])[0] for t in items) / len(items)
    ours = rate(detect_language, items)
    peer = rate(lambda t: py3langid.classify(t[:5000]), items)
    print(f"language id   agreement {agree:.3f}  newsgraph {ours:,.0f} pages/s  py3langid {peer:,.0f} pages/s  "
          f"ratio {ours / peer:.1f}x")
    options = AnalyzeOptions(nlp=False)
    analyze(items[0], options=options), country_of("London")  # the gazetteer index is built once per process
    ours = rate(lambda t: analyze(t, options=options), items)
    peer = rate(lambda t: trafilatura.extract(f"<html><body><pre>{t}</pre></body></html>"), items)
    print(f"structure     newsgraph {ours:,.0f} pages/s  trafilatura.extract {peer:,.0f} pages/s  "
          f"ratio {ours / peer:.1f}x  ({n} pages)")


if __name__ == "__main__":
    main()
