-- Indexes for the web reader's pages, PostgreSQL dialect (see migrations/0004_reader_indexes.sql).
-- The home page shows the biggest stories of the last 30 days before the latest story (its rows hold their JSON:
-- reading them all to find those read the whole table).
CREATE INDEX stories_last ON stories (last);
-- A speaker's page lists the titles the corpus gives them: mentions by name, in any case.
CREATE INDEX mentions_name ON mentions (lower(name));
-- Articles newest first, undated last (ORDER BY published DESC NULLS LAST, seq DESC): PostgreSQL sorts NULL
-- highest, so `articles_published` read backwards would put undated articles first.
CREATE INDEX articles_newest ON articles (published DESC NULLS LAST, seq DESC);
