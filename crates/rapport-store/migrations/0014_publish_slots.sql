-- rapport schema v14: publishing across processes, and recurring slots.
--
-- A delivery being sent names the scheduler that claimed it and when that claim expires
-- (Unix milliseconds). Another scheduler takes a `sending` delivery over (to reconcile it
-- with the network) only once its claim has expired, so a live sender is never doubled.
-- Rows left `sending` before this migration have no claim and count as expired.
ALTER TABLE draft_targets ADD COLUMN claimed_by TEXT;
ALTER TABLE draft_targets ADD COLUMN claim_expires_at INTEGER;
CREATE INDEX draft_targets_claims ON draft_targets(status, claim_expires_at);

-- A workspace's recurring weekly publishing slots: a weekday (0 = Monday .. 6 = Sunday)
-- and a local time (minutes after midnight) in the workspace's time zone.
CREATE TABLE publish_slots (
    id            INTEGER PRIMARY KEY,
    workspace_id  INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    weekday       INTEGER NOT NULL CHECK (weekday BETWEEN 0 AND 6),
    minute        INTEGER NOT NULL CHECK (minute BETWEEN 0 AND 1439),
    UNIQUE (workspace_id, weekday, minute)
);
