"""The analysis pipeline in a child process of its own, for Ray's actors.

A Ray worker process holds some twenty threads of Ray's, and on CPython 3.11 spaCy's parser and NER run markedly
slower in a process with other threads (see the package docstring; in a Ray actor the NER took 54-60 ms an
article against 36 ms in a process with one thread; on 3.12 the difference is gone, and the child costs only its
start and the pickling). So an actor hands its batches to a plain child process that holds only the
pipeline: pickled batches over the child's stdin and stdout, one batch at a time. The child ends when its stdin
closes, so it goes with an actor that ends or is killed. The channel carries only what the actor and its own
child exchange, never outside data in pickled form.

The child runs ``main`` (``PipelineProcess`` starts it with ``python -c``: ``-m`` would import this module twice,
once through the package).
"""

from __future__ import annotations

import pickle
import subprocess
import sys
from collections.abc import Iterable, Iterator
from typing import IO, Any

from newsgraph.errors import InputError, NewsgraphError
from newsgraph.model import Article, RawDocument
from newsgraph.understand.pipeline import AnalyzeOptions, Pipeline

_READY = "ready"
_CHILD = "from newsgraph.engines.analysis_process import main; main()"


class AnalysisProcessError(NewsgraphError):
    """The child process could not load the pipeline, or ended: the batch was not analysed."""


def _send(stream: IO[bytes], obj: Any) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(len(data).to_bytes(8, "little"))
    stream.write(data)
    stream.flush()


def _recv(stream: IO[bytes]) -> Any:
    header = stream.read(8)
    if len(header) < 8:
        raise EOFError("the other end closed the channel")
    size = int.from_bytes(header, "little")
    data = stream.read(size)
    if len(data) < size:
        raise EOFError("the other end closed the channel mid-message")
    return pickle.loads(data)  # our own child's answers, or its parent's batches: see the module docstring


class PipelineProcess:
    """``Pipeline.analyze_many`` run by a child process holding the pipeline (spaCy loads there, once)."""

    def __init__(self, options: AnalyzeOptions) -> None:
        self._child = subprocess.Popen([sys.executable, "-c", _CHILD], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        _send(self._stdin, options)
        answer = self._answer()
        if answer != _READY:
            self.close()
            raise AnalysisProcessError(f"the analysis process could not load the pipeline: {answer}")

    @property
    def _stdin(self) -> IO[bytes]:
        assert self._child.stdin is not None
        return self._child.stdin

    def _answer(self) -> Any:
        assert self._child.stdout is not None
        try:
            return _recv(self._child.stdout)
        except EOFError as exc:
            code = self._child.wait()
            raise AnalysisProcessError(f"the analysis process ended (exit code {code}): see its messages "
                                       "above") from exc

    def analyze_many(self, docs: Iterable[RawDocument], batch: int = 16) -> Iterator[Article | InputError]:
        _send(self._stdin, (list(docs), batch))
        results: list[Article | InputError] = self._answer()
        return iter(results)

    def alive(self) -> bool:
        return self._child.poll() is None

    def close(self, wait: float = 30.0) -> None:
        """Let the child go (it ends when its stdin closes, once a batch it is on is answered) and wait for it,
        ``wait`` seconds at most: then it is killed."""
        self._stdin.close()
        try:
            self._child.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            self._child.kill()
            self._child.wait()
        if self._child.stdout is not None:
            self._child.stdout.close()

    def __del__(self) -> None:
        # A finaliser must not hang: a child left answering a batch nobody reads (its caller was interrupted) is
        # stuck writing to a full pipe, so it gets a second to end, not close's 30.
        child = getattr(self, "_child", None)
        if child is not None and child.stdin is not None and not child.stdin.closed:
            self.close(wait=1.0)


def main() -> None:
    """The child: load the pipeline, then analyse each batch received, until stdin closes."""
    channel_in, channel_out = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print must not corrupt the channel
    options: AnalyzeOptions = _recv(channel_in)
    try:  # the model loads now, so that a failure is told at once
        pipeline = Pipeline(options).loaded()
    except Exception as exc:  # told to the parent, which raises it with this text
        _send(channel_out, f"{type(exc).__name__}: {exc}")
        return
    _send(channel_out, _READY)
    while True:
        try:
            docs, batch = _recv(channel_in)
        except EOFError:
            return
        _send(channel_out, list(pipeline.analyze_many(docs, batch=batch)))
