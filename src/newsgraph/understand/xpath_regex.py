"""trafilatura's XPath expressions with their regular-expression tests answered inside libxml2.

trafilatura selects page furniture with XPath expressions such as
``.//*[... or re:test(@class, '^hide-|comments-title|-reply-| hidden')]``. ``re:test`` is EXSLT, which libxml2
does not implement: lxml answers it with a callback into Python for every element the expression visits, and
turns the attribute into a string tied to a new element proxy first. On news pages that is about a third of
the structure step (about 8 ms an article in ``prune_unwanted_nodes``), for tests that are mostly plain
substrings.

``use_native_xpaths`` recompiles those expressions once, in place (trafilatura's lists are shared by the
modules that import them), so that each answer stays the same:

- a pattern whose every branch spells a finite set of strings (literals, ``[Cc]``, ``-?``, ``(?:a|b)``,
  ``[-_]{0,2}``, an optional leading ``^``) becomes ``contains(X, 's')`` / ``starts-with(X, 's')`` tests,
  which libxml2 evaluates natively: the same truth value, because both read the string value of the first
  node of ``X`` and a search for such a pattern succeeds exactly when one of its strings occurs (at the
  start, for ``^``);
- any other pattern (a lookahead, ``\\s``, ``$``) keeps its ``re:test`` behind a native guard built the same
  way from the strings every match must contain (``contains(...) and re:test(...)``); the guard only skips
  callbacks whose answer would be false;
- case-insensitive tests (flag ``i``), patterns that yield no guard and patterns that would need more than
  ``_MAX_TESTS`` native tests are left as they were.

Results are elements, so the expressions are compiled without lxml's "smart strings" too.
``tests/test_xpath_regex.py`` compares every rewritten expression with trafilatura's on real pages.
"""

from __future__ import annotations

import re
import sys
import threading
from itertools import product
from re import _constants as sre  # type: ignore[attr-defined]  # the parser's opcodes (stable since 3.11)
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

from lxml.etree import XPath

REGEXP_NS = "http://exslt.org/regular-expressions"
_RE_TEST = re.compile(r"re:test\(\s*([^,()']+?)\s*,\s*'([^']*)'\s*(?:,\s*'([^']*)'\s*)?\)")
_MAX_STRINGS = 64  # a pattern spelling more strings than this gets no guard
# Each native test converts the attribute to a string again, so a long alternation (trafilatura's 60-token lists
# of site furniture) is cheaper as one callback into one compiled regex: measured on the ScrapingHub pages,
# structure per page went 24.4 -> 22.4 ms with no test rewritten (smart strings off alone), 21.8 with up to 3
# native tests per pattern, 20.8 with up to 6, and slower again from about 24.
_MAX_TESTS = 8

# One piece of a pattern: the set of strings it spells, or None where it is not a finite set.
Strings = frozenset[str] | None
Item = tuple[Any, Any]  # (opcode, argument) as ``re._parser`` gives it


def _seq_strings(items: list[Item]) -> Strings:
    """The strings a sequence of parsed items spells, or None."""
    out = frozenset({""})
    for op, av in items:
        piece = _item_strings(op, av)
        if piece is None:
            return None
        out = frozenset(a + b for a, b in product(out, piece))
        if len(out) > _MAX_STRINGS:
            return None
    return out


def _item_strings(op: Any, av: Any) -> Strings:
    if op is sre.LITERAL:
        return frozenset({chr(av)})
    if op is sre.IN:
        chars = [chr(v) for o, v in av if o is sre.LITERAL]
        return frozenset(chars) if len(chars) == len(av) else None
    if op is sre.SUBPATTERN:
        _group, add_flags, del_flags, sub = av
        return _seq_strings(list(sub)) if not add_flags and not del_flags else None
    if op is sre.BRANCH:
        out: set[str] = set()
        for branch in av[1]:
            part = _seq_strings(list(branch))
            if part is None:
                return None
            out |= part
        return frozenset(out)
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
        low, high, sub = av
        one = _seq_strings(list(sub))
        if one is None or high is sre.MAXREPEAT or high > 4:
            return None
        out = set()
        for n in range(low, high + 1):
            out |= {"".join(p) for p in product(one, repeat=n)}
        return frozenset(out) if len(out) <= _MAX_STRINGS else None
    return None


Guard = tuple[list[tuple[bool, str]], bool]  # (anchored, string) pairs; whether they are exact


def _guard(items: list[Item], anchored: bool) -> Guard | None:
    """(anchored, string) pairs one of which every match of this sequence contains (at the start of the
    subject where anchored), and whether they are exact (a match exists exactly when one occurs); None when no
    guard can be built. ``anchored``: the sequence can only match at the start of the subject."""
    if items and items[0] == (sre.AT, sre.AT_BEGINNING):
        anchored, items = True, items[1:]
    whole = _seq_strings(items)
    if whole is not None:
        return [(anchored, s) for s in sorted(whole)], True
    best: list[tuple[bool, str]] | None = None
    # a run of items with finite strings is inside every match, and so is a match of each group
    for start, strings in _finite_runs(items):
        best = _better(best, [(anchored and start == 0, s) for s in sorted(strings)])
    for i, (op, av) in enumerate(items):
        inner = None
        if op is sre.BRANCH:  # an alternation, in a group or not (``(?:a|b)`` is inlined by the parser)
            inner = _branches_guard([list(b) for b in av[1]], anchored and i == 0)
        elif op is sre.SUBPATTERN and not av[1] and not av[2]:  # a capturing group
            inner = _alternatives_guard(list(av[3]), anchored and i == 0)
        if inner is not None:
            best = _better(best, inner[0])
    return (best, False) if best is not None else None


def _alternatives_guard(items: list[Item], anchored: bool) -> Guard | None:
    """``_guard`` of a sequence that may be one alternation: the union of its branches' guards."""
    if len(items) == 1 and items[0][0] is sre.BRANCH:
        return _branches_guard([list(b) for b in items[0][1][1]], anchored)
    return _guard(items, anchored)


def _branches_guard(branches: list[list[Item]], anchored: bool) -> Guard | None:
    pairs: dict[tuple[bool, str], None] = {}
    exact = True
    for branch in branches:
        guard = _guard(branch, anchored)
        if guard is None:
            return None
        pairs.update(dict.fromkeys(guard[0]))
        exact = exact and guard[1]
    return list(pairs), exact


def _finite_runs(items: list[Item]) -> list[tuple[int, frozenset[str]]]:
    """(start, strings) of each maximal run of consecutive items that spell a finite set of strings."""
    runs: list[tuple[int, frozenset[str]]] = []
    start = 0
    while start < len(items):
        end, strings = start, None
        while end < len(items) and (longer := _seq_strings(items[start:end + 1])) is not None:
            end, strings = end + 1, longer
        if strings is not None:
            runs.append((start, strings))
        start = max(end, start + 1)
    return runs


def _better(best: list[tuple[bool, str]] | None, pairs: list[tuple[bool, str]]) -> list[tuple[bool, str]] | None:
    """The more selective guard: the longer shortest string (an empty one guards nothing), then fewer tests."""
    shortest = min(len(s) for _, s in pairs) if pairs else 0
    if not shortest:
        return best
    if best is None:
        return pairs
    best_shortest = min(len(s) for _, s in best)
    return pairs if (shortest, -len(pairs)) > (best_shortest, -len(best)) else best


def native_test(arg: str, pattern: str, flags: str | None) -> str | None:
    """An XPath expression with the same truth value as ``re:test(arg, 'pattern'[, 'flags'])``, evaluated
    natively where it can be, or None to leave the test as it is."""
    if flags or "'" in pattern:
        return None
    try:
        parsed = sre_parse.parse(pattern)
    except re.error:
        return None
    if parsed.state.flags & (re.IGNORECASE | re.MULTILINE):  # inline (?i) or (?m)
        return None
    guard = _alternatives_guard(list(parsed), False)
    if guard is None or len(guard[0]) > _MAX_TESTS or any("'" in s for _, s in guard[0]):
        return None
    pairs, exact = guard
    native = "(" + " or ".join(f"starts-with({arg}, '{s}')" if anchored else f"contains({arg}, '{s}')"
                               for anchored, s in pairs) + ")"
    if exact:
        return native
    return f"({native} and re:test({arg}, '{pattern}'))"


def rewrite(path: str) -> str:
    """``path`` with each ``re:test`` replaced by ``native_test``'s expression where it gives one."""
    def one(m: re.Match[str]) -> str:
        return native_test(m.group(1), m.group(2), m.group(3)) or m.group(0)
    return _RE_TEST.sub(one, path)


def _recompiled(xpath: XPath) -> XPath:
    path = rewrite(xpath.path)
    return XPath(path, namespaces={"re": REGEXP_NS} if "re:" in path else None, smart_strings=False)


# id of trafilatura's expression -> (it, its recompiled form), filled once per process
_rewritten: dict[int, tuple[XPath, XPath]] = {}
_lock = threading.Lock()


def use_native_xpaths() -> int:
    """Recompile, once per process, trafilatura's expressions that use ``re:test`` (in every loaded
    trafilatura module; lists in place, as other modules hold the same lists); returns how many."""
    with _lock:
        if _rewritten:
            return len(_rewritten)
        import trafilatura.core  # loads every module that holds such expressions
        import trafilatura.metadata  # noqa: F401

        def swap(value: object) -> object:
            if not isinstance(value, XPath) or "re:test" not in value.path:
                return value
            if id(value) not in _rewritten:
                _rewritten[id(value)] = (value, _recompiled(value))
            return _rewritten[id(value)][1]

        for name, module in list(sys.modules.items()):
            if name == "trafilatura" or name.startswith("trafilatura."):
                for attr, value in list(vars(module).items()):
                    if isinstance(value, list) and any(isinstance(v, XPath) for v in value):
                        value[:] = [swap(v) for v in value]
                    elif isinstance(value, XPath):
                        setattr(module, attr, swap(value))
        return len(_rewritten)


def rewritten() -> list[tuple[XPath, XPath]]:
    """(trafilatura's expression, the one that replaced it) for each expression ``use_native_xpaths`` swapped."""
    return list(_rewritten.values())
