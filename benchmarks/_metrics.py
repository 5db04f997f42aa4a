"""The scoring rules of the three public extraction benchmarks, re-implemented (their code is not vendored).

- ScrapingHub article-extraction-benchmark: per-document 4-token shingles (tokens = ``\\w+``, multiset),
  TP/FP/FN normalised per document, precision and recall averaged over documents, F1 of the two averages.
- Fundus evaluation: ROUGE-LSum through Google's ``rouge-score`` package; paragraphs joined by blank lines;
  ground-truth paragraphs written ``[like this]`` are optional: the best score over keeping/dropping them wins.
- htmldate evaluation: day-precision accuracy; a page counts as right when the found date equals the gold one.

Also the corpus loaders and a hash of the corpus files, so that the CI gate notices a changed corpus.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import math
import re
import statistics
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import chain, combinations
from pathlib import Path
from typing import Any

_TOKEN = re.compile(r"\w+", re.UNICODE)

SCRAPINGHUB = Path("data/extraction/scrapinghub-article-extraction-benchmark")
FUNDUS = Path("data/extraction/fundus-evaluation")
HTMLDATE = Path("data/extraction/htmldate-date-eval")


@dataclass(frozen=True, slots=True)
class PRF:
    precision: float
    recall: float
    f1: float


# ---------------------------------------------------------------------------------------------- ScrapingHub


def shingle_counts(true: str, pred: str, n: int = 4) -> tuple[float, float, float]:
    """TP, FP, FN over multiset ``n``-token shingles, normalised to sum to 1 (as upstream's evaluate.py)."""
    t, p = _shingles(true, n), _shingles(pred, n)
    tp = sum((t & p).values())
    fp = sum((p - t).values())
    fn = sum((t - p).values())
    s = tp + fp + fn
    return (tp / s, fp / s, fn / s) if s else (0.0, 0.0, 0.0)


def _shingles(text: str, n: int) -> Counter[tuple[str, ...]]:
    tokens = _TOKEN.findall(text or "")
    return Counter(tuple(tokens[i:i + n]) for i in range(max(1, len(tokens) - n + 1)) if tokens[i:i + n])


def _precision(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    return 0.0 if tp == fp == 0 else tp / (tp + fp)


def _recall(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    return 0.0 if tp == fn == 0 else tp / (tp + fn)


def shingle_prf(counts: list[tuple[float, float, float]]) -> PRF:
    """Document-averaged precision and recall, and the F1 of those averages."""
    p = statistics.mean(_precision(*c) for c in counts if c[0] + c[1] > 0)
    r = statistics.mean(_recall(*c) for c in counts if c[0] + c[2] > 0)
    return PRF(p, r, 2 * p * r / (p + r) if p + r else 0.0)


def load_scrapinghub(root: Path) -> list[tuple[str, str, str, str]]:
    """(id, url, html, gold body) for every page, sorted by id."""
    gold = json.loads((root / "ground-truth.json").read_text(encoding="utf-8"))
    return [(key, str(gold[key].get("url") or ""), _gunzip(root / "html" / f"{key}.html.gz"),
             str(gold[key].get("articleBody") or "")) for key in sorted(gold)]


# --------------------------------------------------------------------------------------------------- Fundus


def _optional(paragraph: str) -> bool:
    return len(paragraph) > 1 and paragraph[0] == "[" and paragraph[-1] == "]"


def reference_bodies(body: list[str]) -> Iterator[list[str]]:
    """Every reading of a gold body: each ``[optional]`` paragraph kept (unbracketed) or dropped.

    Optional paragraphs with no word in them (``[::]``) cannot change a token-based score, so they are
    always dropped; this keeps the power set small without changing any result."""
    body = [p for p in body if not (_optional(p) and not _TOKEN.search(p))]
    optional = [i for i, p in enumerate(body) if _optional(p)]
    drops = chain.from_iterable(combinations(optional, k) for k in range(len(optional) + 1))
    for dropped in drops:
        yield [p[1:-1] if i in optional else p for i, p in enumerate(body) if i not in dropped]


def normalize_whitespace(text: str) -> str:
    return " ".join(text.split())


class RougeLsum:
    """ROUGE-LSum as the Fundus evaluation computes it, with Google's ``rouge-score``: units split at line
    breaks (paragraphs joined by blank lines), best score over the readings of the optional paragraphs.

    Upstream passes ``split_summaries=True`` (NLTK punkt sentences inside paragraphs); punkt's data cannot be
    downloaded here, so units are paragraphs. On the stored trafilatura extractions this gives 93.61 against the
    published 93.62 (one article of 80 differs by 0.005).

    The union-LCS of each gold paragraph against the hypothesis does not depend on which optional paragraphs
    are dropped, so it is computed once per paragraph with the package's own ``_union_lcs``; the per-reading
    counting below repeats ``rouge_scorer._summary_level_lcs`` line for line, so results are identical."""

    def __init__(self) -> None:
        try:
            from rouge_score import rouge_scorer, tokenizers
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ImportError("the Fundus benchmark needs rouge-score: pip install 'rouge-score==0.1.2'") from exc
        self._union_lcs = rouge_scorer._union_lcs
        self._tokenize = tokenizers.DefaultTokenizer(use_stemmer=False).tokenize

    def _units(self, paragraphs: list[str]) -> list[list[str]]:
        return [self._tokenize(s) for s in "\n\n".join(paragraphs).split("\n") if s]

    def score(self, gold: list[str], predicted: list[str]) -> PRF:
        hypothesis = self._units([normalize_whitespace(p) for p in predicted])
        lcs_cache: dict[str, list[str]] = {}
        best: PRF | None = None
        for reading in reference_bodies(gold):
            reference = self._units(reading)
            for unit in reading:
                if unit not in lcs_cache:
                    lcs_cache[unit] = [t for s in self._units([unit]) for t in self._union_lcs(s, hypothesis)]
            score = self._summary_lcs(reference, hypothesis, [lcs_cache[u] for u in reading])
            if best is None or score.f1 > best.f1:
                best = score
        assert best is not None
        return best

    @staticmethod
    def _summary_lcs(reference: list[list[str]], hypothesis: list[list[str]], lcs: list[list[str]]) -> PRF:
        m, n = sum(map(len, reference)), sum(map(len, hypothesis))
        if not reference or not hypothesis or not m or not n:
            return PRF(0.0, 0.0, 0.0)
        counts_r: Counter[str] = Counter(t for s in reference for t in s)
        counts_c: Counter[str] = Counter(t for s in hypothesis for t in s)
        hits = 0
        for tokens in lcs:
            for t in tokens:
                if counts_c[t] > 0 and counts_r[t] > 0:
                    hits += 1
                    counts_c[t] -= 1
                    counts_r[t] -= 1
        p, r = hits / n, hits / m
        return PRF(p, r, 2 * p * r / (p + r) if p + r else 0.0)


def mean_prf(scores: Iterable[PRF]) -> PRF:
    """Mean of per-article precision, recall and F1 (the Fundus summary), NaN-free."""
    items = list(scores)
    return PRF(*(statistics.mean(0.0 if math.isnan(v) else v for v in vals) for vals in
                 zip(*((s.precision, s.recall, s.f1) for s in items), strict=True)))


def load_fundus(root: Path) -> list[tuple[str, str, str, list[str]]]:
    """(key, url, html, gold paragraphs) for every article, sorted by key."""
    gold = json.loads((root / "ground_truth.json").read_text(encoding="utf-8"))
    return [(key, str(gold[key]["url"]), _gunzip(root / "html" / key), list(gold[key]["body"]))
            for key in sorted(gold)]


# ------------------------------------------------------------------------------------------------- htmldate


def load_dates(root: Path, sets: tuple[str, ...] = ("eval_default.json", "eval_mediacloud_2020.json")
               ) -> list[tuple[str, str, str]]:
    """(url, html, gold YYYY-MM-DD) for every annotated page; pages whose gold date is NaN are left out."""
    rows: list[tuple[str, str, str]] = []
    for name in sets:
        entries: dict[str, Any] = json.loads((root / name).read_text(encoding="utf-8"))
        for url in sorted(entries):
            date = entries[url].get("date")
            if not isinstance(date, str):
                continue
            path = next((root / d / f"{entries[url]['file']}.gz" for d in ("cache", "eval", "test_set")
                         if (root / d / f"{entries[url]['file']}.gz").exists()), None)
            if path is None:
                raise FileNotFoundError(f"no HTML for {url!r} ({entries[url]['file']}) under {root}")
            rows.append((url, _gunzip(path), date))
    return rows


def date_accuracy(found: list[str | None], gold: list[str]) -> float:
    """Share of pages whose found date (first 10 characters, YYYY-MM-DD) equals the gold date."""
    return sum(1 for f, g in zip(found, gold, strict=True) if f is not None and f[:10] == g) / len(gold)


# ---------------------------------------------------------------------------------------------------- shared


def _gunzip(path: Path) -> str:
    return gzip.decompress(path.read_bytes()).decode("utf-8", errors="replace")


def corpus_hash(root: Path) -> str:
    """SHA-256 over the names and bytes of every file under ``root`` (sorted), to detect a changed corpus."""
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(root)).encode("utf-8"))
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()
