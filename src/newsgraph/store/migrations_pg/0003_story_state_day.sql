-- The day each story row of the clusterer's checkpoint is evicted after, PostgreSQL dialect: the same column and
-- index as migrations/0003_story_state_day.sql (see there).

ALTER TABLE story_state ADD COLUMN day INTEGER;
CREATE INDEX story_state_day ON story_state (day, story_id);
