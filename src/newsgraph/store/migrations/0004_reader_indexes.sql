-- Indexes for the web reader's pages.
-- A speaker's page lists the titles the corpus gives them: mentions by name, in any case.
CREATE INDEX mentions_name ON mentions (name COLLATE NOCASE);
-- Articles newest first, undated last: SQLite sorts NULL lowest, so `articles_published`, which holds the rowid
-- (`seq`) too, read backwards already gives that order (PostgreSQL needs an index of its own).
