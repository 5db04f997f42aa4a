"""The analysis pipeline: structure first, then language stages, each under a contract.

A stage has a versioned ``name`` ("quotes.v1"), says which article fields it ``requires`` and ``assigns``,
and is called with the article and its spaCy ``Doc`` (parsed from ``article.text``, so token offsets are
article offsets); it returns the article. The runner checks that, and names the stage that broke.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from newsgraph.errors import InputError, NewsgraphError
from newsgraph.model import Article, RawDocument
from newsgraph.settings import default
from newsgraph.understand.structure import structure


class Stage(Protocol):
    name: str
    requires: tuple[str, ...]
    assigns: tuple[str, ...]

    def __call__(self, article: Article, doc: Any) -> Article: ...


class Analyser(Protocol):
    """What ingest needs of a pipeline: a ``Pipeline``, or one in a process of its own
    (``engines.analysis_process.PipelineProcess``)."""

    def analyze_many(self, docs: Iterable[RawDocument], batch: int = 16) -> Iterator[Article | InputError]: ...


class StageError(NewsgraphError):
    def __init__(self, stage: str, source: str, reason: str) -> None:
        super().__init__(f"{source}: stage {stage} failed: {reason}")
        self.stage = stage


@dataclass(frozen=True, slots=True)
class AnalyzeOptions:
    """What ``analyze`` does. ``nlp=False`` stops after structure (no spaCy load)."""

    nlp: bool = True
    languages: frozenset[str] = frozenset(str(default("languages")).split(","))
    min_body_chars: int = int(default("min_body_chars"))
    spacy_model: str = str(default("spacy_model"))
    stages: Sequence[str] | None = None  # None: every registered language stage, in order


@dataclass(slots=True)
class Pipeline:
    options: AnalyzeOptions = field(default_factory=AnalyzeOptions)
    _nlp: Any = None
    _stages: list[Stage] | None = None

    def _load(self) -> tuple[Any, list[Stage]]:
        if self._nlp is None or self._stages is None:
            from newsgraph.understand.stages import load_nlp, load_stages

            self._nlp = load_nlp(self.options.spacy_model)
            self._stages = load_stages(self.options.stages)
        return self._nlp, self._stages

    def loaded(self) -> Pipeline:
        """This pipeline with its spaCy model and stages loaded now, when its options run the language stages (as
        a worker wants it: a missing model fails at start, not on the first batch)."""
        if self.options.nlp:
            self._load()
        return self

    def structure(self, doc: RawDocument) -> Article:
        return structure(doc, languages=self.options.languages, min_body_chars=self.options.min_body_chars)

    def enrich(self, articles: list[Article]) -> list[Article]:
        """Run the language stages on articles that already have their structure (batched through spaCy)."""
        if not self.options.nlp or not articles:
            return articles
        nlp, stages = self._load()
        out: list[Article] = []
        for article, doc in zip(articles, nlp.pipe(a.text for a in articles), strict=True):
            for stage in stages:
                article = _run_stage(stage, article, doc)
            out.append(article)
        return out

    def analyze(self, doc: RawDocument) -> Article:
        return self.enrich([self.structure(doc)])[0]

    def analyze_many(self, docs: Iterable[RawDocument], batch: int = 16) -> Iterator[Article | InputError]:
        """Analyse documents, yielding an article or the input's error for each, in order."""
        pending: list[Article | InputError] = []
        for doc in docs:
            try:
                pending.append(self.structure(doc))
            except InputError as exc:
                pending.append(exc)
            if len(pending) >= batch:
                yield from self._flush(pending)
                pending = []
        yield from self._flush(pending)

    def _flush(self, pending: list[Article | InputError]) -> Iterator[Article | InputError]:
        ok = [a for a in pending if isinstance(a, Article)]
        enriched: Iterator[Article | InputError]
        try:
            enriched = iter(self.enrich(ok))
        except StageError:
            enriched = self._one_by_one(ok)
        for item in pending:
            yield item if isinstance(item, InputError) else next(enriched)

    def _one_by_one(self, articles: list[Article]) -> Iterator[Article | InputError]:
        for a in articles:
            try:
                yield self.enrich([a])[0]
            except StageError as exc:
                yield InputError(a.source, str(exc))


def _run_stage(stage: Stage, article: Article, doc: Any) -> Article:
    try:
        result = stage(article, doc)
    except Exception as exc:  # a stage bug must name the stage and the input, then let the others go on
        raise StageError(stage.name, article.source, f"{type(exc).__name__}: {exc}") from exc
    if not isinstance(result, Article):
        raise StageError(stage.name, article.source, f"returned {type(result).__name__}, not an Article")
    result.stages[stage.name.split(".")[0]] = stage.name
    return result
