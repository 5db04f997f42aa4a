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


def iter_warc(stream: IO[bytes], source: str, *, max_bytes: int) -> Iterator[ReadResult | Skipped]:
    """One result per response record: a document for an HTML page, ``Skipped`` for anything else."""
    from fastwarc.warc import ArchiveIterator, WarcRecordType

    for n, record in enumerate(ArchiveIterator(stream, record_types=WarcRecordType.response, parse_http=True), 1):
        uri = record.headers.get("WARC-Target-URI") or None
        name = f"{source}#{n}" + (f" {uri}" if uri else "")
        status = record.http_headers.status_code if record.http_headers is not None else None
        ctype = (record.http_content_type or "").lower()
        if status is not None and status != 200:
            yield Skipped(name, f"HTTP status {status}")
            continue
        if not ctype.startswith(_HTML_TYPES):
            yield Skipped(name, f"not HTML ({ctype or 'no content type'})")
            continue
        if record.content_length > max_bytes:
            yield ReadResult(name, error=InputError(name, f"record of {record.content_length} bytes is over the "
                                                          f"{max_bytes} byte limit (raise it with --max-bytes)"))
            continue
        data = record.reader.read()
        try:
            text = decode_bytes(data, name)
        except InputError as exc:
            yield ReadResult(name, error=exc)
            continue
        yield ReadResult(name, document=RawDocument(name, text, "html", url=uri))
