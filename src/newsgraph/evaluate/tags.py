"""Tags measured against the tags editors put on their own pages (``data/tags/editor-tags``).

For each page the tagger sees only the article body (``text``) and the URL, never the meta tags. Scores are
F1@5 and F1@10, per page then averaged: precision = predicted tags that match a gold tag / tags predicted,
recall = gold tags matched by a predicted tag / gold tags. Two ways to match, both case-insensitive: exact
(equal strings) and lenient (equal, or one contains the other as whole words: "Health" ~ "Mental health").
YAKE's top 10 key phrases are scored the same way, side by side.

The shipped tag scorer was fitted on these very pages, so its figure here flatters it. ``cross_validate``
gives the honest one: the pages split in ``FOLDS`` parts, a scorer fitted (``FITS``: the hand-set rule's
settings re-picked on a grid, or the linear scorer's weights and cut) on the other parts and scored on each
part in turn. Both scorer types are reported so, under the shipped one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from itertools import product
from pathlib import Path
from typing import Any

from newsgraph.connect.features import DocFreq, article_terms
from newsgraph.connect.tag_scorer import (
    HandScorer,
    LinearScorer,
    Scorer,
    TagCandidate,
    default_scorer,
    features,
    fit_pairwise,
)
from newsgraph.connect.tags import language_of, rank_tags, ranked_tags, ranking, tag_candidates
from newsgraph.errors import MissingExtra
from newsgraph.evaluate.data import EDITOR_TAGS as EDITOR_TAGS  # where cli_eval looks for the pages
from newsgraph.model import Article


@dataclass(frozen=True, slots=True)
class TaggedPage:
    id: str
    url: str | None
    text: str
    tags: list[str]


@dataclass(frozen=True, slots=True)
class TagScores:
    f1_5_exact: float
    f1_10_exact: float
    f1_5_lenient: float
    f1_10_lenient: float


@dataclass(frozen=True, slots=True)
class TagsReport:
    pages: int
    ours: TagScores
    yake: TagScores | None
    examples: list[tuple[str, list[str], list[str]]]  # (page id, gold, ours) for the first pages
    gold_in_text: float = 0.0  # percent of the gold tags the page's text contains (the ceiling of extraction)
    cross_validated: dict[str, TagScores] = field(default_factory=dict)  # scorer -> figure under k-fold CV
    # what knowing the gold tags would make of the candidates: "exact pick" and "lenient pick" choose among all
    # of them (``oracle_choice``), those that match an editor's tag exactly or leniently; "exact cut" and
    # "lenient cut" keep the shipped ranking and choose only where each page's list stops (``oracle_cut``)
    ceilings: dict[str, TagScores] = field(default_factory=dict)


def load_pages(root: Path) -> list[TaggedPage]:
    path = root / "dev.jsonl"
    if not path.exists():
        raise FileNotFoundError(f"{path} not found: point NEWSGRAPH_SHARED (or --data) at the shared data folder")
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [TaggedPage(r["id"], r.get("url"), r["text"], list(r["tags"])) for r in rows]


def _key(tag: str) -> str:
    return " ".join(tag.casefold().replace("-", " ").split())


def exact_match(a: str, b: str) -> bool:
    return _key(a) == _key(b)


def lenient_match(a: str, b: str) -> bool:
    """Equal, or one contains the other as whole words (case-insensitive)."""
    ka, kb = _key(a), _key(b)
    if not ka or not kb:
        return False
    short, long = (ka, kb) if len(ka) <= len(kb) else (kb, ka)
    return re.search(rf"(?<!\w){re.escape(short)}(?!\w)", long) is not None


def in_text(tag: str, text: str) -> bool:
    """The tag occurs in the text as whole words (case-insensitive, hyphens read as spaces)."""
    key = _key(tag)
    return bool(key) and re.search(rf"(?<!\w){re.escape(key)}(?!\w)", _key(text)) is not None


def f1_at(predicted: Sequence[str], gold: Sequence[str], k: int, match: Callable[[str, str], bool]) -> float:
    pred = list(predicted)[:k]
    if not pred or not gold:
        return 0.0
    p = sum(any(match(x, g) for g in gold) for x in pred) / len(pred)
    r = sum(any(match(x, g) for x in pred) for g in gold) / len(gold)
    return 2 * p * r / (p + r) if p + r else 0.0


def score(predictions: Sequence[Sequence[str]], golds: Sequence[Sequence[str]]) -> TagScores:
    n = len(golds)

    def mean(k: int, match: Callable[[str, str], bool]) -> float:
        return 100 * sum(f1_at(p, g, k, match) for p, g in zip(predictions, golds, strict=True)) / n
    return TagScores(mean(5, exact_match), mean(10, exact_match), mean(5, lenient_match), mean(10, lenient_match))


def as_article(page: TaggedPage) -> Article:
    return Article(source=page.id, text=page.text, url=page.url)


def yake_tags(text: str, k: int = 10) -> list[str]:
    """YAKE's top ``k`` key phrases, default settings (English, up to 3 words)."""
    try:
        import yake
    except ImportError as exc:
        raise MissingExtra("yake (for the YAKE reference tagger)", "eval") from exc
    return [phrase for phrase, _ in yake.KeywordExtractor(lan="en", n=3, top=k).extract_keywords(text)]


def with_entities(articles: list[Article], nlp: Any) -> list[Article]:
    """Run the ``entities.v1`` stage on the articles, as the pipeline would."""
    from newsgraph.understand.entities import EntitiesStage

    stage = EntitiesStage()
    return [stage(a, doc) for a, doc in zip(articles, nlp.pipe(a.text for a in articles), strict=True)]


def evaluate_tags(root: Path, nlp: Any = None, with_yake: bool = True, limit: int | None = None,
                  entities: str = "stage") -> TagsReport:
    """Tag every page (the corpus statistics count every page first, as a store would) and score them.

    ``entities``: "stage" runs the pipeline's entities stage first (what a stored article has); "spacy" leaves
    the articles bare, so ``rank_tags`` falls back on spaCy's raw NER."""
    if entities not in ("stage", "spacy"):
        raise ValueError(f"entities must be 'stage' or 'spacy', got {entities!r}")
    pages = load_pages(root)[:limit]
    articles = [as_article(p) for p in pages]
    if nlp is None:
        from newsgraph.settings import default
        from newsgraph.understand.stages import load_nlp

        nlp = load_nlp(str(default("spacy_model")))
    if entities == "stage":
        articles = with_entities(articles, nlp)
    cands, fixed = candidate_sets(articles, nlp)
    golds = [p.tags for p in pages]
    shipped = default_scorer()
    ours = _predict(cands, fixed, shipped)
    yake = score([yake_tags(p.text) for p in pages], golds) if with_yake else None
    found = sum(in_text(t, p.text) for p in pages for t in p.tags)
    examples = [(p.id, p.tags, t) for p, t in zip(pages, ours, strict=True)]
    cv = {name: score(cross_validate(cands, fixed, golds, fit), golds) for name, fit in FITS.items()
          } if len(pages) >= FOLDS else {}
    matches = (("exact", exact_match), ("lenient", lenient_match))
    ceilings = {f"{kind} pick": score(oracle_choice(cands, fixed, golds, match), golds) for kind, match in matches}
    ceilings |= {f"{kind} cut": score(oracle_cut(cands, fixed, golds, match, shipped), golds)
                 for kind, match in matches}
    return TagsReport(len(pages), score(ours, golds), yake, examples,
                      gold_in_text=100 * found / max(1, sum(len(p.tags) for p in pages)), cross_validated=cv,
                      ceilings=ceilings)


def oracle_choice(cands: Sequence[Candidates], fixed: Sequence[list[str]], golds: Sequence[Sequence[str]],
                  match: Callable[[str, str], bool], k: int = 10) -> list[list[str]]:
    """Per page, up to ``k`` of its candidates chosen knowing its gold tags: only candidates that ``match`` a
    gold tag, each time the one that matches the most gold tags not matched yet (greedy, so a lower bound of the
    best choice). What a perfect ranking of these candidates would come near: the ceiling the candidates set."""
    out = []
    for c, f, gold in zip(cands, fixed, golds, strict=True):
        if c is None:
            out.append(f)
            continue
        hits = {t.name: {g for g in gold if match(t.name, g)} for t in c}
        chosen: list[str] = []
        covered: set[str] = set()
        while len(chosen) < k:
            best = max(hits, key=lambda name: len(hits[name] - covered), default=None)
            if best is None or not hits[best] - covered:
                break
            chosen.append(best)
            covered |= hits.pop(best)
        out.append(chosen)
    return out


def oracle_cut(cands: Sequence[Candidates], fixed: Sequence[list[str]], golds: Sequence[Sequence[str]],
               match: Callable[[str, str], bool], scorer: Scorer, k: int = 10) -> list[list[str]]:
    """Per page, the ``scorer``'s ranking (its top ``k``) cut where F1@``k`` under ``match`` is best, knowing
    the gold tags (the shortest of equals): what a perfect choice of each list's length alone would give."""
    out = []
    for c, f, gold in zip(cands, fixed, golds, strict=True):
        ranked = [name for name, _ in ranking(c, scorer)][:k] if c is not None else f
        out.append(max((ranked[:n] for n in range(1, len(ranked) + 1)),
                       key=lambda tags: f1_at(tags, gold, k, match), default=[]))
    return out


Candidates = list[TagCandidate] | None  # None: a page the tagger does not rank by candidates (not English)


def candidate_sets(articles: list[Article], nlp: Any) -> tuple[list[Candidates], list[list[str]]]:
    """Per article, its tag candidates (English) and, for the others, the tags ``rank_tags`` gives them without
    candidates; the corpus statistics count every article first, as a store would."""
    df = DocFreq()
    for a in articles:
        df.add(article_terms(a))
    cands = [tag_candidates(a, nlp) if language_of(a) == "en" else None for a in articles]
    fixed = [rank_tags(a, df, k=10, nlp=nlp) if c is None else [] for a, c in zip(articles, cands, strict=True)]
    return cands, fixed


Fit = Callable[[Sequence[Candidates], Sequence[Sequence[str]]], Scorer]
FOLDS = 5
MIN_TAGS = (3, 4, 5, 6, 7)
L2 = 0.1
MARGINS = tuple(i / 4 for i in range(13))
HAND_GRID = {"topic": (0.5, 0.7, 0.9), "region": (0.1,), "phrase": (0.1, 0.15, 0.25), "min_tags": (4, 5, 6),
             "min_relative": (0.2, 0.3, 0.4), "url": (1.0, 2.0, 4.0), "section": (0.3, 0.5, 0.8)}


def _predict(cands: Sequence[Candidates], fixed: Sequence[list[str]], scorer: Scorer) -> list[list[str]]:
    return [ranked_tags(c, scorer, 10) if c is not None else f for c, f in zip(cands, fixed, strict=True)]


def _best(scorers: Iterable[Scorer], cands: Sequence[Candidates], golds: Sequence[Sequence[str]]) -> Scorer:
    """Of ``scorers``, the one with the best summed F1@10 (exact) on these pages; the first of equals."""
    pages = [(c, g) for c, g in zip(cands, golds, strict=True) if c is not None]
    best: tuple[float, Scorer] | None = None
    for scorer in scorers:
        f = sum(f1_at(ranked_tags(c, scorer, 10), g, 10, exact_match) for c, g in pages)
        if best is None or f > best[0]:
            best = (f, scorer)
    if best is None:
        raise ValueError("no scorer to choose from")
    return best[1]


def fit_hand(cands: Sequence[Candidates], golds: Sequence[Sequence[str]]) -> Scorer:
    """The hand-set rule with its settings re-picked on these pages (a grid, ``HAND_GRID``)."""
    grid = [dict(zip(HAND_GRID, values, strict=True)) for values in product(*HAND_GRID.values())]
    return _best((HandScorer(**g) for g in grid), cands, golds)  # type: ignore[arg-type]


def fit_linear(cands: Sequence[Candidates], golds: Sequence[Sequence[str]], l2: float = L2) -> Scorer:
    """A ``LinearScorer`` fitted on these pages (an editor's tag is one that matches a gold tag exactly), then
    the cut (``min_tags``, ``margin``) that gives the best F1@10 on them."""
    pages = [([features(t) for t in c], [int(any(exact_match(t.name, x) for x in g)) for t in c])
             for c, g in zip(cands, golds, strict=True) if c]
    weights = fit_pairwise(pages, l2)
    return _best((LinearScorer(weights, m, n) for n in MIN_TAGS for m in MARGINS), cands, golds)


FITS: dict[str, Fit] = {"hand": fit_hand, "linear": fit_linear}


def cross_validate(cands: Sequence[Candidates], fixed: Sequence[list[str]], golds: Sequence[Sequence[str]],
                   fit: Fit, folds: int = FOLDS) -> list[list[str]]:
    """Each page's tags from a scorer ``fit`` on the other folds (page ``i`` is in fold ``i % folds``)."""
    out: list[list[str]] = [[] for _ in cands]
    for fold in range(folds):
        train = [i for i in range(len(cands)) if i % folds != fold]
        scorer = fit([cands[i] for i in train], [golds[i] for i in train])
        for i in range(fold, len(cands), folds):
            c = cands[i]
            out[i] = ranked_tags(c, scorer, 10) if c is not None else fixed[i]
    return out


def report_text(report: TagsReport) -> str:
    """The scores as a plain-text table, newsgraph beside YAKE."""
    lines = [f"editor tags: {report.pages} pages; F1 x 100, per page then averaged; "
             f"{report.gold_in_text:.0f}% of the gold tags occur in the text; \"CV\": a scorer refitted on four "
             f"fifths of the pages, scored on the fifth ({FOLDS} folds); \"best ... pick\": the candidates chosen "
             f"knowing the gold tags, those matching one exactly or leniently (the ceiling of the ranking); "
             f"\"best ... cut\": our ranking, each page's list stopped where it scores best (the ceiling of the cut)",
             f"{'system':<17}{'F1@5 exact':>12}{'F1@10 exact':>13}{'F1@5 lenient':>14}{'F1@10 lenient':>15}"]
    rows = [("newsgraph", report.ours)]
    rows += [(f"  {name}, CV", s) for name, s in report.cross_validated.items()]
    rows += [("yake", report.yake)] if report.yake else []
    rows += [(f"best {kind}", s) for kind, s in report.ceilings.items()]
    for name, s in rows:
        lines.append(f"{name:<17}{s.f1_5_exact:>12.1f}{s.f1_10_exact:>13.1f}{s.f1_5_lenient:>14.1f}"
                     f"{s.f1_10_lenient:>15.1f}")
    return "\n".join(lines)


def report_dict(report: TagsReport) -> dict[str, Any]:
    return {"pages": report.pages, "gold_in_text": round(report.gold_in_text, 1), "newsgraph": asdict(report.ours),
            "cross_validated": {name: asdict(s) for name, s in report.cross_validated.items()},
            "yake": asdict(report.yake) if report.yake else None,
            "ceilings": {kind: asdict(s) for kind, s in report.ceilings.items()}}
