"""Exceptions newsgraph raises on purpose.

    NewsgraphError
    ├── InputError          one input cannot be read or understood (empty, binary, too big, no article, ...)
    │   └── UnsupportedLanguage
    └── MissingExtra        an optional part is not installed; the message holds the pip line
"""

from __future__ import annotations


class NewsgraphError(Exception):
    """Base class of every error newsgraph raises on purpose."""


class InputError(NewsgraphError):
    """One input could not be turned into an article. ``source`` names it, ``reason`` says why."""

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason

    def __reduce__(self) -> tuple[type[InputError], tuple[str, str]]:  # pickled whole: crosses process boundaries
        return (type(self), (self.source, self.reason))


class UnsupportedLanguage(InputError):
    pass


class MissingExtra(NewsgraphError):
    def __init__(self, what: str, extra: str) -> None:
        super().__init__(f"{what} is not installed: pip install 'newsgraph[{extra}]'")
