"""The read model of the web reader and the JSON API: one function per page, taking a read-only connection
(``connection.ReadDb``: a SQLite file or a PostgreSQL database) and returning plain dataclasses. Every value
reaches SQL as a parameter; the only text joined into SQL is fixed clauses chosen in this module, and the few
that differ between the two backends are chosen by the connection's ``dialect``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from newsgraph.serve.connection import ReadDb, from_few_rows, outlet_of, outlet_sql
from newsgraph.serve.highlight import Segment, quote_spans, segments
from newsgraph.settings import default
from newsgraph.store.sqlite import article_from_json

_CARD = "a.id, a.headline, a.published, a.source, a.url"
# Newest first, undated articles last. SQLite sorts NULL lowest, so its index on `published` (with the rowid,
# `seq`) read backwards gives this order; PostgreSQL sorts NULL highest and has the index `articles_newest`.
_NEWEST = {"sqlite": "a.published DESC, a.seq DESC", "postgres": "a.published DESC NULLS LAST, a.seq DESC"}


# Pages count what co-occurs with an entity or a tag (and search its facets) over the newest this many articles:
# a name in a tenth of a large corpus would otherwise count every mention of every one of its articles.
WINDOW = int(default("search_window"))


def ordered_join(db: ReadDb) -> str:
    """A join done in the order written, from a few rows to their details: SQLite's CROSS JOIN (its planner knows
    nothing of a subquery's or TEMP table's size and may start from the big table); PostgreSQL's plain JOIN."""
    return "CROSS JOIN" if db.dialect == "sqlite" else "JOIN"


def newest(db: ReadDb) -> str:
    """The ORDER BY clause for articles ``a``, newest first, in ``db``'s dialect."""
    return _NEWEST[db.dialect]


def last_seq(db: ReadDb) -> int:
    """The newest article's ``seq``, which is also how many articles the corpus holds: both stores number
    articles 1, 2, 3... as they are added (a rolled-back batch leaves no gap) and never delete one. It is read
    off the primary key, where ``count(*)`` reads every row (25 ms at 100k articles on PostgreSQL)."""
    return int(db.execute("SELECT coalesce(max(seq), 0) FROM articles").fetchone()[0])


def same_name(db: ReadDb, column: str) -> str:
    """``column = ?`` in any case (SQLite: the column's NOCASE collation; PostgreSQL: the lower() index)."""
    return f"{column} = ? COLLATE NOCASE" if db.dialect == "sqlite" else f"lower({column}) = lower(?)"


@dataclass(frozen=True, slots=True)
class Card:
    id: str
    headline: str | None
    published: str | None
    source: str
    url: str | None
    outlet: str | None


def _card(row: tuple[object, ...]) -> Card:
    id_, headline, published, source, url = (None if v is None else str(v) for v in row[:5])
    return Card(str(id_), headline, published, str(source), url, outlet_of(url))


@dataclass(frozen=True, slots=True)
class Page:
    """Where a list stands: ``offset``/``limit`` asked, ``total`` found, ``next_offset`` or ``None`` at the end."""

    offset: int
    limit: int
    total: int
    # a field (not a property) so the API's JSON carries it; always computed from the others, whatever is passed
    next_offset: int | None = None

    def __post_init__(self) -> None:
        end = self.offset + self.limit
        object.__setattr__(self, "next_offset", end if end < self.total else None)


@dataclass(frozen=True, slots=True)
class Count:
    key: str
    label: str
    count: int


def can_reach_top(counts: str) -> str:
    """A condition on a row ``x`` of ``counts`` (a table of values ``k`` and counts ``c``) that holds when its
    count could be among the top ``?`` counts: the values worth naming (joining to their names) for a top list."""
    return f"x.c >= (SELECT coalesce(min(c), 0) FROM (SELECT c FROM {counts} ORDER BY c DESC LIMIT ?) top)"


def top_counts(counts: Iterable[Count], size: int) -> list[Count]:
    """The ``size`` largest counts, ties by label, then key (code point order, as SQLite's and PostgreSQL's "C"
    collation sort)."""
    return sorted(counts, key=lambda c: (-c.count, c.label, c.key))[:size]


@dataclass(frozen=True, slots=True)
class StoryCard:
    id: str
    label: str
    first: str | None
    last: str | None
    size: int


_BIGGEST = "size DESC, last IS NULL, last DESC, id"  # stories: biggest, then latest (undated last in both SQLs)


def _days_before(day: object, days: int) -> str | None:
    """The ISO day ``days`` before ``day`` (``None`` when ``day`` is not an ISO day: then no dated story is near)."""
    try:
        return (date.fromisoformat(str(day)) - timedelta(days=days)).isoformat()
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class HomePage:
    latest: list[Card]
    stories: list[StoryCard]
    articles: int
    page: Page


def home(db: ReadDb, offset: int = 0, limit: int = 20) -> HomePage:
    """The latest articles (newest first) and the biggest stories active near the newest story date."""
    total = last_seq(db)
    latest = [_card(r) for r in db.execute(f"SELECT {_CARD} FROM articles a ORDER BY {newest(db)} LIMIT ? OFFSET ?",
                                           (limit, offset))]
    last = db.execute("SELECT max(last) FROM stories").fetchone()[0]  # the index on `last` answers both
    rows = db.execute(  # `last >= day` is `substr(last, 1, 10) >= day` for a 10-character day
        f"SELECT id, label, first, last, size FROM stories WHERE size > 1 AND (last IS NULL OR last >= ?) "
        f"ORDER BY {_BIGGEST} LIMIT 10", (_days_before(None if last is None else str(last)[:10], 30),))
    stories = [StoryCard(str(r[0]), str(r[1]), r[2], r[3], int(r[4])) for r in rows]
    return HomePage(latest, stories, total, Page(offset, limit, total))


@dataclass(frozen=True, slots=True)
class ParagraphView:
    n: int
    segments: list[Segment]


@dataclass(frozen=True, slots=True)
class QuoteView:
    n: int
    kind: str
    text: str
    speaker: str | None
    mention: str | None
    title: str | None
    cue: str | None
    paragraph: int | None


@dataclass(frozen=True, slots=True)
class Related:
    article: Card
    score: float
    original: bool = False


@dataclass(frozen=True, slots=True)
class DateView:
    text: str
    kind: str
    value: str


@dataclass(frozen=True, slots=True)
class EntityView:
    key: str
    name: str
    type: str


@dataclass(frozen=True, slots=True)
class ArticlePage:
    article: Card
    headline: list[Segment]
    standfirst: list[Segment]
    updated: str | None
    dateline: str | None
    caption: str | None
    authors: list[str]
    paragraphs: list[ParagraphView]
    quotes: list[QuoteView]
    tags: list[str]
    similar: list[Related]
    duplicates: list[Related]
    dates: list[DateView]
    entities: list[EntityView]
    story: StoryCard | None


def article(db: ReadDb, article_id: str, similar_limit: int = 10) -> ArticlePage | None:
    """Everything the article page shows, or ``None`` when no article has that id."""
    row = db.execute(f"SELECT {_CARD}, a.data FROM articles a WHERE a.id = ?", (article_id,)).fetchone()
    if row is None:
        return None
    a = article_from_json(row[5])
    spans = quote_spans(a.quotes)
    paragraphs = [ParagraphView(n, segments(p.text, p.start, spans, a.quotes)) for n, p in enumerate(a.paragraphs)]

    def highlighted(text: str | None, span: tuple[int, int] | None) -> list[Segment]:
        if not text:
            return []
        return segments(text, span[0], spans, a.quotes) if span else [Segment(text)]

    def paragraph_of(q_spans: list[tuple[int, int]]) -> int | None:
        first = min((s for s, _ in q_spans), default=None)
        return next((n for n, p in enumerate(a.paragraphs) if first is not None and p.start <= first < p.end), None)

    quotes = [QuoteView(i, q.kind, q.text, q.speaker.name, q.speaker.mention, q.speaker.title, q.cue,
                        paragraph_of(q.spans)) for i, q in enumerate(a.quotes)]
    dateline = None
    if a.dateline:
        dateline = a.dateline.place + (f", {a.dateline.country}" if a.dateline.country else "")
    similar, duplicates = related(db, article_id, similar_limit)
    return ArticlePage(
        _card(row), highlighted(a.headline, a.headline_span), highlighted(a.standfirst, a.standfirst_span),
        a.updated, dateline, a.caption, list(a.authors), paragraphs, quotes,
        tags(db, article_id), similar, duplicates,
        [DateView(d.text, d.kind, d.value) for d in a.dates],
        [EntityView(e.key, e.name, e.type) for e in a.entities], story_of(db, article_id))


def tags(db: ReadDb, article_id: str) -> list[str]:
    return [str(r[0]) for r in db.execute("SELECT tag FROM tags WHERE article_id = ? ORDER BY rank", (article_id,))]


def story_of(db: ReadDb, article_id: str) -> StoryCard | None:
    r = db.execute("SELECT s.id, s.label, s.first, s.last, s.size FROM story_members m JOIN stories s "
                   "ON s.id = m.story_id WHERE m.article_id = ?", (article_id,)).fetchone()
    return None if r is None else StoryCard(str(r[0]), str(r[1]), r[2], r[3], int(r[4]))


def related(db: ReadDb, article_id: str, limit: int = 10) -> tuple[list[Related], list[Related]]:
    """(similar articles, near-duplicate copies): stored similar links in both directions, best first, and the
    members of the article's near-duplicate group, the group's original marked."""
    dup_rows = db.execute(
        f"SELECT {_CARD}, m2.jaccard, g.original_id = a.id FROM duplicate_members m1 "
        "JOIN duplicate_members m2 ON m2.group_id = m1.group_id AND m2.article_id != m1.article_id "
        "JOIN duplicate_groups g ON g.id = m1.group_id JOIN articles a ON a.id = m2.article_id "
        f"WHERE m1.article_id = ? ORDER BY {newest(db)}", (article_id,)).fetchall()
    duplicates = [Related(_card(r), float(r[5]), bool(r[6])) for r in dup_rows]
    dup_ids = {d.article.id for d in duplicates}
    rows = db.execute(
        f"SELECT {_CARD}, l.score FROM (SELECT id, max(score) AS score FROM (SELECT other_id AS id, score "
        "FROM similar_links WHERE article_id = ? UNION ALL SELECT article_id, score FROM similar_links "
        "WHERE other_id = ?) u GROUP BY id) l JOIN articles a ON a.id = l.id WHERE a.id != ? "
        "ORDER BY l.score DESC, a.id LIMIT ?", (article_id, article_id, article_id, limit + len(dup_ids))).fetchall()
    similar = [Related(_card(r), float(r[5])) for r in rows if r[0] not in dup_ids][:limit]
    return similar, duplicates


@dataclass(frozen=True, slots=True)
class SpeakerQuote:
    article: Card
    n: int
    kind: str
    text: str
    title: str | None
    paragraph: int | None
    speaker: str | None = None


@dataclass(frozen=True, slots=True)
class Bar:
    period: str
    count: int
    percent: int


@dataclass(frozen=True, slots=True)
class SpeakerPage:
    name: str
    type: str | None
    titles: list[str]
    quotes: list[SpeakerQuote]
    timeline: list[Bar]
    page: Page


def _bars(rows: list[tuple[str, int]]) -> list[Bar]:
    top = max((c for _, c in rows), default=1)
    return [Bar(p, c, max(1, round(100 * c / top))) for p, c in rows]


def speaker(db: ReadDb, name: str, offset: int = 0, limit: int = 50) -> SpeakerPage | None:
    """Every quote by the speaker named ``name`` (any case), newest first, with a per-day or per-month timeline."""
    row = db.execute(f"SELECT id, name, type FROM speakers WHERE {same_name(db, 'name')}", (name,)).fetchone()
    if row is None:
        return None
    sid = int(row[0])
    total = int(db.execute("SELECT count(*) FROM quotes WHERE speaker_id = ?", (sid,)).fetchone()[0])
    rows = db.execute(
        f"SELECT {_CARD}, q.n, q.kind, q.text, q.speaker_title, (SELECT p.n FROM paragraphs p WHERE "
        'p.article_id = q.article_id AND p.start <= q.start AND q.start < p."end") FROM quotes q '
        f"JOIN articles a ON a.id = q.article_id WHERE q.speaker_id = ? ORDER BY {newest(db)}, q.n "
        "LIMIT ? OFFSET ?", (sid, limit, offset)).fetchall()
    quotes = [SpeakerQuote(_card(r), int(r[5]), str(r[6]), str(r[7]), r[8], r[9]) for r in rows]
    titles = [str(r[0]) for r in db.execute(
        "SELECT speaker_title FROM quotes WHERE speaker_id = ? AND speaker_title IS NOT NULL UNION "
        f"SELECT title FROM mentions WHERE {same_name(db, 'name')} AND title IS NOT NULL ORDER BY 1",
        (sid, str(row[1])))]
    days = db.execute("SELECT substr(a.published, 1, 10) AS d, count(*) FROM quotes q JOIN articles a "
                      "ON a.id = q.article_id WHERE q.speaker_id = ? AND a.published IS NOT NULL "
                      "GROUP BY d ORDER BY d", (sid,)).fetchall()
    if len(days) > 31:
        months: dict[str, int] = {}
        for d, c in days:
            months[d[:7]] = months.get(d[:7], 0) + c
        days = list(months.items())
    return SpeakerPage(str(row[1]), row[2], titles, quotes, _bars(days), Page(offset, limit, total))


@dataclass(frozen=True, slots=True)
class TopicPage:
    """An entity's or a tag's page: the articles, the co-occurring entities and who is quoted about it."""

    key: str
    name: str
    type: str | None
    articles: list[Card]
    entities: list[Count]
    speakers: list[Count]
    page: Page
    counted: int = 0  # the newest this many of its articles give ``entities`` and ``speakers`` (``WINDOW``)


_MEMBERS_ENTITY = "SELECT article_id FROM mentions WHERE entity_key = ?"
_MEMBERS_TAG = "SELECT article_id FROM tags WHERE tag = ?"
# how many articles: an entity has one mention row per article (its key), so its rows are counted off the index
_COUNT = {_MEMBERS_ENTITY: "SELECT count(*) FROM mentions WHERE entity_key = ?",
          _MEMBERS_TAG: "SELECT count(DISTINCT article_id) FROM tags WHERE tag = ?"}
# whether article ``a`` is a member, one index probe (the primary key or the tag index)
_IS_MEMBER = {_MEMBERS_ENTITY: "EXISTS (SELECT 1 FROM mentions m WHERE m.article_id = a.id AND m.entity_key = ?)",
              _MEMBERS_TAG: "EXISTS (SELECT 1 FROM tags t WHERE t.article_id = a.id AND t.tag = ?)"}
# a row walked (an article read, then asked whether it is a member) costs about what five members sorted do
# (measured on benchmarks/web_scale.py's 100k corpus); tests set it to 0 or to infinity to force either way
WALK_COST = 5.0
WALK_SCAN = 4.0  # a walk stops after this many times the rows it expected to read (plus WALK_MIN_SCAN)
WALK_MIN_SCAN = 200


def newest_members(db: ReadDb, members: str, value: str, total: int, offset: int, limit: int) -> list[Card]:
    """A page of the newest of ``total`` members (``members``, SQL taking ``value``). Two ways, the cheaper
    for this many members (``WALK_COST``): sort the members (reads them all: the first page of a name in a tenth
    of the corpus took 20-100 ms at 100k articles, growing with the corpus), or walk the articles newest first,
    asking each whether it is a member, until the page is full (about ``(offset + limit) * articles / total``
    rows: 4-10 ms for those names). A walk that goes past four times that without filling the page (the members
    are mostly old) stops, and the members are sorted instead. On SQLite; PostgreSQL plans the walk itself."""
    if db.dialect == "sqlite":  # PostgreSQL's planner walks its newest-first index itself, the members hashed
        walked = _walk(db, members, value, total, offset, limit)  # (there 3-10 ms for those names; written out 7-40)
        if walked is not None:
            return walked
    return [_card(r) for r in db.execute(
        f"SELECT {_CARD} FROM articles a WHERE a.id IN ({members}) ORDER BY {newest(db)} LIMIT ? OFFSET ?",
        (value, limit, offset))]


def _walk(db: ReadDb, members: str, value: str, total: int, offset: int, limit: int) -> list[Card] | None:
    """The page found by walking the newest articles, when that is the cheaper way and fills it; else None."""
    want = min(limit, max(0, total - offset))
    walk = (offset + limit) * last_seq(db) / max(total, 1)
    if not want or walk * WALK_COST >= total:
        return None
    rows = db.execute(
        f"SELECT {_CARD} FROM (SELECT a.seq FROM articles a ORDER BY {newest(db)} LIMIT ?) w "
        f"{ordered_join(db)} articles a ON a.seq = w.seq WHERE {_IS_MEMBER[members]} "
        f"ORDER BY {newest(db)} LIMIT ? OFFSET ?", (int(WALK_SCAN * walk) + WALK_MIN_SCAN, value, limit, offset)
    ).fetchall()
    return [_card(r) for r in rows] if len(rows) == want else None


def _topic(db: ReadDb, members: str, value: str, exclude: str | None, offset: int, limit: int,
           window: int = WINDOW) -> tuple[list[Card], list[Count], list[Count], int]:
    """The page of newest articles among ``members`` (SQL taking ``value``), and the entities and speakers of its
    newest ``window`` articles (0: all)."""
    total = int(db.execute(_COUNT[members], (value,)).fetchone()[0])
    cards = newest_members(db, members, value, total, offset, limit)
    join = ordered_join(db)
    # the members first, then their newest: PostgreSQL otherwise walked every article newest first asking each
    # whether it is a member (290 ms for a tag in 9 % of 100k articles, against 20-30 ms this way)
    recent = (f"SELECT a.id AS article_id FROM (SELECT DISTINCT article_id FROM ({members}) m0) m {join} articles a "
              "ON a.id = m.article_id ORDER BY a.seq DESC" + (" LIMIT ?" if window > 0 else ""))
    args: list[object] = [value] + ([window] if window > 0 else [])
    other = ("", []) if exclude is None else (" WHERE m.entity_key != ?", [exclude])
    # one statement: the newest members found once, each side counted by key, and only the values that can make
    # its top 20 named (naming all of them looked up every co-occurring entity); by index from the window's rows
    # (PostgreSQL hashed every quote and entity of the corpus: 340 of an entity page's 370 ms at 100k articles)
    with from_few_rows(db):
        rows = db.execute(
            f"WITH w AS MATERIALIZED ({recent}), "
            f"xe AS (SELECT m.entity_key AS k, count(*) AS c FROM w {join} mentions m ON m.article_id = w.article_id"
            f"{other[0]} GROUP BY m.entity_key), "
            f"xs AS (SELECT q.speaker_id AS k, count(*) AS c FROM w {join} quotes q ON q.article_id = w.article_id "
            "WHERE q.speaker_id IS NOT NULL GROUP BY q.speaker_id) "
            f"SELECT 'entity', e.key, e.name, x.c FROM xe x {join} entities e ON e.key = x.k "
            f"WHERE {can_reach_top('xe')} UNION ALL SELECT 'speaker', s.name, s.name, x.c FROM xs x {join} speakers s "
            f"ON s.id = x.k WHERE {can_reach_top('xs')}", [*args, *other[1], 20, 20]).fetchall()
    found = [(str(kind), Count(str(k), str(n), int(c))) for kind, k, n, c in rows]
    entities = top_counts((c for kind, c in found if kind == "entity"), 20)
    speakers = top_counts((c for kind, c in found if kind == "speaker"), 20)
    return cards, entities, speakers, total


def entity(db: ReadDb, key: str, offset: int = 0, limit: int = 50) -> TopicPage | None:
    row = db.execute("SELECT key, name, type FROM entities WHERE key = ?", (key,)).fetchone()
    if row is None:
        return None
    cards, entities, speakers, total = _topic(db, _MEMBERS_ENTITY, key, key, offset, limit)
    return TopicPage(str(row[0]), str(row[1]), str(row[2]), cards, entities, speakers, Page(offset, limit, total),
                     _counted(total))


def tag(db: ReadDb, name: str, offset: int = 0, limit: int = 50) -> TopicPage | None:
    cards, entities, speakers, total = _topic(db, _MEMBERS_TAG, name, None, offset, limit)
    if total == 0:
        return None
    return TopicPage(name, name, None, cards, entities, speakers, Page(offset, limit, total), _counted(total))


def _counted(total: int) -> int:
    return min(total, WINDOW) if WINDOW > 0 else total


@dataclass(frozen=True, slots=True)
class StoryPage:
    story: StoryCard
    articles: list[Card]
    outlets: list[Count]
    quotes: list[SpeakerQuote]
    page: Page


def story(db: ReadDb, story_id: str, offset: int = 0, limit: int = 50,
          quotes: int = 10) -> StoryPage | None:
    """A story's member articles in time order (a page of them), its outlets and its key quotes: for each of the
    most quoted speakers, their longest direct quote."""
    r = db.execute("SELECT id, label, first, last, size FROM stories WHERE id = ?", (story_id,)).fetchone()
    if r is None:
        return None
    card = StoryCard(str(r[0]), str(r[1]), r[2], r[3], int(r[4]))
    members = "SELECT article_id FROM story_members WHERE story_id = ?"
    total = int(db.execute(f"SELECT count(*) FROM ({members}) m", (story_id,)).fetchone()[0])
    articles = [_card(row) for row in db.execute(
        f"SELECT {_CARD} FROM articles a WHERE a.id IN ({members}) ORDER BY a.published IS NULL, a.published, a.seq "
        "LIMIT ? OFFSET ?", (story_id, limit, offset))]
    outlets = [Count(str(o), str(o), int(c)) for o, c in db.execute(
        f"SELECT coalesce({outlet_sql(db, 'a.url')}, '(no outlet)') AS o, count(*) AS c FROM articles a "
        f"WHERE a.id IN ({members}) "
        "GROUP BY o ORDER BY c DESC, o LIMIT 30", (story_id,))]
    rows = db.execute(
        f"SELECT {_CARD}, q.n, q.kind, q.text, q.speaker_title, p.n, s.name FROM quotes q "
        "JOIN speakers s ON s.id = q.speaker_id JOIN articles a ON a.id = q.article_id "
        'LEFT JOIN paragraphs p ON p.article_id = q.article_id AND p.start <= q.start AND q.start < p."end" '
        f"WHERE q.article_id IN ({members}) ORDER BY q.kind != 'direct', length(q.text) DESC, a.seq, q.n",
        (story_id,)).fetchall()
    per_speaker: dict[str, int] = {}
    for row in rows:
        per_speaker[row[10]] = per_speaker.get(row[10], 0) + 1
    chosen: dict[str, SpeakerQuote] = {}
    for row in rows:
        if row[10] not in chosen:
            chosen[row[10]] = SpeakerQuote(_card(row), int(row[5]), str(row[6]), str(row[7]), row[8], row[9],
                                          str(row[10]))
    ranked = sorted(chosen, key=lambda n: (-per_speaker[n], n))[:quotes]
    return StoryPage(card, articles, outlets, [chosen[n] for n in ranked], Page(offset, limit, total))


@dataclass(frozen=True, slots=True)
class StoriesPage:
    stories: list[StoryCard]
    page: Page


def stories(db: ReadDb, offset: int = 0, limit: int = 50) -> tuple[list[StoryCard], Page]:
    total = int(db.execute("SELECT count(*) FROM stories").fetchone()[0])
    rows = db.execute(f"SELECT id, label, first, last, size FROM stories ORDER BY {_BIGGEST} LIMIT ? OFFSET ?",
                      (limit, offset))
    return [StoryCard(str(r[0]), str(r[1]), r[2], r[3], int(r[4])) for r in rows], Page(offset, limit, total)
