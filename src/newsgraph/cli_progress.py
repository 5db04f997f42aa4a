"""Progress bars on stderr that draw from the working thread.

Rich redraws a live bar from a thread of its own. On CPython 3.11 a second thread in the process slows spaCy's
parser and NER by about a quarter (see the package docstring), so these bars start none: they redraw when they
are advanced, at most ``REDRAWS_PER_SECOND`` times a second.
"""

from __future__ import annotations

import time
from typing import Any

from rich.progress import Progress, TaskID

REDRAWS_PER_SECOND = 10


class Bar(Progress):
    """A ``rich.progress.Progress`` without its refresh thread (same columns and options)."""

    def __init__(self, *columns: Any, **options: Any) -> None:
        super().__init__(*columns, auto_refresh=False, **options)
        self._drawn = 0.0

    def update(self, task_id: TaskID, **changes: Any) -> None:
        super().update(task_id, **changes)
        self._redraw()

    def advance(self, task_id: TaskID, advance: float = 1) -> None:
        super().advance(task_id, advance)
        self._redraw()

    def _redraw(self) -> None:
        now = time.monotonic()
        if now - self._drawn >= 1 / REDRAWS_PER_SECOND:
            self._drawn = now
            self.refresh()
