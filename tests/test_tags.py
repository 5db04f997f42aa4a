"""The "Tags:" line, the tag metrics, and the accuracy gate on editor tags (benchmarks/tags_floors.json)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from newsgraph.connect.features import DocFreq, article_terms
from newsgraph.connect.tag_names import name_parts, opens_sentence, trim_name
from newsgraph.connect.tag_scorer import (
    FEATURES,
    HandScorer,
    LinearScorer,
    TagCandidate,
    fit_pairwise,
    scorer_from_dict,
    scorer_to_dict,
)
from newsgraph.connect.tags import (
    _load_nlp,
    guess_language,
    phrase_tags,
    rank_tags,
    stored_entities,
    tag_candidates,
    url_sections,
    url_words,
    word_stats,
)
from newsgraph.connect.taxonomy import region_of, topic_scores
from newsgraph.evaluate.tags import (
    cross_validate,
    evaluate_tags,
    exact_match,
    f1_at,
    lenient_match,
    oracle_choice,
    oracle_cut,
)
from newsgraph.model import Article, Entity

FLOORS = Path(__file__).resolve().parents[1] / "benchmarks" / "tags_floors.json"

SEED_LIKE = (
    "Putin warns Israel against Gaza ground assault\n\n"
    "BISHKEK, Kyrgyzstan - Russian President Vladimir Putin warned Israel on Friday that a ground assault on "
    "Gaza would cause an unacceptable number of civilian casualties. Putin, speaking in Bishkek, said the "
    "blockade of Gaza was comparable to the siege of Leningrad. Israel has massed troops near Gaza after the "
    "Hamas attack. Putin said Russia was ready to help mediate a ceasefire and that talks between the sides "
    "were the only way. Hamas said the strikes on Gaza killed hundreds. Putin and Israel's Prime Minister "
    "Benjamin Netanyahu spoke by phone last week, the Kremlin said, and Russian diplomats met Hamas envoys."
)


@pytest.fixture(scope="session")
def nlp() -> Any:
    return _load_nlp()


def test_exact_and_lenient_matching() -> None:
    assert exact_match("Donald Trump", "donald  trump")
    assert exact_match("cosmetic-surgery", "Cosmetic surgery")
    assert not exact_match("Trump", "Donald Trump")
    assert lenient_match("Trump", "Donald Trump") and lenient_match("Mental health", "health")
    assert not lenient_match("Rump", "Donald Trump")  # whole words only


def test_f1_at_k() -> None:
    gold = ["Israel", "Gaza", "Hamas", "Middle East"]
    assert f1_at(["Israel", "Gaza", "Putin"], gold, 10, exact_match) == pytest.approx(2 * (2 / 3) * 0.5 / (2 / 3 + 0.5))
    assert f1_at(["Putin", "Israel"], gold, 1, exact_match) == 0.0
    assert f1_at([], gold, 5, exact_match) == 0.0


def test_tags_from_stored_entities_need_no_spacy() -> None:
    ents = [Entity("person:vladimir-putin", "Vladimir Putin", "PERSON", mentions=[(60, 74), (200, 205)] * 3),
            Entity("place:gaza", "Gaza", "PLACE", mentions=[(150, 154)] * 4),
            Entity("place:israel", "Israel", "PLACE", mentions=[(80, 86)] * 3),
            Entity("org:hamas", "Hamas", "ORG", mentions=[(300, 305)] * 3)]
    article = Article("seed", SEED_LIKE, headline="Putin warns Israel against Gaza ground assault", entities=ents)
    tags = rank_tags(article, k=10, nlp=object())  # an nlp that would fail if it were used
    assert tags[0] == "Vladimir Putin"  # most mentioned, and the headline names him ("Putin")
    assert {"Gaza", "Israel", "Hamas"} <= set(tags)
    assert "Middle East" not in tags[:4]  # a region the text never names is a weak guess: never above the names
    assert len(tags) <= 10


def test_tags_with_spacy_ner(nlp: Any) -> None:
    df = DocFreq()
    article = Article("seed", SEED_LIKE)
    df.add(article_terms(article))
    tags = rank_tags(article, df, k=10, nlp=nlp)
    assert 5 <= len(tags) <= 10
    assert "Vladimir Putin" in tags[:3]  # "Putin" alone is counted with the full name, not listed apart
    assert "Putin" not in tags
    assert {"Gaza", "Israel"} <= set(tags)
    assert len({t.casefold() for t in tags}) == len(tags)


def test_topics_and_regions() -> None:
    topics = dict(topic_scores("The striker scored a penalty and the club's manager praised the midfielder "
                               "as the football season ended with the league title."))
    assert "Football" in topics and "Sport" in topics
    assert topic_scores("") == []
    assert region_of("Israel") == "Middle East"
    assert region_of("France") == "Europe"
    assert region_of("Nowhere-on-earth") is None


CASE_STUDY = (
    "Doctors in Aberdeen describe a rare case of feather duvet lung. The man, who had slept under a feather duvet "
    "for years, grew breathless. Tests showed hypersensitivity pneumonitis, an inflammation of the lungs. Feather "
    "duvet lung is a form of hypersensitivity pneumonitis caused by the feathers in bedding. Once the feather "
    "duvet was gone, he recovered. The doctors said the major thing was to ask about bedding."
)


def test_key_phrases_are_specific_noun_phrases_from_the_text() -> None:
    phrases = [p for p, _ in phrase_tags(CASE_STUDY)]
    assert {"feather duvet lung", "hypersensitivity pneumonitis"} <= set(phrases[:5])
    assert "duvet lung" not in phrases  # never used apart from the longer phrase: left to it
    assert not {"major", "major thing", "doctors said"} & set(phrases)  # common words, a verb at the end
    assert all(p == p.lower() for p in phrases)  # names are the entities' job
    stats = word_stats()
    assert stats.n_docs > 1000 and stats.idf("pneumonitis") > stats.idf("doctor") > stats.idf("year")


def test_a_headline_the_text_opens_with_counts_once_for_key_phrases() -> None:
    headline = "Tram drivers begin weekend stoppage"
    body = "The union said members would stop work on Saturday over rosters. Talks are planned for Monday."
    # written once: below the two uses a key phrase needs, whether the text repeats the headline or not
    for text in (f"{headline}\n\n{body}", body):
        assert not [p for p, _ in phrase_tags(text, headline) if "stoppage" in p]
    # written twice (headline and body): a key phrase
    assert "weekend stoppage" in [p for p, _ in phrase_tags(body + " The weekend stoppage is the third.", headline)]


def test_stored_entity_names_are_cleaned_and_state_abbreviations_named() -> None:
    ents = [Entity("org:beth-s-nhs", "Beth’s NHS", "ORG", mentions=[(0, 10)]),
            Entity("x", "Jorja Smith\nMahalia", "PERSON", mentions=[(20, 40)]),
            Entity("place:ill", "Ill.", "PLACE", mentions=[(50, 54)] * 3)]
    article = Article("x", "CHARLESTON, Ill. (AP) - " + "The NHS dentist saw patients. " * 5, entities=ents)
    assert [c.name for c in stored_entities(article)] == ["NHS", "Ill"]
    tags = rank_tags(article, k=10, nlp=object())
    assert "Illinois" in tags and "NHS" in tags and "Ill." not in tags


@pytest.mark.parametrize("credit", ["(Reporting by Jane Roe in Moscow; Editing by Max Poe)",
                                    "[Reporting by Jane Roe in Moscow; Editing by Max Poe]",
                                    "Additional reporting by Jane Roe in Moscow; editing by Max Poe"])
def test_journalists_in_credit_lines_are_not_tags(credit: str) -> None:
    text = SEED_LIKE + "\n" + credit
    roe, poe = text.rindex("Jane Roe"), text.rindex("Max Poe")
    ents = [Entity("person:vladimir-putin", "Vladimir Putin", "PERSON", mentions=[(60, 74)] * 5),
            Entity("person:jane-roe", "Jane Roe", "PERSON", mentions=[(roe, roe + 8)]),
            Entity("person:max-poe", "Max Poe", "PERSON", mentions=[(poe, poe + 7)])]
    tags = rank_tags(Article("seed", text, entities=ents), k=10, nlp=object())
    assert "Vladimir Putin" in tags and not {"Jane Roe", "Max Poe"} & set(tags)


def test_a_surname_alone_gets_the_full_name_the_reference_corpus_knows() -> None:
    text = "Trump said on Monday he would appeal. Trump's lawyers filed the papers in New York."
    ents = [Entity("person:trump", "Trump", "PERSON", mentions=[(0, 5), (38, 43)])]
    assert rank_tags(Article("x", text, entities=ents), k=5, nlp=object())[0] == "Donald Trump"
    assert "Khamenei" not in word_stats().people  # only people the corpus is sure of


def test_a_weak_tail_is_cut() -> None:
    ents = [Entity("person:vladimir-putin", "Vladimir Putin", "PERSON", mentions=[(60, 74)] * 12)]
    ents += [Entity(f"org:o{i}", f"Org Number{'abcdefgh'[i]}", "ORG", mentions=[(300, 305)]) for i in range(8)]
    article = Article("seed", SEED_LIKE, entities=ents)
    tags = rank_tags(article, k=10, nlp=object(), scorer=HandScorer(min_tags=5, min_relative=0.3))
    assert tags[0] == "Vladimir Putin"
    assert 5 <= len(tags) < 10  # at least min_tags; the one-mention organisations far behind are not all listed
    assert len(rank_tags(article, k=10, nlp=object())) < 10  # the shipped scorer cuts them too


def test_non_english_text_gets_key_terms_not_english_names() -> None:
    text = ("O prefeito de Jaraguá do Sul anunciou hoje um novo cadastro técnico para o IPTU. A prefeitura diz "
            "que o cadastro vai melhorar a saúde financeira da cidade e que o geoprocessamento já começou.")
    assert guess_language(text) == "pt"
    tags = rank_tags(Article("pt", text), k=5, nlp=object())
    assert "cadastro" in tags
    assert not {"de", "que", "para", "o"} & set(tags)


def test_k_is_validated() -> None:
    with pytest.raises(ValueError, match="k must be at least 1"):
        rank_tags(Article("x", SEED_LIKE), k=0)


def test_names_lose_the_words_ner_ran_into_them() -> None:
    assert trim_name("Mara Quill and", "PERSON") == "Mara Quill"  # a conjunction after the name
    assert trim_name("s Midsummer", "EVENT") == "Midsummer"  # the tail of a possessive ("Fenwick’s Midsummer")
    assert trim_name("a Town Hall", "FAC") == "Town Hall"
    assert trim_name("n’t", "ORG") == ""  # nothing of a name left
    assert trim_name("Zentrix Holdings Chief Financial", "ORG") == "Zentrix Holdings"  # a title after the name
    assert trim_name("Former Zentrix Holdings", "ORG") == "Zentrix Holdings"
    assert trim_name("Each Harbour Trust", "ORG") == "Harbour Trust"  # a sentence's capitalised first word
    assert trim_name("Mrs Pellow", "PERSON") == "Pellow"  # the honorific: the full name is found later
    assert trim_name("Mrs Pellow", "ORG") == "Mrs Pellow"  # honorifics go only before a person
    assert trim_name("Mrs", "PERSON") == ""
    assert trim_name("Read Tomas", "PERSON", sentence_start=True) == "Tomas"  # "Read Tomas’s review here."
    assert trim_name("Read Tomas", "PERSON") == "Read Tomas"  # inside a sentence it may be a name
    assert trim_name("Will Okafor", "PERSON", sentence_start=True) == "Will Okafor"  # a stop word, not a verb
    assert trim_name("US", "GPE") == "US" and trim_name("New York", "GPE") == "New York"
    assert trim_name("al-Tanf", "GPE") == "al-Tanf" and trim_name("Prix de Lune", "EVENT") == "Prix de Lune"


def test_a_name_never_spans_lines() -> None:
    assert name_parts("Anya Borrow\nKito Mends") == ["Anya Borrow", "Kito Mends"]
    assert name_parts("the Harbour Trust’s") == ["Harbour Trust"]
    text = "Best newcomer\nAnya Borrow\nThe judges loved it. Read Kito’s review."
    assert opens_sentence(text, text.index("Anya")) and opens_sentence(text, text.index("Read"))
    assert not opens_sentence(text, text.index("Kito"))


def test_an_honorific_and_surname_join_the_full_name() -> None:
    text = ("Jo Pellow ran the village shop for years. Mrs Pellow, 61, said the inquiry had changed her life. "
            "Mrs Pellow now speaks at schools, and Mrs Pellow will testify again in May.")
    ents = [Entity("person:jo-pellow", "Jo Pellow", "PERSON", mentions=[(0, 9)]),
            Entity("person:mrs-pellow", "Mrs Pellow", "PERSON", mentions=[(42, 52), (102, 112), (137, 147)])]
    tags = rank_tags(Article("x", text, entities=ents), k=10, nlp=object())
    assert tags[0] == "Jo Pellow"
    assert not {"Mrs Pellow", "Pellow"} & set(tags)


def test_a_short_text_naming_nobody_still_gets_tags(nlp: Any) -> None:
    text = ("Cooking used to be so simple. We’d buy a pan, light the stove and stir until dinner was done.\n\n"
            "Now we stream recipes on tablets while chatting with distant cousins...")
    tags = rank_tags(Article("x", text), DocFreq(), k=10, nlp=nlp)
    assert tags and all(t.casefold() in text.casefold() for t in tags)


def test_candidates_carry_what_the_scorer_weighs() -> None:
    cands = {c.name: c for c in tag_candidates(Article("seed", SEED_LIKE, entities=[
        Entity("person:vladimir-putin", "Vladimir Putin", "PERSON", mentions=[(60, 74)] * 5),
        Entity("place:gaza", "Gaza", "PLACE", mentions=[(150, 154)] * 2)]), nlp=object())}
    putin, gaza = cands["Vladimir Putin"], cands["Gaza"]
    assert putin.source == "person" and putin.score == 1.0 and putin.rank == 0 and putin.lead
    assert gaza.source == "place" and 0 < gaza.score < 1 and gaza.rank == 1 and gaza.literal
    assert 0 <= gaza.first < putin.first < 1 and 0 < gaza.rarity <= 1  # the headline names Gaza; "Vladimir Putin" later


def test_the_url_words_count_as_a_second_headline() -> None:
    url = "https://news.example.org/politics/2031/05/04/harbour-trust-buys-lighthouse-b2931517.html?ref=rss"
    assert url_words(url) == "politics harbour trust buys lighthouse"
    assert url_words(None) == "" and url_words("https://example.org/") == ""
    text = ("The Harbour Trust bought the old lighthouse on Friday, the trust said. Harbour Trust staff will "
            "open the lighthouse in spring, after repairs to the lamp room, the stairs and the keeper's cottage, "
            "which the winter storms left without a roof. Sea Cadets from Port Arlen will help.")
    assert text.index("Sea Cadets") > 200  # past the opening that stands in for a missing headline
    ents = [Entity("org:harbour-trust", "Harbour Trust", "ORG", mentions=[(4, 17), (71, 84)]),
            Entity("org:sea-cadets", "Sea Cadets", "ORG", mentions=[(128, 138)] * 2)]
    cands = {c.name: c for c in tag_candidates(Article("x", text, url=url, entities=ents), nlp=object())}
    assert cands["Harbour Trust"].lead and not cands["Sea Cadets"].lead
    assert cands["Harbour Trust"].score > cands["Sea Cadets"].score  # the URL lifts it as a headline would
    assert cands["lighthouse"].in_url and cands["lighthouse"].source == "phrase"


def test_the_url_sections_are_candidates() -> None:
    assert url_sections("https://example.org/latest-news/harbour-trust-buys-lighthouse") == ["Latest News"]
    assert url_sections("https://example.org/music/artists/brit-awards-live/") == ["Artists", "Music"]
    assert url_sections("https://example.org/news/uk/us-politics/science-and-health/x.html") == [
        "Science and Health", "US Politics", "UK"]  # "news" is every site's folder; deepest first
    for url in ("https://example.org/article/2031/may/04/x", "https://example.org/en-gb/story/b2931517/x",
                "https://example.org/a/b/c/d/x", "https://example.org/x", "https://example.org/", None):
        assert url_sections(url) == [], url  # no section: ids, dates, months, language codes, single letters
    url = "https://example.org/politics/harbour-desk/harbour-trust-buys-lighthouse"
    text = "The Harbour Trust bought the old lighthouse on Friday, the minister said, after a vote in parliament."
    ents = [Entity("org:harbour-trust", "Harbour Trust", "ORG", mentions=[(4, 17)])]
    cands = {c.name: c for c in tag_candidates(Article("x", text, url=url, entities=ents), nlp=object())}
    assert cands["Harbour Desk"].source == "section" and cands["Harbour Desk"].in_url
    assert "Politics" in cands and cands["Politics"].source != "section"  # a topic of that name is the candidate
    assert HandScorer(section=0.4).score(cands["Harbour Desk"]) == pytest.approx(0.4)


def test_scorers_rank_cut_and_round_trip() -> None:
    hand = HandScorer()
    topic = TagCandidate("Politics", "topic", 1.0)
    assert hand.score(topic) == pytest.approx(0.7) and hand.score(TagCandidate("X Y", "person", 1.0)) == 1.0
    ranked = [(f"t{i}", 1.0 / (i + 1)) for i in range(10)]
    assert hand.cut(ranked, 10) == ["t0", "t1", "t2", "t3", "t4"]  # five kept; the rest under 0.3 of the first
    assert scorer_from_dict(scorer_to_dict(hand)) == hand
    linear = LinearScorer(tuple(range(len(FEATURES))), margin=0.5, min_tags=2)
    assert scorer_from_dict(scorer_to_dict(linear)) == linear
    with pytest.raises(ValueError, match="unknown tag scorer type 'forest'"):
        scorer_from_dict({"type": "forest"})
    with pytest.raises(ValueError, match=r"refit with benchmarks/train_tag_scorer\.py"):
        LinearScorer((1.0, 2.0))


def test_pairwise_fit_puts_the_positives_first() -> None:
    # feature 0 marks the editor's tags, feature 1 is noise: the weight goes to feature 0
    pages = [([[1.0, 0.2], [0.0, 0.9], [0.0, 0.1]], [1, 0, 0]), ([[0.0, 0.5], [1.0, 0.5]], [0, 1])]
    w = fit_pairwise(pages, l2=0.1)
    assert w[0] > 1.0 and abs(w[1]) < w[0] / 4
    assert fit_pairwise([([[1.0] * len(FEATURES)], [0])]) == (0.0,) * len(FEATURES)  # no pair: no weights


def test_cross_validation_never_scores_a_page_with_a_scorer_fitted_on_it() -> None:
    pages = [[TagCandidate(f"p{i}", "person", 1.0), TagCandidate(f"q{i}", "org", 0.5)] for i in range(10)]
    golds = [[f"p{i}"] for i in range(10)]
    seen: list[set[str]] = []

    def fit(cands: Any, gold: Any) -> HandScorer:
        seen.append({c.name for page in cands for c in page})
        return HandScorer(min_tags=1, min_relative=0.9)
    preds = cross_validate(pages, [[] for _ in pages], golds, fit, folds=5)
    assert len(seen) == 5 and all(len(s) == 16 for s in seen)
    for i, pred in enumerate(preds):
        assert pred == [f"p{i}"]
        assert f"p{i}" not in seen[i % 5]  # fold i % 5 was fitted without page i


def test_the_oracle_picks_matching_candidates_covering_the_most_gold_first() -> None:
    page = [TagCandidate(n, "topic", 1.0) for n in ("Weather", "Music", "Pop music", "Dua Lipa", "Lipa")]
    gold = [["Pop music", "Rock music", "Dua Lipa"]]
    # exact: only candidates equal to a gold tag, in candidate order among equals
    assert oracle_choice([page], [[]], gold, exact_match) == [["Pop music", "Dua Lipa"]]
    # lenient: "Music" is inside two gold tags, so it comes first; "Pop music" then adds nothing new and is left
    # out; "Dua Lipa" and "Lipa" cover the same gold tag, so only the first is taken
    assert oracle_choice([page], [[]], gold, lenient_match) == [["Music", "Dua Lipa"]]
    assert oracle_choice([page], [[]], gold, lenient_match, k=1) == [["Music"]]
    # a page without candidates (not English) keeps the tags it was given; a page with no match gets none
    assert oracle_choice([None, page], [["Wetter"], []], [["Wetter"], ["Cycling"]], exact_match) == [["Wetter"], []]


def test_the_oracle_cut_stops_each_ranked_list_where_it_scores_best() -> None:
    scorer = HandScorer()  # a person's score is its own: the ranking is A, B, C, D
    page = [TagCandidate(n, "person", s) for n, s in (("B", 0.9), ("A", 1.0), ("D", 0.7), ("C", 0.8))]
    # F1@10 of the prefixes against A and C: 0.67, 0.5, 0.8, 0.67
    assert oracle_cut([page], [[]], [["A", "C"]], exact_match, scorer) == [["A", "B", "C"]]
    assert oracle_cut([page], [[]], [["A", "C"]], exact_match, scorer, k=2) == [["A"]]  # only the top 2 ranked
    topics = [TagCandidate(n, "person", s) for n, s in (("Music", 1.0), ("Weather", 0.9), ("Festival", 0.8))]
    assert oracle_cut([topics], [[]], [["Music festival"]], lenient_match, scorer) == [["Music"]]
    # a page without candidates (not English) has its given tags cut; with no match at all, the shortest list
    assert oracle_cut([None, page, []], [["Wetter", "Regen"], [], []], [["Regen"], ["Z"], ["Z"]], exact_match,
                      scorer) == [["Wetter", "Regen"], ["A"], []]


@pytest.mark.slow
def test_editor_tags_stay_above_the_pinned_floors(shared: Path, nlp: Any) -> None:
    pinned = json.loads(FLOORS.read_text(encoding="utf-8"))
    report = evaluate_tags(shared / "data" / "tags" / "editor-tags", nlp=nlp, entities=pinned["entities"])
    assert report.pages == pinned["pages"], "editor-tags dev changed since the floors were pinned: re-measure"
    ours = report.ours
    low = {name: (getattr(ours, name), floor) for name, floor in pinned["floors"].items()
           if getattr(ours, name) < floor}
    assert not low, f"below the pinned floor (measured, floor): {low}"
    cv = report.cross_validated[pinned["cross_validated"]["scorer"]]
    low = {name: (getattr(cv, name), floor) for name, floor in pinned["cross_validated"]["floors"].items()
           if getattr(cv, name) < floor}
    assert not low, f"cross-validated figure below the pinned floor (measured, floor): {low}"
    assert report.yake is not None  # the reference tagger must still give its figure
    for kind, ceiling in report.ceilings.items():  # the candidates allow more than the ranking makes of them
        assert ceiling.f1_10_exact >= ours.f1_10_exact and ceiling.f1_10_lenient >= ours.f1_10_lenient, kind
        assert ceiling.f1_10_exact == pytest.approx(pinned["ceilings"][kind]["f1_10_exact"], abs=0.1), kind
        assert ceiling.f1_10_lenient == pytest.approx(pinned["ceilings"][kind]["f1_10_lenient"], abs=0.1), kind
    assert report.yake.f1_10_exact == pytest.approx(pinned["measured"]["yake"]["f1_10_exact"], abs=0.1)
