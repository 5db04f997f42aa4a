"""The records that flow between stages: plain dataclasses, JSON-ready through ``to_dict``.

Offsets everywhere are Python ``str`` offsets into ``Article.text``: for a plain-text input that is the input
exactly as read (decoded, nothing normalised); for HTML it is the main text extracted from the page.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

DocKind = Literal["text", "html"]
Span = tuple[int, int]


@dataclass(frozen=True, slots=True)
class RawDocument:
    """One input, decoded, before any understanding. ``source`` names it as the user gave it."""

    source: str
    content: str
    kind: DocKind
    url: str | None = None
    published: str | None = None


@dataclass(frozen=True, slots=True)
class Paragraph:
    text: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Dateline:
    place: str
    country: str | None = None


@dataclass(slots=True)
class Speaker:
    """Who said it: as written (``mention``/``spans``) and resolved (``name``/``type``/``title``)."""

    mention: str | None
    spans: list[Span] = field(default_factory=list)
    name: str | None = None
    type: str | None = None
    title: str | None = None


@dataclass(slots=True)
class Quote:
    kind: Literal["direct", "partial", "mixed", "indirect"]
    text: str
    cue: str | None
    spans: list[Span]
    speaker: Speaker
    cue_spans: list[Span] = field(default_factory=list)


@dataclass(slots=True)
class Entity:
    """A person, organisation or place, canonical within the article; ``key`` is stable across the corpus."""

    key: str
    name: str
    type: str
    aliases: list[str] = field(default_factory=list)
    title: str | None = None
    mentions: list[Span] = field(default_factory=list)


@dataclass(slots=True)
class DateMention:
    text: str
    span: Span
    kind: Literal["date", "duration", "year", "month", "time"]
    value: str


@dataclass(slots=True)
class Article:
    source: str
    text: str
    headline: str | None = None
    standfirst: str | None = None
    published: str | None = None
    updated: str | None = None
    dateline: Dateline | None = None
    caption: str | None = None
    authors: list[str] = field(default_factory=list)
    language: str | None = None
    url: str | None = None
    paragraphs: list[Paragraph] = field(default_factory=list)
    boilerplate: list[str] = field(default_factory=list)
    headline_span: Span | None = None
    standfirst_span: Span | None = None
    quotes: list[Quote] = field(default_factory=list)
    entities: list[Entity] = field(default_factory=list)
    dates: list[DateMention] = field(default_factory=list)
    stages: dict[str, str] = field(default_factory=dict)

    @property
    def body(self) -> str:
        return "\n\n".join(p.text for p in self.paragraphs)

    def to_dict(self, *, with_text: bool = False) -> dict[str, Any]:
        """The JSON contract. ``text`` is left out unless asked for: offsets point into it."""
        data = asdict(self)
        if not with_text:
            data.pop("text")
        return data
