"""Online story clustering, the clustering metrics, and the accuracy gate on ECB+ (benchmarks/stories_floors.json)."""

from __future__ import annotations

import json
import random
from datetime import date, timedelta
from pathlib import Path

import pytest

from newsgraph.connect.features import ArticleFeatures, DocFreq, article_terms, features
from newsgraph.connect.stories import (
    STATE_VERSION,
    ClusterOptions,
    StoryClusterer,
    stories_from_states,
    top_terms,
    year_conflict,
    years,
)
from newsgraph.evaluate.stories import adjusted_rand, bcubed, evaluate_stories, ndcg_at, pairwise_f1
from newsgraph.model import Article, Quote, Speaker

FLOORS = Path(__file__).resolve().parents[1] / "benchmarks" / "stories_floors.json"

STREAM = [  # (id, published, headline, text): two stories, interleaved, in time order
    ("q1", "2024-03-05", "Strong earthquake hits Sumatra",
     "A magnitude 7.1 earthquake struck off Sumatra near Padang on Tuesday, Indonesian officials said, and a "
     "tsunami warning was issued for the coast."),
    ("f1", "2024-03-05", "Arsenal reach FA Cup final",
     "Arsenal beat Chelsea 2-1 at Wembley to reach the FA Cup final, with Bukayo Saka scoring the winner."),
    ("q2", "2024-03-06", "Padang quake toll rises",
     "Rescuers in Padang pulled survivors from collapsed buildings after the Sumatra earthquake; Indonesian "
     "officials said the magnitude 7.1 quake killed twelve people."),
    ("f2", "2024-03-06", "Saka fitness doubt before FA Cup final",
     "Arsenal will assess Bukayo Saka before the FA Cup final at Wembley after the winger limped off against "
     "Chelsea."),
    ("q3", "2024-03-07", "Sumatra earthquake survivors wait for aid",
     "Survivors of the Sumatra earthquake in Padang waited for aid as Indonesian officials raised the quake "
     "toll and the tsunami warning was lifted."),
]


def stream_features() -> list[ArticleFeatures]:
    df = DocFreq()
    out = []
    for sid, day, head, text in STREAM:
        speaker = "Mikel Arteta" if sid.startswith("f") else "Joko Widodo"
        quote = Quote("direct", "x", "said", [(0, 1)], Speaker(speaker, name=speaker))
        article = Article(source=sid, text=f"{head}\n\n{text}", headline=head, published=day, quotes=[quote])
        df.add(article_terms(article))  # features see only the corpus so far
        out.append(features(sid, article, df))
    return out


def test_articles_of_one_event_join_one_story() -> None:
    clusterer = StoryClusterer()
    ids = {f.id: clusterer.add(f) for f in stream_features()}
    assert ids["q1"] == ids["q2"] == ids["q3"]
    assert ids["f1"] == ids["f2"] != ids["q1"]
    quake = next(s for s in clusterer.stories() if s.id == ids["q1"])
    assert quake.members == ["q1", "q2", "q3"]
    assert (quake.first, quake.last) == ("2024-03-05", "2024-03-07")
    assert quake.speakers == ["Joko Widodo"]
    assert "Sumatra" in quake.label or "Padang" in quake.label
    assert [len(s.members) for s in clusterer.stories()] == [3, 2]


def test_state_round_trips_through_json_and_the_stream_goes_on() -> None:
    feats = stream_features()
    whole = StoryClusterer()
    expected = [whole.add(f) for f in feats]
    first = StoryClusterer()
    got = [first.add(f) for f in feats[:3]]
    resumed = StoryClusterer.from_json(first.to_json())
    got += [resumed.add(f) for f in feats[3:]]
    assert got == expected
    assert resumed.stories() == whole.stories()


def test_a_story_closes_after_the_window() -> None:
    feats = stream_features()
    late = ArticleFeatures.from_json(feats[0].to_json())  # a re-run of the first report, 20 days on
    late.id, late.published = "late", "2024-03-25"
    clusterer = StoryClusterer(ClusterOptions(window_days=14))
    first = clusterer.add(feats[0])
    assert clusterer.add(late) != first
    wide = StoryClusterer(ClusterOptions(window_days=365))
    first = wide.add(feats[0])
    assert wide.add(late) == first  # the same pair joins when the window is wide enough
    undated = ArticleFeatures.from_json(feats[2].to_json())
    undated.id, undated.published = "undated", None
    fresh = StoryClusterer(ClusterOptions(window_days=14))
    first = fresh.add(feats[0])
    assert fresh.add(undated) == first  # no date: the time factor is neutral and no story is closed


QUAKES = [  # (id, headline, text): two earthquakes on one island, three years apart; a1 and a2 are one event
    ("a1", "Earthquake hits Qeshm island",
     "An earthquake hit Qeshm island in southern Iran on Sunday, November 27, 2005, killing ten villagers in "
     "mud-brick homes near Dargahan, officials said."),
    ("b1", "Quake jolts Qeshm island",
     "A strong quake jolted Qeshm island in the Gulf in 2008, injuring five people and cracking walls of a school, "
     "state television reported."),
    ("a2", "Ten killed as quake levels Qeshm villages",
     "Rescuers searched mud-brick villages near Dargahan after the November 2005 earthquake on Qeshm island killed "
     "ten people, officials said."),
]


def quake_features(drop_years: bool = False) -> list[ArticleFeatures]:
    df, out = DocFreq(), []
    for sid, head, text in QUAKES:
        if drop_years:
            text = text.replace(", 2005", "").replace(" 2005", "").replace(" in 2008", "")
        article = Article(source=sid, text=f"{head}\n\n{text}", headline=head)
        df.add(article_terms(article))
        out.append(features(sid, article, df))
    return out


def test_two_events_of_one_kind_in_different_years_stay_apart() -> None:
    feats = quake_features()
    assert [sorted(years(f.terms)) for f in feats] == [["2005"], ["2008"], ["2005"]]
    without = StoryClusterer(ClusterOptions(year_penalty=0.0))
    assert len({without.add(f) for f in feats}) == 1, "the texts should be alike enough to merge without the test"
    clusterer = StoryClusterer()
    a1, b1, a2 = (clusterer.add(f) for f in feats)
    assert a1 == a2 != b1
    undated = StoryClusterer()  # the same texts without their years: nothing tells the two quakes apart
    assert len({undated.add(f) for f in quake_features(drop_years=True)}) == 1


def test_year_conflict_needs_years_on_both_sides() -> None:
    assert years(["2005", "1999", "5.6", "10000", "305", "qeshm", "1850"]) == frozenset({"2005", "1999"})
    assert year_conflict(frozenset({"2005"}), frozenset({"2008"}))
    assert not year_conflict(frozenset({"2005"}), frozenset({"2008", "2005"}))
    assert not year_conflict(frozenset(), frozenset({"2008"}))
    assert not year_conflict(frozenset({"2005"}), frozenset())


def test_a_state_saved_before_the_year_test_goes_on_without_it() -> None:
    feats = quake_features()
    old = StoryClusterer(ClusterOptions(threshold=0.28, year_penalty=0.0))
    old.add(feats[0])
    state = json.loads(old.to_json())
    del state["options"]["year_penalty"]  # written by a newsgraph that had no year test
    resumed = StoryClusterer.from_json(json.dumps(state))
    assert resumed.options == ClusterOptions(threshold=0.28, year_penalty=0.0)
    assert resumed.add(feats[1]) == "s1"  # as the old clusterer would have put it


def synthetic_features(n: int, shuffle_tail: int = 0) -> list[ArticleFeatures]:
    """Features of ``n`` synthetic dated articles in time order; the last ``shuffle_tail`` of them moved to
    random earlier places (late arrivals), so some articles are older than the newest one seen."""
    from corpus_gen import synthetic

    recs = sorted(synthetic(n, seed=3), key=lambda r: r["published"])
    rng = random.Random(5)
    for rec in recs[n - shuffle_tail:]:
        recs.remove(rec)
        recs.insert(rng.randrange(len(recs)), rec)
    df, out = DocFreq(), []
    for i, rec in enumerate(recs):
        article = Article(source=f"d{i}", text=rec["text"], headline=rec["text"].split("\n", 1)[0],
                          published=rec["published"])
        df.add(article_terms(article))
        out.append(features(article.source, article, df))
    return out


class _NoWindowIndex(StoryClusterer):
    """Every story stays in the active postings: each article is compared with all stories sharing a term."""

    def _advance(self, day: int | None) -> None:
        return None


def test_the_time_window_index_changes_no_assignment() -> None:
    feats = synthetic_features(500, shuffle_tail=60)
    indexed, every = StoryClusterer(), _NoWindowIndex()
    assert [indexed.add(f) for f in feats] == [every.add(f) for f in feats]
    assert indexed._index.is_dormant, "the stream should put old stories to sleep, or this test tests nothing"
    assert not every._index.is_dormant


def test_a_late_article_still_finds_a_sleeping_story() -> None:
    feats = stream_features()
    clusterer = StoryClusterer()
    quake = clusterer.add(feats[0])
    later = ArticleFeatures.from_json(feats[1].to_json())  # another story, two months on
    later.id, later.published = "later", "2024-05-05"
    clusterer.add(later)
    assert quake in clusterer._index.is_dormant
    late = ArticleFeatures.from_json(feats[2].to_json())  # delivered late: dated the day after the first
    late.id = "late"
    assert clusterer.add(late) == quake
    assert quake in clusterer._index.is_dormant  # still weeks behind the newest day: only late articles reach it


def test_per_story_checkpoints_hold_only_changed_stories_and_reload_to_the_same_state() -> None:
    feats = synthetic_features(300, shuffle_tail=30)
    whole = StoryClusterer()
    expected = [whole.add(f) for f in feats]
    kept, rows = StoryClusterer(), {}
    for i, f in enumerate(feats[:200]):
        sid = kept.add(f)
        if i % 40 == 39:
            taken = kept.take_changed()
            assert sid in dict(taken) and (i < 40 or len(taken) < len(kept.stories())), "not every story changed"
            assert [s for s, _ in taken] == sorted({s for s in expected[i - 39:i + 1]}, key=lambda s: int(s[1:]))
            rows.update(taken)
    rows.update(kept.take_changed())
    assert kept.take_changed() == []
    assert set(rows) == {s.id for s in kept.stories()}
    reloaded = StoryClusterer.from_states(kept.header(), reversed(list(rows.values())))  # any row order
    assert reloaded.to_json() == kept.to_json()
    assert json.loads(reloaded.header())["version"] == STATE_VERSION
    assert reloaded.take_changed() == []
    assert expected[:200] + [reloaded.add(f) for f in feats[200:]] == expected
    assert reloaded.to_json() == whole.to_json()
    with pytest.raises(ValueError, match="written by header"):
        StoryClusterer.from_states("[]", [])


def test_a_whole_json_state_counts_every_story_as_changed() -> None:
    feats = synthetic_features(80)
    first = StoryClusterer()
    for f in feats:
        first.add(f)
    first.take_changed()
    moved = StoryClusterer.from_json(first.to_json())
    rows = moved.take_changed()
    assert [s for s, _ in rows] == sorted((s.id for s in first.stories()), key=lambda s: int(s[1:]))
    assert StoryClusterer.from_states(moved.header(), [r for _, r in rows]).to_json() == first.to_json()


def test_a_version_1_state_is_read_and_an_unknown_version_refused() -> None:
    feats = synthetic_features(80)
    whole = StoryClusterer()
    expected = [whole.add(f) for f in feats]
    first = StoryClusterer()
    got = [first.add(f) for f in feats[:50]]
    v1 = json.loads(first.to_json())
    del v1["version"]  # version 1 had no version field and the same story fields
    resumed = StoryClusterer.from_json(json.dumps(v1))
    assert got + [resumed.add(f) for f in feats[50:]] == expected
    v1["version"] = STATE_VERSION + 1
    with pytest.raises(ValueError, match="upgrade newsgraph"):
        StoryClusterer.from_json(json.dumps(v1))


def test_top_terms_is_a_full_sort_on_weight_then_term() -> None:
    rng = random.Random(11)
    for size in (5, 40, 300, 1200):
        weights = {f"t{i}": rng.choice([0.5, 0.25, rng.random()]) for i in range(size)}  # many ties
        full = [t for t, _ in sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))]
        for k in (1, 40, 300):
            assert top_terms(weights, k) == full[:k]


def test_options_are_validated() -> None:
    with pytest.raises(ValueError, match="threshold must be between 0 and 1"):
        ClusterOptions(threshold=1.5)
    with pytest.raises(ValueError, match="window_days must be positive"):
        ClusterOptions(window_days=0)
    with pytest.raises(ValueError, match="year_penalty must be between 0 and 1"):
        ClusterOptions(year_penalty=-0.1)
    with pytest.raises(ValueError, match="written by to_json"):
        StoryClusterer.from_json("{}")


def test_bcubed_and_pairwise_on_a_worked_example() -> None:
    gold = ["a", "a", "a", "b", "b"]
    pred = ["x", "x", "y", "y", "y"]
    p, r, f = bcubed(gold, pred)
    # precision: x holds two a's (1, 1); y holds one a and two b's (1/3, 2/3, 2/3)
    assert p == pytest.approx((1 + 1 + 1 / 3 + 2 / 3 + 2 / 3) / 5)
    # recall: the a's are split 2+1 (2/3, 2/3, 1/3); the b's are together (1, 1)
    assert r == pytest.approx((2 / 3 + 2 / 3 + 1 / 3 + 1 + 1) / 5)
    assert f == pytest.approx(2 * p * r / (p + r))
    assert pairwise_f1(gold, pred) == pytest.approx(2 * 2 / (4 + 4))
    assert bcubed(gold, gold) == (1.0, 1.0, 1.0)


def test_adjusted_rand_matches_scikit_learn() -> None:
    sklearn_metrics = pytest.importorskip("sklearn.metrics")
    rng = random.Random(7)
    for _ in range(20):
        gold = [rng.choice("abcd") for _ in range(40)]
        pred = [rng.choice("wxyz") for _ in range(40)]
        assert adjusted_rand(gold, pred) == pytest.approx(sklearn_metrics.adjusted_rand_score(gold, pred))
    assert adjusted_rand(["a", "a", "b"], ["x", "x", "y"]) == 1.0


def test_ndcg() -> None:
    assert ndcg_at([True, True, False], 2) == 1.0
    assert ndcg_at([False, True], 1) == pytest.approx(1 / 1.5849625, rel=1e-6)
    assert ndcg_at([False, False], 0) == 0.0


@pytest.mark.slow
def test_stories_on_ecbplus_stay_above_the_pinned_floors(shared: Path) -> None:
    pinned = json.loads(FLOORS.read_text(encoding="utf-8"))
    report = evaluate_stories(shared / "data" / "similar" / "ecbplus", seeds=tuple(pinned["seeds"]))
    assert report.docs == pinned["docs"], "ECB+ dev changed since the floors were pinned: re-measure"
    floors = pinned["floors"]["stories"]
    mean = report.mean()
    assert mean.bcubed_f1 >= floors["bcubed_f1"], report
    assert mean.ari >= floors["ari"], report
    assert report.baseline.bcubed_f1 == pytest.approx(pinned["measured"]["stories_baseline"]["bcubed_f1"],
                                                      abs=0.002)


@pytest.mark.slow
def test_eval_stories_command_prints_both_methods(shared: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from newsgraph.cli import app

    monkeypatch.setenv("NEWSGRAPH_SHARED", str(shared))
    result = CliRunner().invoke(app, ["eval", "stories", "--orders", "1", "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["docs"] == 772 and len(report["online"]) == 1
    assert 0.0 < report["online_mean"]["bcubed_f1"] <= 1.0 and 0.0 < report["baseline"]["bcubed_f1"] <= 1.0


def test_eval_without_the_data_says_where_to_point(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from newsgraph.cli import app

    monkeypatch.setenv("NEWSGRAPH_SHARED", str(tmp_path))
    result = CliRunner().invoke(app, ["eval", "similar"])
    assert result.exit_code == 2
    assert "data/similar/ecbplus not found: pass --data" in result.output


def test_evicting_old_stories_bounds_memory_and_changes_no_assignment_in_a_time_ordered_stream() -> None:
    feats = synthetic_features(500)  # dated, in time order, over about a year
    every, bounded = StoryClusterer(), StoryClusterer(retain_days=28)
    rows: dict[str, str] = {}
    for i, f in enumerate(feats):
        assert bounded.add(f) == every.add(f)
        cutoff = max(date.fromisoformat(g.published[:10]) for g in feats[:i + 1] if g.published) - timedelta(days=28)
        recent = {s.id for s in every.stories() if s.last and date.fromisoformat(s.last[:10]) >= cutoff}
        assert {s.id for s in bounded.stories()} == recent  # held: exactly the stories of the last 28 days
        if i % 50 == 49:
            rows.update(bounded.take_changed())  # what Corpus checkpoints; evicted stories come out here too
    rows.update(bounded.take_changed())
    assert bounded.held < len(every.stories()) / 4, "a year-long stream should leave most stories evicted"
    assert stories_from_states(rows.values()) == every.stories()  # every story, evicted ones included, in the rows
    reloaded = StoryClusterer.from_states(bounded.header(), rows.values(), retain_days=28)
    assert reloaded.to_json() == bounded.to_json()  # loading skips the rows of evicted stories
    with pytest.raises(ValueError, match="at least twice window_days"):
        StoryClusterer(retain_days=20)


def test_an_undated_story_is_evicted_once_it_takes_nothing_for_retain_days() -> None:
    feats = stream_features()
    clusterer = StoryClusterer(retain_days=28)
    clusterer.add(feats[0])  # 2024-03-05: the stream has a date
    undated = ArticleFeatures.from_json(feats[1].to_json())
    undated.id, undated.published = "undated", None
    sid = clusterer.add(undated)
    assert sid in {s.id for s in clusterer.stories()}
    state = dict(clusterer.take_changed())[sid]
    assert json.loads(state)["seen"] == date(2024, 3, 5).toordinal()
    later = ArticleFeatures("later", "2024-05-01", {"unrelated": 1.0}, [], [], [])
    latest = clusterer.add(later)  # 57 days on: both old stories evicted, the undated one by its ``seen`` day
    assert [s.id for s in clusterer.stories()] == [latest]
    head = json.loads(clusterer.header())
    assert StoryClusterer.from_states(json.dumps(head), [state], retain_days=28).held == 0


def test_a_long_story_keeps_bounded_entity_speaker_and_tag_counts() -> None:
    clusterer = StoryClusterer(ClusterOptions(centroid_terms=5))
    for i in range(60):  # one story; every article names new people
        f = ArticleFeatures(f"a{i}", "2024-03-05", {"summit": 1.0}, ["org:un", f"per:p{i}"], [f"s{i}"], ["tag"])
        assert clusterer.add(f) == "s1"
    state = json.loads(clusterer.to_json())["stories"][0]
    assert len(state["entities"]) <= 20 and len(state["speakers"]) <= 20 and state["entities"]["org:un"] == 60
    assert len(state["members"]) == 60


def test_stories_are_evicted_only_past_keep_stories_so_an_out_of_order_archive_loses_none() -> None:
    feats = stream_features()
    quake_first, quake_late = feats[0], ArticleFeatures.from_json(feats[2].to_json())
    later = ArticleFeatures("later", "2024-09-01", {"unrelated": 1.0}, [], [], [])  # six months on
    quake_late.id = "late"  # delivered after the September article, dated March like its story
    for keep, joins in ((0, False), (2, True)):
        clusterer = StoryClusterer(retain_days=28, keep_stories=keep)
        quake = clusterer.add(quake_first)
        clusterer.add(later)
        assert clusterer.held == (1 if keep == 0 else 2)  # evicted by time alone, or kept under the floor
        assert (clusterer.add(quake_late) == quake) is joins
    rows = dict(clusterer.take_changed())
    assert StoryClusterer.from_states(clusterer.header(), rows.values(), 28, keep_stories=2).to_json() == \
        StoryClusterer.from_states(clusterer.header(), rows.values(), None).to_json()  # both under the floor: held
    one = StoryClusterer.from_states(clusterer.header(), rows.values(), 28, keep_stories=1)
    assert [s.id for s in one.stories()] == [s.id for s in clusterer.stories() if s.last == "2024-09-01"]
