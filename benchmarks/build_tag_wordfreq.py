"""Rebuild ``src/newsgraph/connect/tag_wordfreq.json.gz``: the reference word statistics the tagger ranks key
phrases with (how many documents of a general news corpus use each word, and how often spaCy tags it a noun),
and the full names of the people that corpus names most (so that a text's bare "Trump" is tagged with the
full name an editor would write).

Sources, all under the shared data folder and none of them the editor-tags set: ECB+ (772 news articles,
CC BY 3.0), PolNeAR train+dev (924 US political news articles) and WikiRef220 (220 news articles). Only
counts are kept (a word must occur in at least ``MIN_DF`` documents), never text. A surname is kept when, in
at least ``MIN_PERSON_STORIES`` stories (an ECB+ topic is one story), a text writes one full name and then the
surname alone as a person, that full name makes up ``MIN_PERSON_SHARE`` of such stories for the surname, and
the surname is seldom a lower-case word.

    .venv/bin/python benchmarks/build_tag_wordfreq.py [--shared PATH]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from newsgraph.connect.features import WORD, normalize
from newsgraph.settings import default
from newsgraph.understand.stages import load_nlp

MIN_DF = 2
MIN_PERSON_STORIES = 5
LOWER_SHARE = 0.05  # a surname written in lower case this often (as a share of its uses as a name) is a word
MIN_PERSON_SHARE = 0.75
OUT = Path(__file__).resolve().parents[1] / "src" / "newsgraph" / "connect" / "tag_wordfreq.json.gz"


def texts(shared: Path) -> Iterator[tuple[str, str]]:
    """(story, text): an ECB+ topic's twenty-odd articles on one event count as one story for the people."""
    for line in (shared / "similar/ecbplus/docs.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            yield f"ecb+{row['topic']}", str(row["text"])
    for split in ("train", "dev"):
        for path in sorted((shared / f"quotes/polnear/{split}/text").glob("*.txt")):
            yield path.name, path.read_text(encoding="utf-8")
    for path in sorted((shared / "similar/wikiref220/articles").glob("*.txt")):
        yield path.name, path.read_text(encoding="utf-8", errors="replace")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", default=os.environ.get("NEWSGRAPH_SHARED", "/work/shared/data"))
    shared = Path(parser.parse_args().shared)
    nlp = load_nlp(str(default("spacy_model")))
    df: Counter[str] = Counter()
    tokens: Counter[str] = Counter()
    nouns: Counter[str] = Counter()
    n_docs = 0
    full_names: dict[str, dict[str, set[str]]] = {}  # surname -> full name -> stories
    lower: Counter[str] = Counter()
    surname_docs: Counter[str] = Counter()
    keep = [p for p in ("tok2vec", "tagger", "attribute_ruler", "ner") if p in nlp.pipe_names]
    with nlp.select_pipes(enable=keep):
        for doc, story in nlp.pipe(((text, story) for story, text in texts(shared)), batch_size=32,
                                   as_tuples=True):
            n_docs += 1
            persons = {e.text for e in doc.ents if e.label_ == "PERSON"}
            surname_docs.update({p.casefold() for p in persons if " " not in p})
            for name in {_person(p) for p in persons} - {""}:
                if name.split()[-1] in persons:  # the text goes on to call the person by surname alone
                    full_names.setdefault(name.split()[-1].casefold(), {}).setdefault(name, set()).add(story)
            lower.update({m.group() for m in WORD.finditer(doc.text) if m.group().islower()})
            df.update({normalize(m.group()) for m in WORD.finditer(doc.text)})
            for tok in doc:
                if tok.is_alpha:
                    key = normalize(tok.text)
                    tokens[key] += 1
                    nouns[key] += tok.pos_ in ("NOUN", "PROPN")
    words = {w: [n, round(100 * nouns[w] / tokens[w]) if tokens[w] else -1]
             for w, n in sorted(df.items()) if n >= MIN_DF and w}
    people = {}
    for surname, names in sorted(full_names.items()):
        best = max(names, key=lambda n: len(names[n]))
        stories, total = len(names[best]), sum(len(s) for s in names.values())
        if (stories >= MIN_PERSON_STORIES and stories >= MIN_PERSON_SHARE * total
                and lower[surname] < LOWER_SHARE * surname_docs[surname]):
            people[surname] = best
    payload = {"n_docs": n_docs, "people": people, "sources": "ECB+ topics 1-35, PolNeAR train+dev, WikiRef220",
               "columns": ["document frequency", "percent of uses spaCy tags NOUN or PROPN (-1: not a word)"],
               "words": words}
    OUT.write_bytes(gzip.compress(json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode(), 9))
    print(f"{OUT}: {n_docs} documents, {len(words)} words, {len(people)} people, {OUT.stat().st_size // 1024} KiB")


def _person(text: str) -> str:
    """A full name of two or three capitalised words ("Donald Trump"), or ""."""
    words = text.replace("’", "'").removesuffix("'s").split()
    ok = 2 <= len(words) <= 3 and all(w[:1].isupper() and w.replace(".", "").replace("-", "").isalpha() for w in words)
    return " ".join(words) if ok and len(words[-1]) > 2 else ""


if __name__ == "__main__":
    main()
