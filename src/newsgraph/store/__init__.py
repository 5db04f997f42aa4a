"""Store: the corpus database. ``open_store(url_or_path)`` picks the backend; ``Store`` is the interface."""

from newsgraph.store.base import ArticleRecord, ArticleSummary, QuoteRow, SearchHit, Store, StoryRow
from newsgraph.store.factory import open_store
from newsgraph.store.sqlite import SQLiteStore, StoreError

__all__ = ["ArticleRecord", "ArticleSummary", "QuoteRow", "SQLiteStore", "SearchHit", "Store", "StoreError",
           "StoryRow", "open_store"]
