"""Which language a text is in, with the model ``py3langid`` ships (no download)."""

from __future__ import annotations

import py3langid


def detect_language(text: str) -> str:
    """ISO 639-1 code of the language of ``text`` (its first 5,000 characters)."""
    code, _score = py3langid.classify(text[:5000])
    return str(code)
