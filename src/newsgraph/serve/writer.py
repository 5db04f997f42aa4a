"""The web server's one writer: ``POST /api/articles`` ingests through it.

It keeps, across posts, what is costly to get: the language pipeline (spaCy loads once, on the first post), the
open store and the store's connect state (the story clusterer and the document frequencies, which ``Corpus``
reads from the store: about a second at 10k articles, more as the corpus grows, when it was read again for
every post). Everything runs on one thread of its own, so posts are written one at a time, in the order they
arrive, and the store's connection stays with the thread that opened it. With the language stages on, the pipeline
itself runs in a child process with one thread (``engines.analysis_process``): in the server's process, among uvicorn's
threads, spaCy's parser and NER run about a third slower on CPython 3.11 (see the package docstring), and a parse there
would hold the interpreter's lock against the threads serving pages. A child that dies is replaced on the next post.

Another process may write to the same store between two posts (``newsgraph ingest``): the store's last ``seq``
then differs from the one this writer left, and the connect state is read again before the next post, as a new
ingest run would. A post that fails to store drops the state too (``Corpus`` rolls it back itself as well).
"""

from __future__ import annotations

import asyncio
import contextlib
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from newsgraph.model import RawDocument
from newsgraph.read.sources import ReadResult

if TYPE_CHECKING:
    from newsgraph.corpus import Corpus
    from newsgraph.ingest import IngestOptions, IngestReport
    from newsgraph.store.base import Store
    from newsgraph.understand.pipeline import Analyser


class Writer:
    """Ingests posted pages into the store at ``store_url``, one at a time, on a thread of its own."""

    def __init__(self, store_url: str, options: IngestOptions | None = None) -> None:
        self.store_url = store_url  # with its password: what the store is opened with
        self.options = options
        self.pipeline: Analyser | None = None  # built on the first post
        self.loads = 0  # how many times the connect state was read from the store (tests read it)
        self._store: Store | None = None
        self._corpus: Corpus | None = None
        self._seen = -1  # the store's last seq after this writer's last post (-1: read the state again)
        self._thread: ThreadPoolExecutor | None = None  # started on the first post, again after ``close``

    async def ingest(self, doc: RawDocument) -> tuple[IngestReport, int]:
        """Ingest one page on the writer's thread; returns the report and the store's last seq before it."""
        if self._thread is None:
            self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="newsgraph-writer")
        return await asyncio.get_running_loop().run_in_executor(self._thread, self._ingest, doc)

    def _ingest(self, doc: RawDocument) -> tuple[IngestReport, int]:
        from newsgraph.corpus import Corpus
        from newsgraph.engines.analysis_process import PipelineProcess
        from newsgraph.ingest import IngestOptions, ingest_results  # the language tools load on the first post
        from newsgraph.store import open_store
        from newsgraph.understand.pipeline import Pipeline

        options = self.options or IngestOptions()
        if self.pipeline is None:
            self.pipeline = PipelineProcess(options.analyze) if options.analyze.nlp else Pipeline(options.analyze)
        if self._store is None:
            self._store = open_store(self.store_url)
        before = self._store.max_seq()
        if self._corpus is None or before != self._seen:  # first post, or another process wrote meanwhile
            self._corpus = Corpus(self._store, options.connect)
            self.loads += 1
        try:
            report = ingest_results([ReadResult(doc.source, document=doc)], self._store, options,
                                    pipeline=self.pipeline, corpus=self._corpus)
        except BaseException:
            self._drop()
            if isinstance(self.pipeline, PipelineProcess) and not self.pipeline.alive():
                self.pipeline = None  # the next post starts another
            raise
        after = self._store.max_seq()
        # articles other than this post's: another process wrote around it, so read the state again next time
        self._seen = after if after == before + report.ingested else -1
        return report, before

    def _drop(self) -> None:
        """Forget the store and its state: the next post opens and reads them again (after an error: a lost
        connection, a store that changed in a way this writer cannot tell)."""
        store, self._store, self._corpus, self._seen = self._store, None, None, -1
        if store is not None:
            with contextlib.suppress(Exception):  # closing a broken connection: nothing left to save
                store.close()

    def close(self) -> None:
        """Close the store on the writer's thread and stop the thread (the server is shutting down); a later
        post starts them again."""
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.submit(self._drop).result()
            thread.shutdown()
        close = getattr(self.pipeline, "close", None)  # a pipeline process ends; an in-process one stays loaded
        if close is not None:
            self.pipeline = None
            close()
