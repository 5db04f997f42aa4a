"""How an entity's written form becomes a tag: the name an editor would write, without what NER ran into it.

NER spans often carry words that are not part of the name: a possessive's tail ("’s Easter"), a conjunction
("YP Rajesh and"), an article ("a White House"), a title after the name ("Trump Organization Chief Financial
[Officer]"), an honorific before it ("Mrs Hamilton": editors tag the full name, which the short-form merge
then finds), a sentence's opening verb ("Read Neil’s review"), or a list's line break ("Becky Hill\\nCalvin
Harris"). ``name_parts`` and ``trim_name`` take those off by rule; a span with no name left is dropped.
"""

from __future__ import annotations

import re

from newsgraph.connect.features import stop_words

_ABBREVIATION = re.compile(r"(?:^|[\s.])\w\.$")
_POSSESSOR = re.compile(r"^(?:[\w.-]+\s){0,2}[\w.-]+['’]s\s+(?=\S)")  # "Beth's NHS": the name follows it
MAX_NAME_WORDS = 5
# Words before a person's name that say what they are, not who: editors tag "Jo Hamilton", not "Mrs Hamilton".
# (Royal and religious ranks such as "Prince" or "Ayatollah" stay: editors keep them.)
HONORIFICS = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "professor", "sir", "dame", "rev",
                        "reverend", "judge", "sen", "senator", "rep", "gov", "governor", "president", "mayor",
                        "prophet", "pastor", "coach", "detective", "sgt", "capt", "lt", "col", "gen"})
# Job titles an organisation's name runs into ("Apple CEO", "Trump Organization Chief Financial").
TITLE_TAIL = frozenset({"chief", "executive", "financial", "operating", "officer", "vice", "deputy", "chairman",
                        "chairwoman", "ceo", "cfo", "coo", "cto", "spokesman", "spokeswoman", "spokesperson",
                        "president", "founder", "co-founder"})
_LEADING = frozenset({"former", "ex", "then", "late"})  # "Former Trump Organization ..."
MIN_OPENER_DF = 0.02  # a sentence's first word is dropped from a name when this share of reference texts use it
MAX_OPENER_NOUN_SHARE = 15  # ... and is seldom a noun there ("Read", "Join"): a verb opening a sentence. Not
# "Hope" or "Rose" (nouns often enough), nor stop words ("Will Smith")


def clean(text: str) -> str:
    """Whitespace folded, quotes and stray punctuation stripped, "the" and a possessor ("Beth's") dropped."""
    name = " ".join(text.split()).strip(" ,;:'\"“”‘’()-")
    if name.endswith(".") and not _ABBREVIATION.search(name):
        name = name[:-1]
    for prefix in ("the ", "The "):
        name = name.removeprefix(prefix)
    name = _POSSESSOR.sub("", name)
    return name.removesuffix("'s").removesuffix("’s")


def good_name(name: str) -> bool:
    return (len(name) >= 2 and "\n" not in name and any(c.isalpha() for c in name)
            and not any(c.isdigit() for c in name) and len(name.split()) <= MAX_NAME_WORDS)


def name_parts(text: str) -> list[str]:
    """A span's names: one per line (a list's lines run together are several names), each cleaned."""
    return [clean(line) for line in text.split("\n") if line.strip()]


def _lower_word(word: str) -> bool:
    """"and", "s", "n’t"; not "al-Tanf", "iPhone" or "2" (a number is left for ``good_name`` to reject)."""
    return any(c.isalpha() for c in word) and not any(c.isupper() for c in word)


def _key(word: str) -> str:
    return word.casefold().rstrip(".")


def trim_name(name: str, kind: str, sentence_start: bool = False) -> str:
    """``name`` without leading or trailing words that are not part of it; "" when no name is left.

    ``kind`` is the entity type (honorifics go only before a PERSON); ``sentence_start`` says the span opens a
    sentence, where a common verb may have been read as part of the name."""
    words = name.split()
    while words and _lower_word(words[0]):
        words.pop(0)
    while words and _lower_word(words[-1]):
        words.pop()
    while len(words) > 1 and (_key(words[0]) in _LEADING or _is_common(words[0])):
        words.pop(0)  # "Former Trump Organization", "Each National Trust"
    if kind == "PERSON":
        while len(words) > 1 and _key(words[0]) in HONORIFICS:
            words.pop(0)
    while len(words) > 1 and _key(words[-1]) in TITLE_TAIL:
        words.pop()
    if sentence_start and len(words) > 1 and _is_opening_verb(words[0]):
        words.pop(0)
    if len(words) == 1 and (_key(words[0]) in HONORIFICS | TITLE_TAIL | _LEADING or _is_common(words[0])):
        return ""  # "Mrs", "CEO", "This": a title or a common word alone names nobody
    return " ".join(words)


# Determiners, pronouns and connectives that open a sentence and so get a capital ("Each National Trust ...").
_FUNCTION_WORDS = frozenset({
    "a", "an", "the", "this", "that", "these", "those", "each", "every", "some", "any", "all", "both", "another",
    "such", "no", "our", "their", "his", "her", "its", "my", "your", "we", "they", "he", "she", "it", "i", "and",
    "but", "or", "nor", "so", "yet", "if", "when", "while", "as", "after", "before", "since", "until", "because",
    "though", "although", "in", "on", "at", "of", "for", "with", "from", "by", "into", "onto", "about", "over",
    "under", "between", "during", "without", "within", "via", "per", "than"})


def _is_common(word: str) -> bool:
    """A function word written with a capital ("This", "Each"); not an acronym that spells one ("US", "IT")."""
    return not word.isupper() and word.casefold() in _FUNCTION_WORDS


def _is_opening_verb(word: str) -> bool:
    from newsgraph.connect.tags import word_stats

    stats = word_stats()
    key = word.casefold()
    if key in stop_words():
        return False
    docs, noun_share = stats.words.get(key, (0, 100))
    return docs >= MIN_OPENER_DF * stats.n_docs and 0 <= noun_share < MAX_OPENER_NOUN_SHARE


_SENTENCE_END = re.compile(r"(?:^|[.!?:;\n])[\s\"“”‘’'(\[-]*$")


def opens_sentence(text: str, start: int) -> bool:
    """The span at ``start`` is the first word of a sentence, a line, or the text."""
    return _SENTENCE_END.search(text[max(0, start - 12):start]) is not None
