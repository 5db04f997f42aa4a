"""Tags measured against the tags editors put on their own pages (``data/tags/editor-tags``).

For each page the tagger sees only the article body (``text``) and the URL, never the meta tags. Scores are
F1@5 and F1@10, per page then averaged: precision = predicted tags that match a gold tag / tags predicted,
recall = gold tags matched by a predicted tag / gold tags. Two ways to match, both case-insensitive: exact
(equal strings) and lenient (equal, or one contains the other as whole words: "Health" ~ "Mental health").
YAKE's top 10 key phrases are scored the same way, side by side.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from newsgraph.connect.features import DocFreq, article_terms
from newsgraph.connect.tags import rank_tags
from newsgraph.errors import MissingExtra
from newsgraph.model import Article

EDITOR_TAGS = Path("data/tags/editor-tags")


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
    df = DocFreq()
    for a in articles:
        df.add(article_terms(a))
    ours = [rank_tags(a, df, k=10, nlp=nlp) for a in articles]
    golds = [p.tags for p in pages]
    yake = score([yake_tags(p.text) for p in pages], golds) if with_yake else None
    found = sum(in_text(t, p.text) for p in pages for t in p.tags)
    examples = [(p.id, p.tags, t) for p, t in zip(pages, ours, strict=True)]
    return TagsReport(len(pages), score(ours, golds), yake, examples,
                      gold_in_text=100 * found / max(1, sum(len(p.tags) for p in pages)))


def report_text(report: TagsReport) -> str:
    """The scores as a plain-text table, newsgraph beside YAKE."""
    lines = [f"editor tags: {report.pages} pages; F1 x 100, per page then averaged; "
             f"{report.gold_in_text:.0f}% of the gold tags occur in the text",
             f"{'system':<12}{'F1@5 exact':>12}{'F1@10 exact':>13}{'F1@5 lenient':>14}{'F1@10 lenient':>15}"]
    rows = [("newsgraph", report.ours)] + ([("yake", report.yake)] if report.yake else [])
    for name, s in rows:
        lines.append(f"{name:<12}{s.f1_5_exact:>12.1f}{s.f1_10_exact:>13.1f}{s.f1_5_lenient:>14.1f}"
                     f"{s.f1_10_lenient:>15.1f}")
    return "\n".join(lines)


def report_dict(report: TagsReport) -> dict[str, Any]:
    return {"pages": report.pages, "gold_in_text": round(report.gold_in_text, 1), "newsgraph": asdict(report.ours),
            "yake": asdict(report.yake) if report.yake else None}
