-- Hourly rollups per monitor (issue 7), maintained by the batch writer in the same
-- transaction as the mentions they count; `rapport rollup rebuild` recounts them.
-- `hour` is Unix milliseconds / 3,600,000 (truncated), as SQLite's integer division gives.
CREATE TABLE rollup_hourly (
    monitor_id       INTEGER NOT NULL REFERENCES monitors(id) ON DELETE CASCADE,
    hour             INTEGER NOT NULL,
    mentions         INTEGER NOT NULL,
    authors          INTEGER NOT NULL,
    positive         INTEGER NOT NULL,
    neutral          INTEGER NOT NULL,
    negative         INTEGER NOT NULL,
    complaint        INTEGER NOT NULL,
    question         INTEGER NOT NULL,
    praise           INTEGER NOT NULL,
    purchase_intent  INTEGER NOT NULL,
    other            INTEGER NOT NULL,
    reach            INTEGER NOT NULL,
    engagement       INTEGER NOT NULL,
    PRIMARY KEY (monitor_id, hour)
) WITHOUT ROWID;

-- Which authors a cell has counted, so `authors` stays a distinct count.
CREATE TABLE rollup_authors (
    monitor_id  INTEGER NOT NULL,
    hour        INTEGER NOT NULL,
    author_id   INTEGER NOT NULL,
    PRIMARY KEY (monitor_id, hour, author_id)
) WITHOUT ROWID;

-- Databases that already hold mentions start with exact rollups.
INSERT INTO rollup_authors (monitor_id, hour, author_id)
    SELECT DISTINCT x.monitor_id, x.post_created_at / 3600000, p.author_id
    FROM mentions x JOIN posts p ON p.id = x.post_id;
INSERT INTO rollup_hourly (monitor_id, hour, mentions, authors, positive, neutral, negative,
        complaint, question, praise, purchase_intent, other, reach, engagement)
    SELECT x.monitor_id, x.post_created_at / 3600000 AS hour, count(*), count(DISTINCT p.author_id),
        sum(p.sentiment IS 'positive'), sum(p.sentiment IS 'neutral'), sum(p.sentiment IS 'negative'),
        sum(p.intent IS 'complaint'), sum(p.intent IS 'question'), sum(p.intent IS 'praise'),
        sum(p.intent IS 'purchase_intent'), sum(p.intent IS 'other'),
        sum(coalesce(p.followers, 0)), sum(p.likes + p.reposts + p.replies)
    FROM mentions x JOIN posts p ON p.id = x.post_id GROUP BY x.monitor_id, hour;
