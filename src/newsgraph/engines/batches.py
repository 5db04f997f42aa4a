"""The batch steps every engine runs, on plain rows (``dict``s of strings, bytes, lists), so they cross processes:

    read   ``read_blob``: one file's bytes -> input rows (documents, errors and skips, named as ``ingest`` names them)
    analyse ``Analyse``: input rows -> output rows (the article as JSON, or the reason it failed; with connect options,
            also what the connect step computes from one article alone: signature, band keys, terms)
    write  ``StoreWriter``: output rows -> the store, one transaction per batch, connected by ``Corpus``

An engine only decides where and in what order these run. Row ids are ``ingest.article_id``, so reruns are
idempotent whichever engine wrote the rows.
"""

from __future__ import annotations

import gzip
import io
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from newsgraph.connect.near_duplicates import NearDupParams
from newsgraph.corpus import ConnectOptions, Corpus, Prepared, prepare
from newsgraph.engines.analysis_process import PipelineProcess
from newsgraph.errors import InputError
from newsgraph.ingest import IngestReport, Outcome, Progress, article_id, outcome_of
from newsgraph.model import Article, RawDocument
from newsgraph.read.feeds import Skipped, iter_feed, looks_like_feed
from newsgraph.read.sources import ReadResult, read_bytes
from newsgraph.read.warc import GZIP_MAGIC, iter_warc, looks_like_warc
from newsgraph.store.base import Store
from newsgraph.store.sqlite import article_from_json, article_json
from newsgraph.understand.pipeline import AnalyzeOptions, Pipeline

Row = dict[str, Any]
# Input rows: status "doc" (content, kind, url, published set), "failed" or "skipped" (reason set).
INPUT_COLUMNS = ("id", "source", "status", "reason", "content", "kind", "url", "published")
# Output rows: status "ok" (article JSON and summary columns set), "failed" or "skipped".
OUTPUT_COLUMNS = ("id", "source", "status", "reason", "url", "headline", "published", "language", "article")
# ``Prepared`` on "ok" rows: signature (bytes), bands (keys in band order), terms (list or None), and the
# settings they were computed with (``prepared_key``): a writer with other settings recomputes them.
PREPARED_COLUMNS = ("signature", "bands", "terms", "prepared_with")


def read_blob(path: str, data: bytes, *, max_bytes: int) -> Iterator[ReadResult | Skipped]:
    """The inputs in one file's bytes, as ``ingest`` reads that file from disk: WARC (plain or gzip),
    feed, JSON/JSONL, page. The dispatch mirrors ``ingest._read_file``, which reads from a path, not bytes."""
    head = data[:4096]
    if head.startswith(GZIP_MAGIC):
        try:
            inner = gzip.GzipFile(fileobj=io.BytesIO(data)).read(64)
        except (OSError, EOFError) as exc:
            yield ReadResult(path, error=InputError(path, f"cannot read: {exc}"))
            return
        if not looks_like_warc(inner):
            yield ReadResult(path, error=InputError(path, "gzip file that is not a WARC archive: decompress it first"))
            return
    if looks_like_warc(head) or head.startswith(GZIP_MAGIC):
        yield from iter_warc(io.BytesIO(data), path, max_bytes=max_bytes)
    elif looks_like_feed(head):
        if len(data) > max_bytes:
            yield ReadResult(path, error=InputError(path, f"feed over the {max_bytes} byte limit "
                                                          "(raise it with --max-bytes)"))
        else:
            yield from iter_feed(data, path)
    else:
        yield from read_bytes(data, path, max_bytes=max_bytes)


def input_row(item: ReadResult | Skipped) -> Row:
    """One read result as an input row."""
    row: Row = dict.fromkeys(INPUT_COLUMNS)
    if isinstance(item, Skipped):
        row.update(source=item.source, status="skipped", reason=item.reason)
    elif item.error is not None:
        row.update(source=item.error.source, status="failed", reason=item.error.reason)
    elif item.document is not None:
        doc = item.document
        row.update(id=article_id(doc), source=doc.source, status="doc", content=doc.content, kind=doc.kind,
                   url=doc.url, published=doc.published)
    else:
        row.update(source=item.source, status="failed", reason="read gave neither a document nor an error")
    return row


def explode(files: Iterable[tuple[str, bytes]], *, max_bytes: int) -> list[Row]:
    """``(path, bytes)`` of whole files -> their input rows, in order."""
    return [input_row(item) for path, data in files for item in read_blob(path, data, max_bytes=max_bytes)]


class Analyse:
    """Input rows -> output rows. Build it once per worker: the spaCy model and stages load in ``__init__``,
    so a Ray actor pays for them once, not once per batch."""

    def __init__(self, options: AnalyzeOptions, connect: ConnectOptions | None = None, *,
                 own_process: bool = False) -> None:
        """``own_process``: run the pipeline in a child process with one thread (``analysis_process``), for a
        worker whose process holds other threads (a Ray actor)."""
        self.connect = connect
        self.pipeline: Pipeline | PipelineProcess
        self.pipeline = PipelineProcess(options) if options.nlp and own_process else Pipeline(options).loaded()

    def __call__(self, rows: Sequence[Row]) -> list[Row]:
        docs = [(r, RawDocument(r["source"], r["content"], r["kind"], url=r["url"], published=r["published"]))
                for r in rows if r["status"] == "doc"]
        results = iter(self.pipeline.analyze_many((d for _, d in docs), batch=max(len(docs), 1)))
        out: list[Row] = []
        for r in rows:
            row: Row = dict.fromkeys(OUTPUT_COLUMNS + PREPARED_COLUMNS * (self.connect is not None))
            row.update(id=r["id"], source=r["source"], status=r["status"], reason=r["reason"])
            if r["status"] == "doc":
                row.update(_output(next(results), self.connect))
            out.append(row)
        return out


def _output(result: Article | InputError, connect: ConnectOptions | None) -> Row:
    if isinstance(result, InputError):
        return {"status": outcome_of(result), "reason": result.reason}
    row: Row = {"status": "ok", "url": result.url, "headline": result.headline, "published": result.published,
                "language": result.language, "article": article_json(result)}
    if connect is not None:
        p = prepare(result, connect)
        row.update(signature=p.signature, bands=[key for _, key in p.bands], terms=p.terms,
                   prepared_with=prepared_key(connect))
    return row


def prepared_key(options: ConnectOptions) -> str:
    """The settings ``Prepared`` depends on, as a string kept beside it in each row."""
    p: NearDupParams = options.near_dup
    return f"minhash:{p.num_perm}/{p.bands}/{p.shingle}/{p.seed};terms:{int(options.features)}"


def prepared_of(row: Row, options: ConnectOptions) -> Prepared | None:
    """The ``Prepared`` carried in an output row, if it was computed with ``options``' settings."""
    if row.get("prepared_with") != prepared_key(options) or row.get("signature") is None:
        return None
    return Prepared(bytes(row["signature"]), list(enumerate(row["bands"])), row["terms"])


class StoreWriter:
    """Writes output rows through the Store interface on the driver: one transaction per ``write`` (via
    ``Corpus.add_batch``, which also finds near-duplicates and computes features, tags, stories and links in
    arrival order, exactly as ``ingest`` does); ``finish`` writes the changed stories. Ids already stored, or seen
    earlier in the same batch, count as duplicates and are not written again."""

    def __init__(self, store: Store, options: ConnectOptions, progress: Progress | None = None) -> None:
        self.store, self.corpus, self.report = store, Corpus(store, options), IngestReport()
        self.progress = progress or (lambda outcome, source: None)

    def note(self, outcome: Outcome, source: str, reason: str | None = None) -> None:
        self.report.record(outcome, source, reason)
        self.progress(outcome, source)

    def write(self, rows: Sequence[Row]) -> None:
        ok = [r for r in rows if r["status"] == "ok"]
        known = self.store.known_ids(r["id"] for r in ok)
        ready: dict[str, Article] = {}
        prepared: list[Prepared | None] = []
        for r in rows:
            if r["status"] != "ok":
                self.note("skipped" if r["status"] == "skipped" else "failed", r["source"], r["reason"])
            elif r["id"] in known or r["id"] in ready:
                self.note("duplicate", r["source"])
            else:
                ready[r["id"]] = article_from_json(r["article"])
                prepared.append(prepared_of(r, self.corpus.options))
        pairs = list(ready.items())
        for added, (_, article) in zip(self.corpus.add_batch(pairs, prepared), pairs, strict=True):
            self.note("near_duplicate" if added.duplicate_of else "ingested", article.source)

    def finish(self) -> IngestReport:
        self.report.stories = self.corpus.finish()
        return self.report


class ReportOnly:
    """Counts output rows without storing them, for the Parquet sink: every analysed row is written there and
    counted as ingested; duplicates are found when the files are loaded into a store (``load_parquet``)."""

    def __init__(self, progress: Progress | None = None) -> None:
        self.report = IngestReport()
        self.progress = progress or (lambda outcome, source: None)

    def write(self, rows: Sequence[Row]) -> None:
        for r in rows:
            outcome: Outcome = "ingested" if r["status"] == "ok" else r["status"]
            self.report.record(outcome, r["source"], r["reason"])
            self.progress(outcome, r["source"])
