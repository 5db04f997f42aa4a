"""Deterministic corpora built from the hand-written fixtures in fixtures/corpus/articles.jsonl.

``near_dup_set``: lightly edited copies (new headline, last paragraph trimmed, paragraphs reordered, wire
credit changed) as near-duplicates of their original; the other articles of the same story are the hard
negatives. ``synthetic``: many distinct articles recombined from the fixtures' paragraphs (for benchmarks).
Everything is drawn from ``random.Random(seed)``, so a seed always gives the same corpus.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

ARTICLES = Path(__file__).resolve().parent / "fixtures" / "corpus" / "articles.jsonl"
CREDITS = ["(Coastline Wire)", "(Harbour Press Agency)", "(Meridian News Service)", "(NorthStar Wire)"]
HEADLINE_PREFIXES = ["UPDATE 1-", "Latest: ", "", "Breaking: ", "Explainer: "]


@dataclass(frozen=True, slots=True)
class Doc:
    key: str           # "a03" for original 3, "a03c2" for its second copy
    family: int        # the original it comes from
    story: int         # the story (three originals each)
    url: str
    published: str
    headline: str
    paragraphs: tuple[str, ...]

    def record(self) -> dict[str, str]:
        text = self.headline + "\n\n" + "\n\n".join(self.paragraphs) + "\n"
        return {"url": self.url, "published": self.published, "text": text}


def originals() -> list[Doc]:
    out = []
    for n, line in enumerate(ARTICLES.read_text(encoding="utf-8").splitlines()):
        rec = json.loads(line)
        head, *paras = [p for p in rec["text"].split("\n\n") if p.strip()]
        out.append(Doc(f"a{n:02d}", n, n // 3, rec["url"], rec["published"], head.strip(),
                       tuple(p.strip() for p in paras)))
    return out


def _later(iso: str, hours: int) -> str:
    t = datetime.fromisoformat(iso.replace("Z", "+00:00")) + timedelta(hours=hours)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def _edit(doc: Doc, rng: random.Random, copy: int) -> Doc:
    paras = list(doc.paragraphs)
    edits = rng.sample(["headline", "trim", "reorder", "credit"], k=2)
    headline = doc.headline
    if "headline" in edits:
        words = doc.headline.split()
        headline = rng.choice(HEADLINE_PREFIXES) + " ".join(words[: max(4, len(words) - 3)])
    if "trim" in edits:
        paras = paras[:-1]
    if "reorder" in edits and len(paras) > 3:
        i, j = rng.sample(range(1, len(paras)), 2)
        paras[i], paras[j] = paras[j], paras[i]
    if "credit" in edits:
        old = next((c for c in CREDITS if c in paras[0]), None)
        new = rng.choice([c for c in CREDITS if c != old])
        paras[0] = paras[0].replace(old, new) if old else paras[0] + " " + new
        paras.append(f"Reporting by {rng.choice(['Ana Loft', 'Ben Ekre', 'Cai Moss'])}; editing by "
                     f"{rng.choice(['Dana Pyle', 'Eli Strand'])}")
    url = doc.url.replace(".example/", f".example/syndicated/{copy}/")
    return Doc(f"{doc.key}c{copy}", doc.family, doc.story, url, _later(doc.published, rng.randint(1, 30)),
               headline, tuple(paras))


def near_dup_set(seed: int = 20240304, copies: int = 3) -> list[Doc]:
    """The originals and ``copies`` edited copies of each, shuffled (copies may come before their original)."""
    rng = random.Random(seed)
    docs = originals()
    out = list(docs)
    for d in docs:
        out += [_edit(d, rng, c) for c in range(1, copies + 1)]
    rng.shuffle(out)
    return out


_SENTENCE = re.compile(r"(?<=[.!?\"])\s+(?=[A-Z\"])")
_NAME = re.compile(r"\b[A-Z][a-z]{2,}\b")
_SYLLABLES = ["ka", "lo", "mer", "vin", "dra", "sel", "tor", "ana", "bel", "rik", "os", "un", "zel", "por", "hal"]


def _names(rng: random.Random, n: int) -> list[str]:
    return sorted({"".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()
                   for _ in range(n)})


def synthetic(n: int, seed: int = 7) -> list[dict[str, str]]:
    """``n`` distinct articles recombined from the fixtures' sentences: each picks a story, builds five
    paragraphs of two or three sentences from that story (one in five from another story), gives itself a few
    invented names in place of the fixtures' (so the corpus holds many people and places, not twelve), and a
    date in 2024. Topically clustered, like news, but rarely near-duplicates."""
    rng = random.Random(seed)
    docs = originals()
    sentences: dict[int, list[str]] = {}
    for d in docs:
        for p in d.paragraphs:
            sentences.setdefault(d.story, []).extend(_SENTENCE.split(p))
    names = _names(rng, 3000)
    out = []
    for i in range(n):
        base = rng.choice(docs)
        own = {w: rng.choice(names) for w in sorted(set(_NAME.findall(" ".join(sentences[base.story]))))
               if rng.random() < 0.5}

        def rename(text: str, own: dict[str, str] = own) -> str:
            return _NAME.sub(lambda m: own.get(m.group(0), m.group(0)), text)

        paras = []
        for _ in range(5):
            story = base.story if rng.random() < 0.8 else rng.randrange(len(sentences))
            text = " ".join(rng.sample(sentences[story], k=rng.randint(2, 3)))
            paras.append(rename(text))
        day = datetime(2024, 1, 1) + timedelta(hours=rng.randint(0, 24 * 365))
        headline = rename(base.headline)
        out.append({"url": f"https://synthetic.example/{i}", "published": day.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "text": f"{headline}\n\n" + "\n\n".join(paras) + "\n"})
    return out


VOLATILE_COLUMNS = {"ingested_at", "applied_at"}


def canonical_dump(path: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, sorted, without wall-clock columns; FTS shadow tables are checked with
    FTS5's integrity-check instead (their b-tree layout depends on commit boundaries, not on content)."""
    import sqlite3

    db = sqlite3.connect(path)
    try:
        db.execute("INSERT INTO articles_fts (articles_fts) VALUES ('integrity-check')")
        out: dict[str, list[tuple[object, ...]]] = {}
        names = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        for name in names:
            if name.startswith(("articles_fts", "sqlite_")):
                continue
            cols = [r[0] for r in db.execute("SELECT name FROM pragma_table_info(?)", (name,))]
            keep = [c for c in cols if c not in VOLATILE_COLUMNS]
            select = ", ".join('"' + c + '"' for c in keep)
            out[name] = sorted(db.execute(f'SELECT {select} FROM "{name}"').fetchall(), key=repr)
        return out
    finally:
        db.close()
