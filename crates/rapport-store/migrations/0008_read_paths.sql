-- Read paths measured under load on a million posts (scripts/loadtest.sh).
--
-- The inbox queue is read one status at a time in rank order and merged (several statuses
-- cannot share one ordered index scan); with the id in the index a page boundary is a range.
DROP INDEX IF EXISTS inbox_queue;
CREATE INDEX inbox_queue ON inbox_items(workspace_id, status, rank_key DESC, id DESC);

-- Running totals the batch writer keeps in the same transaction as the rows they count, so
-- "how many posts" is one row read instead of a count over the whole table.
CREATE TABLE totals (
  name  TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO totals (name, value) SELECT 'posts', count(*) FROM posts;

-- Response times read only the items someone handled; the rest are counted on the index.
CREATE INDEX inbox_handled ON inbox_items(workspace_id, arrived_at)
  WHERE first_response_at IS NOT NULL OR resolved_at IS NOT NULL OR assignee IS NOT NULL;
