"""Execution engines for ingest: ``local`` (in-process) and ``ray`` (a Ray Data pipeline, the ``ray`` extra).

Both run the same batch functions (read a blob into input rows, analyse a batch, write a batch); only the
scheduling differs. Importing this package imports neither Ray nor pyarrow.
"""

from __future__ import annotations

from newsgraph.engines.ray_engine import ENGINES, EngineOptions, load_parquet, run_ingest

__all__ = ["ENGINES", "EngineOptions", "load_parquet", "run_ingest"]
