-- Articles newest first, undated last (the web reader's lists: ORDER BY published DESC NULLS LAST, seq DESC).
-- PostgreSQL sorts NULL highest, so `articles_published` read backwards would put undated articles first;
-- this index gives the order itself (SQLite needs none: see migrations/0004_articles_newest.sql).
CREATE INDEX articles_newest ON articles (published DESC NULLS LAST, seq DESC);
