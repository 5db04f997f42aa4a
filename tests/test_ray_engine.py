"""The Ray engine on a local two-CPU Ray instance against the local engine, on real SQLite files: the same article
rows (ids, headlines, near-duplicates, stories, quotes), bad inputs reported by name, idempotent reruns, Parquet
output and its bulk load, the CLI options, and the pip line when Ray is missing."""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from corpus_gen import near_dup_set
from newsgraph import corpus
from newsgraph.cli import app
from newsgraph.corpus import ConnectOptions, prepare
from newsgraph.engines import EngineOptions, load_parquet, run_ingest
from newsgraph.engines.batches import prepared_of
from newsgraph.errors import MissingExtra
from newsgraph.ingest import IngestOptions, ingest
from newsgraph.store import SQLiteStore
from newsgraph.store.sqlite import article_from_json
from newsgraph.understand.pipeline import AnalyzeOptions
from test_ingest import warc_records

# Ray 2.60 warns about its own deprecated settings while it copies a DataContext (nothing we set).
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:ray.data.context")
QUOTES = IngestOptions(analyze=AnalyzeOptions(stages=("quotes",)), batch=8)
STRUCTURE = IngestOptions(analyze=AnalyzeOptions(nlp=False), batch=8)
BAD_LINE = "{not json\n"


@pytest.fixture(scope="module")
def shards(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three JSONL shards: originals and their near-duplicate copies (so order matters), one bad line."""
    records = [d.record() for d in near_dup_set(copies=1)][:18]
    folder = tmp_path_factory.mktemp("shards")
    for n in range(3):
        lines = [json.dumps(r) + "\n" for r in records[n::3]]
        if n == 1:
            lines.insert(2, BAD_LINE)
        (folder / f"shard-{n}.jsonl").write_text("".join(lines), encoding="utf-8")
    return folder


def rows(store: SQLiteStore) -> list[tuple[Any, ...]]:
    out = []
    for r in store.export_rows():
        article = store.article(r["id"])
        assert article is not None
        quotes = tuple((q.text, q.speaker.name) for q in article.quotes)
        out.append((r["id"], r["headline"], r["original_id"], r["story_id"], tuple(r["tags"]), quotes))
    return sorted(out)


def test_ray_and_local_store_the_same_articles(ray_cluster: Any, shards: Path, tmp_path: Path) -> None:
    local, on_ray = SQLiteStore(tmp_path / "local.db"), SQLiteStore(tmp_path / "ray.db")
    expected = ingest([str(shards)], local, QUOTES)
    report = run_ingest([str(shards)], QUOTES, EngineOptions("ray", workers=2), on_ray)
    assert report.ingested == expected.ingested == 18
    assert report.near_duplicates == expected.near_duplicates > 0
    assert report.stories == expected.stories
    bad = [(s, r) for s, r in report.failed]
    assert bad == expected.failed
    assert len(bad) == 1 and bad[0][0] == f"{shards / 'shard-1.jsonl'}:3" and "invalid JSON line" in bad[0][1]
    stored = rows(on_ray)
    assert stored == rows(local)
    assert sum(len(r[5]) for r in stored) > 0  # quotes ran on the workers

    again = run_ingest([str(shards)], QUOTES, EngineOptions("ray", workers=2), on_ray)
    assert (again.ingested, again.duplicates, len(again.failed)) == (0, 18, 1)
    assert rows(on_ray) == stored
    local.close()
    on_ray.close()


def test_parquet_output_then_bulk_load(ray_cluster: Any, shards: Path, tmp_path: Path) -> None:
    out = tmp_path / "pq"
    report = run_ingest([str(shards), str(tmp_path / "missing.jsonl")], STRUCTURE,
                        EngineOptions("ray", workers=1, output=f"parquet:{out}"))
    assert report.ingested == 18
    assert {s for s, _ in report.failed} == {str(tmp_path / "missing.jsonl"), f"{shards / 'shard-1.jsonl'}:3"}
    loaded, local = SQLiteStore(tmp_path / "loaded.db"), SQLiteStore(tmp_path / "local.db")
    assert load_parquet(out, loaded, STRUCTURE).ingested == 18
    assert load_parquet(out, loaded, STRUCTURE).duplicates == 18
    ingest([str(shards)], local, STRUCTURE)
    assert rows(loaded) == rows(local)
    loaded.close()
    local.close()
    from typer.testing import CliRunner

    from newsgraph.cli import app

    by_cli = tmp_path / "cli.db"
    result = CliRunner().invoke(app, ["load", str(out), "--db", str(by_cli), "--batch", "8"])
    assert result.exit_code == 0, result.stderr
    assert "18 ingested" in result.stderr
    again = CliRunner().invoke(app, ["load", str(out), "--db", str(by_cli)])
    assert again.exit_code == 0 and "0 ingested" in again.stderr and "18 already stored" in again.stderr
    with SQLiteStore(by_cli) as cli_store, SQLiteStore(tmp_path / "local.db") as local_store:
        assert rows(cli_store) == rows(local_store)
    missing = CliRunner().invoke(app, ["load", str(tmp_path / "none"), "--db", str(tmp_path / "x.db")])
    assert missing.exit_code == 2 and "no Parquet files in" in missing.stderr


def test_workers_prepare_the_connect_inputs(ray_cluster: Any, shards: Path, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Signature, band keys and terms come from the workers, equal what the driver would compute, and the
    driver's bulk load uses them instead of computing them again."""
    pq = pytest.importorskip("pyarrow.parquet")
    out = tmp_path / "pq"
    run_ingest([str(shards)], QUOTES, EngineOptions("ray", workers=2, output=f"parquet:{out}"))
    table = pq.read_table(out / "articles.parquet").to_pylist()
    assert len(table) == 18
    for row in table:
        expected = prepare(article_from_json(row["article"]), QUOTES.connect)
        assert prepared_of(row, QUOTES.connect) == expected and expected.terms
        assert prepared_of(row, ConnectOptions(features=False)) is None  # other settings: computed again

    def no_prepare(article: Any, options: Any) -> Any:
        raise AssertionError("the driver recomputed what the workers carried")

    loaded = SQLiteStore(tmp_path / "loaded.db")
    with monkeypatch.context() as m:
        m.setattr(corpus, "prepare", no_prepare)
        assert load_parquet(out, loaded, QUOTES).ingested == 18
    local = SQLiteStore(tmp_path / "local.db")
    ingest([str(shards)], local, QUOTES)
    assert rows(loaded) == rows(local)
    loaded.close()
    local.close()


def test_warc_files_and_bad_gzip_read_as_locally(ray_cluster: Any, tmp_path: Path) -> None:
    records = warc_records()
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.warc").write_bytes(b"".join(records))
    (tmp_path / "in" / "b.warc.gz").write_bytes(b"".join(gzip.compress(r) for r in records[1:2]))
    (tmp_path / "in" / "c.gz").write_bytes(gzip.compress(b"just text " * 100))
    local, on_ray = SQLiteStore(tmp_path / "local.db"), SQLiteStore(tmp_path / "ray.db")
    expected = ingest([str(tmp_path / "in")], local, STRUCTURE)
    report = run_ingest([str(tmp_path / "in")], STRUCTURE, EngineOptions("ray", workers=1), on_ray)
    assert (report.ingested, report.duplicates) == (expected.ingested, expected.duplicates) == (2, 1)
    assert report.skipped == expected.skipped and [r for _, r in report.skipped] == ["not HTML (image/png)"]
    assert report.failed == expected.failed == [(str(tmp_path / "in" / "c.gz"),
                                                 "gzip file that is not a WARC archive: decompress it first")]
    assert rows(on_ray) == rows(local)
    local.close()
    on_ray.close()


def test_cli_engine_ray(ray_cluster: Any, shards: Path, tmp_path: Path) -> None:
    db = tmp_path / "cli.db"
    result = CliRunner().invoke(app, ["ingest", "--engine", "ray", "--db", str(db), "--stages", "none", "-q",
                                      str(shards)])
    assert result.exit_code == 1  # one bad line among good ones
    assert SQLiteStore(db).count() == 18
    result = CliRunner().invoke(app, ["ingest", "--address", "auto", "--db", str(db), str(shards)])
    assert result.exit_code == 2 and "needs engine ray" in result.stderr


def test_missing_ray_names_the_pip_line(monkeypatch: pytest.MonkeyPatch, shards: Path, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray now raises ImportError
    store = SQLiteStore(tmp_path / "c.db")
    with pytest.raises(MissingExtra, match=r"pip install 'newsgraph\[ray\]'"):
        run_ingest([str(shards)], STRUCTURE, EngineOptions("ray"), store)


def test_engine_options_say_what_is_wrong() -> None:
    with pytest.raises(ValueError, match="use one of local, ray"):
        EngineOptions("spark")
    with pytest.raises(ValueError, match="parquet:DIR"):
        EngineOptions("ray", output="csv:out")
