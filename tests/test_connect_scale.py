"""The connect step's work per article stays bounded as the corpus grows (no timing: counts of what is examined).

- the story clusterer scores at most ``MAX_CANDIDATES`` stories per article, however many open stories share
  its words, and still finds the right one;
- ``similar_candidates`` takes text candidates from the date window and the ``TEXT_CANDIDATE_WINDOW`` articles
  ingested around the article, and skips entities in more than ``ENTITY_CANDIDATE_CAP`` articles (both backends);
- on SQLite, the virtual-machine instructions one ``similar_candidates`` call runs (counted with a progress
  handler) do not grow when the same neighbourhood sits in a corpus four times larger.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

import newsgraph.store.postgres
import newsgraph.store.sqlite
from newsgraph.connect.features import ArticleFeatures
from newsgraph.connect.near_duplicates import bands, minhash, signature_bytes
from newsgraph.connect.stories import MAX_CANDIDATES, StoryClusterer
from newsgraph.model import Article, Entity, Paragraph
from newsgraph.store import ArticleRecord, SQLiteStore, Store, open_store


def _features(fid: str, day: str, terms: dict[str, float]) -> ArticleFeatures:
    norm = sum(w * w for w in terms.values()) ** 0.5
    return ArticleFeatures(fid, day, {t: w / norm for t, w in terms.items()}, [], [], [])


def test_the_clusterer_scores_a_bounded_number_of_open_stories_and_finds_the_right_one() -> None:
    clusterer = StoryClusterer()
    n = 3 * MAX_CANDIDATES
    for i in range(n):  # n open stories, every one with "council" among its top terms
        terms = {"council": 0.3, **{f"{word}{i}": 1.0 for word in ("topic", "place", "name", "thing")}}
        sid = clusterer.add(_features(f"a{i}", "2024-05-01", terms))
        assert sid == f"s{i + 1}"
    target = n // 2
    sid = clusterer.add(_features("new", "2024-05-02", {"council": 0.3, f"topic{target}": 1.0,
                                                        f"place{target}": 1.0}))
    assert sid == f"s{target + 1}"
    assert clusterer.candidates_examined == MAX_CANDIDATES  # not every story sharing "council"


def _article(i: int, day: date, words: str, entities: tuple[str, ...] = ()) -> tuple[str, Article]:
    body = f"Report number {i} on {words}. It names nothing else of note {i}x{i}."
    ents = [Entity(key, key.title(), "ORG", [], None, [(0, 6)]) for key in entities]
    article = Article(source=f"s{i}", text=body, headline=f"Report {i}", published=day.isoformat(), language="en",
                      paragraphs=[Paragraph(body, 0, len(body))], entities=ents)
    return f"id{i:05d}", article


def _fill(store: Store, articles: list[tuple[str, Article]]) -> None:
    with store.transaction():
        for aid, a in articles:
            m = minhash(a.body)
            store.add_article(ArticleRecord(aid, a, signature_bytes(m), bands(m)))


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    s = open_store(tmp_path / "corpus.db" if request.param == "sqlite" else request.getfixturevalue("pg_url"))
    yield s
    s.close()


def test_text_candidates_come_from_the_date_window_and_the_articles_ingested_near(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    old, late = date(2020, 1, 1), date(2024, 6, 1)
    rows = [_article(0, old, "zebrafish farming")]
    rows += [_article(i, date(2021, 1, 1) + timedelta(days=i), f"filler words {i}") for i in range(1, 21)]
    rows += [_article(21, late, "zebrafish export"), _article(22, date(2023, 1, 1), "zebrafish prices"),
             _article(23, late - timedelta(days=3), "zebrafish tanks")]
    _fill(store, rows)
    wide = set(store.similar_candidates("id00021", ["zebrafish"], 10, late.isoformat()))
    assert wide == {"id00000", "id00022", "id00023"}
    for module in (newsgraph.store.sqlite, newsgraph.store.postgres):
        monkeypatch.setattr(module, "TEXT_CANDIDATE_WINDOW", 5)
    near = set(store.similar_candidates("id00021", ["zebrafish"], 10, late.isoformat()))
    assert near == {"id00022", "id00023"}  # 21 articles back, outside the date window: not looked at


def test_an_entity_in_too_many_articles_picks_no_candidates(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    day = date(2024, 3, 1)
    rows = [_article(0, day, "the query", ("org:common", "org:rare"))]
    rows += [_article(i, day, f"other text {i}", ("org:common",)) for i in range(1, 6)]
    rows += [_article(6, day, "more text", ("org:rare",))]
    _fill(store, rows)
    assert set(store.similar_candidates("id00000", [], 20)) == {f"id{i:05d}" for i in range(1, 7)}
    for module in (newsgraph.store.sqlite, newsgraph.store.postgres):
        monkeypatch.setattr(module, "ENTITY_CANDIDATE_CAP", 3)
    assert store.similar_candidates("id00000", [], 20) == ["id00006"]


def _instructions(store: SQLiteStore, article_id: str, published: str) -> int:
    count = [0]

    def tick() -> int:
        count[0] += 1
        return 0

    db: sqlite3.Connection = store._db
    db.set_progress_handler(tick, 100)
    try:
        store.similar_candidates(article_id, ["zebrafish", "council", "harbour"], 20, published)
    finally:
        db.set_progress_handler(None, 100)
    return count[0] * 100


def test_sqlite_candidate_work_does_not_grow_with_the_corpus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(newsgraph.store.sqlite, "TEXT_CANDIDATE_WINDOW", 100)
    monkeypatch.setattr(newsgraph.store.sqlite, "ENTITY_CANDIDATE_CAP", 50)
    start = date(2020, 1, 1)

    def corpus(n: int) -> list[tuple[str, Article]]:  # two a day; every article shares the query's words
        return [_article(i, start + timedelta(days=i // 2), "zebrafish council harbour", ("org:council",))
                for i in range(n)]

    work = []
    for n in (300, 1200):
        with SQLiteStore(tmp_path / f"c{n}.db") as s:
            _fill(s, corpus(n))
            aid, a = corpus(n)[n - 150]  # the same neighbourhood: 150 articles before the end
            work.append(_instructions(s, aid, a.published or ""))
    assert work[1] < 1.25 * work[0], f"VM instructions per similar_candidates call: {work} (300 vs 1,200 articles)"
