"""trafilatura's ``re:test`` expressions recompiled with native tests (``newsgraph.understand.xpath_regex``) must
give the same answers as the regular expressions they stand for: on single attribute values (every pattern
trafilatura uses and some harder ones, against strings made to sit on each side of each pattern) and as whole
expressions on real pages."""

from __future__ import annotations

import random
import re
from pathlib import Path

from lxml import etree
from lxml.etree import XPath

from newsgraph.understand import xpath_regex
from newsgraph.understand.html_body import parse_page
from newsgraph.understand.xpath_regex import REGEXP_NS, native_test, rewrite, rewritten, use_native_xpaths

FIXTURES = sorted((Path(__file__).resolve().parent / "fixtures" / "html").glob("*.html"))
HARD = [r"^(?:[Cc]omment(?!ary)|comol|dsq-comments)", r"(^|\s)link(\s|$)", r"a(?:b\s|c)d", r"^(?:a|b\w)x",
        r"x(ab\s|abc)", r"cookie[-_]?(?:bar|law)", r"notice[-_]{0,2}cookie", r"bread-?crumb|^nav", r"ab?",
        r"(?:post|entry)-?title$", r"^$", r"[^a]bc", r"a.c|d+e"]


def _patterns() -> list[str]:
    use_native_xpaths()
    found = {m.group(2) for old, _ in rewritten() for m in xpath_regex._RE_TEST.finditer(old.path)}
    return sorted(found) + HARD


def _subjects(patterns: list[str]) -> list[str]:
    """Strings on both sides of each pattern: each string it spells, alone, inside other words, cut short, with
    its first letter's case changed, after a space; plus class and id values of the fixture pages."""
    rng = random.Random(7)
    out = {"", " ", "x", "Commentary", "comment", "commentary-box", "a bottom", "bottom b", "bottomline",
           "main link", "linked", "hide-me", "x hide-print", " hidden", "hidden", "abd", "ab d", "acd", "bx"}
    for pattern in patterns:
        for s in re.findall(r"[A-Za-z][A-Za-z_-]{2,}", pattern):
            out |= {s, f"x{s}", f"{s}y", f"a {s} b", s[:-1], s[1:], s.swapcase()[:1] + s[1:], f" {s}"}
    for path in FIXTURES:
        for node in parse_page(path.read_text(encoding="utf-8")).iter():
            out |= {node.get("class") or "", node.get("id") or ""}
    return sorted(out) + ["".join(rng.choice("abcdelmnost -_") for _ in range(8)) for _ in range(200)]


def _truth(expression: str, element: etree._Element) -> bool:
    return bool(XPath(f"boolean({expression})", namespaces={"re": REGEXP_NS})(element))


def test_every_pattern_gives_the_regex_answer_on_every_subject() -> None:
    patterns = _patterns()
    subjects = _subjects(patterns)
    rewritten_count = 0
    for pattern in patterns:
        native = native_test("@class", pattern, None)
        if native is None:
            continue
        rewritten_count += 1
        for subject in subjects:
            element = etree.Element("div", {"class": subject})
            expected = re.search(pattern, subject) is not None
            assert _truth(native, element) is expected, (pattern, subject, native)
    assert rewritten_count >= 30  # most of trafilatura's patterns are rewritten


def test_an_attribute_union_reads_the_first_attribute_of_the_element_as_the_regex_does() -> None:
    pattern = "^hid|akismet"
    native = native_test("@id|@class", pattern, None)
    assert native is not None and "re:test" not in native
    for attrs in ({"id": "hidden", "class": "x"}, {"class": "x", "id": "hidden"}, {"class": "akismet"},
                  {"id": "a", "class": "hidden"}, {"class": "hidden", "id": "a"}):
        element = etree.Element("div", attrs)
        assert _truth(native, element) is _truth(f"re:test(@id|@class, '{pattern}')", element), attrs


def test_finite_patterns_become_native_tests_and_others_keep_their_regex_behind_a_guard() -> None:
    assert native_test("@class", "^hide-|comments-title", None) == \
        "(starts-with(@class, 'hide-') or contains(@class, 'comments-title'))"
    assert native_test("@id", "comment-?list", None) == \
        "(contains(@id, 'comment-list') or contains(@id, 'commentlist'))"
    assert native_test("@id", r"(^|\s)link(\s|$)", None) == \
        r"((contains(@id, 'link')) and re:test(@id, '(^|\s)link(\s|$)'))"
    guarded = native_test("@id", "^[Cc]omment(?!ary)|comol", None)
    assert guarded is not None and guarded.startswith("((starts-with(@id, 'Comment') or ")


def test_case_insensitive_long_or_unguardable_patterns_are_left_alone() -> None:
    assert native_test("@class", "fulltext", "i") is None
    assert native_test("@class", "(?i)fulltext", None) is None
    assert native_test("@class", "(?m)^x", None) is None
    assert native_test("@class", "|".join(f"token{i}" for i in range(xpath_regex._MAX_TESTS + 1)), None) is None
    assert native_test("@class", r"\w+", None) is None  # nothing every match must contain
    path = ".//*[re:test(@class, 'fulltext', 'i') or re:test(@id, 'a|b')]"
    assert rewrite(path) == ".//*[re:test(@class, 'fulltext', 'i') or (contains(@id, 'a') or contains(@id, 'b'))]"


def test_recompiled_expressions_select_the_same_elements_on_real_pages(scrapinghub_html: list[str]) -> None:
    pairs = rewritten() if use_native_xpaths() else []
    assert len(pairs) >= 15
    pages = scrapinghub_html[::4] + [p.read_text(encoding="utf-8") for p in FIXTURES]
    trees = [t for t in map(parse_page, pages) if t is not None]
    assert len(trees) >= 40
    for old, new in pairs:
        for tree in trees:
            assert new(tree) == old(tree), old.path


def test_trafilatura_uses_the_recompiled_expressions() -> None:
    import trafilatura.main_extractor
    import trafilatura.xpaths

    use_native_xpaths()
    new = {id(n) for _, n in rewritten()}
    old = {id(o) for o, _ in rewritten()}
    for module in (trafilatura.xpaths, trafilatura.main_extractor):
        held = [x for v in vars(module).values() if isinstance(v, list) for x in v if isinstance(x, XPath)]
        assert not any(id(x) in old for x in held)
        assert any(id(x) in new for x in held)
    assert trafilatura.main_extractor.OVERALL_DISCARD_XPATH is trafilatura.xpaths.OVERALL_DISCARD_XPATH
    assert use_native_xpaths() == len(rewritten())  # once per process

