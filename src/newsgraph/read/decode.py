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
# Beyond UTF-8, a page in a Latin-script language is read as windows-1252, the way browsers read undeclared
# pages (WHATWG maps "latin1" and "ascii" to it). Detectors cannot tell the single-byte Latin code pages apart
# on a short text (charset-normalizer picks cp1250 or cp775 for English with smart quotes), so their guess is
# kept only when it decodes to another script (Cyrillic, Greek, CJK, ...).
_LATIN_MAX = 0x24F
_WHATWG_ALIASES = {"iso-8859-1": "cp1252", "iso8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252",
                   "us-ascii": "cp1252", "ascii": "cp1252"}


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
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise InputError(source, f"starts with a UTF-16 mark but is not UTF-16 ({exc.reason})") from exc
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
            label = declared.group(1).decode("ascii").lower()
            return data.decode(_WHATWG_ALIASES.get(label, label))
        except (LookupError, UnicodeDecodeError):
            pass
    return _detected(data, source)


def _mostly_latin(text: str) -> bool:
    letters = [c for c in text[:20000] if c.isalpha()]
    return sum(1 for c in letters if ord(c) > _LATIN_MAX) <= 0.3 * len(letters)


def _detected(data: bytes, source: str) -> str:
    best = from_bytes(data).best()
    if best is None or _mostly_latin(str(best)):
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            pass
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
