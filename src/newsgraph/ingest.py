"""Ingest: read inputs (pages, JSONL, RSS/Atom feeds, WARC archives), analyse them in batches, store them and
connect them (near-duplicates, features, tags, stories, similar links).

An article's id comes from its URL and its content, so ingesting the same input twice changes nothing, and a
run stopped halfway picks up where it stopped: what was committed is recognised and skipped. Each batch is one
transaction, so a kill loses at most the batch in flight.
"""

from __future__ import annotations

import gzip
import hashlib
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from newsgraph.corpus import ConnectOptions, Corpus
from newsgraph.errors import InputError, UnsupportedLanguage
from newsgraph.model import RawDocument
from newsgraph.read.feeds import Skipped, iter_feed, looks_like_feed
from newsgraph.read.sources import ReadResult, expand_paths, read_path
from newsgraph.read.warc import GZIP_MAGIC, iter_warc, looks_like_warc
from newsgraph.settings import default
from newsgraph.store.base import Store
from newsgraph.understand.pipeline import Analyser, AnalyzeOptions, Pipeline

Outcome = Literal["ingested", "near_duplicate", "duplicate", "skipped", "failed"]
Progress = Callable[[Outcome, str], None]
_TRACKING = ("utm_", "fbclid", "gclid", "mc_cid", "mc_eid")


def outcome_of(error: InputError) -> Outcome:
    """A page in a language the pipeline does not analyse is skipped, not failed: a multilingual source (a CC-NEWS
    archive, a feed) is not broken for holding one, and its failures stay the inputs that are."""
    return "skipped" if isinstance(error, UnsupportedLanguage) else "failed"


@dataclass(frozen=True, slots=True)
class IngestOptions:
    analyze: AnalyzeOptions = field(default_factory=AnalyzeOptions)
    connect: ConnectOptions = field(default_factory=ConnectOptions)
    batch: int = 32
    max_bytes: int = int(default("max_bytes"))  # declared once, in settings.py

    def __post_init__(self) -> None:
        if self.batch < 1:
            raise ValueError(f"batch={self.batch}: a batch holds at least one article (32 is a good size)")


@dataclass
class IngestReport:
    """What a run did. ``duplicates``: inputs already stored (same URL and content); ``near_duplicates``:
    stored articles that joined a near-duplicate group; ``failed``/``skipped``: ``(source, reason)``."""

    ingested: int = 0
    near_duplicates: int = 0
    duplicates: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    stories: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> int:
        return self.ingested + self.duplicates

    def record(self, outcome: Outcome, source: str, reason: str | None = None) -> None:
        """Count one input's outcome (every engine reports through this)."""
        if outcome == "failed":
            self.failed.append((source, reason or "unknown"))
        elif outcome == "skipped":
            self.skipped.append((source, reason or ""))
        elif outcome == "duplicate":
            self.duplicates += 1
        else:
            self.ingested += 1
            self.near_duplicates += outcome == "near_duplicate"

    def to_dict(self) -> dict[str, Any]:
        return {"ingested": self.ingested, "near_duplicates": self.near_duplicates, "duplicates": self.duplicates,
                "skipped": len(self.skipped), "failed": [{"source": s, "reason": r} for s, r in self.failed],
                "stories": self.stories, "seconds": round(self.seconds, 3)}


def normalise_url(url: str) -> str:
    """Lower-case scheme and host, no fragment, no tracking parameters, no trailing slash."""
    parts = urlsplit(url.strip())
    query = sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                   if not k.lower().startswith(_TRACKING))
    path = parts.path.rstrip("/") or "/"
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, urlencode(query), ""))


def article_id(doc: RawDocument) -> str:
    """16 hex digits of sha256(normalised URL, sha256(content with whitespace collapsed))."""
    content = hashlib.sha256(" ".join(doc.content.split()).encode("utf-8")).digest()
    h = hashlib.sha256((normalise_url(doc.url) if doc.url else "").encode("utf-8") + b"\0" + content)
    return h.hexdigest()[:16]


def _read_file(path: str, max_bytes: int) -> Iterator[ReadResult | Skipped]:
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096)
            if head.startswith(GZIP_MAGIC):
                with gzip.open(path, "rb") as gz:
                    inner = gz.read(64)
                if not looks_like_warc(inner):
                    yield ReadResult(path, error=InputError(path, "gzip file that is not a WARC archive: "
                                                                  "decompress it first"))
                    return
            if looks_like_warc(head) or head.startswith(GZIP_MAGIC):
                fh.seek(0)
                yield from iter_warc(fh, path, max_bytes=max_bytes)
                return
            if looks_like_feed(head):
                if Path(path).stat().st_size > max_bytes:
                    yield ReadResult(path, error=InputError(path, f"feed over the {max_bytes} byte limit "
                                                                  "(raise it with --max-bytes)"))
                    return
                fh.seek(0)
                yield from iter_feed(fh.read(), path)
                return
    except OSError as exc:
        yield ReadResult(path, error=InputError(path, f"cannot read: {exc.strerror or exc}"))
        return
    except EOFError:  # gzip raises it (not an OSError) for a file cut short
        yield ReadResult(path, error=InputError(path, "truncated gzip file: download or copy it again"))
        return
    yield from read_path(path, max_bytes=max_bytes)


def iter_inputs(sources: Iterable[str], *, max_bytes: int) -> Iterator[ReadResult | Skipped]:
    """Every input as results: files and directories (pages, JSON/JSONL, feeds, WARC), ``-``, feed URLs."""
    for path in expand_paths(sources):
        if path.startswith(("http://", "https://")):
            yield from iter_feed(path, path)  # feedparser fetches the URL
        elif path == "-" or not Path(path).is_file():
            yield from read_path(path, max_bytes=max_bytes)
        else:
            yield from _read_file(path, max_bytes)


class _Run:
    def __init__(self, store: Store, options: IngestOptions, progress: Progress | None,
                 pipeline: Analyser | None = None, corpus: Corpus | None = None) -> None:
        if corpus is not None and corpus.store is not store:
            raise ValueError("the Corpus given to ingest must be the one over the store it writes to")
        self.store, self.options = store, options
        self.progress = progress or (lambda outcome, source: None)
        self.pipeline = pipeline or Pipeline(options.analyze)
        self.corpus = corpus or Corpus(store, options.connect)
        self.report = IngestReport()

    def _note(self, outcome: Outcome, source: str, reason: str | None = None) -> None:
        self.report.record(outcome, source, reason)
        self.progress(outcome, source)

    def chunk(self, items: list[ReadResult | Skipped]) -> None:
        docs: list[tuple[str, RawDocument]] = []
        for item in items:
            if isinstance(item, Skipped):
                self._note("skipped", item.source, item.reason)
            elif item.error is not None:
                self._note("failed", item.error.source, item.error.reason)
            elif item.document is not None:
                docs.append((article_id(item.document), item.document))
        known = self.store.known_ids(i for i, _ in docs)
        new: dict[str, RawDocument] = {}
        for i, doc in docs:
            if i in known or i in new:
                self._note("duplicate", doc.source)
            else:
                new[i] = doc
        analysed = self.pipeline.analyze_many(new.values(), batch=max(len(new), 1))
        ready = []
        for (i, doc), result in zip(new.items(), analysed, strict=True):
            if isinstance(result, InputError):
                self._note(outcome_of(result), doc.source, result.reason)
            else:
                ready.append((i, result))
        for added, (_, article) in zip(self.corpus.add_batch(ready), ready, strict=True):
            self._note("near_duplicate" if added.duplicate_of else "ingested", article.source)


def ingest(sources: Iterable[str], store: Store, options: IngestOptions | None = None,
           progress: Progress | None = None, pipeline: Analyser | None = None) -> IngestReport:
    """Ingest every input of ``sources`` into ``store``; ``progress(outcome, source)`` is called per input.
    ``pipeline``: a Pipeline to reuse (its spaCy model stays loaded across calls), or one in a process of its
    own (``PipelineProcess``), else one built from options."""
    options = options or IngestOptions()
    return ingest_results(iter_inputs(sources, max_bytes=options.max_bytes), store, options, progress, pipeline)


def ingest_results(items: Iterable[ReadResult | Skipped], store: Store, options: IngestOptions | None = None,
                   progress: Progress | None = None, pipeline: Analyser | None = None,
                   corpus: Corpus | None = None) -> IngestReport:
    """Ingest inputs already read (e.g. a page posted to the web API), as ``ingest`` does files. ``corpus``: the
    store's connect state already loaded, to reuse (a writer that ingests again and again: the web server)."""
    options = options or IngestOptions()
    start = time.perf_counter()
    run = _Run(store, options, progress, pipeline, corpus)
    pending: list[ReadResult | Skipped] = []
    for item in items:
        pending.append(item)
        if len(pending) >= options.batch:
            run.chunk(pending)
            pending = []
    if pending:
        run.chunk(pending)
    run.report.stories = run.corpus.finish()
    run.report.seconds = time.perf_counter() - start
    return run.report
