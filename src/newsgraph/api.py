"""The Python API: ``analyze`` one page, ``analyze_paths`` many."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import lru_cache

from newsgraph.errors import InputError
from newsgraph.model import Article, RawDocument
from newsgraph.read import detect_kind, read_sources
from newsgraph.settings import default
from newsgraph.understand.pipeline import AnalyzeOptions, Pipeline


@lru_cache(maxsize=4)
def _pipeline(options: AnalyzeOptions) -> Pipeline:
    return Pipeline(options)


def analyze(text_or_html: str, *, url: str | None = None, published: str | None = None,
            source: str = "<string>", options: AnalyzeOptions | None = None) -> Article:
    """Understand one page given as plain text or HTML. Raises ``InputError`` when it holds no article."""
    doc = RawDocument(source, text_or_html, detect_kind(text_or_html), url=url, published=published)
    return _pipeline(options or AnalyzeOptions()).analyze(doc)


def analyze_paths(paths: Iterable[str], *, options: AnalyzeOptions | None = None,
                  max_bytes: int = int(default("max_bytes"))) -> Iterator[Article | InputError]:
    """Read files, directories or ``-`` and analyse each input; bad inputs come back as ``InputError``."""
    pipeline = _pipeline(options or AnalyzeOptions())
    pending_errors: list[InputError] = []

    def docs() -> Iterator[RawDocument]:
        for result in read_sources(paths, max_bytes=max_bytes):
            if result.error is not None:
                pending_errors.append(result.error)
            elif result.document is not None:
                yield result.document

    for item in pipeline.analyze_many(docs()):
        while pending_errors:
            yield pending_errors.pop(0)
        yield item
    yield from pending_errors
