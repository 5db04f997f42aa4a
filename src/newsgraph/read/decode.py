"""Bytes -> text, and text -> what kind of document it is."""

from __future__ import annotations

import re

from charset_normalizer import from_bytes

from newsgraph.errors import InputError
from newsgraph.model import DocKind

_HTML_START = re.compile(
    rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta|article)\b",
    re.IGNORECASE | re.DOTALL)
_HTML_TAGS = re.compile(r"</?(?:p|div|span|a|br|h[1-6]|article|section|body|html)\b[^>]*>", re.IGNORECASE)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w-]+)""", re.IGNORECASE)


def _looks_binary(data: bytes) -> bool:
    sample = data[:8192]
    if b"\x00" in sample:
        return True
    control = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13, 27))
    return control > len(sample) * 0.05


def decode_bytes(data: bytes, source: str) -> str:
    """Decode an input's bytes: UTF-8 first, then the page's declared charset, then a detected one."""
    if not data.strip():
        raise InputError(source, "empty input: the file holds no text")
    if _looks_binary(data):
        raise InputError(source, "binary data, not text or HTML (is it compressed or an image?)")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    declared = _META_CHARSET.search(data[:4096])
    if declared:
        try:
            return data.decode(declared.group(1).decode("ascii"))
        except (LookupError, UnicodeDecodeError):
            pass
    best = from_bytes(data).best()
    if best is None:
        raise InputError(source, "not UTF-8 and no other text encoding fits: save it as UTF-8")
    return str(best)


def detect_kind(text: str) -> DocKind:
    """HTML if it starts like a page or is dense with block tags; plain text otherwise."""
    head = text[:2048].encode("utf-8", "ignore")
    if _HTML_START.search(head):
        return "html"
    tags = len(_HTML_TAGS.findall(text[:20000]))
    return "html" if tags >= 5 else "text"
