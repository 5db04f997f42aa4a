"""Corpus commands: ``ingest`` inputs into a database (``load`` what ``ingest --output parquet:DIR`` wrote),
then ``similar``, ``stories``, ``quotes``, ``search``, ``export`` and ``copy``. Each command parses its
arguments, calls the library, prints, and sets the exit code."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import asdict
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, ProgressColumn, Task, TextColumn, TimeRemainingColumn
from rich.text import Text

from newsgraph.cli_progress import Bar
from newsgraph.corpus import ConnectOptions, Corpus
from newsgraph.engines import EngineOptions, load_parquet, run_ingest
from newsgraph.errors import NewsgraphError
from newsgraph.export import export as export_rows
from newsgraph.ingest import IngestOptions, IngestReport, Outcome
from newsgraph.ingest import ingest as ingest_sources
from newsgraph.read import expand_paths
from newsgraph.settings import SETTINGS
from newsgraph.store import Store, open_store
from newsgraph.store.copy import copy_corpus
from newsgraph.store.factory import store_location
from newsgraph.understand.pipeline import AnalyzeOptions

err = Console(stderr=True, soft_wrap=True)  # one line per error, whatever the terminal width
DB_HELP = ("The corpus database: a SQLite file path, sqlite:///path or postgresql://user@host/db "
           "(env NEWSGRAPH_DB).")
DbOption = Annotated[str, typer.Option("--db", envvar="NEWSGRAPH_DB", help=DB_HELP)]
DEFAULT_DB = "newsgraph.db"


class OutFormat(StrEnum):
    text = "text"
    json = "json"


class ExportFormat(StrEnum):
    jsonl = "jsonl"
    csv = "csv"
    parquet = "parquet"


class _Rate(ProgressColumn):
    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:6.1f} art/s" if speed else "     ? art/s", style="progress.data.speed")


def _open(db: str) -> Store:
    try:
        return open_store(db)
    except NewsgraphError as exc:
        err.print(f"error: {exc}", markup=False, highlight=False)
        raise typer.Exit(2) from exc


def _stage_options(stages: str) -> AnalyzeOptions:
    if stages == "none":
        return AnalyzeOptions(nlp=False)
    if stages == "all":
        return AnalyzeOptions()
    return AnalyzeOptions(stages=tuple(s.strip() for s in stages.split(",") if s.strip()))


def exit_code(report: IngestReport) -> int:
    if not report.failed:
        return 0
    return 126 if report.ok == 0 else 1


SKIPS_SHOWN = 20  # a directory of images would otherwise bury the errors under thousands of skip lines


def _summary(report: IngestReport) -> None:
    for source, reason in report.skipped[:SKIPS_SHOWN]:
        err.print(f"skipped: {source}: {reason}", markup=False, highlight=False)
    if len(report.skipped) > SKIPS_SHOWN:
        err.print(f"skipped: ... and {len(report.skipped) - SKIPS_SHOWN} more", markup=False, highlight=False)
    for source, reason in report.failed:
        err.print(f"error: {source}: {reason}", markup=False, highlight=False)
    err.print(f"{report.ingested} ingested ({report.near_duplicates} near-duplicates), {report.duplicates} "
              f"already stored, {len(report.skipped)} skipped, {len(report.failed)} failed; {report.stories} "
              f"stories; {report.seconds:.1f}s", markup=False, highlight=False)


def ingest(
    sources: Annotated[list[str], typer.Argument(help="Files, directories, feeds (file or URL), WARC files, -.")],
    db: DbOption = DEFAULT_DB,
    stages: Annotated[str, typer.Option(help="Language stages to run: all, none (structure only) or a "
                                             "comma-separated list such as entities,quotes.")] = "all",
    connect: Annotated[bool, typer.Option(help="Compute features, tags, stories and similar links "
                                               "(near-duplicates are always found).")] = True,
    batch: Annotated[int, typer.Option(help="Articles per analysis batch and per transaction.")] = 32,
    max_bytes: Annotated[int, typer.Option(help=SETTINGS["max_bytes"].help)] = int(SETTINGS["max_bytes"].default),
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar and no summary.")] = False,
    engine: Annotated[str, typer.Option(help="local (in this process) or ray (a Ray Data pipeline: "
                                             "pip install 'newsgraph[ray]').")] = "local",
    address: Annotated[str | None, typer.Option(help="Ray cluster address (auto, ray://host:10001); left out, "
                                                     "--engine ray joins $RAY_ADDRESS or a cluster `ray start` "
                                                     "began on this machine, else starts a local Ray.")] = None,
    output: Annotated[str | None, typer.Option(help="parquet:DIR writes the analysed articles to Parquet for "
                                                    "bulk load instead of the database.")] = None,
    retries: Annotated[int, typer.Option(help=SETTINGS["retries"].help)] = int(SETTINGS["retries"].default),
) -> None:
    """Ingest inputs into the corpus: analyse, store, find near-duplicates, connect. Rerunning is safe."""
    try:
        options = IngestOptions(analyze=_stage_options(stages), connect=ConnectOptions(features=connect),
                                batch=batch, max_bytes=max_bytes)
        engine_options = EngineOptions(engine, address, output=output, retries=retries)
    except ValueError as exc:
        err.print(f"error: {exc}", markup=False, highlight=False)
        raise typer.Exit(2) from exc
    store = _open(db) if output is None else None
    total = sum(1 for _ in expand_paths(sources))
    progress = Bar(TextColumn("ingesting"), BarColumn(), MofNCompleteColumn(), _Rate(), TimeRemainingColumn(),
                   console=err, transient=True, disable=quiet)
    with progress:
        task = progress.add_task("ingest", total=total)

        def advance(outcome: Outcome, source: str) -> None:
            done = progress.tasks[0].completed + 1
            progress.update(task, completed=done, total=max(total, done))

        try:
            if store is not None and engine_options.engine == "local" and engine_options.output is None:
                report = ingest_sources(sources, store, options, advance)
            else:
                report = run_ingest(sources, options, engine_options, store, advance)
        except NewsgraphError as exc:
            err.print(f"error: {exc}", markup=False, highlight=False)
            raise typer.Exit(2) from exc
        finally:
            if store is not None:
                store.close()
    if not quiet:
        _summary(report)
    raise typer.Exit(exit_code(report))


def load(
    directory: Annotated[Path, typer.Argument(help="A folder of Parquet files from "
                                                   "`newsgraph ingest --output parquet:DIR`.")],
    db: DbOption = DEFAULT_DB,
    connect: Annotated[bool, typer.Option(help="Compute features, tags, stories and similar links "
                                               "(near-duplicates are always found).")] = True,
    batch: Annotated[int, typer.Option(help="Articles per transaction.")] = 256,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar and no summary.")] = False,
) -> None:
    """Bulk-load articles analysed elsewhere (`ingest --engine ray --output parquet:DIR`) into the corpus: store,
    near-duplicates, connect, in file order. Rerunning is safe: articles already stored count as duplicates."""
    if not directory.is_dir() or not any(directory.glob("*.parquet")):
        err.print(f"error: no Parquet files in {directory}: write them with `newsgraph ingest --engine ray "
                  f"--output parquet:{directory} SOURCE...`", markup=False, highlight=False)
        raise typer.Exit(2)
    options = IngestOptions(connect=ConnectOptions(features=connect), batch=batch)
    store = _open(db)
    progress = Bar(TextColumn("loading"), BarColumn(), MofNCompleteColumn(), _Rate(), console=err,
                   transient=True, disable=quiet)
    with progress:
        task = progress.add_task("load", total=None)
        try:
            report = load_parquet(directory, store, options, lambda outcome, source: progress.advance(task))
        except NewsgraphError as exc:
            err.print(f"error: {exc}", markup=False, highlight=False)
            raise typer.Exit(2) from exc
        finally:
            store.close()
    if not quiet:
        _summary(report)
    raise typer.Exit(exit_code(report))


def similar(
    article: Annotated[str, typer.Argument(help="An article id, URL or source file name.")],
    db: DbOption = DEFAULT_DB,
    k: Annotated[int, typer.Option("-k", help="How many similar articles.")] = 10,
    fmt: Annotated[OutFormat, typer.Option("--format", "-f")] = OutFormat.text,
) -> None:
    """Articles most like ARTICLE, best first (near-duplicates marked)."""
    store = _open(db)
    article_id = store.resolve(article)
    if article_id is None:
        err.print(f"error: no article {article!r} in {db}: give an id, URL or source from `newsgraph search`",
                  markup=False, highlight=False)
        raise typer.Exit(1)
    hits = Corpus(store).similar(article_id, k)
    if fmt is OutFormat.json:
        print(json.dumps([{**asdict(h.article), "score": round(h.score, 4), "near_duplicate": h.near_duplicate}
                          for h in hits], ensure_ascii=False, indent=2))
    else:
        for h in hits:
            mark = " [near-duplicate]" if h.near_duplicate else ""
            print(f"{h.score:.3f}  {h.article.id}  {h.article.headline or ''}{mark}  {h.article.url or ''}")
    store.close()


def stories(
    db: DbOption = DEFAULT_DB,
    fmt: Annotated[OutFormat, typer.Option("--format", "-f")] = OutFormat.text,
    min_size: Annotated[int, typer.Option(help="Only stories with at least this many articles.")] = 1,
) -> None:
    """Stories: id, label, time span, and each member's id and URL."""
    store = _open(db)
    rows = [s for s in store.stories() if len(s.members) >= min_size]
    store.close()
    if fmt is OutFormat.json:
        print(json.dumps([{"id": s.id, "label": s.label, "first": s.first, "last": s.last,
                           "members": [{"id": m.id, "url": m.url, "headline": m.headline} for m in s.members]}
                          for s in rows], ensure_ascii=False, indent=2))
        return
    for s in rows:
        print(f"{s.id}  {s.label}  [{s.first or '?'} .. {s.last or '?'}]  {len(s.members)} articles")
        for m in s.members:
            print(f"    {m.id}  {m.url or m.source}")


def quotes(
    speaker: Annotated[str, typer.Option("--speaker", help="Speaker name, full or last name (any case).")],
    db: DbOption = DEFAULT_DB,
    fmt: Annotated[OutFormat, typer.Option("--format", "-f")] = OutFormat.text,
) -> None:
    """Everything SPEAKER was quoted as saying, oldest first."""
    store = _open(db)
    rows = store.quotes_by_speaker(speaker)
    store.close()
    if fmt is OutFormat.json:
        print(json.dumps([asdict(r) for r in rows], ensure_ascii=False, indent=2))
    else:
        for r in rows:
            print(f"{r.article.published or '?'}  {r.speaker}: \u201c{r.text}\u201d  ({r.article.url or r.article.id})")
    if not rows:
        err.print(f"no quotes by {speaker!r}", markup=False, highlight=False)


def search(
    query: Annotated[str, typer.Argument(help="Words, or an FTS5 query such as 'bridge AND crack'.")],
    db: DbOption = DEFAULT_DB,
    limit: Annotated[int, typer.Option(help="At most this many results.")] = 20,
    window: Annotated[int, typer.Option(help=SETTINGS["search_window"].help)] = int(SETTINGS["search_window"].default),
    fmt: Annotated[OutFormat, typer.Option("--format", "-f")] = OutFormat.text,
) -> None:
    """Full-text search over headlines and bodies, best match first among the newest matches (see --window)."""
    store = _open(db)
    hits = store.search(query, limit, window)
    store.close()
    if fmt is OutFormat.json:
        print(json.dumps([{**asdict(h.article), "snippet": h.snippet, "score": round(h.score, 4)} for h in hits],
                         ensure_ascii=False, indent=2))
    else:
        for h in hits:
            print(f"{h.article.id}  {h.article.headline or ''}\n    {h.snippet}")


def export(
    fmt: Annotated[ExportFormat, typer.Option("--format", "-f", help="jsonl, csv or parquet.")] = ExportFormat.jsonl,
    db: DbOption = DEFAULT_DB,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write (stdout if left out; "
                                                                        "parquet needs a file).")] = None,
) -> None:
    """Export every article (id, url, headline, date, ranked tags, duplicate original, story)."""
    store = _open(db)
    try:
        n = export_rows(store.export_rows(), fmt.value, output if output is not None else sys.stdout)
    except NewsgraphError as exc:
        err.print(f"error: {exc}", markup=False, highlight=False)
        raise typer.Exit(2) from exc
    finally:
        store.close()
    if output is not None:
        err.print(f"{n} articles written to {os.fspath(output)}", markup=False, highlight=False)


def copy(
    source: Annotated[str, typer.Argument(help="The corpus to copy: a SQLite file or postgresql:// URL.")],
    destination: Annotated[str, typer.Argument(help="An empty store to copy it into (a new file is made).")],
) -> None:
    """Copy a whole corpus into an empty store, e.g. a SQLite file into PostgreSQL: every article with its
    annotations, duplicate groups, similar links, stories and connect state, so ingest goes on in the copy.
    One transaction: a failed copy leaves the destination empty; run it again."""
    try:
        kind, where = store_location(source)
    except NewsgraphError as exc:
        err.print(f"error: {exc}", markup=False, highlight=False)
        raise typer.Exit(2) from exc
    if kind == "sqlite" and not Path(where).is_file():  # opening it would make an empty corpus
        err.print(f"error: no corpus file {where!r}: give an existing SQLite file or a postgresql:// URL",
                  markup=False, highlight=False)
        raise typer.Exit(2)
    src = _open(source)
    dst = _open(destination)
    try:
        report = copy_corpus(src, dst, lambda table, n: err.print(f"{table}: {n} rows", markup=False,
                                                                    highlight=False))
    except NewsgraphError as exc:
        err.print(f"error: {exc}", markup=False, highlight=False)
        raise typer.Exit(1) from exc
    finally:
        src.close()
        dst.close()
    err.print(f"copied {report.articles} articles ({sum(report.rows.values())} rows) from {report.source} to "
              f"{report.destination}", markup=False, highlight=False)


COMMANDS = (ingest, load, similar, stories, quotes, search, export, copy)
