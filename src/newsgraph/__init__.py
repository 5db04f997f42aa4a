"""newsgraph: news pages -> structured articles -> who said what -> a connected corpus.

Importing this package loads no model and reads no file. It does set one default, before numpy loads: OpenBLAS
starts no thread pool (``OPENBLAS_NUM_THREADS=1`` unless already set). A process that loads the spaCy pipeline
holds BLAS to one thread anyway (``understand.spacy_speed``); on CPython 3.11 the pool's mere threads cost more
than that. spaCy's wheels for 3.11 are compiled with Cython's profiling hooks, so every call in the C loops of its
parser and NER takes and gives back the interpreter's lock; with a second thread in the process that handover
costs more, and the two slow down by a quarter (measured on news pages: NER 47.6 -> 34.8 ms an article and parser
16.0 -> 12.8 ms once the process has one thread). For the same reason the command line's progress bars draw
without a thread of their own. On 3.12, which ``./dev`` picks when the machine has it, the wheels carry no hooks
and an idle second thread costs nothing measurable.
"""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before anything imports numpy: see the docstring

from newsgraph.api import analyze, analyze_paths
from newsgraph.errors import InputError, MissingExtra, NewsgraphError, UnsupportedLanguage
from newsgraph.model import Article, Dateline, DateMention, Entity, Paragraph, Quote, RawDocument, Speaker
from newsgraph.understand.pipeline import AnalyzeOptions

__all__ = [
    "AnalyzeOptions",
    "Article",
    "DateMention",
    "Dateline",
    "Entity",
    "InputError",
    "MissingExtra",
    "NewsgraphError",
    "Paragraph",
    "Quote",
    "RawDocument",
    "Speaker",
    "UnsupportedLanguage",
    "analyze",
    "analyze_paths",
]
__version__ = "0.1.0"
