"""``newsgraph eval ...``: accuracy against public gold data. Thin commands over ``newsgraph.evaluate``."""

from __future__ import annotations

import typer

eval_app = typer.Typer(help="Measure accuracy against gold data (PolNeAR quotes, canonical speakers).",
                       no_args_is_help=True)


@eval_app.callback()
def _eval_root() -> None:
    """Measure accuracy against gold data."""
