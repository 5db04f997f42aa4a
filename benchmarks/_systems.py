"""The systems the extraction benchmarks compare: newsgraph's real product path and the peer tools as users
call them (default settings)."""

from __future__ import annotations

from pathlib import Path

import py3langid.langid

import _metrics as m
from newsgraph.errors import InputError
from newsgraph.model import RawDocument
from newsgraph.understand.html_dates import page_dates
from newsgraph.understand.structure import structure


def _all_languages() -> frozenset[str]:
    identifier = py3langid.langid.LanguageIdentifier.from_pickled_model(py3langid.langid.MODEL_FILE)
    return frozenset(str(code) for code in identifier.nb_classes)


_LANGUAGES: frozenset[str] | None = None


def newsgraph_paragraphs(html: str, url: str | None) -> list[str]:
    """Body paragraphs of the Article that the structure step makes of an HTML page (nlp off), i.e. what the
    product stores. Every language is let through (the benchmarks measure extraction, not the language
    filter); a page the step rejects (no article) scores as an empty body."""
    global _LANGUAGES
    if _LANGUAGES is None:
        _LANGUAGES = _all_languages()
    try:
        article = structure(RawDocument("bench", html, "html", url=url or None), languages=_LANGUAGES)
    except InputError:
        return []
    return [p.text for p in article.paragraphs]


def newsgraph_date(html: str, url: str | None) -> str | None:
    """The publication date newsgraph's HTML path gives a page (``page_dates``, which structure uses)."""
    return page_dates(html, url or None)[0]


def trafilatura_text(html: str) -> str:
    import trafilatura

    return trafilatura.extract(html) or ""


def htmldate_date(html: str, url: str | None) -> str | None:
    from htmldate import find_date

    found = find_date(html, url=url or None)
    return str(found) if found else None


FIGURES = ("scrapinghub_f1", "fundus_rouge_lsum_f1", "dates_accuracy")
CORPORA = {"scrapinghub": m.SCRAPINGHUB, "fundus": m.FUNDUS, "htmldate": m.HTMLDATE}


def newsgraph_figures(shared: Path) -> dict[str, float]:
    """newsgraph's own accuracy on the three corpora (full sets), as the CI gate checks them: ScrapingHub
    shingle F1 (0-1), Fundus ROUGE-LSum F1 (0-100), htmldate-eval day accuracy (%)."""
    sh = m.load_scrapinghub(shared / m.SCRAPINGHUB)
    counts = [m.shingle_counts(gold, "\n\n".join(newsgraph_paragraphs(html, url))) for _, url, html, gold in sh]
    rouge = m.RougeLsum()
    fundus = [rouge.score(gold, newsgraph_paragraphs(html, url)) for _, url, html, gold in
              m.load_fundus(shared / m.FUNDUS)]
    dates = m.load_dates(shared / m.HTMLDATE)
    found = [newsgraph_date(html, url) for url, html, _ in dates]
    return {"scrapinghub_f1": m.shingle_prf(counts).f1, "fundus_rouge_lsum_f1": 100 * m.mean_prf(fundus).f1,
            "dates_accuracy": 100 * m.date_accuracy(found, [g for _, _, g in dates])}


def corpus_hashes(shared: Path) -> dict[str, str]:
    return {name: m.corpus_hash(shared / rel) for name, rel in CORPORA.items()}
