-- Articles newest first, undated last (the web reader's lists): SQLite sorts NULL lowest, so the index
-- `articles_published`, which holds the rowid (`seq`) too, read backwards already gives that order. Nothing to
-- add here; the PostgreSQL dialect needs an index of its own (migrations_pg/0004_articles_newest.sql).
SELECT 1;
