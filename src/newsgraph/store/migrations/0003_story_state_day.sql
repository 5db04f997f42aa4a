-- Each story row of the clusterer's checkpoint carries the day it is evicted after (its last article's day, or
-- for an undated story the day it was last seen), so a reopened corpus reads only the stories it keeps in memory
-- (those within `story_memory_days` of the newest article, and the `story_memory_keep` latest) instead of every
-- story the corpus ever had. Rows written before this migration have no day and are always read (and filtered
-- as they were) until their story changes again.

ALTER TABLE story_state ADD COLUMN day INTEGER;
CREATE INDEX story_state_day ON story_state (day, story_id);
