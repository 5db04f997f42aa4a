"""Files, directories, stdin and JSON/JSONL records -> ``RawDocument``s, one error per bad input."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from newsgraph.errors import InputError
from newsgraph.model import RawDocument
from newsgraph.read.decode import decode_bytes, detect_kind

TEXT_SUFFIXES = {".txt", ".text", ".html", ".htm", ".xhtml", ".json", ".jsonl", ".ndjson", ""}
# Feeds and web archives, which ``newsgraph ingest`` reads, are inputs a directory walk takes as well.
ARCHIVE_SUFFIXES = {".xml", ".rss", ".atom", ".warc", ".gz"}
_WALKED = TEXT_SUFFIXES | ARCHIVE_SUFFIXES
_JSON_SUFFIXES = (".json", ".jsonl", ".ndjson")


@dataclass(frozen=True, slots=True)
class ReadResult:
    """Either a document or the error that stopped one input; never both."""

    source: str
    document: RawDocument | None = None
    error: InputError | None = None


def expand_paths(paths: Iterable[str]) -> Iterator[str]:
    """Files as given, directories walked in sorted order, ``-`` kept for stdin. A walk takes the files whose
    suffix is one of ``TEXT_SUFFIXES`` or ``ARCHIVE_SUFFIXES`` and skips hidden ones (a README.md or an image
    beside the pages is not an input); a file named explicitly is always taken."""
    for p in paths:
        path = Path(p)
        if p != "-" and path.is_dir():
            for child in sorted(path.rglob("*")):
                hidden = any(part.startswith(".") for part in child.relative_to(path).parts)
                if child.is_file() and not hidden and child.suffix.lower() in _WALKED:
                    yield str(child)
        else:
            yield p


def _records(text: str, source: str) -> Iterator[ReadResult]:
    stripped = text.lstrip()
    lines: list[tuple[str, str]]
    whole = stripped.startswith("[") or (stripped.startswith("{") and "\n{" not in stripped.strip())
    if whole:
        try:
            loaded = json.loads(text)
        except json.JSONDecodeError as exc:
            if "\n" not in stripped.strip():
                yield ReadResult(source, error=InputError(source, f"invalid JSON: {exc}"))
                return
            whole = False  # several lines that are not one JSON document: JSONL, each line on its own
    if whole:
        items = loaded if isinstance(loaded, list) else [loaded]
        lines = [(f"{source}#{i + 1}" if len(items) > 1 else source, json.dumps(item)) for i, item in
                 enumerate(items)]
    else:
        lines = [(f"{source}:{n}", line) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
    for name, line in lines:
        yield _record(name, line)


def _record(name: str, line: str) -> ReadResult:
    try:
        rec = json.loads(line)
    except json.JSONDecodeError as exc:
        return ReadResult(name, error=InputError(name, f"invalid JSON line: {exc.msg} at column {exc.colno}"))
    if not isinstance(rec, dict):
        return ReadResult(name, error=InputError(name, "a JSON record must be an object with 'text' or 'html'"))
    body = rec.get("html") or rec.get("text") or rec.get("content")
    if not isinstance(body, str) or not body.strip():
        return ReadResult(name, error=InputError(name, "JSON record has no 'text' or 'html' string"))
    kind = "html" if isinstance(rec.get("html"), str) and rec.get("html") else detect_kind(body)
    url = rec.get("url") if isinstance(rec.get("url"), str) else None
    published = rec.get("published") or rec.get("date")
    doc = RawDocument(name, body, kind, url=url, published=str(published) if published else None)
    return ReadResult(name, document=doc)


def _looks_like_json(text: str) -> bool:
    head = text.lstrip()[:1]
    return head in ("{", "[")


def _too_large(source: str, size: int, max_bytes: int) -> InputError:
    limit = f"{max_bytes / 1e6:g} MB"
    return InputError(source, f"too large: {size / 1e6:.1f} MB is over the {limit} limit (raise it with --max-bytes)")


def read_bytes(data: bytes, source: str, *, max_bytes: int) -> Iterator[ReadResult]:
    if len(data) > max_bytes:
        yield ReadResult(source, error=_too_large(source, len(data), max_bytes))
        return
    try:
        text = decode_bytes(data, source)
    except InputError as exc:
        yield ReadResult(source, error=exc)
        return
    if _looks_like_json(text) or source.lower().endswith(_JSON_SUFFIXES):  # a .jsonl's first line may be bad
        yield from _records(text, source)
        return
    yield ReadResult(source, document=RawDocument(source, text, detect_kind(text)))


def read_path(path: str, *, max_bytes: int) -> Iterator[ReadResult]:
    """Read one path (or ``-`` for stdin) into results; I/O errors become results, never exceptions."""
    try:
        if path == "-":
            data = sys.stdin.buffer.read(max_bytes + 1)
        else:
            p = Path(path)
            size = p.stat().st_size
            if size > max_bytes:
                yield ReadResult(path, error=_too_large(path, size, max_bytes))
                return
            data = p.read_bytes()
    except FileNotFoundError:
        yield ReadResult(path, error=InputError(path, "no such file or directory"))
        return
    except OSError as exc:
        yield ReadResult(path, error=InputError(path, f"cannot read: {exc.strerror or exc}"))
        return
    yield from read_bytes(data, path, max_bytes=max_bytes)


def read_sources(paths: Iterable[str], *, max_bytes: int) -> Iterator[ReadResult]:
    """Every input under ``paths``, in order; a directory with no page in it is an error of its own."""
    for given in paths:
        found = False
        for path in expand_paths([given]):
            found = True
            yield from read_path(path, max_bytes=max_bytes)
        if not found:
            suffixes = ", ".join(sorted(s for s in _WALKED if s))
            yield ReadResult(given, error=InputError(given, f"no pages in this directory (looked for {suffixes} "
                                                            "and files without a suffix)"))
