"""Publication and update dates of an HTML page -> timezone-aware ISO 8601 (a plain date when no time is known).

First the structured data publishers write for search engines and social sites: JSON-LD ``datePublished`` /
``dateModified`` of the article object, ``article:published_time``-style meta tags, and ``<time>`` elements
marked as the publication time. These carry the time and zone. When a page has none, htmldate searches the
rest (URL, text patterns, other markup) and gives a day, kept as a plain date: its midnight is not a time.
"""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from htmldate import find_date
from trafilatura.utils import load_html

from newsgraph.understand.timestamps import parse_timestamp

_ARTICLE_TYPES = re.compile(r"(?:article|posting|report|blog|story)$", re.IGNORECASE)
_META_PUBLISHED = ("article:published_time", "og:published_time", "datepublished", "publishdate", "pubdate",
                   "publish-date", "published_time", "parsely-pub-date", "sailthru.date", "dc.date.issued",
                   "dcterms.created", "dc.date.created", "date")
_META_MODIFIED = ("article:modified_time", "og:updated_time", "datemodified", "dcterms.modified",
                  "dc.date.modified", "last-modified", "modified_time")


def page_dates(html: str, url: str | None, tree: Any = None) -> tuple[str | None, str | None]:
    """(published, updated) of a page; ``updated`` is ``None`` when it is unknown or equals ``published``.

    The publication day is htmldate's (original date, extensive search), which weighs every clue on the page;
    the structured timestamp is used when it falls on that day (it adds the time and zone), or when htmldate
    finds nothing. A structured time on another day is often UTC for a page dated in local time.

    ``tree``: the page as trafilatura's loader parsed it, when the caller has it (it is only read). htmldate
    parses ``html`` itself: its parser keeps the comments trafilatura's drops, and dates hide there too."""
    tree = load_html(html) if tree is None else tree
    stamp, updated = structured_dates(tree) if tree is not None else (None, None)
    day = find_date(html, url=url, original_date=True, extensive_search=True)
    published = stamp if stamp is not None and (not day or stamp[:10] == day) else (str(day) if day else None)
    if updated is not None and published is not None and updated[:10] < published[:10]:
        updated = None  # a "modified" before the publication is a template default, not an update
    return published, (updated if updated != published else None)


def structured_dates(tree: Any) -> tuple[str | None, str | None]:
    """(published, modified) from JSON-LD, meta tags and ``<time>`` elements, whichever comes first."""
    published, modified = _json_ld_dates(tree)
    metas = _meta_values(tree)
    published = published or _first(metas.get(k) for k in _META_PUBLISHED)
    modified = modified or _first(metas.get(k) for k in _META_MODIFIED)
    if published is None:
        times = tree.xpath("//time[@itemprop='datePublished' or @pubdate or @data-published]/@datetime"
                           " | //*[@itemprop='datePublished']/@content")
        published = _first(str(t) for t in times)
    return published, modified


def _json_ld_dates(tree: Any) -> tuple[str | None, str | None]:
    objects = [o for script in tree.xpath("//script[@type='application/ld+json']/text()")
               for o in _objects(_load_json(str(script)))]
    objects.sort(key=lambda o: not _is_article(o))  # the article object before WebPage, Organization, ...
    published = _first(str(o["datePublished"]) for o in objects if o.get("datePublished"))
    modified = _first(str(o["dateModified"]) for o in objects if o.get("dateModified"))
    return published, modified


def _load_json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


def _objects(data: Any) -> Iterator[dict[str, Any]]:
    if isinstance(data, list):
        for item in data:
            yield from _objects(item)
    elif isinstance(data, dict):
        yield data
        yield from _objects(data.get("@graph"))


def _is_article(obj: dict[str, Any]) -> bool:
    types = obj.get("@type")
    names = types if isinstance(types, list) else [types]
    return any(isinstance(t, str) and _ARTICLE_TYPES.search(t) for t in names)


def _meta_values(tree: Any) -> dict[str, str]:
    values: dict[str, str] = {}
    for meta in tree.xpath("//meta[@content]"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").strip().lower()
        if key and key not in values:
            values[key] = str(meta.get("content"))
    return values


def _first(values: Iterator[str | None] | Any) -> str | None:
    """The first value that parses as a plausible timestamp, as ISO 8601."""
    for value in values:
        if not value:
            continue
        with warnings.catch_warnings():  # dateutil warns about zone names it does not know; the value is kept
            warnings.simplefilter("ignore")
            stamp = parse_timestamp(value)
        if stamp and _plausible(stamp):
            return stamp
    return None


def _plausible(stamp: str) -> bool:
    return 1995 <= int(stamp[:4]) <= datetime.now(UTC).year + 1
