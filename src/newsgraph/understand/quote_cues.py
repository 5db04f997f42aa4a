"""The cue lexicon: verbs (by lemma) that introduce speech, writing, or a stated belief or intention.

``SPEECH`` verbs take their content as a clause ("X said (that) ..."), or stand beside a direct quote.
``OBJECT_CONTENT`` verbs carry their content in their objects and prepositions ("blamed the United States for
...", "called for an end to ...", "urged X to ..."), so the content is what follows the verb.
``BELIEF`` verbs only count with a clause ("X believes that ...", "Democrats fear that ...").
"""

from __future__ import annotations


def words(text: str) -> frozenset[str]:
    """A word list written as text, one set."""
    return frozenset(text.split())

SPEECH = words("""
say tell add state declare announce explain note argue claim insist warn caution suggest write tweet post report
reply respond answer acknowledge admit confirm deny contend maintain assert stress emphasize emphasise predict
promise vow pledge threaten urge demand ask accuse charge allege complain concede recall reveal disclose indicate
observe remark comment joke quip testify mention repeat reiterate recount conclude inform assure counter retort
boast brag lament estimate cite mention attack defend question detail outline reference denounce reject dismiss
welcome discuss tout highlight express voice liken endorse back support oppose favor favour agree disagree signal
hint concede propose recommend advise order instruct describe
characterize proclaim shout yell scream whisper mutter muse wonder question dispute rebut counter object complain
predict forecast project calculate show find determine conclude acknowledge caution decry blast slam criticize
criticise praise thank blame compare call label dub brand assert swear guarantee ensure threaten continue insist
""")

OBJECT_CONTENT = words("""
blame accuse compare urge call demand praise criticize criticise decry blast slam thank label dub brand promise
vow pledge threaten ask warn deny propose recommend order advise cite note mention attack defend describe question
detail outline reference condemn denounce reject dismiss welcome discuss acknowledge admit announce reveal tout
highlight emphasize emphasise stress express voice liken characterize characterise endorse back support oppose
favor favour seek
""")

BELIEF = words("""
believe think feel hope fear worry expect doubt know suspect figure reckon assume suppose guess want wish
understand realize realise acknowledge recognize recognise consider trust predict anticipate imagine bet
plan intend seek aim decline refuse appear seem
""")

# verbs whose infinitive complement is not what was said ("continued to outpoll", "found it hard to")
NO_XCOMP = words("say continue maintain find show determine calculate project")

# verbs whose content follows one of these prepositions ("talked about X", "pointed to X", "agreed with X")
PREP_CUES: dict[str, frozenset[str]] = {
    "talk": words("about of"), "speak": words("about of on"), "point": words("to"), "apologize": words("for"),
    "apologise": words("for"), "comment": words("on about"), "agree": words("with"), "warn": words("against of about"),
    "complain": words("about of"), "joke": words("about"), "boast": words("about of"), "argue": words("for against"),
    "write": words("about of"), "tweet": words("about"), "testify": words("about"), "brag": words("about"),
}

# "call" is a cue only with "for" ("called for an end") or "on ... to" ("called on X to stop")
CALL_PREPS = frozenset({"for", "on", "upon"})

# words that open a reported clause without being part of what was said
CLAUSE_MARKERS = frozenset({"that", "whether", "if"})

PRONOUNS = words("""
i me we us you he him she her it they them this that these those one someone somebody everyone who
""")
