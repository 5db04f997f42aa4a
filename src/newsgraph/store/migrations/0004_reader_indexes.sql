-- Indexes for the web reader's pages.
-- The home page shows the biggest stories of the last 30 days before the latest story (its rows hold their JSON:
-- reading them all to find those read the whole table).
CREATE INDEX stories_last ON stories (last);
-- A speaker's page lists the titles the corpus gives them: mentions by name, in any case.
CREATE INDEX mentions_name ON mentions (name COLLATE NOCASE);
-- Articles newest first, undated last: SQLite sorts NULL lowest, so `articles_published`, which holds the rowid
-- (`seq`) too, read backwards already gives that order (PostgreSQL needs an index of its own).
