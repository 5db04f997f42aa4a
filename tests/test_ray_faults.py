"""A Ray analysis worker, or the whole ``ingest --engine ray`` command, killed with SIGKILL mid-run, on SQLite and
PostgreSQL.

With the default retries Ray restarts the actor and runs the lost batch again: the command finishes by itself
(exit 0, every article ingested once, none counted as already stored). With ``retries=0`` the run stops with a
``NewsgraphError`` that says what happened and what to do, the batches written before the kill stay stored, and a
rerun adds exactly the rest. Either way the database ends equal, table for table, to a clean run's.

The victim is found without hooks in the engine: Ray titles a worker process ``ray::Class.method`` while an
actor task runs, so a process titled ``ray::MapWorker(MapBatches(_AnalyseTable)).submit`` is analysing a batch
right now. Only the workers of this module's cluster are candidates (their parent is its raylet).

When the command itself (the Ray driver) is killed, the local Ray it started goes with it: Ray binds its head
processes to the driver (``PR_SET_PDEATHSIG``), the workers leave within seconds, and its two agents linger about a
minute (they report the raylet's death to the dead GCS, with a 60 s timeout) but hold no database file or
connection: the driver alone writes. Rerunning the same command stores exactly the rest.
"""

from __future__ import annotations

import contextlib
import inspect
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from corpus_gen import canonical_dump, synthetic
from newsgraph import cli_corpus
from newsgraph.engines import EngineOptions, run_ingest
from newsgraph.errors import NewsgraphError
from newsgraph.ingest import IngestOptions, ingest
from newsgraph.settings import SETTINGS
from newsgraph.store import open_store
from newsgraph.understand.pipeline import AnalyzeOptions
from pg_server import PgServer

pytestmark = [pytest.mark.filterwarnings("ignore::DeprecationWarning:ray.data.context"),
              pytest.mark.skipif(not sys.platform.startswith("linux"), reason="finds Ray workers through /proc")]
ROOT = Path(__file__).resolve().parents[1]
N, SHARDS = 32, 8
# the quotes stage: a real spaCy parse, so a batch takes long enough to be caught running; one block per shard
OPTIONS = IngestOptions(analyze=AnalyzeOptions(stages=("quotes",)), batch=N // SHARDS)
WORKER = "ray::MapWorker(MapBatches(_AnalyseTable))"
BUSY = f"{WORKER}.submit"
BACKENDS = ["sqlite", "postgres"]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    records = synthetic(N, seed=29)
    folder = tmp_path_factory.mktemp("faults")
    for n in range(SHARDS):
        part = records[n * N // SHARDS:(n + 1) * N // SHARDS]
        (folder / f"shard-{n}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in part), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def raylet(ray_cluster: Any) -> int:
    """The PID of the cluster's raylet: the parent of every worker it starts."""
    parent = ray_cluster.remote(lambda: os.getppid())  # a lambda travels by value; this module does not
    return int(ray_cluster.get(parent.remote()))


class Backend:
    """Fresh databases on one backend, their article count while a run writes, and a canonical dump."""

    def __init__(self, kind: str, tmp: Path, server: PgServer | None) -> None:
        self.kind, self.tmp, self.server, self.made = kind, tmp, server, 0

    def new(self) -> str:
        self.made += 1
        if self.server is not None:
            return self.server.new_database()
        return str(self.tmp / f"db{self.made}.db")

    def count(self, db: str) -> int:
        return self._count_pg(db) if self.server is not None else self._count_sqlite(db)

    @staticmethod
    def _count_pg(db: str) -> int:
        import psycopg

        with psycopg.connect(db, connect_timeout=2) as con:
            try:
                row = con.execute("SELECT count(*) FROM articles").fetchone()
            except psycopg.errors.UndefinedTable:  # not migrated yet
                return 0
        return int(row[0]) if row else 0

    @staticmethod
    def _count_sqlite(db: str) -> int:
        try:
            con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
        except sqlite3.OperationalError:  # not created yet
            return 0
        try:
            return int(con.execute("SELECT count(*) FROM articles").fetchone()[0])
        except sqlite3.OperationalError:  # not migrated yet
            return 0
        finally:
            con.close()

    def dump(self, db: str) -> dict[str, list[tuple[object, ...]]]:
        if self.server is not None:
            from test_ingest_postgres import pg_dump

            return pg_dump(db)
        return canonical_dump(Path(db))


@pytest.fixture(scope="module", params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Backend:
    server = request.getfixturevalue("pg_server") if request.param == "postgres" else None
    return Backend(request.param, tmp_path_factory.mktemp(request.param), server)


@pytest.fixture(scope="module")
def clean(backend: Backend, corpus: Path) -> dict[str, list[tuple[object, ...]]]:
    """What a clean run stores (the local engine; the Ray engine stores the same, see test_ray_engine)."""
    db = backend.new()
    store = open_store(db)
    report = ingest([str(corpus)], store, OPTIONS)
    store.close()
    assert (report.ingested, report.duplicates, report.failed) == (N, 0, [])
    dump = backend.dump(db)
    assert len(dump["articles"]) == N and dump["quotes"] and dump["stories"]
    return dump


def workers(raylet: int, busy: bool = True) -> list[int]:
    """This cluster's analysis workers: those running a batch now, or all of them."""
    out = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            title = _title(int(entry.name))
            parent = int(Path(entry.path, "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):  # gone meanwhile
            continue
        if parent == raylet and (title == BUSY if busy else title.startswith(WORKER)):
            out.append(int(entry.name))
    return out


def _title(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0].decode(errors="replace")
    except OSError:
        return ""


def _stopped(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] in "tT"
    except (OSError, IndexError):
        return True  # gone


def kill_mid_batch(pid: int) -> bool:
    """SIGKILL ``pid`` if it is running a batch. It is stopped first, so its title cannot change between the
    look and the kill: when this returns True, a batch was in flight on the worker that died."""
    try:
        os.kill(pid, signal.SIGSTOP)
    except ProcessLookupError:
        return False
    deadline = time.monotonic() + 5
    while not _stopped(pid) and time.monotonic() < deadline:
        time.sleep(0.001)
    if _title(pid) == BUSY:
        os.kill(pid, signal.SIGKILL)
        return True
    os.kill(pid, signal.SIGCONT)
    return False


def kill_a_busy_worker(raylet: int, ready: Callable[[], bool], running: Callable[[], bool],
                       timeout: float = 120) -> int:
    """Once ``ready()``, SIGKILL an analysis worker in the middle of a batch; its PID. Fails if the run ends
    (``running()`` false) or ``timeout`` passes first."""
    deadline = time.monotonic() + timeout
    while running() and time.monotonic() < deadline:
        for pid in workers(raylet) if ready() else []:
            if kill_mid_batch(pid):
                return pid
        time.sleep(0.005)
    raise AssertionError("no analysis worker was caught running a batch mid-run: the run ended or stalled first")


def assert_same_tables(got: dict[str, list[tuple[object, ...]]], want: dict[str, list[tuple[object, ...]]]) -> None:
    assert set(got) == set(want)
    for table in sorted(want):
        assert got[table] == want[table], f"table {table} differs from a clean run's"


def test_a_killed_worker_is_replaced_and_the_ingest_finishes_by_itself(
        ray_cluster: Any, raylet: int, backend: Backend, corpus: Path,
        clean: dict[str, list[tuple[object, ...]]]) -> None:
    db = backend.new()
    address = ray_cluster.get_runtime_context().gcs_address
    command = [sys.executable, "-m", "newsgraph", "ingest", "--engine", "ray", "--address", address, "--db", db,
               "--stages", "quotes", "--batch", str(OPTIONS.batch), str(corpus)]
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "RAY_USAGE_STATS_ENABLED": "0"}
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        kill_a_busy_worker(raylet, lambda: backend.count(db) >= OPTIONS.batch, lambda: proc.poll() is None)
        at_kill = backend.count(db)
        _, stderr = proc.communicate(timeout=180)
    finally:
        proc.kill()
    assert OPTIONS.batch <= at_kill < N, f"the worker was not killed mid-run ({at_kill} of {N} stored)"
    assert proc.returncode == 0, stderr[-3000:]
    summary = stderr.strip().splitlines()[-1]
    assert summary.startswith(f"{N} ingested") and "0 already stored" in summary and "0 failed" in summary, summary
    assert_same_tables(backend.dump(db), clean)


def test_with_no_retries_the_run_stops_with_the_fix_and_a_rerun_completes_it(
        ray_cluster: Any, raylet: int, backend: Backend, corpus: Path,
        clean: dict[str, list[tuple[object, ...]]]) -> None:
    db = backend.new()
    store = open_store(db)
    written, done = threading.Event(), threading.Event()
    victim: list[int] = []
    missed: list[str] = []
    ingested: list[str] = []

    def progress(outcome: str, source: str) -> None:  # called once a batch is committed
        ingested.extend([source] if outcome == "ingested" else [])
        if len(ingested) >= OPTIONS.batch:  # the rerun will have something to skip
            written.set()

    def killer() -> None:
        try:
            victim.append(kill_a_busy_worker(raylet, written.is_set, lambda: not done.is_set()))
        except AssertionError as exc:
            missed.append(str(exc))

    thread = threading.Thread(target=killer, daemon=True)
    thread.start()
    try:
        with pytest.raises(NewsgraphError) as failed:
            run_ingest([str(corpus)], OPTIONS, EngineOptions("ray", workers=2, retries=0), store, progress)
    finally:
        done.set()
        thread.join()
        store.close()
    assert victim, missed
    message = str(failed.value)
    assert "a Ray worker died while working on a batch" in message and "retries=0" in message, message
    assert "rerun the same command" in message, message
    stored = backend.count(db)
    assert OPTIONS.batch <= stored < N, f"{stored} of {N} articles stored when the run stopped"

    # The rerun, in this same process, must get the cluster's CPUs back from the failed run and finish: a run that
    # kept its workers would leave it waiting for CPUs that never come.
    result: list[Any] = []

    def rerun_ingest() -> None:
        again_store = open_store(db)  # opened in the thread that uses it (SQLite connections stay in their thread)
        try:
            result.append(run_ingest([str(corpus)], OPTIONS, EngineOptions("ray", workers=2), again_store))
        finally:
            again_store.close()

    rerun = threading.Thread(target=rerun_ingest, daemon=True)
    rerun.start()
    rerun.join(timeout=300)
    assert result, "the rerun in the same process did not finish in 300 s: the failed run still holds the CPUs"
    again = result[0]
    assert (again.ingested, again.duplicates, again.failed) == (N - stored, stored, [])
    assert_same_tables(backend.dump(db), clean)


def own_ray_env() -> dict[str, str]:
    """The environment of a driver that starts a local Ray of its own (no RAY_ADDRESS to join instead)."""
    env = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"}
    return {**env, "PYTHONPATH": str(ROOT / "src"), "RAY_USAGE_STATS_ENABLED": "0"}


def session(sid: int) -> list[int]:
    """The live processes of session ``sid``. A command started with ``start_new_session`` leads one, and the
    processes of the local Ray it starts stay in it (Ray calls no ``setsid`` on Linux), orphaned or not."""
    out = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            fields = Path(entry.path, "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):  # not a process, or gone meanwhile
            continue
        if fields[3] == str(sid) and fields[0] not in "ZX":
            out.append(int(entry.name))
    return out


def holding(pids: list[int], paths: set[str]) -> list[int]:
    """Those of ``pids`` with one of ``paths`` open."""
    out = []
    for pid in pids:
        try:
            with os.scandir(f"/proc/{pid}/fd") as fds:  # closed even when the process goes mid-listing
                links = {os.readlink(f.path) for f in fds}
        except OSError:  # gone meanwhile, or not ours to read
            continue
        out.extend([pid] if links & paths else [])
    return out


def pg_clients(url: str, timeout: float = 10) -> int:
    """Connections to the database at ``url`` besides this one, once the server has dropped those of dead
    clients (it notices a killed client at once, but ends its backend asynchronously); waits up to ``timeout``."""
    import psycopg

    deadline = time.monotonic() + timeout
    while True:
        with psycopg.connect(url, connect_timeout=2) as con:
            row = con.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                              "AND pid <> pg_backend_pid()").fetchone()
        if not row or not row[0] or time.monotonic() > deadline:
            return int(row[0]) if row else 0
        time.sleep(0.1)


def reap(sid: int, timeout: float = 30) -> None:
    """SIGKILL what is left of session ``sid`` (a killed driver's Ray agents linger about a minute), by PID."""
    deadline = time.monotonic() + timeout
    while (left := session(sid)) and time.monotonic() < deadline:
        for pid in left:
            with contextlib.suppress(ProcessLookupError):  # gone meanwhile
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.1)
    assert not session(sid), f"processes of session {sid} survived SIGKILL: {[_title(p) for p in session(sid)]}"


def test_a_killed_ingest_leaves_the_database_free_and_rerunning_the_command_completes_it(
        backend: Backend, corpus: Path, clean: dict[str, list[tuple[object, ...]]], tmp_path: Path) -> None:
    db = backend.new()
    # no --address: the command starts (and should take down) a local Ray of its own
    command = [sys.executable, "-m", "newsgraph", "ingest", "--engine", "ray", "--db", db, "--stages", "quotes",
               "--batch", str(OPTIONS.batch), str(corpus)]
    env = own_ray_env()
    sessions: list[int] = []
    try:
        with (tmp_path / "killed.log").open("w") as log:
            proc = subprocess.Popen(command, env=env, stdout=log, stderr=log, start_new_session=True)
        sessions.append(proc.pid)
        deadline = time.monotonic() + 180
        while backend.count(db) < OPTIONS.batch and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        started = [_title(p) for p in session(proc.pid)]
        proc.kill()
        proc.wait()
        at_kill = backend.count(db)
        tail = (tmp_path / "killed.log").read_text(errors="replace")[-3000:]
        assert OPTIONS.batch <= at_kill < N, f"the command was not killed mid-run ({at_kill} of {N} stored): {tail}"
        assert any(Path(t).name == "raylet" for t in started), f"the command started no Ray of its own: {started}"
        if backend.server is None:
            files = {os.path.realpath(db + suffix) for suffix in ("", "-wal", "-shm", "-journal")}
            assert not holding(session(proc.pid), files), "a process of the killed run still holds the database"
        else:
            assert pg_clients(db) == 0, "a process of the killed run still holds a connection to the database"
        rerun = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                 start_new_session=True)
        sessions.append(rerun.pid)
        _, stderr = rerun.communicate(timeout=300)
    finally:
        for sid in sessions:
            reap(sid)
    assert rerun.returncode == 0, stderr[-3000:]
    summary = stderr.strip().splitlines()[-1]
    assert summary.startswith(f"{N - at_kill} ingested") and f"{at_kill} already stored" in summary, summary
    assert "0 failed" in summary, summary
    assert_same_tables(backend.dump(db), clean)


FAILING_STORE = """
import sys
from newsgraph.engines import EngineOptions, run_ingest
from newsgraph.ingest import IngestOptions
from newsgraph.store import SQLiteStore
from newsgraph.understand.pipeline import AnalyzeOptions

class DiskFull(SQLiteStore):  # the disk fills up after the first batch
    written = 0

    def add_article(self, record):
        self.written += 1
        if self.written > 4:
            raise OSError(28, "No space left on device")
        super().add_article(record)

run_ingest([sys.argv[2]], IngestOptions(analyze=AnalyzeOptions(nlp=False), batch=4), EngineOptions("ray"),
           DiskFull(sys.argv[1]))
"""


def test_a_store_error_stops_the_ray_run_at_once_and_takes_its_ray_down(corpus: Path, tmp_path: Path) -> None:
    """Writing fails on the driver while Ray Data still runs: the pipeline must stop before the local Ray does,
    not at interpreter exit (there Ray Data, finding Ray gone, starts a new one to stop its executor), and the
    error must be the last word (a Ray Data thread touching Ray after its shutdown ends the process at once)."""
    env = own_ray_env()
    proc = subprocess.Popen([sys.executable, "-c", FAILING_STORE, str(tmp_path / "full.db"), str(corpus)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        _, stderr = proc.communicate(timeout=180)
        deadline = time.monotonic() + 10
        while session(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        left = [_title(p) for p in session(proc.pid)]
    finally:
        reap(proc.pid)
    assert proc.returncode == 1 and stderr.strip().endswith("OSError: [Errno 28] No space left on device"), stderr
    assert "Ray is not initialized" not in stderr, stderr[-3000:]
    assert not left, f"the run's Ray outlived it: {left}"


def test_retries_must_not_be_negative() -> None:
    with pytest.raises(ValueError, match="retries=-1: give 0"):
        EngineOptions("ray", retries=-1)


def test_the_retries_option_is_the_declared_setting() -> None:
    option = typing.get_type_hints(cli_corpus.ingest, include_extras=True)["retries"].__metadata__[0]
    default = inspect.signature(cli_corpus.ingest).parameters["retries"].default
    assert (option.help, default) == (SETTINGS["retries"].help, SETTINGS["retries"].default)
    assert EngineOptions("ray").retries == SETTINGS["retries"].default

