"""Where the public evaluation data is: the one place that looks for the ``shared/`` folder."""

from __future__ import annotations

import os
from pathlib import Path

from newsgraph.errors import NewsgraphError

POLNEAR = Path("data/quotes/polnear")
ECBPLUS = Path("data/similar/ecbplus")
EDITOR_TAGS = Path("data/tags/editor-tags")


def find_data(relative: Path, given: str | Path | None = None) -> Path:
    """A corpus folder: ``given``, else ``relative`` under $NEWSGRAPH_SHARED, else under a ``shared/`` folder
    beside the working directory or one of its parents."""
    if given:
        return Path(given)
    env = os.environ.get("NEWSGRAPH_SHARED")
    here = Path.cwd().resolve()
    for base in [Path(env)] if env else [p / "shared" for p in (here, *here.parents)]:
        if (base / relative).is_dir():
            return base / relative
    raise NewsgraphError(f"{relative} not found: pass --data /path/to/shared/{relative} or set "
                         "NEWSGRAPH_SHARED=/path/to/shared")
