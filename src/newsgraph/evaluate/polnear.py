"""PolNeAR reader: brat ``.ann`` attribution files and their article texts (data: ``shared/data/quotes/polnear``).

One annotation file per article: the lexicographically first annotator file (``<article>_<annotator>.ann``),
as the corpus's SOURCE.md counts them. Offsets are Python ``str`` offsets into the ``.txt`` file. A T line whose
covered text runs over a paragraph break goes on into the next physical line(s): any line that does not start
with ``T|E|A|R|#|N`` + digits + TAB continues the previous one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from newsgraph.errors import NewsgraphError
from newsgraph.model import Article, Paragraph
from newsgraph.understand.quote_cues import words

Span = tuple[int, int]
SPLITS = ("train", "dev", "test", "annotator-training")
_RECORD = re.compile(r"^[TEARN#]\d+\t")
_QUOTE_CHARS = frozenset('"“”')
PRONOUNS = words("""i me we us you he him she her it they them his hers its their theirs this that these those
one someone somebody everyone who whom mine ours yours""")


@dataclass(frozen=True, slots=True)
class GoldAttribution:
    """One attribution relation: content, cue and source spans (each possibly discontinuous)."""

    content: list[Span]
    cue: list[Span] = field(default_factory=list)
    source: list[Span] = field(default_factory=list)
    cue_text: str = ""
    source_text: str = ""
    content_text: str = ""

    @property
    def direct(self) -> bool:
        """The corpus's proxy for direct and mixed quotes: the content holds a double quotation mark."""
        return any(c in _QUOTE_CHARS for c in self.content_text)

    @property
    def pronoun_source(self) -> bool:
        return self.source_text.strip().lower() in PRONOUNS


@dataclass(frozen=True, slots=True)
class GoldArticle:
    name: str
    text: str
    attributions: list[GoldAttribution]
    annotator: str


def parse_ann(ann: str) -> list[GoldAttribution]:
    """Attributions from brat standoff text; relations missing a Content are dropped (a handful in train)."""
    spans: dict[str, tuple[str, list[Span], str]] = {}
    events: list[dict[str, str]] = []
    for record in _records(ann):
        kind = record[0]
        if kind == "T":
            tid, label_spans, covered = [*record.split("\t", 2), ""][:3]
            label, _, raw = label_spans.partition(" ")
            frags = [(int(a), int(b)) for a, b in (p.split() for p in raw.split(";"))]
            spans[tid] = (label, frags, covered)
        elif kind == "E":
            _, args = record.split("\t", 1)
            roles = dict(part.split(":", 1) for part in args.split())
            events.append({k.rstrip("0123456789"): v for k, v in roles.items()})
    out: list[GoldAttribution] = []
    for ev in events:
        content = spans.get(ev.get("Content", ""))
        if content is None:
            continue
        cue, source = spans.get(ev.get("Cue", "")), spans.get(ev.get("Source", ""))
        out.append(GoldAttribution(content=content[1], cue=cue[1] if cue else [],
                                   source=source[1] if source else [], cue_text=cue[2] if cue else "",
                                   source_text=source[2] if source else "", content_text=content[2]))
    return out


def _records(ann: str) -> list[str]:
    records: list[str] = []
    for line in ann.split("\n"):
        if _RECORD.match(line) or not records:
            records.append(line)
        else:
            records[-1] += "\n" + line
    return [r for r in records if r.strip()]


def split_dir(root: Path, split: str) -> Path:
    if split not in SPLITS:
        raise NewsgraphError(f"unknown PolNeAR split '{split}': choose one of {', '.join(SPLITS)}")
    path = root / split
    if not (path / "text").is_dir() or not (path / "attributions").is_dir():
        raise NewsgraphError(f"PolNeAR split '{split}' not found under {root} (expected {path}/text and "
                             f"{path}/attributions): pass --data pointing at the polnear folder")
    return path


def load_split(root: Path, split: str, limit: int | None = None) -> list[GoldArticle]:
    """The split's articles in name order, each with its first annotator's attributions."""
    path = split_dir(root, split)
    first: dict[str, Path] = {}
    for ann in sorted((path / "attributions").glob("*.ann")):
        article = ann.stem.rsplit("_", 1)[0]
        first.setdefault(article, ann)
    out: list[GoldArticle] = []
    for name in sorted(first)[:limit]:
        ann = first[name]
        text = (path / "text" / f"{name}.txt").read_text(encoding="utf-8")
        out.append(GoldArticle(name, text, parse_ann(ann.read_text(encoding="utf-8")),
                               ann.stem.rsplit("_", 1)[1]))
    return out


def to_article(gold: GoldArticle) -> Article:
    """The article as the pipeline would see it: first line the headline, blank lines between paragraphs."""
    blocks = [(m.start(), m.end()) for m in re.finditer(r"[^\n]+(?:\n[^\n]+)*", gold.text)]
    blocks = [(s, s + len(gold.text[s:e].rstrip())) for s, e in blocks if gold.text[s:e].strip()]
    headline = blocks[0] if blocks else None
    paragraphs = [Paragraph(gold.text[s:e], s, e) for s, e in blocks[1:]]
    return Article(source=gold.name, text=gold.text, headline=gold.text[headline[0]:headline[1]] if headline
                   else None, headline_span=headline, paragraphs=paragraphs, language="en")
