"""WARC files (Common Crawl's CC-NEWS and the like) -> ``RawDocument``s, one per HTML response record.

Records are streamed by FastWARC (a maintained, fast C++ parser; it also undoes .warc.gz compression), so
memory stays flat however large the archive is. Records that are not HTML responses are skipped and counted.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO

from newsgraph.errors import InputError
from newsgraph.model import RawDocument
from newsgraph.read.decode import decode_bytes
from newsgraph.read.feeds import Skipped
from newsgraph.read.sources import ReadResult

WARC_MAGIC = b"WARC/1."
GZIP_MAGIC = b"\x1f\x8b"
_HTML_TYPES = ("text/html", "application/xhtml+xml")


def looks_like_warc(head: bytes) -> bool:
    """True for the first bytes of an uncompressed WARC (gzip members are checked after decompression)."""
    return head.lstrip(b"\r\n").startswith(WARC_MAGIC)


def _cut_short(name: str) -> InputError:
    return InputError(name, "record cut short (fewer bytes than its Content-Length): the archive is truncated")


def iter_warc(stream: IO[bytes], source: str, *, max_bytes: int) -> Iterator[ReadResult | Skipped]:
    """One result per response record: a document for an HTML page, ``Skipped`` for anything else; an error for
    a record cut short (FastWARC yields what it has, so a truncated file is caught here) or a file with none."""
    from fastwarc.warc import ArchiveIterator, WarcRecordType

    records = n = 0
    for record in ArchiveIterator(stream, parse_http=True):
        records += 1
        complete = record.headers.get("Content-Length") is not None  # a header cut short lacks it
        if complete and record.record_type != WarcRecordType.response:
            continue
        n += 1
        uri = record.headers.get("WARC-Target-URI") or None
        name = f"{source}#{n}" + (f" {uri}" if uri else "")
        if not complete:
            yield ReadResult(name, error=InputError(name, "WARC record header cut short or malformed (no "
                                                          "Content-Length): the archive is truncated or damaged"))
            continue
        status = record.http_headers.status_code if record.http_headers is not None else None
        ctype = (record.http_content_type or "").lower()
        skip = f"HTTP status {status}" if status is not None and status != 200 else None
        if skip is None and not ctype.startswith(_HTML_TYPES):
            skip = f"not HTML ({ctype or 'no content type'})"
        if skip is not None:  # consume() counts the bytes there were to skip: fewer means a truncated file
            cut = record.reader.consume() < record.content_length
            yield ReadResult(name, error=_cut_short(name)) if cut else Skipped(name, skip)
            continue
        if record.content_length > max_bytes:
            yield ReadResult(name, error=InputError(name, f"record of {record.content_length} bytes is over the "
                                                          f"{max_bytes} byte limit (raise it with --max-bytes)"))
            continue
        data = record.reader.read()
        if len(data) < record.content_length:
            yield ReadResult(name, error=_cut_short(name))
            continue
        try:
            text = decode_bytes(data, name)
        except InputError as exc:
            yield ReadResult(name, error=exc)
            continue
        yield ReadResult(name, document=RawDocument(name, text, "html", url=uri))
    if records == 0:
        yield ReadResult(source, error=InputError(source, "no WARC record could be read: the file is truncated "
                                                          "or not a WARC archive"))
