"""Export the corpus as JSON Lines, CSV or Parquet: one flat row per article (``Store.export_rows``)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TextIO

from newsgraph.errors import MissingExtra, NewsgraphError

FORMATS = ("jsonl", "csv", "parquet")
CSV_COLUMNS = ["id", "url", "headline", "published", "source", "language", "tags", "original_id", "story_id"]


def write_jsonl(rows: Iterable[dict[str, Any]], out: TextIO) -> int:
    n = 0
    for n, row in enumerate(rows, 1):  # noqa: B007 - n is the count afterwards
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
    return n


def write_csv(rows: Iterable[dict[str, Any]], out: TextIO) -> int:
    """CSV without the body; ``tags`` joined with "; " in rank order."""
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    n = 0
    for n, row in enumerate(rows, 1):  # noqa: B007
        writer.writerow({**row, "tags": "; ".join(row["tags"])})
    return n


def write_parquet(rows: Iterable[dict[str, Any]], path: Path, batch: int = 10_000) -> int:
    """Parquet through pyarrow, written in row groups so memory stays bounded."""
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise MissingExtra("pyarrow (needed for --format parquet)", "parquet") from exc
    schema = pa.schema([("id", pa.string()), ("url", pa.string()), ("headline", pa.string()),
                        ("published", pa.string()), ("source", pa.string()), ("language", pa.string()),
                        ("tags", pa.list_(pa.string())), ("original_id", pa.string()), ("story_id", pa.string()),
                        ("body", pa.string())])
    n = 0
    with pq.ParquetWriter(str(path), schema) as writer:
        chunk: list[dict[str, Any]] = []
        for row in rows:
            chunk.append({k: row.get(k) for k in schema.names})
            if len(chunk) >= batch:
                writer.write_table(pa.Table.from_pylist(chunk, schema=schema))
                n, chunk = n + len(chunk), []
        if chunk or n == 0:
            writer.write_table(pa.Table.from_pylist(chunk, schema=schema))
            n += len(chunk)
    return n


def export(rows: Iterable[dict[str, Any]], fmt: str, out: TextIO | Path) -> int:
    """Write ``rows`` in ``fmt`` to a text stream (jsonl, csv) or a file path (any); returns the row count."""
    if fmt not in FORMATS:
        raise NewsgraphError(f"unknown export format {fmt!r}: use one of {', '.join(FORMATS)}")
    if fmt == "parquet":
        if not isinstance(out, Path):
            raise NewsgraphError("parquet is binary: give a file with --output corpus.parquet")
        return write_parquet(rows, out)
    writer = write_jsonl if fmt == "jsonl" else write_csv
    if isinstance(out, Path):
        with out.open("w", encoding="utf-8", newline="") as fh:
            return writer(rows, fh)
    return writer(rows, out)
