"""Search for the web reader and the API: full text (SQLite's FTS5, or PostgreSQL's own text search in web-search
syntax) with filters (speaker, entity, tag, outlet, date range) and facets with counts over what matched. Filters
are fixed SQL clauses; their values are parameters.

On a large corpus a common word matches most articles; ranking them all and counting their facets grows with the
corpus. So only the newest ``window`` matches (the ``search_window`` setting) are ranked, paged and counted, and
the page says when that cap was reached."""

from __future__ import annotations

import re
import sqlite3
from collections import Counter
from dataclasses import dataclass, fields
from typing import Any

from newsgraph.serve.connection import PostgresReadDb, ReadDb, from_few_rows, outlet_of, outlet_sql
from newsgraph.serve.queries import (
    _CARD,
    WINDOW,
    Card,
    Count,
    Page,
    _card,
    can_reach_top,
    last_seq,
    newest,
    same_name,
    top_counts,
)

_WORD = re.compile(r"\w+", re.UNICODE)
_DATE = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")
FACETS = ("speaker", "entity", "tag", "outlet")


@dataclass(frozen=True, slots=True)
class SearchFilters:
    """What the user asked: ``q`` (words or an FTS5 query) and exact-match filters; empty strings mean none."""

    q: str = ""
    speaker: str = ""
    entity: str = ""
    tag: str = ""
    outlet: str = ""
    date_from: str = ""
    date_to: str = ""

    def __post_init__(self) -> None:
        for name in ("date_from", "date_to"):
            value = getattr(self, name)
            if value and not _DATE.fullmatch(value):
                raise ValueError(f"{name}={value!r} is not a date: write YYYY-MM-DD (or YYYY-MM, YYYY)")

    def active(self) -> dict[str, str]:
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name)}


@dataclass(frozen=True, slots=True)
class Hit:
    """A result; ``snippet`` is ``(text, matched)`` runs, so templates escape each and mark the matches."""

    article: Card
    snippet: list[tuple[str, bool]]


def _runs(snippet: str | None) -> list[tuple[str, bool]]:
    out: list[tuple[str, bool]] = []
    for i, part in enumerate((snippet or "").split("\x02")):
        inside, _, after = part.partition("\x03") if i else ("", "", part)
        out += [(t, m) for t, m in ((inside, True), (after, False)) if t]
    return out


@dataclass(frozen=True, slots=True)
class SearchPage:
    filters: SearchFilters
    hits: list[Hit]
    facets: dict[str, list[Count]]
    page: Page
    fts_query: str | None = None
    capped: bool = False  # more articles matched than the ``window`` newest ones ranked and counted here


def fts_query(db: ReadDb, q: str) -> str | None:
    """``q`` as FTS5 reads it when it parses, else its words each quoted (so ``"`` ``*`` ``-`` ``:`` are inert).
    PostgreSQL's ``websearch_to_tsquery`` reads any text, so there ``q`` is used as it is."""
    if not q.strip():
        return None
    if db.dialect == "postgres":
        return q
    try:
        db.execute("SELECT 1 FROM articles_fts WHERE articles_fts MATCH ? LIMIT 1", (q,)).fetchall()
        return q
    except sqlite3.OperationalError:
        words = ['"' + w.replace('"', '""') + '"' for w in _WORD.findall(q)]
        return " ".join(words) or None


def _conditions(db: ReadDb, f: SearchFilters, match: str | None) -> tuple[list[str], list[str]]:
    """The WHERE conditions on articles ``a`` (and FTS5's ``articles_fts``) and their parameters, in order."""
    clauses: list[str] = []
    params: list[str] = []
    table = [
        (match, "articles_fts MATCH ?" if db.dialect == "sqlite" else f"a.fts @@ {_PG_QUERY}", 1),
        (f.speaker, "a.id IN (SELECT q.article_id FROM quotes q JOIN speakers s ON s.id = q.speaker_id "
                    f"WHERE {same_name(db, 's.name')})", 1),
        (f.entity, "a.id IN (SELECT article_id FROM mentions WHERE entity_key = ?)", 1),
        (f.tag, "a.id IN (SELECT article_id FROM tags WHERE tag = ?)", 1),
        (f.outlet, f"{outlet_sql(db, 'a.url')} = ?", 1),
        (f.date_from, "substr(a.published, 1, 10) >= ?", 1),
        # an end given as YYYY or YYYY-MM includes that whole year or month
        (f.date_to, "substr(a.published, 1, length(CAST(? AS TEXT))) <= ?", 2),
    ]
    for value, clause, n in table:
        if value:
            clauses.append(clause)
            params.extend([value] * n)
    return clauses, params


def _where(db: ReadDb, f: SearchFilters, match: str | None) -> tuple[str, list[str]]:
    source = "articles_fts f JOIN articles a ON a.seq = f.rowid" if match else "articles a"
    clauses, params = _conditions(db, f, match)
    return f"FROM {source}" + (" WHERE " + " AND ".join(clauses) if clauses else ""), params


# CROSS JOIN fixes SQLite's join order: from the matches to their rows. The TEMP table has no statistics, so the
# planner otherwise read every speaker's quotes (every entity's mentions) and tested each against the matches:
# 0.1 and 0.3 s at 100k articles, growing with the corpus.
_FACET_SQL = {
    "speaker": "SELECT s.name, s.name, count(DISTINCT q.article_id) AS c FROM temp.hits h CROSS JOIN quotes q "
               "ON q.article_id = h.id CROSS JOIN speakers s ON s.id = q.speaker_id GROUP BY s.id",
    "entity": "SELECT e.key, e.name, x.c AS c FROM (SELECT m.entity_key AS k, count(*) AS c FROM temp.hits h "
              "CROSS JOIN mentions m ON m.article_id = h.id GROUP BY m.entity_key) x CROSS JOIN entities e "
              "ON e.key = x.k",
    "tag": "SELECT t.tag, t.tag, count(DISTINCT t.article_id) AS c FROM temp.hits h CROSS JOIN tags t "
           "ON t.article_id = h.id GROUP BY t.tag",
    "outlet": "SELECT o, o, count(*) AS c FROM (SELECT outlet(h.url) AS o FROM temp.hits h) WHERE o IS NOT NULL "
              "GROUP BY o",
}


def search(db: ReadDb, filters: SearchFilters, offset: int = 0, limit: int = 20,
           facet_size: int = 12, window: int = WINDOW) -> SearchPage:
    """Articles matching ``filters`` (best match first with words, newest first without) and facet counts.
    The newest ``window`` matches (0: all) are gathered once (SQLite: into a TEMP table of this connection;
    PostgreSQL: into this process), so the count, the page and the four facets do not each rerun the full-text
    match. With no words and no filter the facets are the corpus-wide counts, cached per corpus state (articles
    are only ever added, so the last ``seq`` names the state)."""
    match = fts_query(db, filters.q)
    if not filters.active():
        total = last_seq(db)
        rows = db.execute(f"SELECT {_CARD}, NULL FROM articles a ORDER BY {newest(db)} LIMIT ? OFFSET ?",
                          (limit, offset)).fetchall()
        return SearchPage(filters, [Hit(_card(r), []) for r in rows], _corpus_facets(db, facet_size, total),
                          Page(offset, limit, total), None)
    if db.dialect == "postgres":
        return _search_postgres(db, filters, match, offset, limit, facet_size, window)
    where, params = _where(db, filters, match)
    capped = _gather(db, where, params, bool(match), window)
    total = int(db.execute("SELECT count(*) FROM temp.hits").fetchone()[0])
    if match:
        seqs = [int(r[0]) for r in db.execute("SELECT seq FROM temp.hits ORDER BY rank, seq LIMIT ? OFFSET ?",
                                              (limit, offset))]
        marks = ",".join("?" * len(seqs))
        rows = db.execute(f"SELECT {_CARD}, snippet(articles_fts, 1, '\x02', '\x03', '…', 16) FROM articles_fts f "
                          f"JOIN articles a ON a.seq = f.rowid WHERE articles_fts MATCH ? AND f.rowid IN ({marks}) "
                          "ORDER BY f.rank, a.seq", [match, *seqs]).fetchall()
    else:
        rows = db.execute(f"SELECT {_CARD}, NULL FROM temp.hits h JOIN articles a ON a.seq = h.seq "
                          f"ORDER BY {newest(db)} LIMIT ? OFFSET ?", (limit, offset)).fetchall()
    hits = [Hit(_card(r), _runs(r[5])) for r in rows]
    facets = _facets(db, facet_size)
    db.execute("DROP TABLE temp.hits")
    return SearchPage(filters, hits, facets, Page(offset, limit, total), match, capped)


def _gather(db: ReadDb, where: str, params: list[str], ranked: bool, window: int = 0) -> bool:
    """The matches into ``temp.hits``: with a ``window``, the newest that many (FTS5 and the primary key both read
    newest first and stop there). True when more matched than that."""
    db.execute("DROP TABLE IF EXISTS temp.hits")
    # ordered by the FTS rowid (the same number as a.seq), FTS5 itself reads newest first; by a.seq it sorts them all
    newest = f" ORDER BY {'f.rowid' if ranked else 'a.seq'} DESC LIMIT ?" if window > 0 else ""
    db.execute(f"CREATE TEMP TABLE hits AS SELECT a.seq, a.id, a.url, {'f.rank' if ranked else '0.0'} AS rank "
               f"{where}{newest}", [*params, window + 1] if newest else params)
    if not newest or db.execute("SELECT count(*) FROM temp.hits").fetchone()[0] <= window:
        return False
    db.execute("DELETE FROM temp.hits WHERE seq = (SELECT min(seq) FROM temp.hits)")  # the one past the window
    return True


def _facets(db: ReadDb, size: int) -> dict[str, list[Count]]:
    """Facet counts over the articles in ``temp.hits``."""
    out: dict[str, list[Count]] = {}
    for name in FACETS:
        sql = f"{_FACET_SQL[name]} ORDER BY c DESC, 2, 1 LIMIT ?"
        out[name] = [Count(str(k), str(label), int(c)) for k, label, c in db.execute(sql, (size,))]
    return out


_CORPUS_FACETS: dict[tuple[str, int, int], dict[str, list[Count]]] = {}


def _corpus_facets(db: ReadDb, size: int, last: int) -> dict[str, list[Count]]:
    """The facets of the whole corpus whose newest article is ``last`` (``last_seq``)."""
    if isinstance(db, PostgresReadDb):
        where = str(db.conn.info.dsn)
    else:
        where = str(db.execute("PRAGMA database_list").fetchone()[2])
    key = (where, last, size)
    if key not in _CORPUS_FACETS:
        if isinstance(db, PostgresReadDb):
            facets = _facets_postgres(db, size, None)
        else:
            _gather(db, "FROM articles a", [], False)
            facets = _facets(db, size)
            db.execute("DROP TABLE temp.hits")
        if len(_CORPUS_FACETS) >= 16:
            _CORPUS_FACETS.clear()
        _CORPUS_FACETS[key] = facets
    return _CORPUS_FACETS[key]


# PostgreSQL: the matches are gathered into this process (a read-only transaction cannot create a TEMP table) and
# the facets count over their ids; text is matched in web-search syntax, any input parses.
_PG_QUERY = "websearch_to_tsquery('english', ?)"
_PG_SNIPPET = 'StartSel="\x02", StopSel="\x03", MaxWords=16, MinWords=8, MaxFragments=1, FragmentDelimiter="…"'
_PG_FACETS = {  # per facet: what is counted for each value (FROM {0}: the matches ``h`` joined, or the corpus)
    "speaker": "SELECT q.speaker_id AS k, count(DISTINCT q.article_id) AS c FROM {0} quotes q{1} "
               "WHERE q.speaker_id IS NOT NULL GROUP BY q.speaker_id",
    "entity": "SELECT m.entity_key AS k, count(*) AS c FROM {0} mentions m{1} GROUP BY m.entity_key",
    "tag": "SELECT t.tag AS k, count(DISTINCT t.article_id) AS c FROM {0} tags t{1} GROUP BY t.tag",
    "outlet": "SELECT o AS k, count(*) AS c FROM (SELECT {2} AS o FROM {0} articles a{1}) x WHERE o IS NOT NULL "
              "GROUP BY o",
}
_PG_JOIN = {"speaker": "q.article_id", "entity": "m.article_id", "tag": "t.article_id", "outlet": "a.id"}
_PG_NAMES = {  # the counted values named: key, label, count
    "speaker": "SELECT s.name, s.name, x.c FROM x_speaker x JOIN speakers s ON s.id = x.k",
    "entity": "SELECT e.key, e.name, x.c FROM x_entity x JOIN entities e ON e.key = x.k",
    "tag": "SELECT x.k, x.k, x.c FROM x_tag x",
    "outlet": "SELECT x.k, x.k, x.c FROM x_outlet x",
}


def _search_postgres(db: ReadDb, filters: SearchFilters, match: str | None, offset: int, limit: int,
                     facet_size: int, window: int) -> SearchPage:
    """``search`` on PostgreSQL, in one read-only transaction: the newest ``window`` matches found newest first
    as the store's own search finds them (``newest_first``), with the same planner settings when words are
    searched; ranked by ``ts_rank``, snippets made by ``ts_headline`` for the page's rows only."""
    from newsgraph.store.postgres import RESET_SETTINGS, SEARCH_SETTINGS, newest_first

    assert isinstance(db, PostgresReadDb)
    conn = db.conn
    clauses, params = _conditions(db, filters, match)
    rank = f"ts_rank(w.fts, {_PG_QUERY})" if match else "0.0"

    def fetch(low: int, n: int) -> list[tuple[Any, ...]]:
        conds = clauses + (["a.seq > ?"] if low > 0 else [])
        sql = (f"SELECT w.seq, w.id, w.url, {rank} FROM (SELECT a.seq, a.id, a.url{', a.fts' if match else ''} "
               f"FROM articles a WHERE {' AND '.join(conds) or 'TRUE'} ORDER BY a.seq DESC"
               + (" LIMIT ?) w" if n > 0 else ") w"))
        args = [*([match] if match else []), *params, *([low] if low > 0 else []), *([n] if n > 0 else [])]
        return [tuple(r) for r in db.execute(sql, args, prepare=False)]

    with conn.transaction():
        top = last_seq(db)
        if match:  # for the text match only: the rest of the search is planned as usual
            conn.execute(SEARCH_SETTINGS)
        if window <= 0:
            rows = fetch(0, 0)
        elif match:
            rows = newest_first(fetch, window + 1, top)
        else:  # no words: the primary key read newest first stops at the window
            rows = fetch(0, window + 1)
        if match:
            conn.execute(RESET_SETTINGS)
        capped = 0 < window < len(rows)
        rows = rows[:window] if window > 0 else rows
        if match:
            page = sorted(rows, key=lambda r: (-float(r[3]), int(r[0])))[offset:offset + limit]
            found = {int(r[0]): r[1:] for r in db.execute(
                f"SELECT a.seq, {_CARD}, ts_headline('english', a.body, {_PG_QUERY}, ?) FROM articles a "
                "WHERE a.seq = ANY(?)", (match, _PG_SNIPPET, [int(r[0]) for r in page]), prepare=False)}
            hits = [Hit(_card(found[int(r[0])]), _runs(found[int(r[0])][5])) for r in page]
        else:
            hits = [Hit(_card(r), []) for r in db.execute(
                f"SELECT {_CARD} FROM articles a WHERE a.seq = ANY(?) ORDER BY {newest(db)} LIMIT ? OFFSET ?",
                ([int(r[0]) for r in rows], limit, offset))]
        with from_few_rows(db):
            facets = _facets_postgres(db, facet_size, [(str(r[1]), r[2]) for r in rows])
    return SearchPage(filters, hits, facets, Page(offset, limit, len(rows)), match, capped)


def _facets_postgres(db: PostgresReadDb, size: int, hits: list[tuple[str, str | None]] | None
                     ) -> dict[str, list[Count]]:
    """Facet counts over the matches ``hits`` (id, url) or, with ``None``, the whole corpus, in one statement.
    The ids are one array parameter joined as a table (``= ANY`` of thousands of ids made the planner weigh each
    id); each facet is counted by key and only the values that can make its top ``size`` are named (naming every
    value joined every entity). The outlets of matches are counted here from their URLs."""
    names = [n for n in FACETS if hits is None or n != "outlet"]
    ctes = [] if hits is None else ["h AS MATERIALIZED (SELECT unnest(CAST(? AS TEXT[])) AS id)"]
    args: list[Any] = [] if hits is None else [[i for i, _ in hits]]
    for name in names:
        joined = ("h JOIN", f" ON {_PG_JOIN[name]} = h.id") if hits is not None else ("", "")
        ctes.append(f"x_{name} AS ({_PG_FACETS[name].format(*joined, outlet_sql(db, 'a.url'))})")
    parts = []
    for name in names:
        parts.append(f"SELECT CAST(? AS TEXT), n.* FROM ({_PG_NAMES[name]} WHERE {can_reach_top('x_' + name)}) n")
        args += [name, size]
    out: dict[str, list[Count]] = {name: [] for name in FACETS}
    for name, k, label, c in db.execute(f"WITH {', '.join(ctes)} " + " UNION ALL ".join(parts), args):
        out[name].append(Count(str(k), str(label), int(c)))
    for name in names:
        out[name] = top_counts(out[name], size)
    if hits is not None:
        outlets = Counter(o for _, url in hits if (o := outlet_of(url)) is not None)
        out["outlet"] = top_counts((Count(o, o, c) for o, c in outlets.items()), size)
    return out
