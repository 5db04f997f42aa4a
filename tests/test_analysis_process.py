"""The pipeline in a child process of its own (Ray's actors use it): the same results as in-process, errors
included, in a process with one thread; the child ends when its parent lets go of it."""

from __future__ import annotations

import gc
import os
import time
from pathlib import Path

import pytest

from newsgraph.engines.analysis_process import AnalysisProcessError, PipelineProcess, _send
from newsgraph.errors import InputError, UnsupportedLanguage
from newsgraph.model import RawDocument
from newsgraph.understand.pipeline import AnalyzeOptions, Pipeline

FIXTURES = Path(__file__).resolve().parent / "fixtures"
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _docs() -> list[RawDocument]:
    pages = sorted(EXAMPLES.glob("*.txt"))[:4]
    docs = [RawDocument(p.name, p.read_text(encoding="utf-8"), "text") for p in pages]
    bad = FIXTURES / "bad"
    return [*docs, RawDocument("german.txt", (bad / "german.txt").read_text(encoding="utf-8"), "text"),
            RawDocument("empty.txt", "   ", "text")]


def test_a_child_process_analyses_as_the_pipeline_does_in_a_process_with_one_thread() -> None:
    docs = _docs()
    expected = list(Pipeline(AnalyzeOptions()).analyze_many(docs, batch=3))
    child = PipelineProcess(AnalyzeOptions())
    try:
        got = list(child.analyze_many(docs, batch=3))
        assert len(list(Path(f"/proc/{child._child.pid}/task").iterdir())) == 1
        assert list(child.analyze_many([], batch=1)) == []
    finally:
        child.close()
    assert child._child.returncode == 0  # it ended when its stdin closed
    assert [type(g) for g in got] == [type(e) for e in expected]
    assert isinstance(got[-2], UnsupportedLanguage) and isinstance(got[-1], InputError)
    assert [(g.source, g.reason) for g in got if isinstance(g, InputError)] == \
        [(e.source, e.reason) for e in expected if isinstance(e, InputError)]
    assert [g.to_dict() for g in got if not isinstance(g, InputError)] == \
        [e.to_dict() for e in expected if not isinstance(e, InputError)]


def test_a_child_that_cannot_load_its_model_says_why() -> None:
    with pytest.raises(AnalysisProcessError, match="could not load the pipeline: NewsgraphError: spaCy model 'no_such"):
        PipelineProcess(AnalyzeOptions(spacy_model="no_such_model"))


def test_a_child_that_dies_is_an_error_naming_its_exit_code() -> None:
    child = PipelineProcess(AnalyzeOptions(nlp=False))
    os.kill(child._child.pid, 9)
    with pytest.raises(AnalysisProcessError, match=r"the analysis process ended \(exit code -9\)"):
        list(child.analyze_many(_docs()[:1]))


def test_a_child_dropped_mid_answer_is_killed_within_seconds_not_waited_for() -> None:
    child = PipelineProcess(AnalyzeOptions(nlp=False))
    process = child._child
    # a batch whose answer nobody reads, as when its caller was interrupted: the child blocks writing to the pipe
    docs = [RawDocument(f"{i}-{d.source}", d.content, "text") for i in range(40) for d in _docs()[:4]]
    _send(child._stdin, (docs, len(docs)))  # 600 KB of articles back: more than a pipe holds
    started = time.monotonic()
    del child
    gc.collect()
    assert time.monotonic() - started < 10  # close's own wait is 30 s
    assert process.poll() is not None
