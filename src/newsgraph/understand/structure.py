"""Structure: a raw document -> an ``Article`` with headline, times, dateline, caption, body, boilerplate."""

from __future__ import annotations

from newsgraph.errors import InputError, UnsupportedLanguage
from newsgraph.model import Article, RawDocument
from newsgraph.understand.language import detect_language
from newsgraph.understand.layout import parse_layout
from newsgraph.understand.page_html import parse_html
from newsgraph.understand.timestamps import parse_record_time

STAGE = "structure.v1"


def structure(doc: RawDocument, *, languages: frozenset[str] = frozenset({"en"}),
              min_body_chars: int = 200) -> Article:
    """Turn one raw document into an article; ``InputError`` says why when it holds none."""
    if doc.kind == "html":
        page = parse_html(doc.content, doc.url)
        text, layout = page.text, page.layout
        if not layout.paragraphs:
            raise InputError(doc.source, "no article found in the HTML (no main text could be extracted)")
    else:
        text, layout = doc.content, parse_layout(doc.content)
    body = "\n".join(p.text for p in layout.paragraphs)
    if len(body) < min_body_chars:
        raise InputError(doc.source, f"no article: the body has {len(body)} characters, fewer than "
                                     f"{min_body_chars} (is it a listing or an error page?)")
    language = detect_language(body)
    if language not in languages:
        raise UnsupportedLanguage(doc.source, f"language '{language}' is not analysed (supported: "
                                              f"{', '.join(sorted(languages))})")
    published = (parse_record_time(doc.published) if doc.published else None) or layout.published
    return Article(
        source=doc.source, text=text, url=doc.url,
        headline=layout.headline.text if layout.headline else None,
        headline_span=(layout.headline.start, layout.headline.end) if layout.headline else None,
        standfirst=layout.standfirst.text if layout.standfirst else None,
        standfirst_span=(layout.standfirst.start, layout.standfirst.end) if layout.standfirst else None,
        published=published, updated=layout.updated, dateline=layout.dateline, caption=layout.caption,
        authors=layout.authors, language=language, paragraphs=layout.paragraphs,
        boilerplate=layout.boilerplate, stages={"structure": STAGE},
    )
