"""How the plain-text layout copes with a whole page flattened to text (menus, link lists and footers around
the story), on the Fundus evaluation pages, with trafilatura run side by side on the same pages' HTML.

    .venv/bin/python benchmarks/layout_page_dumps.py

Each HTML page is flattened the way a copy-all or a naive scraper would (every block element on its own
paragraph, scripts and styles dropped), then split by ``newsgraph.understand.layout.parse_layout``. Scores are
paragraph-level: a ground-truth body paragraph counts as found when a body paragraph has the same words
(lower-cased ``\\w+`` tokens); precision and recall are averaged over pages. trafilatura reads the HTML itself,
which is the easier task: its score is the ceiling a text-only parser can approach, not a like-for-like rival.
The data folder comes from NEWSGRAPH_SHARED (default: ``shared/`` beside the checkout).
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Callable
from pathlib import Path

import lxml.html
import trafilatura

from newsgraph.errors import NewsgraphError
from newsgraph.evaluate.data import shared_root
from newsgraph.understand.layout import parse_layout

BLOCKS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "figcaption", "blockquote", "section", "article",
          "header", "footer", "nav", "ul", "ol", "table", "tr", "td", "time", "aside", "main", "figure", "br"}


def shared_dir() -> Path:
    try:
        return shared_root("data")
    except NewsgraphError as exc:
        raise SystemExit(str(exc)) from None


def flatten(html: str) -> str:
    """Visible text of a page, one block element per paragraph."""
    doc = lxml.html.fromstring(html)
    for node in doc.xpath("//script|//style|//noscript|//svg|//template|//head"):
        node.drop_tree()
    out: list[str] = []
    run: list[str] = []

    def flush() -> None:
        if text := " ".join("".join(run).split()):
            out.append(text)
        run.clear()

    def walk(el: lxml.html.HtmlElement) -> None:
        block = isinstance(el.tag, str) and el.tag in BLOCKS
        if block:
            flush()
        run.append(el.text or "")
        for child in el:
            walk(child)
        if block:
            flush()
        run.append(el.tail or "")

    walk(doc)
    flush()
    return "\n\n".join(out)


def words(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def score(pages: list[tuple[str, list[str]]], extract: Callable[[str], list[str]]) -> tuple[float, float]:
    precision = recall = 0.0
    for html, truth in pages:
        got = {words(p) for p in extract(html)}
        want = {words(p) for p in truth}
        hits = len(got & want)
        precision += hits / max(1, len(got))
        recall += hits / max(1, len(want))
    return precision / len(pages), recall / len(pages)


def main() -> None:
    folder = shared_dir() / "data" / "extraction" / "fundus-evaluation"
    truth = json.loads((folder / "ground_truth.json").read_text(encoding="utf-8"))
    pages = [(gzip.decompress((folder / "html" / name).read_bytes()).decode("utf-8", "replace"), item["body"])
             for name, item in sorted(truth.items())]
    systems: dict[str, Callable[[str], list[str]]] = {
        "newsgraph layout on flattened text": lambda h: [p.text for p in parse_layout(flatten(h)).paragraphs],
        "every flattened block (no layout)": lambda h: flatten(h).split("\n\n"),
        "trafilatura.extract on the HTML": lambda h: (trafilatura.extract(h) or "").split("\n"),
    }
    print(f"{len(pages)} Fundus pages, paragraph-level")
    for name, extract in systems.items():
        p, r = score(pages, extract)
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        print(f"  {name:<38} precision {p:.3f}  recall {r:.3f}  F1 {f1:.3f}")


if __name__ == "__main__":
    main()
