"""Ingest with an engine: ``local`` runs the batch steps in this process; ``ray`` runs them as a Ray Data
pipeline, on a local Ray instance or the cluster at ``address``:

    read_binary_files(files) -> map_batches(explode)           read tasks: bytes -> input rows (JSONL, WARC, ...)
        -> map_batches(Analyse, actor pool of ``workers``)     spaCy model and stages loaded once per actor,
                                                               in a child process of its own
        -> iter_batches on the driver -> StoreWriter | Parquet one transaction per batch, connected in order

Files go through ``read_binary_files`` and the project's own readers rather than ``read_json``: a bad line
must become one named error (``shard.jsonl:7``), not sink the shard, and WARC needs FastWARC anyway. Arrow
undoes ``.gz`` compression on read (it goes by the suffix), so a ``.warc.gz`` arrives as a plain WARC.
Anything that is not a readable file (a feed URL, ``-``, a missing path) is read on the driver by
``ingest.iter_inputs``, so its error reads exactly as with ``ingest``. Order is preserved, so near-duplicates,
stories and links come out as the local engine makes them.

The workers also compute what the connect step needs from one article alone (MinHash signature, band keys,
terms: ``corpus.prepare``) and carry it in the output rows (and the Parquet files). What stays serial on the
driver: the store writes and the rest of the connect step (band lookups, features against the running document
frequencies, tags, stories, links), which need every earlier article; see benchmarks/ray_scaling.py for what
that costs, and ``band_join.near_duplicate_pairs`` for near-duplicates of Parquet output found in parallel.

When a worker dies (SIGKILL, the out-of-memory killer, a lost node), Ray restarts the analysis actor (no limit:
the pool keeps its size over a long run) and runs the lost batch again, up to ``retries`` times per batch (the
parsing of a file likewise; reading its bytes is retried until done). Nothing is written twice: the driver
writes each batch once, when its result arrives, and a rerun skips stored ids. A batch that kills its worker
every time fails the run after ``retries + 1`` attempts with a ``NewsgraphError`` saying so, instead of looping
forever; the batches written before it stay committed, so rerunning the command finishes the job. When the
driver itself is killed, the local Ray it started goes with it (Ray ties its head processes to the driver; the
workers follow within seconds, its agents within about a minute) and none of it holds the store: rerun likewise.
"""

from __future__ import annotations

import gc
import gzip
import logging
import os
import time
import warnings
from collections.abc import Callable, Generator, Iterable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from newsgraph.engines.batches import (
    INPUT_COLUMNS,
    OUTPUT_COLUMNS,
    PREPARED_COLUMNS,
    Analyse,
    ReportOnly,
    Row,
    StoreWriter,
    explode,
    input_row,
)
from newsgraph.errors import MissingExtra, NewsgraphError
from newsgraph.ingest import IngestOptions, IngestReport, Progress, iter_inputs
from newsgraph.read.sources import expand_paths
from newsgraph.read.warc import GZIP_MAGIC, looks_like_warc
from newsgraph.settings import default
from newsgraph.store.base import Store

ENGINES = ("local", "ray")
PARQUET = "parquet:"


@dataclass(frozen=True, slots=True)
class EngineOptions:
    """``engine``: local or ray. ``address``: a Ray cluster (``ray://host:10001``, ``auto``); left out, a local
    Ray instance is started and stopped. ``workers``: analysis actors (default: one per cluster CPU).
    ``output``: None writes to the store; ``parquet:DIR`` writes analysed articles to Parquet for bulk load.
    ``retries``: how many more times a batch or file read runs when the worker running it dies."""

    engine: str = "local"
    address: str | None = None
    workers: int | None = None
    output: str | None = None
    retries: int = int(default("retries"))

    def __post_init__(self) -> None:
        if self.engine not in ENGINES:
            raise ValueError(f"engine={self.engine!r}: use one of {', '.join(ENGINES)}")
        if self.address is not None and self.engine != "ray":
            raise ValueError(f"address={self.address!r} needs engine ray (add --engine ray)")
        if self.workers is not None and self.workers < 1:
            raise ValueError(f"workers={self.workers}: at least one analysis worker")
        if self.retries < 0:
            raise ValueError(f"retries={self.retries}: give 0 (fail on the first worker death) or more")
        if self.output is not None and (not self.output.startswith(PARQUET) or not self.output[len(PARQUET):]):
            raise ValueError(f"output={self.output!r}: write parquet:DIR (e.g. parquet:out/articles)")

    @property
    def parquet_dir(self) -> Path | None:
        return None if self.output is None else Path(self.output[len(PARQUET):])


def run_ingest(sources: Iterable[str], options: IngestOptions, engine: EngineOptions, store: Store | None = None,
               progress: Progress | None = None) -> IngestReport:
    """Ingest ``sources`` with ``engine`` into ``store`` (or Parquet files when ``engine.output`` says so).
    Per-input errors land in the report, named as ``ingest`` names them; they never stop the run."""
    start = time.perf_counter()
    out_dir = engine.parquet_dir
    if out_dir is None and store is None:
        raise NewsgraphError("nowhere to write: give a store, or output='parquet:DIR'")
    sink: StoreWriter | ReportOnly
    sink = StoreWriter(store, options.connect, progress) if store is not None and out_dir is None else ReportOnly(
        progress)
    batches = _ray_batches(sources, options, engine) if engine.engine == "ray" else _local_batches(sources, options)
    # closing: when writing fails (a store error, Ctrl-C), the pipeline and the Ray this run started stop now
    with closing(batches), _parquet_writer(out_dir) as write_parquet:
        for rows in batches:
            sink.write(rows)
            write_parquet(rows)
    report = sink.finish() if isinstance(sink, StoreWriter) else sink.report
    report.seconds = time.perf_counter() - start
    return report


def load_parquet(directory: str | Path, store: Store, options: IngestOptions | None = None,
                 progress: Progress | None = None) -> IngestReport:
    """Bulk-load Parquet written by ``run_ingest(output='parquet:DIR')`` into ``store``: the driver pass that
    writes and connects (near-duplicates, features, stories), one transaction per batch; reruns are no-ops."""
    pq = _pyarrow_parquet()
    options = options or IngestOptions()
    start = time.perf_counter()
    writer = StoreWriter(store, options.connect, progress)
    for path in sorted(Path(directory).glob("*.parquet")):
        for batch in pq.ParquetFile(path).iter_batches(batch_size=options.batch):
            writer.write(batch.to_pylist())
    report = writer.finish()
    report.seconds = time.perf_counter() - start
    return report


def _local_batches(sources: Iterable[str], options: IngestOptions) -> Generator[list[Row], None, None]:
    analyse: Analyse | None = None
    pending: list[Row] = []
    for item in iter_inputs(sources, max_bytes=options.max_bytes):
        pending.append(input_row(item))
        if len(pending) >= options.batch:
            analyse = analyse or Analyse(options.analyze, options.connect)
            yield analyse(pending)
            pending = []
    if pending:
        yield (analyse or Analyse(options.analyze, options.connect))(pending)


def _import_ray() -> Any:
    try:
        import ray
        import ray.data
    except ImportError as exc:
        raise MissingExtra("ray (needed for --engine ray)", "ray") from exc
    return ray


def _split(sources: Iterable[str]) -> tuple[list[str], list[str]]:
    """Readable regular files (read by Ray tasks) and everything else (read on the driver)."""
    files: list[str] = []
    others: list[str] = []
    for path in expand_paths(sources):
        is_file = not path.startswith(("http://", "https://")) and path != "-" and os.path.isfile(path)
        (files if is_file and os.access(path, os.R_OK) and not _gzip_not_warc(path) else others).append(path)
    return files, others


def _gzip_not_warc(path: str) -> bool:
    """A gzip file that is not a WARC: Arrow would decompress it on read (it goes by the suffix), hiding the
    error ``ingest`` reports for it, so the driver reads it."""
    try:
        with open(path, "rb") as fh:
            if not fh.read(2).startswith(GZIP_MAGIC):
                return False
        with gzip.open(path, "rb") as gz:
            return not looks_like_warc(gz.read(64))
    except (OSError, EOFError):
        return True


def _ray_batches(sources: Iterable[str], options: IngestOptions,
                 engine: EngineOptions) -> Generator[list[Row], None, None]:
    ray = _import_ray()
    started = not ray.is_initialized()
    if started:
        ray.init(address=engine.address, include_dashboard=False, logging_level=logging.WARNING,
                 log_to_driver=False)
    try:
        ctx = ray.data.DataContext.get_current()
        ctx.execution_options.preserve_order = True  # the connect step's results depend on arrival order
        ctx.enable_progress_bars = False
        failure = yield from _analysed(ray, sources, options, engine)
    except BaseException:
        # The consumer failed (a store error, Ctrl-C): Ray is left to its own exit handler. Shut down here, while
        # its threads may still touch it, Ray can end the process before the error is shown.
        started = False
        raise
    finally:
        if started:
            ray.shutdown()
    if failure is not None:
        # Ray Data does not kill a failed pipeline's actors: they go, with the CPUs they hold, when their handles
        # are collected. The error keeps no reference to the pipeline, and collecting now frees them for a rerun
        # in this process (a notebook, a service), which would otherwise wait for CPUs that never come.
        gc.collect()
        raise NewsgraphError(failure)


def _analysed(ray: Any, sources: Iterable[str], options: IngestOptions,
              engine: EngineOptions) -> Generator[list[Row], None, str | None]:
    """The analysed batches, in order; returns what went wrong when the pipeline fails (None when it ends)."""
    ds = _dataset(ray, sources, options, engine.retries)
    if ds is None:
        return None
    workers = engine.workers or max(int(ray.cluster_resources().get("CPU", 1)), 1)
    # Ray Data's defaults retry a lost actor task forever; a batch that kills its worker every time (a document
    # that crashes a native library, memory it cannot get) would then hang the ingest.
    with _remote_args():
        analysed = ds.map_batches(_AnalyseTable, fn_constructor_kwargs={"options": options}, batch_size=options.batch,
                                  compute=ray.data.ActorPoolStrategy(size=workers), batch_format="pyarrow", num_cpus=1,
                                  max_restarts=-1 if engine.retries else 0, max_task_retries=engine.retries)
    # Closed explicitly, before Ray is shut down: left to the garbage collector, Ray Data's iterator would stop its
    # executor only at interpreter exit, after Ray's own shutdown, and it starts a new local Ray to do that. No
    # prefetch threads: one still fetching a block when Ray shuts down ends the process before the error is shown.
    # The executor keeps computing ahead anyway; only the local read of the next block waits for the write.
    tables = iter(analysed.iter_batches(batch_size=options.batch, batch_format="pyarrow", prefetch_batches=0))
    try:
        with closing(tables):
            for table in tables:
                yield table.to_pylist()
    except ray.exceptions.RayError as exc:
        return _failure(exc, engine.retries)
    return None


def _failure(exc: BaseException, retries: int) -> str:
    """What a failed Ray pipeline means for the user: the cause, what is kept, and the fix."""
    from ray import exceptions as rx

    died = _cause(exc, (rx.RayActorError, rx.WorkerCrashedError, rx.OutOfMemoryError, rx.NodeDiedError,
                        rx.ObjectLostError))
    if died is None:
        return (f"the Ray pipeline failed: {_first_line(exc)}. The batches written before it are stored: fix the "
                "cause and rerun the same command (stored articles are skipped)")
    return (f"a Ray worker died while working on a batch, which has no retries left (retries={retries}): "
            f"{type(died).__name__}: {_first_line(died)}. The batches written before it are stored: rerun the "
            "same command to add the rest (stored articles are skipped). If workers keep dying on one batch, "
            "ingest its inputs with --engine local to find the one at fault; if they run out of memory, give "
            "them more or lower --batch")


def _cause(exc: BaseException, kinds: tuple[type[BaseException], ...]) -> BaseException | None:
    """The first exception of ``kinds`` in the chain of causes of ``exc`` (Ray Data wraps what it raises)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, kinds):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:300].rstrip(".") if text else type(exc).__name__


def _dataset(ray: Any, sources: Iterable[str], options: IngestOptions, retries: int) -> Any:
    """The input rows as one dataset: driver-read inputs first, then the files, each in the order given."""
    import pyarrow as pa

    files, others = _split(sources)
    parts = []
    if others:
        rows = [input_row(item) for item in iter_inputs(others, max_bytes=options.max_bytes)]
        parts.append(ray.data.from_arrow(pa.Table.from_pylist(rows, schema=_schema(INPUT_COLUMNS))))
    if files:
        # num_cpus=0: reading is light next to the analysis, and actors holding every CPU must not starve it
        # The byte reads keep Ray's retry-until-done: reading bytes does not crash a worker, parsing them may.
        read = ray.data.read_binary_files(files, include_paths=True, override_num_blocks=len(files), num_cpus=0)
        with _remote_args():
            parts.append(read.map_batches(_explode_table, fn_kwargs={"max_bytes": options.max_bytes}, batch_size=1,
                                          batch_format="pyarrow", num_cpus=0, max_retries=retries))
    if not parts:
        return None
    return parts[0].union(*parts[1:]) if len(parts) > 1 else parts[0]


@contextmanager
def _remote_args() -> Iterator[None]:
    """Ray 2.60 deprecates ``map_batches(**ray_remote_args)`` (gone in 2.64, ray-project/ray#65228) but names
    no parameter for the retry settings yet, so they still go that way; the warning is for us, not the user."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="`ray_remote_args` is deprecated")
        yield


def _schema(columns: Iterable[str]) -> Any:
    import pyarrow as pa

    return pa.schema([(c, pa.string()) for c in columns])


def output_schema() -> Any:
    """The Arrow schema of output rows: strings, then the ``PREPARED_COLUMNS``."""
    import pyarrow as pa

    types = (pa.binary(), pa.list_(pa.string()), pa.list_(pa.string()), pa.string())
    prepared = [pa.field(c, t) for c, t in zip(PREPARED_COLUMNS, types, strict=True)]
    return pa.schema([*_schema(OUTPUT_COLUMNS), *prepared])


def _explode_table(table: Any, max_bytes: int) -> Any:
    import pyarrow as pa

    files = zip(table.column("path").to_pylist(), table.column("bytes").to_pylist(), strict=True)
    return pa.Table.from_pylist(explode(files, max_bytes=max_bytes), schema=_schema(INPUT_COLUMNS))


class _AnalyseTable:
    """``Analyse`` on Arrow tables: the callable class Ray builds once per actor."""

    def __init__(self, options: IngestOptions) -> None:
        self.analyse = Analyse(options.analyze, options.connect, own_process=True)

    def __call__(self, table: Any) -> Any:
        import pyarrow as pa

        return pa.Table.from_pylist(self.analyse(table.to_pylist()), schema=output_schema())


def _pyarrow_parquet() -> Any:
    try:
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise MissingExtra("pyarrow (needed for Parquet output)", "parquet") from exc
    return pq


@contextmanager
def _parquet_writer(directory: Path | None) -> Iterator[Callable[[list[Row]], None]]:
    """A function writing the analysed rows of each batch to ``DIR/articles.parquet`` (one row group per
    batch), numbered in written order (``seq``, which ``band_join`` needs); a no-op when ``directory`` is None."""
    if directory is None:
        yield lambda rows: None
        return
    import pyarrow as pa

    pq = _pyarrow_parquet()
    directory.mkdir(parents=True, exist_ok=True)
    schema = output_schema().append(pa.field("seq", pa.int64()))
    written = 0

    def write(rows: list[Row]) -> None:
        nonlocal written
        ok = [{**r, "seq": written + n} for n, r in enumerate(r for r in rows if r["status"] == "ok")]
        writer.write_table(pa.Table.from_pylist(ok, schema=schema))
        written += len(ok)

    with pq.ParquetWriter(str(directory / "articles.parquet"), schema) as writer:
        yield write
