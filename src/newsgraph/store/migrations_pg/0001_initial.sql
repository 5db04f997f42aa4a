-- newsgraph corpus, first schema, PostgreSQL dialect: the same tables and columns as migrations/0001_initial.sql.
-- Articles keep their full JSON in `data` (the contract, with text) and are also split into tables for queries.
-- `seq` is the ingest order; the store assigns it (max + 1 under the writer lock) rather than a sequence, so a
-- rolled-back batch leaves no gap and a resumed run numbers articles exactly as an uninterrupted one.
-- Keys and ISO dates use the "C" collation: ordering and range tests are bytewise, as in SQLite, whatever
-- locale the server was initialised with.

CREATE TABLE articles (
    seq         BIGINT PRIMARY KEY,
    id          TEXT COLLATE "C" NOT NULL UNIQUE,
    source      TEXT COLLATE "C" NOT NULL,
    url         TEXT COLLATE "C",
    headline    TEXT,
    published   TEXT COLLATE "C",
    language    TEXT,
    body        TEXT NOT NULL,
    stages      TEXT NOT NULL,          -- JSON {"quotes": "quotes.v1", ...}: which stage versions produced the rows
    data        TEXT NOT NULL,          -- JSON of Article.to_dict(with_text=True)
    ingested_at TEXT NOT NULL,
    -- full-text search: PostgreSQL's own text search (English stemming), headline weighted above body
    fts         tsvector GENERATED ALWAYS AS (
                    setweight(to_tsvector('english', coalesce(headline, '')), 'A') ||
                    setweight(to_tsvector('english', body), 'B')) STORED
);
CREATE INDEX articles_url ON articles (url);
CREATE INDEX articles_source ON articles (source);
CREATE INDEX articles_published ON articles (published);
CREATE INDEX articles_fts ON articles USING GIN (fts);

CREATE TABLE paragraphs (
    article_id TEXT COLLATE "C" NOT NULL REFERENCES articles (id),
    n          INTEGER NOT NULL,
    start      INTEGER NOT NULL,
    "end"      INTEGER NOT NULL,
    text       TEXT NOT NULL,
    PRIMARY KEY (article_id, n)
);

-- names are unique in any case (SQLite: UNIQUE COLLATE NOCASE)
CREATE TABLE speakers (
    id   BIGINT PRIMARY KEY,
    name TEXT NOT NULL,
    type TEXT
);
CREATE UNIQUE INDEX speakers_name ON speakers (lower(name));

CREATE TABLE quotes (
    article_id      TEXT COLLATE "C" NOT NULL REFERENCES articles (id),
    n               INTEGER NOT NULL,
    kind            TEXT NOT NULL,
    text            TEXT NOT NULL,
    cue             TEXT,
    speaker_id      BIGINT REFERENCES speakers (id),
    speaker_mention TEXT,
    speaker_title   TEXT,
    start           INTEGER,
    "end"           INTEGER,
    stage           TEXT,
    PRIMARY KEY (article_id, n)
);
CREATE INDEX quotes_speaker ON quotes (speaker_id);

CREATE TABLE entities (
    key  TEXT COLLATE "C" PRIMARY KEY,
    name TEXT NOT NULL,
    type TEXT NOT NULL
);

CREATE TABLE mentions (
    article_id TEXT COLLATE "C" NOT NULL REFERENCES articles (id),
    entity_key TEXT COLLATE "C" NOT NULL REFERENCES entities (key),
    name       TEXT NOT NULL,
    title      TEXT,
    count      INTEGER NOT NULL,
    spans      TEXT NOT NULL,           -- JSON [[start, end], ...]
    stage      TEXT,
    PRIMARY KEY (article_id, entity_key)
);
CREATE INDEX mentions_entity ON mentions (entity_key);

CREATE TABLE dates (
    article_id TEXT COLLATE "C" NOT NULL REFERENCES articles (id),
    n          INTEGER NOT NULL,
    text       TEXT NOT NULL,
    kind       TEXT NOT NULL,
    value      TEXT COLLATE "C" NOT NULL,
    start      INTEGER NOT NULL,
    "end"      INTEGER NOT NULL,
    stage      TEXT,
    PRIMARY KEY (article_id, n)
);
CREATE INDEX dates_value ON dates (value);

CREATE TABLE tags (
    article_id TEXT COLLATE "C" NOT NULL REFERENCES articles (id),
    rank       INTEGER NOT NULL,
    tag        TEXT COLLATE "C" NOT NULL,
    stage      TEXT NOT NULL,
    PRIMARY KEY (article_id, rank)
);
CREATE INDEX tags_tag ON tags (tag);

-- near-duplicates: one MinHash signature per article, its LSH bands as indexed rows for candidate lookup
CREATE TABLE near_dup_signatures (
    article_id TEXT COLLATE "C" PRIMARY KEY REFERENCES articles (id),
    signature  BYTEA NOT NULL
);

CREATE TABLE near_dup_bands (
    band       INTEGER NOT NULL,
    key        TEXT COLLATE "C" NOT NULL,
    article_id TEXT COLLATE "C" NOT NULL REFERENCES articles (id),
    PRIMARY KEY (band, key, article_id)
);
CREATE INDEX near_dup_bands_article ON near_dup_bands (article_id);

CREATE TABLE duplicate_groups (
    id          TEXT COLLATE "C" PRIMARY KEY,       -- the id of the group's first-ingested member
    original_id TEXT COLLATE "C" NOT NULL REFERENCES articles (id)   -- the earliest member (published, then seq)
);

CREATE TABLE duplicate_members (
    article_id TEXT COLLATE "C" PRIMARY KEY REFERENCES articles (id),
    group_id   TEXT COLLATE "C" NOT NULL REFERENCES duplicate_groups (id),
    jaccard    DOUBLE PRECISION NOT NULL  -- estimated Jaccard with the member that brought it in (1.0 for the first)
);
CREATE INDEX duplicate_members_group ON duplicate_members (group_id);

-- connect: features for similarity, corpus document frequencies, stories
CREATE TABLE features (
    article_id TEXT COLLATE "C" PRIMARY KEY REFERENCES articles (id),
    data       TEXT NOT NULL,           -- ArticleFeatures JSON
    stage      TEXT NOT NULL
);

CREATE TABLE doc_freq (
    term TEXT COLLATE "C" PRIMARY KEY,
    df   INTEGER NOT NULL
);

CREATE TABLE similar_links (
    article_id TEXT COLLATE "C" NOT NULL REFERENCES articles (id),
    other_id   TEXT COLLATE "C" NOT NULL REFERENCES articles (id),
    score      DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (article_id, other_id)
);
CREATE INDEX similar_links_other ON similar_links (other_id);

CREATE TABLE stories (
    id      TEXT COLLATE "C" PRIMARY KEY,
    label   TEXT NOT NULL,
    first   TEXT COLLATE "C",
    last    TEXT COLLATE "C",
    size    INTEGER NOT NULL,
    data    TEXT NOT NULL               -- Story JSON
);

CREATE TABLE story_members (
    article_id TEXT COLLATE "C" PRIMARY KEY REFERENCES articles (id),
    story_id   TEXT COLLATE "C" NOT NULL
);
CREATE INDEX story_members_story ON story_members (story_id);

-- small named states (StoryClusterer JSON, DocFreq document count, ...)
CREATE TABLE state (
    name  TEXT COLLATE "C" PRIMARY KEY,
    value TEXT NOT NULL
);
