-- Hourly rollups per monitor, maintained by the batch writer in the same transaction as the
-- mentions they count. `hour` is Unix milliseconds / 3,600,000, truncated (bigint division).
CREATE TABLE rollup_hourly (
    monitor_id       bigint NOT NULL REFERENCES monitors(id) ON DELETE CASCADE,
    hour             bigint NOT NULL,
    mentions         bigint NOT NULL,
    authors          bigint NOT NULL,
    positive         bigint NOT NULL,
    neutral          bigint NOT NULL,
    negative         bigint NOT NULL,
    complaint        bigint NOT NULL,
    question         bigint NOT NULL,
    praise           bigint NOT NULL,
    purchase_intent  bigint NOT NULL,
    other            bigint NOT NULL,
    reach            bigint NOT NULL,
    engagement       bigint NOT NULL,
    PRIMARY KEY (monitor_id, hour)
);

-- Which authors a cell has counted, so `authors` stays a distinct count.
CREATE TABLE rollup_authors (
    monitor_id  bigint NOT NULL,
    hour        bigint NOT NULL,
    author_id   bigint NOT NULL,
    PRIMARY KEY (monitor_id, hour, author_id)
);
