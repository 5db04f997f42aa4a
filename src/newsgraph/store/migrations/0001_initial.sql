-- newsgraph corpus, first schema. Articles keep their full JSON in `data` (the contract, with text) and are
-- also split into tables for queries. `seq` is the ingest order (the rowid, also the FTS rowid).

CREATE TABLE articles (
    seq         INTEGER PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,
    source      TEXT NOT NULL,
    url         TEXT,
    headline    TEXT,
    published   TEXT,
    language    TEXT,
    body        TEXT NOT NULL,
    stages      TEXT NOT NULL,          -- JSON {"quotes": "quotes.v1", ...}: which stage versions produced the rows
    data        TEXT NOT NULL,          -- JSON of Article.to_dict(with_text=True)
    ingested_at TEXT NOT NULL
);
CREATE INDEX articles_url ON articles (url);
CREATE INDEX articles_published ON articles (published);

CREATE VIRTUAL TABLE articles_fts USING fts5 (headline, body, content='articles', content_rowid='seq',
                                            tokenize='porter unicode61 remove_diacritics 2');

CREATE TABLE paragraphs (
    article_id TEXT NOT NULL REFERENCES articles (id),
    n          INTEGER NOT NULL,
    start      INTEGER NOT NULL,
    "end"      INTEGER NOT NULL,
    text       TEXT NOT NULL,
    PRIMARY KEY (article_id, n)
) WITHOUT ROWID;

CREATE TABLE speakers (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    type TEXT
);

CREATE TABLE quotes (
    article_id      TEXT NOT NULL REFERENCES articles (id),
    n               INTEGER NOT NULL,
    kind            TEXT NOT NULL,
    text            TEXT NOT NULL,
    cue             TEXT,
    speaker_id      INTEGER REFERENCES speakers (id),
    speaker_mention TEXT,
    speaker_title   TEXT,
    start           INTEGER,
    "end"           INTEGER,
    stage           TEXT,
    PRIMARY KEY (article_id, n)
) WITHOUT ROWID;
CREATE INDEX quotes_speaker ON quotes (speaker_id);

CREATE TABLE entities (
    key  TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    type TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE mentions (
    article_id TEXT NOT NULL REFERENCES articles (id),
    entity_key TEXT NOT NULL REFERENCES entities (key),
    name       TEXT NOT NULL,
    title      TEXT,
    count      INTEGER NOT NULL,
    spans      TEXT NOT NULL,           -- JSON [[start, end], ...]
    stage      TEXT,
    PRIMARY KEY (article_id, entity_key)
) WITHOUT ROWID;
CREATE INDEX mentions_entity ON mentions (entity_key);

CREATE TABLE dates (
    article_id TEXT NOT NULL REFERENCES articles (id),
    n          INTEGER NOT NULL,
    text       TEXT NOT NULL,
    kind       TEXT NOT NULL,
    value      TEXT NOT NULL,
    start      INTEGER NOT NULL,
    "end"      INTEGER NOT NULL,
    stage      TEXT,
    PRIMARY KEY (article_id, n)
) WITHOUT ROWID;
CREATE INDEX dates_value ON dates (value);

CREATE TABLE tags (
    article_id TEXT NOT NULL REFERENCES articles (id),
    rank       INTEGER NOT NULL,
    tag        TEXT NOT NULL,
    stage      TEXT NOT NULL,
    PRIMARY KEY (article_id, rank)
) WITHOUT ROWID;
CREATE INDEX tags_tag ON tags (tag);

-- near-duplicates: one MinHash signature per article, its LSH bands indexed for candidate lookup
CREATE TABLE near_dup_signatures (
    article_id TEXT PRIMARY KEY REFERENCES articles (id),
    signature  BLOB NOT NULL
) WITHOUT ROWID;

CREATE TABLE near_dup_bands (
    band       INTEGER NOT NULL,
    key        TEXT NOT NULL,
    article_id TEXT NOT NULL REFERENCES articles (id),
    PRIMARY KEY (band, key, article_id)
) WITHOUT ROWID;
CREATE INDEX near_dup_bands_article ON near_dup_bands (article_id);

CREATE TABLE duplicate_groups (
    id          TEXT PRIMARY KEY,       -- the id of the group's first-ingested member
    original_id TEXT NOT NULL REFERENCES articles (id)   -- the earliest member (published, then ingest order)
) WITHOUT ROWID;

CREATE TABLE duplicate_members (
    article_id TEXT PRIMARY KEY REFERENCES articles (id),
    group_id   TEXT NOT NULL REFERENCES duplicate_groups (id),
    jaccard    REAL NOT NULL            -- estimated Jaccard with the member that brought it in (1.0 for the first)
) WITHOUT ROWID;
CREATE INDEX duplicate_members_group ON duplicate_members (group_id);

-- connect: features for similarity, corpus document frequencies, stories
CREATE TABLE features (
    article_id TEXT PRIMARY KEY REFERENCES articles (id),
    data       TEXT NOT NULL,           -- ArticleFeatures JSON
    stage      TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE doc_freq (
    term TEXT PRIMARY KEY,
    df   INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE similar_links (
    article_id TEXT NOT NULL REFERENCES articles (id),
    other_id   TEXT NOT NULL REFERENCES articles (id),
    score      REAL NOT NULL,
    PRIMARY KEY (article_id, other_id)
) WITHOUT ROWID;
CREATE INDEX similar_links_other ON similar_links (other_id);

CREATE TABLE stories (
    id      TEXT PRIMARY KEY,
    label   TEXT NOT NULL,
    first   TEXT,
    last    TEXT,
    size    INTEGER NOT NULL,
    data    TEXT NOT NULL               -- Story JSON
) WITHOUT ROWID;

CREATE TABLE story_members (
    article_id TEXT PRIMARY KEY REFERENCES articles (id),
    story_id   TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX story_members_story ON story_members (story_id);

-- small named states (StoryClusterer JSON, DocFreq document count, ...)
CREATE TABLE state (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
