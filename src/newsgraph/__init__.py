"""newsgraph: news pages -> structured articles -> who said what -> a connected corpus.

Importing this package loads no model and reads no file.
"""

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
