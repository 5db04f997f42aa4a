"""The parse runs in a process with one thread: on CPython 3.11 a second thread, even an idle one, slows spaCy's parser
and NER (C loops) by about a quarter (see ``newsgraph``'s docstring). Two things used to start one: OpenBLAS's thread
pool, started when numpy loads, and Rich's progress-bar refresh thread."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import threading
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn

from newsgraph.cli_progress import Bar

ROOT = Path(__file__).resolve().parent.parent

# Ingest the bundled examples through the command, counting the process's threads each time spaCy parses.
COUNTING_INGEST = """
import os, sys
import newsgraph
import spacy.language
counts = []
plain_pipe = spacy.language.Language.pipe
def pipe(self, *args, **kwargs):
    counts.append(len(os.listdir("/proc/self/task")))
    return plain_pipe(self, *args, **kwargs)
spacy.language.Language.pipe = pipe
from newsgraph.cli import app
sys.argv = ["newsgraph", "ingest", "--db", sys.argv[1], "examples/"] + sys.argv[2:]
try:
    app()
except SystemExit:
    pass
print("threads", sorted(set(counts)))
"""


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")}


def test_ingest_parses_in_a_process_with_one_thread(tmp_path: Path) -> None:
    for extra in ([], ["--quiet"]):
        db = tmp_path / f"c{len(extra)}.db"
        done = subprocess.run([sys.executable, "-c", COUNTING_INGEST, str(db), *extra], cwd=ROOT,
                              env=_clean_env(), capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        assert extra or "12 ingested" in done.stderr
        assert done.stdout.strip().splitlines()[-1] == "threads [1]", (extra, done.stdout[-500:])


def test_the_blas_default_gives_way_to_the_users_setting() -> None:
    probe = ("import os, newsgraph, numpy; from threadpoolctl import threadpool_info; "
             "print(os.environ['OPENBLAS_NUM_THREADS'], [i['num_threads'] for i in threadpool_info()])")
    ours = subprocess.run([sys.executable, "-c", probe], env=_clean_env(), capture_output=True, text=True, check=True)
    assert ours.stdout.split()[0] == "1" and "[1]" in ours.stdout
    theirs = subprocess.run([sys.executable, "-c", probe], env={**_clean_env(), "OPENBLAS_NUM_THREADS": "2"},
                            capture_output=True, text=True, check=True)
    assert theirs.stdout.startswith("2 ")


def test_the_progress_bar_draws_without_a_thread() -> None:
    out = io.StringIO()
    before = threading.active_count()
    with Bar(TextColumn("ingesting"), BarColumn(), MofNCompleteColumn(),
             console=Console(file=out, force_terminal=True, width=80)) as bar:
        task = bar.add_task("ingest", total=5)
        bar._drawn = 0.0  # as if the last drawing were long ago
        bar.update(task, completed=3)
        assert threading.active_count() == before
        assert "3/5" in out.getvalue()
        bar.advance(task)  # within a tenth of a second of the last: not drawn yet
        assert "4/5" not in out.getvalue()
    assert "4/5" in out.getvalue()  # the last state is drawn when the bar stops
