"""The corpus commands, in-process through Typer's runner, on real SQLite files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from corpus_gen import ARTICLES, canonical_dump
from newsgraph.cli import app
from newsgraph.store import SQLiteStore
from test_store import make_article, record

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("cli") / "c.db"
    code, _, err = run("ingest", "--db", str(db), "--stages", "none", str(ARTICLES))
    assert code == 0, err
    assert "12 ingested (0 near-duplicates), 0 already stored, 0 skipped, 0 failed" in err
    return db


def test_ingest_exit_codes_name_each_failure(tmp_path: Path) -> None:
    bad = tmp_path / "empty.txt"
    bad.write_text("   \n", encoding="utf-8")
    code, _, err = run("ingest", "--db", str(tmp_path / "a.db"), "--stages", "none", str(ARTICLES), str(bad))
    assert code == 1
    assert f"error: {bad}: empty input" in err and "12 ingested" in err
    code, _, err = run("ingest", "--db", str(tmp_path / "b.db"), "--stages", "none", str(bad),
                       str(tmp_path / "missing.txt"))
    assert code == 126 and f"error: {tmp_path / 'missing.txt'}: no such file or directory" in err
    code, _, err = run("ingest", "--db", "mysql://x/y", str(ARTICLES))
    assert code == 2 and "unknown store scheme 'mysql'" in err
    code, _, err = run("ingest", "--db", str(tmp_path / "c.db"), "--stages", "nosuch", str(ARTICLES))
    assert code == 2 and "unknown stage(s) nosuch" in err



def test_pages_in_a_language_not_analysed_are_skipped_with_the_reason_not_failed(tmp_path: Path) -> None:
    """A multilingual source (a CC-NEWS archive, a feed) is not broken for holding them: exit code 0."""
    bad = Path(__file__).resolve().parent / "fixtures" / "bad"
    code, _, err = run("ingest", "--db", str(tmp_path / "l.db"), str(ARTICLES), str(bad / "german.txt"),
                       str(bad / "spanish.txt"))
    assert code == 0, err
    assert "12 ingested (0 near-duplicates), 0 already stored, 2 skipped, 0 failed" in err
    assert f"skipped: {bad / 'german.txt'}: language 'de' is not analysed" in err
    assert f"skipped: {bad / 'spanish.txt'}: language 'es' is not analysed" in err
    code, _, err = run("ingest", "--db", str(tmp_path / "l.db"), str(bad / "no-article.html"))
    assert code == 126 and "0 skipped, 1 failed" in err  # a page that is broken still fails

def test_ingest_names_skipped_inputs_and_caps_the_list(tmp_path: Path) -> None:
    entry = "<entry><title>E{0}</title><id>urn:e{0}</id><updated>2024-05-20T10:00:00Z</updated></entry>"
    feed = tmp_path / "empty.atom"
    feed.write_text('<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>T'
                    f'</title><id>urn:t</id>{"".join(entry.format(i) for i in range(25))}</feed>', encoding="utf-8")
    code, _, err = run("ingest", "--db", str(tmp_path / "s.db"), "--stages", "none", str(feed))
    assert code == 0, err
    lines = [line for line in err.splitlines() if line.startswith("skipped: ")]
    assert lines[0].startswith(f"skipped: {feed}#1") and lines[0].endswith(": feed entry has no content or summary")
    assert len(lines) == 21 and lines[-1] == "skipped: ... and 5 more"
    assert "0 ingested (0 near-duplicates), 0 already stored, 25 skipped, 0 failed" in err


def test_rerunning_ingest_reports_everything_as_already_stored(corpus: Path) -> None:
    before = canonical_dump(corpus)
    code, _, err = run("ingest", "--db", str(corpus), "--stages", "none", str(ARTICLES))
    assert code == 0 and "0 ingested (0 near-duplicates), 12 already stored" in err
    assert canonical_dump(corpus) == before


def test_stories_json_lists_span_members_and_urls(corpus: Path) -> None:
    code, out, _ = run("stories", "--db", str(corpus), "--format", "json")
    stories = json.loads(out)
    assert code == 0 and sum(len(s["members"]) for s in stories) == 12
    bridge = next(s for s in stories if any("calder-bridge-closed" in m["url"] for m in s["members"]))
    assert set(bridge) == {"id", "label", "first", "last", "members"}
    assert bridge["first"].startswith("2024-03-04") and len(bridge["members"]) >= 2
    assert all(m["url"].startswith("https://") and m["id"] for m in bridge["members"])


def test_similar_ranks_the_same_story_first(corpus: Path) -> None:
    url = "https://harbourpost.example/2024/03/04/calder-bridge-closed"
    code, out, _ = run("similar", "--db", str(corpus), url, "--format", "json", "-k", "3")
    hits = json.loads(out)
    assert code == 0 and len(hits) >= 2
    assert {h["url"] for h in hits[:2]} == {"https://northshoretimes.example/news/bridge-shutdown-commuters",
                                            "https://dailyledger.example/2024/03/05/calder-bridge-repairs-weeks"}
    assert hits[0]["score"] >= hits[1]["score"] > 0
    code, _, err = run("similar", "--db", str(corpus), "no-such-article")
    assert code == 1 and "no article 'no-such-article'" in err


def test_search_and_export(corpus: Path, tmp_path: Path) -> None:
    code, out, _ = run("search", "--db", str(corpus), "apricot orchards")
    assert code == 0 and "apricot" in out.lower()
    code, out, _ = run("export", "--db", str(corpus), "--format", "jsonl")
    rows = [json.loads(line) for line in out.splitlines()]
    assert len(rows) == 12 and all(r["url"] and isinstance(r["tags"], list) for r in rows)
    code, out, _ = run("export", "--db", str(corpus), "--format", "csv")
    assert out.splitlines()[0] == "id,url,headline,published,source,language,tags,original_id,story_id"
    pq = pytest.importorskip("pyarrow.parquet")
    code, _, err = run("export", "--db", str(corpus), "--format", "parquet", "-o", str(tmp_path / "c.parquet"))
    table = pq.read_table(tmp_path / "c.parquet")
    assert code == 0 and table.num_rows == 12 and "12 articles written" in err
    code, _, err = run("export", "--db", str(corpus), "--format", "parquet")
    assert code == 2 and "--output corpus.parquet" in err


def test_quotes_by_speaker(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "q.db")
    with store.transaction():
        store.add_article(record("q1", make_article()))
    store.close()
    code, out, _ = run("quotes", "--db", str(tmp_path / "q.db"), "--speaker", "Marsk")
    assert code == 0 and "Helena Marsk: \u201cWe are not taking chances,\u201d" in out
    code, out, err = run("quotes", "--db", str(tmp_path / "q.db"), "--speaker", "Nobody")
    assert out == "" and "no quotes by 'Nobody'" in err


@pytest.mark.slow
def test_seed_article_finds_its_related_examples(tmp_path: Path, shared: Path) -> None:
    """The seed page ingested with the project's examples (all stages on): ``similar`` returns the Putin/Gaza
    coverage first and the unrelated examples (marathon, central bank, comet, port strike) last or not at all."""
    seed = shared / "seed" / "putin-gaza-2023-10-13.txt"
    db = str(tmp_path / "seed.db")
    code, _, err = run("ingest", "--db", db, str(ROOT / "examples"), str(seed))
    assert code == 0, err
    code, out, _ = run("similar", "--db", db, str(seed), "--format", "json", "-k", "10")
    hits = [h["source"] for h in json.loads(out)]
    related = {"01-putin-bishkek-wire.txt", "02-kremlin-gaza-explainer.txt", "04-putin-gaza-syndicated.txt",
               "05-peskov-briefing.txt"}
    top4 = {Path(s).name for s in hits[:4]}
    assert top4 == related, hits
    unrelated = [i for i, s in enumerate(hits) if Path(s).name.startswith(("07-", "08-", "09-"))]
    assert all(i >= 6 for i in unrelated), hits
