"""The Ray Data band join on Parquet output against the store path: the same near-duplicate links and groups
(originals included) as ``ingest`` into SQLite, on originals with edited copies, on a local two-CPU Ray instance."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from corpus_gen import near_dup_set
from newsgraph.connect.near_duplicates import NearDupParams
from newsgraph.corpus import ConnectOptions
from newsgraph.engines import EngineOptions, run_ingest
from newsgraph.engines.band_join import near_duplicates
from newsgraph.errors import NewsgraphError
from newsgraph.ingest import IngestOptions, ingest
from newsgraph.store import SQLiteStore
from newsgraph.understand.pipeline import AnalyzeOptions

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:ray.data.context")
OPTIONS = IngestOptions(analyze=AnalyzeOptions(nlp=False), connect=ConnectOptions(features=False), batch=8)


@pytest.fixture(scope="module")
def shards(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Originals and three edited copies of each, shuffled (copies may come first), in three shards."""
    records = [d.record() for d in near_dup_set(copies=3)]
    folder = tmp_path_factory.mktemp("shards")
    for n in range(3):
        (folder / f"shard-{n}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records[n::3]),
                                                 encoding="utf-8")
    return folder


def test_band_join_finds_the_groups_the_store_finds(ray_cluster: Any, shards: Path, tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "local.db")
    expected = ingest([str(shards)], store, OPTIONS)
    rows = list(store.export_rows())
    store.close()
    stored_groups: dict[str, list[str]] = {}
    for r in rows:
        if r["original_id"] is not None:
            stored_groups.setdefault(r["original_id"], []).append(r["id"])
    assert expected.near_duplicates > 10 and len(stored_groups) > 5

    out = tmp_path / "pq"
    assert run_ingest([str(shards)], OPTIONS, EngineOptions("ray", workers=2, output=f"parquet:{out}")).ingested \
        == len(rows)
    found = near_duplicates(out, OPTIONS.connect.near_dup)
    assert len(found.pairs) == expected.near_duplicates
    assert {g.original: sorted(g.members) for g in found.groups} == {o: sorted(m) for o, m in stored_groups.items()}
    assert all(p.jaccard >= OPTIONS.connect.near_dup.threshold for p in found.pairs)


def test_band_join_refuses_other_settings(ray_cluster: Any, shards: Path, tmp_path: Path) -> None:
    out = tmp_path / "pq"
    run_ingest([str(shards / "shard-0.jsonl")], OPTIONS, EngineOptions("ray", workers=1, output=f"parquet:{out}"))
    with pytest.raises(NewsgraphError, match=r"other near-duplicate settings \(minhash:128/32/5/1;terms:0, not "
                                             r"minhash:128/32/5/2\)"):
        near_duplicates(out, NearDupParams(seed=2))
    with pytest.raises(NewsgraphError, match="no Parquet files in"):
        near_duplicates(tmp_path / "empty")
