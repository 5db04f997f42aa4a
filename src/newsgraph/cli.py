"""The ``newsgraph`` command. Each command parses its arguments, calls one library function, prints, and
sets the exit code: 0 all inputs ok, 1 some failed, 126 all failed, 2 usage error."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn

from newsgraph.api import analyze_paths
from newsgraph.cli_corpus import COMMANDS as CORPUS_COMMANDS
from newsgraph.cli_eval import eval_app
from newsgraph.cli_progress import Bar
from newsgraph.cli_serve import demo, serve
from newsgraph.errors import InputError
from newsgraph.model import Article
from newsgraph.read import expand_paths
from newsgraph.settings import SETTINGS
from newsgraph.understand.pipeline import AnalyzeOptions

app = typer.Typer(help="newsgraph: understand news pages and connect them into a corpus.",
                  no_args_is_help=True, add_completion=False,
                  pretty_exceptions_enable=False)
app.add_typer(eval_app, name="eval")
err = Console(stderr=True)


class Format(StrEnum):
    json = "json"
    jsonl = "jsonl"
    text = "text"


@app.callback()
def _root() -> None:
    """newsgraph: understand news pages and connect them into a corpus."""


def exit_code(ok: int, failed: int) -> int:
    if failed == 0:
        return 0
    return 126 if ok == 0 else 1


def _text(article: Article) -> str:
    lines = [f"== {article.source}", f"headline:   {article.headline or ''}"]
    for label, value in (("standfirst", article.standfirst), ("published", article.published),
                         ("updated", article.updated), ("caption", article.caption)):
        if value:
            lines.append(f"{label + ':':<12}{value}")
    if article.dateline:
        lines.append(f"dateline:   {article.dateline.place}" +
                     (f", {article.dateline.country}" if article.dateline.country else ""))
    if article.authors:
        lines.append(f"authors:    {', '.join(article.authors)}")
    lines.append(f"paragraphs: {len(article.paragraphs)}")
    lines += [f"  {i + 1:>2}. {p.text}" for i, p in enumerate(article.paragraphs)]
    for q in article.quotes:
        who = q.speaker.name or q.speaker.mention or "?"
        lines.append(f"  [{q.kind}] {who}: {q.text}")
    return "\n".join(lines)


def _error_line(error: InputError) -> str:
    """One line per bad input, naming it and the reason, whatever the reason's text holds."""
    return " ".join(f"error: {error.source}: {error.reason}".split())


def _progress(total: int, quiet: bool) -> Bar:
    """A bar on stderr. Records printed meanwhile go to stdout as they are: Rich would otherwise send them to
    its own console (stderr) whenever stderr is a terminal, even with stdout redirected to a file."""
    return Bar(TextColumn("analyzing"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
               console=err, transient=True, disable=quiet or total < 2 or not err.is_terminal,
               redirect_stdout=sys.stdout.isatty(), redirect_stderr=False)


@app.command()
def analyze(
    paths: Annotated[list[str], typer.Argument(help="Files, directories (walked) or - for stdin.")],
    fmt: Annotated[Format, typer.Option("--format", "-f", help="json: an array; jsonl: a line per input; "
                                        "text: for reading.")] = Format.json,
    nlp: Annotated[bool, typer.Option(help="Run the language stages (quotes, entities, dates).")] = True,
    max_bytes: Annotated[int, typer.Option(help=SETTINGS["max_bytes"].help)] =
        int(SETTINGS["max_bytes"].default),
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Analyze news pages and print one record per input; errors go to stderr, one line each."""
    options = AnalyzeOptions(nlp=nlp)
    total = sum(1 for _ in expand_paths(paths))
    ok = failed = 0
    records: list[dict[str, Any]] = []
    with _progress(total, quiet) as progress:
        task = progress.add_task("analyze", total=total)
        for item in analyze_paths(paths, options=options, max_bytes=max_bytes):
            progress.update(task, advance=1, total=max(total, ok + failed + 1))  # a JSONL file holds many
            if isinstance(item, InputError):
                failed += 1
                err.print(_error_line(item), markup=False, highlight=False, soft_wrap=True)
                continue
            ok += 1
            if fmt is Format.jsonl:
                print(json.dumps(item.to_dict(), ensure_ascii=False), flush=True)
            elif fmt is Format.text:
                print(_text(item) + "\n", flush=True)
            else:
                records.append(item.to_dict())
    if fmt is Format.json:
        print(json.dumps(records, ensure_ascii=False, indent=2))
    if failed and not quiet:
        err.print(f"{ok} analyzed, {failed} failed", highlight=False, soft_wrap=True)
    raise typer.Exit(exit_code(ok, failed))


for _command in CORPUS_COMMANDS:  # ingest, load, similar, stories, quotes, search, export, copy
    app.command()(_command)
app.command()(serve)
app.command()(demo)


def main() -> None:
    app(prog_name="newsgraph")


if __name__ == "__main__":
    main()
