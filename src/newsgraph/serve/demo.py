"""The demo corpus: newsgraph's own ``examples/`` pages plus the seed page when the shared folder is beside the
checkout, ingested into one SQLite file the reader then serves."""

from __future__ import annotations

import os
from pathlib import Path

from newsgraph.errors import NewsgraphError
from newsgraph.ingest import IngestReport, ingest
from newsgraph.store import open_store

SEED = Path("seed") / "putin-gaza-2023-10-13.txt"
_REPO = Path(__file__).resolve().parents[3]


def demo_sources(cwd: Path | None = None) -> list[Path]:
    """The examples folder (from the working directory or the checkout) and the seed page if it is found."""
    cwd = cwd or Path.cwd()
    examples = next((p for p in (cwd / "examples", _REPO / "examples") if p.is_dir()), None)
    if examples is None:
        raise NewsgraphError(f"no examples/ folder in {cwd} or {_REPO}: run the demo from a newsgraph checkout")
    env = os.environ.get("NEWSGRAPH_SHARED")
    shared = [Path(env)] if env else [p / "shared" for p in (cwd, *cwd.parents, _REPO, *_REPO.parents)]
    seed = next((s / SEED for s in shared if (s / SEED).is_file()), None)
    return [examples] + ([seed] if seed else [])


def build_demo(db: Path, sources: list[Path]) -> IngestReport:
    """Ingest ``sources`` into ``db`` (already stored pages are skipped, so rebuilding is cheap)."""
    store = open_store(db)
    try:
        return ingest([str(s) for s in sources], store)
    finally:
        store.close()
