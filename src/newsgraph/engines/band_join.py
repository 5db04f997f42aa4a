"""Near-duplicates of Parquet output (``run_ingest(output='parquet:DIR')``) as a parallel second pass: an LSH band
join on Ray Data instead of one band lookup per article on the driver.

    read_parquet(DIR) -> map_batches(explode)          one row per (band key, article): 32 per article
        -> groupby(band key).map_groups(bucket_pairs)  candidate pairs within a bucket, kept when their
                                                       signature Jaccard >= threshold (a pair found in several
                                                       buckets is kept once per bucket)
        -> on the driver: each article's best earlier match, then the groups (union of those links)

This finds what ``Corpus`` finds when the same rows are loaded in order into an empty store: each article links
to its best earlier match (highest Jaccard, then highest id), groups are the articles so linked, and a group's
original is its earliest member (first published, undated last, then first written). The signatures and band
keys come from the Parquet files (the analysis workers computed them); nothing is hashed again. Each exploded
row carries its signature (512 bytes at 128 permutations), so the shuffle moves 32 signatures per article: simple,
and still linear in the corpus.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from newsgraph.connect.near_duplicates import DEFAULT_PARAMS, NearDupParams, signature_values, values_jaccard
from newsgraph.errors import NewsgraphError

_COLUMNS = ["id", "seq", "published", "signature", "bands", "prepared_with"]
_MATCH = ("id", "seq", "published", "other", "other_seq", "other_published", "jaccard")


@dataclass(frozen=True, slots=True)
class NearDuplicate:
    """``id`` is a near-duplicate of the earlier ``duplicate_of`` (its best match among the articles before it)."""

    id: str
    duplicate_of: str
    jaccard: float


@dataclass(frozen=True, slots=True)
class DuplicateGroup:
    """``original``: the earliest member; ``members``: every member, the original included, in written order."""

    original: str
    members: list[str]


@dataclass(frozen=True, slots=True)
class NearDuplicates:
    pairs: list[NearDuplicate]
    groups: list[DuplicateGroup]


def near_duplicates(directory: str | Path, params: NearDupParams = DEFAULT_PARAMS) -> NearDuplicates:
    """The near-duplicate links and groups of the articles in the Parquet files of ``directory``, found by a Ray
    Data band join (on the running Ray instance; Ray Data starts a local one when none runs). ``params`` must be
    the settings the files were written with."""
    from newsgraph.engines.ray_engine import _import_ray, _pyarrow_parquet

    ray = _import_ray()
    paths = sorted(str(p) for p in Path(directory).glob("*.parquet"))
    if not paths:
        raise NewsgraphError(f"no Parquet files in {directory}: write them with --output parquet:{directory}")
    minhash = _minhash_key(params)
    first = _pyarrow_parquet().ParquetFile(paths[0])
    if first.metadata.num_rows and "prepared_with" in first.schema_arrow.names:
        _check(first.read_row_group(0, columns=["id", "prepared_with", "signature"]).slice(0, 1).to_pylist()[0],
               minhash)
    ds = ray.data.read_parquet(paths).select_columns(_COLUMNS)
    exploded = ds.map_batches(_explode, fn_kwargs={"minhash": minhash}, batch_format="pyarrow")
    pair_args = {"threshold": params.threshold, "num_perm": params.num_perm}
    matches = exploded.groupby("key").map_groups(_bucket_pairs, fn_kwargs=pair_args, batch_format="pyarrow")
    return _link(matches.iter_rows())


def _minhash_key(params: NearDupParams) -> str:
    from newsgraph.corpus import ConnectOptions
    from newsgraph.engines.batches import prepared_key

    return prepared_key(ConnectOptions(near_dup=params)).split(";")[0]


def _check(row: dict[str, Any], minhash: str) -> None:
    if row["signature"] is None or not str(row["prepared_with"] or "").startswith(minhash + ";"):
        raise NewsgraphError(
            f"article {row['id']} was written with other near-duplicate settings ({row['prepared_with']}, not "
            f"{minhash}) or without signatures: pass the NearDupParams the files were written with, or write "
            "them again with this version")


def _explode(table: Any, minhash: str) -> Any:
    """Articles -> one row per (band number:key, article)."""
    import pyarrow as pa

    out: dict[str, list[Any]] = {"key": [], "id": [], "seq": [], "published": [], "signature": []}
    for row in table.to_pylist():
        _check(row, minhash)
        for band, key in enumerate(row["bands"]):
            out["key"].append(f"{band}:{key}")
            for column in ("id", "seq", "published", "signature"):
                out[column].append(row[column])
    return pa.table(out, schema=pa.schema([("key", pa.string()), ("id", pa.string()), ("seq", pa.int64()),
                                           ("published", pa.string()), ("signature", pa.binary())]))


def _bucket_pairs(table: Any, threshold: float, num_perm: int) -> Any:
    """The pairs of one bucket at Jaccard >= ``threshold``, each as (later article, earlier article)."""
    if table.num_rows < 2:  # most buckets: one article, no pair
        return _match_schema().empty_table()
    rows = sorted(table.to_pylist(), key=lambda r: r["seq"])
    out: dict[str, list[Any]] = {c: [] for c in _MATCH}
    sigs = [signature_values(r["signature"], num_perm) for r in rows]
    for j in range(1, len(rows)):
        for i in range(j):
            score = values_jaccard(sigs[i], sigs[j])
            if score >= threshold and rows[i]["id"] != rows[j]["id"]:
                for column, value in zip(_MATCH, (rows[j]["id"], rows[j]["seq"], rows[j]["published"], rows[i]["id"],
                                                  rows[i]["seq"], rows[i]["published"], score), strict=True):
                    out[column].append(value)
    import pyarrow as pa

    return pa.table(out, schema=_match_schema())


@lru_cache(maxsize=1)
def _match_schema() -> Any:
    import pyarrow as pa

    types = (pa.string(), pa.int64(), pa.string(), pa.string(), pa.int64(), pa.string(), pa.float64())
    return pa.schema(list(zip(_MATCH, types, strict=True)))


def _link(matches: Iterable[dict[str, Any]]) -> NearDuplicates:
    """Each article's best earlier match, then the groups those links make (as ``Corpus`` and the store do)."""
    best: dict[str, tuple[float, str]] = {}
    order: dict[str, tuple[bool, str, int]] = {}
    for m in matches:
        order[m["id"]] = (m["published"] is None, m["published"] or "", m["seq"])
        order[m["other"]] = (m["other_published"] is None, m["other_published"] or "", m["other_seq"])
        candidate = (m["jaccard"], m["other"])
        if m["id"] not in best or candidate > best[m["id"]]:
            best[m["id"]] = candidate
    group: dict[str, str] = {}  # article -> the first article of its group, in written order
    for article in sorted(best, key=lambda a: order[a][2]):
        other = best[article][1]
        group[article] = group.setdefault(other, other)
    members: dict[str, list[str]] = {}
    for article in sorted(group, key=lambda a: order[a][2]):
        members.setdefault(group[article], []).append(article)
    groups = [DuplicateGroup(min(ms, key=order.__getitem__), ms) for ms in members.values()]
    pairs = [NearDuplicate(a, o, j) for a, (j, o) in sorted(best.items(), key=lambda kv: order[kv[0]][2])]
    return NearDuplicates(pairs, groups)
