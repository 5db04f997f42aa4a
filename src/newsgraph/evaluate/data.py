"""Where the public evaluation data is: the one place that looks for the ``shared/`` folder."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from newsgraph.errors import NewsgraphError

POLNEAR = Path("data/quotes/polnear")
ECBPLUS = Path("data/similar/ecbplus")
EDITOR_TAGS = Path("data/tags/editor-tags")
CHECKOUT = Path(__file__).resolve().parents[3]  # src/newsgraph/evaluate/data.py -> the checkout


def shared_root(inside: str | Path = "data") -> Path:
    """The ``shared/`` folder holding ``inside``: $NEWSGRAPH_SHARED, else a ``shared/`` in the working directory,
    the checkout or one of their parents, else beside the checkout this one was cloned from (a fresh clone in a
    temporary folder has no ``shared/`` above it)."""
    env = os.environ.get("NEWSGRAPH_SHARED")
    starts = [Path.cwd().resolve(), CHECKOUT, *_cloned_from()]
    for base in [Path(env)] if env else [p / "shared" for s in starts for p in (s, *s.parents)]:
        if (base / inside).is_dir():
            return base
    raise NewsgraphError(f"the shared/ folder with {inside} was not found beside the checkout: "
                         "set NEWSGRAPH_SHARED=/path/to/shared")


def _cloned_from() -> list[Path]:
    """The local checkout this one was cloned from (``git clone /path``), if any."""
    try:
        done = subprocess.run(["git", "-C", str(CHECKOUT), "config", "--get", "remote.origin.url"],
                              capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return []
    origin = Path(done.stdout.strip())
    return [origin.resolve()] if done.returncode == 0 and origin.is_absolute() and origin.is_dir() else []


def find_data(relative: Path, given: str | Path | None = None) -> Path:
    """A corpus folder: ``given``, else ``relative`` under the shared folder (``shared_root``)."""
    if given:
        return Path(given)
    try:
        return shared_root(relative) / relative
    except NewsgraphError:
        raise NewsgraphError(f"{relative} not found: pass --data /path/to/shared/{relative} or set "
                             "NEWSGRAPH_SHARED=/path/to/shared") from None
