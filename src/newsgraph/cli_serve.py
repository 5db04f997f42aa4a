"""Web commands: ``serve`` a corpus over HTTP and ``demo`` (build a corpus from the bundled examples, then serve
it). The write endpoint is enabled only when NEWSGRAPH_API_TOKEN is set."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from newsgraph.errors import NewsgraphError
from newsgraph.serve.demo import build_demo, demo_sources

err = Console(stderr=True)
TOKEN_ENV = "NEWSGRAPH_API_TOKEN"
Host = Annotated[str, typer.Option(help="Interface to listen on (keep 127.0.0.1 unless behind a proxy).")]
Port = Annotated[int, typer.Option(help="TCP port.")]


def _fail(message: str, code: int = 2) -> typer.Exit:
    err.print(f"error: {message}", markup=False, highlight=False)
    return typer.Exit(code)


def _run(db: str | Path, host: str, port: int) -> None:
    try:  # imported here: the other commands never need the web server
        import uvicorn

        from newsgraph.serve.app import ServeSettings, create_app
    except ImportError as exc:
        raise _fail(f"the web reader needs {exc.name}: pip install 'newsgraph[web]'") from exc
    try:
        app = create_app(db, ServeSettings(api_token=os.environ.get(TOKEN_ENV) or None))
    except (FileNotFoundError, ValueError, NewsgraphError) as exc:
        raise _fail(str(exc)) from exc
    mode = "writes allowed with the bearer token" if os.environ.get(TOKEN_ENV) else f"read-only ({TOKEN_ENV} unset)"
    print(f"serving {app.state.reader.store_url} at http://{host}:{port}/  ({mode}; API docs at /docs)", flush=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")


def serve(
    db: Annotated[str, typer.Option("--db", envvar="NEWSGRAPH_DB", help="The corpus: a SQLite file or a "
                                                                      "postgresql://user@host/dbname URL.")] =
        "newsgraph.db",
    host: Host = "127.0.0.1",
    port: Port = 8000,
) -> None:
    """Serve the corpus: a web reader and a JSON API (under /api)."""
    _run(db, host, port)


def demo(
    db: Annotated[Path | None, typer.Option("--db", help="Where to build the demo corpus (default: a new "
                                                         "temporary file).")] = None,
    host: Host = "127.0.0.1",
    port: Port = 8000,
) -> None:
    """Build a corpus from the bundled examples (and the seed page when found), then serve it."""
    path = db or Path(tempfile.mkdtemp(prefix="newsgraph-demo-")) / "demo.db"
    try:
        sources = demo_sources()
        err.print(f"ingesting {', '.join(map(str, sources))} into {path} ...", markup=False, highlight=False)
        report = build_demo(path, sources)
    except NewsgraphError as exc:
        raise _fail(str(exc)) from exc
    err.print(f"{report.ingested} ingested, {report.duplicates} already stored, {len(report.failed)} failed; "
              f"{report.stories} stories", markup=False, highlight=False)
    _run(path, host, port)
