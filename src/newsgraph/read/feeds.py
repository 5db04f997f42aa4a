"""RSS and Atom feeds -> ``RawDocument``s: each entry's content (or summary) HTML, with its link and date.

feedparser does the parsing (it copes with every RSS/Atom dialect and with broken XML). The entry's title is
put back as the page's ``<h1>`` so the structure stage finds the headline.
"""

from __future__ import annotations

import html
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from newsgraph.errors import InputError
from newsgraph.model import RawDocument
from newsgraph.read.sources import ReadResult

_FEED_START = re.compile(rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*|<\?[^>]*>\s*|<!DOCTYPE[^>]*>\s*)*"
                         rb"<(?:rss|feed|rdf:RDF)\b", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True, slots=True)
class Skipped:
    """An input that holds no article on purpose (a WARC request record, a feed entry with no text)."""

    source: str
    reason: str


def looks_like_feed(head: bytes) -> bool:
    """True when the first bytes open an RSS, Atom or RDF document."""
    return _FEED_START.match(head.lstrip(b"\xef\xbb\xbf")) is not None


def _iso(parsed: Any) -> str | None:
    if not parsed:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", parsed)


def _entry_html(entry: Any) -> str | None:
    contents = [c.get("value", "") for c in entry.get("content", []) if c.get("value")]
    body = max(contents, key=len) if contents else entry.get("summary", "")
    if not body or not body.strip():
        return None
    title = entry.get("title", "")
    head = f"<title>{html.escape(title)}</title>" if title else ""
    h1 = f"<h1>{html.escape(title)}</h1>" if title else ""
    if "<p" not in body.lower():
        body = "".join(f"<p>{html.escape(p.strip())}</p>" for p in body.split("\n\n") if p.strip())
    return f"<html><head>{head}</head><body><article>{h1}{body}</article></body></html>"


def iter_feed(data: bytes | str, source: str) -> Iterator[ReadResult | Skipped]:
    """Parse a feed's bytes (or fetch a feed URL) and yield one result per entry, in feed order."""
    import feedparser

    parsed = feedparser.parse(data)
    if parsed.get("bozo") and not parsed.get("entries"):
        reason = parsed.get("bozo_exception") or "not a feed"
        yield ReadResult(source, error=InputError(source, f"cannot read the feed: {reason}"))
        return
    for n, entry in enumerate(parsed.entries, 1):
        link = entry.get("link") or None
        name = f"{source}#{n}" + (f" {link}" if link else "")
        page = _entry_html(entry)
        if page is None:
            yield Skipped(name, "feed entry has no content or summary")
            continue
        published = _iso(entry.get("published_parsed") or entry.get("updated_parsed"))
        yield ReadResult(name, document=RawDocument(name, page, "html", url=link, published=published))
