-- The story clusterer's checkpoint, one row per story (its JSON state), so a checkpoint rewrites only the
-- stories that changed since the last one; the clusterer's few global fields stay in `state`
-- ('stories.clusterer.head'). A store written before this migration keeps the whole clusterer in one `state`
-- row ('stories.clusterer'); the next checkpoint moves it here and deletes that row.

CREATE TABLE story_state (
    story_id TEXT PRIMARY KEY,
    state    TEXT NOT NULL
) WITHOUT ROWID;
