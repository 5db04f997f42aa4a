-- Indexes for the web reader's pages, PostgreSQL dialect (see migrations/0004_reader_indexes.sql).
-- A speaker's page lists the titles the corpus gives them: mentions by name, in any case.
CREATE INDEX mentions_name ON mentions (lower(name));
-- Articles newest first, undated last (ORDER BY published DESC NULLS LAST, seq DESC): PostgreSQL sorts NULL
-- highest, so `articles_published` read backwards would put undated articles first.
CREATE INDEX articles_newest ON articles (published DESC NULLS LAST, seq DESC);
