"""``newsgraph eval ...``: accuracy against public gold data. Thin commands over ``newsgraph.evaluate``."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer

eval_app = typer.Typer(help="Measure accuracy against gold data (PolNeAR quotes, canonical speakers).",
                       no_args_is_help=True)


@eval_app.callback()
def _eval_root() -> None:
    """Measure accuracy against gold data."""


@eval_app.command("speakers")
def speakers(
    split: Annotated[str, typer.Option(help="PolNeAR split the gold file annotates.")] = "dev",
    gold: Annotated[str, typer.Option(help="Canonical-speaker gold TSV.")] = "tests/gold/polnear_dev_canonical.tsv",
    data: Annotated[str | None, typer.Option(help="PolNeAR folder (default: under $NEWSGRAPH_SHARED).")] = None,
    errors: Annotated[bool, typer.Option(help="Also print every wrong row.")] = False,
) -> None:
    """Canonical-speaker accuracy: resolve the gold PolNeAR source spans and compare with hand-made names."""
    from newsgraph.errors import NewsgraphError
    from newsgraph.evaluate.canonical import CanonicalEvalOptions, evaluate_speakers

    try:
        report = evaluate_speakers(CanonicalEvalOptions(gold=gold, split=split, data=data))
    except NewsgraphError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    if not errors:
        report["errors"] = len(report["errors"])
    typer.echo(json.dumps(report, indent=2))


@eval_app.command("quotes")
def quotes(
    split: Annotated[str, typer.Option(help="PolNeAR split: train or dev (test is withheld).")] = "dev",
    data: Annotated[str | None, typer.Option(help="PolNeAR folder (default: under $NEWSGRAPH_SHARED).")] = None,
    limit: Annotated[int | None, typer.Option(help="Only the first N articles (by name).")] = None,
    system: Annotated[list[str] | None, typer.Option(help="newsgraph and/or textacy (default: both).")] = None,
    fmt: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
) -> None:
    """Quote and attribution accuracy on PolNeAR: quote+speaker F1 and more, newsgraph beside textacy."""
    from newsgraph.evaluate.quote_metrics import SYSTEMS, QuoteEvalOptions, evaluate_quotes, report_table

    if fmt not in ("table", "json"):
        raise typer.BadParameter(f"'{fmt}' is not a format: use table or json", param_hint="--format")

    report = evaluate_quotes(QuoteEvalOptions(split=split, data=data, limit=limit,
                                              systems=tuple(system) if system else SYSTEMS))
    if fmt == "json":
        typer.echo(json.dumps(report, indent=2))
    else:
        from rich.console import Console

        Console().print(report_table(report))


def _data_or_exit(relative: Path, given: str | None) -> Path:
    """The corpus folder, or exit 2 with the error's advice (--data or NEWSGRAPH_SHARED)."""
    from newsgraph.errors import NewsgraphError
    from newsgraph.evaluate.data import find_data

    try:
        return find_data(relative, given)
    except NewsgraphError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc


@eval_app.command("tags")
def tags(
    data: Annotated[str | None, typer.Option(help="editor-tags folder (default: under $NEWSGRAPH_SHARED).")] = None,
    entities: Annotated[str, typer.Option(help="stage: the entities stage first (as stored articles); "
                                          "spacy: spaCy's NER only (faster).")] = "stage",
    yake: Annotated[bool, typer.Option(help="Score YAKE's top 10 side by side.")] = True,
    fmt: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
) -> None:
    """Tags against the editors' own tags: F1@5 and F1@10, exact and lenient, newsgraph beside YAKE."""
    from newsgraph.evaluate.tags import EDITOR_TAGS, evaluate_tags, report_dict, report_text

    report = evaluate_tags(_data_or_exit(EDITOR_TAGS, data), with_yake=yake, entities=entities)
    typer.echo(json.dumps(report_dict(report), indent=2) if fmt == "json" else report_text(report))


EMBEDDINGS_HELP = "Blend this embedder's cosine into the score (minilm-int8 or minilm; default: none)."


T = TypeVar("T")


def _or_exit(run: Callable[[], T]) -> T:
    """``run()``, or exit 2 with the error's advice (an unknown embedder, a missing extra)."""
    from newsgraph.errors import NewsgraphError

    try:
        return run()
    except NewsgraphError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc


@eval_app.command("stories")
def stories(
    data: Annotated[str | None, typer.Option(help="ECB+ folder (default: under $NEWSGRAPH_SHARED).")] = None,
    orders: Annotated[int, typer.Option(help="How many seeded stream orders to average.")] = 3,
    embeddings: Annotated[str | None, typer.Option(help=EMBEDDINGS_HELP)] = None,
    weight: Annotated[float | None, typer.Option(help="With --embeddings: the cosine's share of the score "
                                                 "(default: the one chosen on ECB+).")] = None,
    threshold: Annotated[float | None, typer.Option(help="With --embeddings: the least blended score to join a "
                                                    "story (default: the one chosen with the weight).")] = None,
    fmt: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
) -> None:
    """Online story clustering on ECB+: B-cubed, pairwise F1 and ARI, beside TF-IDF average-link."""
    from newsgraph.evaluate.stories import ECBPLUS, EmbeddingOptions, evaluate_stories, stories_dict, stories_text

    root = _data_or_exit(ECBPLUS, data)
    blend = EmbeddingOptions.of(embeddings, weight, threshold) if embeddings else None
    report = _or_exit(lambda: evaluate_stories(root, seeds=tuple(range(orders)), embeddings=blend))
    typer.echo(json.dumps(stories_dict(report), indent=2) if fmt == "json" else stories_text(report))


@eval_app.command("similar")
def similar(
    data: Annotated[str | None, typer.Option(help="ECB+ folder (default: under $NEWSGRAPH_SHARED).")] = None,
    embeddings: Annotated[str | None, typer.Option(help=EMBEDDINGS_HELP)] = None,
    weight: Annotated[float | None, typer.Option(help="With --embeddings: the cosine's share of the score "
                                                 "(default: the one chosen on ECB+; a few others are reported "
                                                 "beside it).")] = None,
    fmt: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
) -> None:
    """Similar news on ECB+: nDCG@10 and P@5 (same story relevant), beside TF-IDF cosine."""
    from newsgraph.evaluate.stories import ECBPLUS, evaluate_similar, similar_dict, similar_text

    root = _data_or_exit(ECBPLUS, data)
    report = _or_exit(lambda: evaluate_similar(root, embedder=embeddings, weight=weight))
    typer.echo(json.dumps(similar_dict(report), indent=2) if fmt == "json" else similar_text(report))
