"""Execution engines for ingest: ``local`` (in-process) and ``ray`` (a Ray Data pipeline, the ``ray`` extra).

Both run the same batch functions (read a blob into input rows, analyse a batch, write a batch); only the
scheduling differs. ``near_duplicates`` finds the near-duplicates of Parquet output by a parallel band join.
Importing this package imports neither Ray nor pyarrow.
"""

from __future__ import annotations

from newsgraph.engines.band_join import DuplicateGroup, NearDuplicate, NearDuplicates, near_duplicates
from newsgraph.engines.ray_engine import ENGINES, EngineOptions, load_parquet, run_ingest

__all__ = ["ENGINES", "DuplicateGroup", "EngineOptions", "NearDuplicate", "NearDuplicates", "load_parquet",
           "near_duplicates", "run_ingest"]
