-- Who polls a source now: several `rapport ingest` processes may share one database, and
-- only the holder of a source's unexpired lease polls it. The holder renews the lease
-- while it works; a holder that dies stops renewing and the lease expires. `expires_at` is
-- in Unix milliseconds by the database's clock, so the processes' clocks do not matter.
CREATE TABLE source_leases (
    source_id   bigint PRIMARY KEY REFERENCES sources(id) ON DELETE CASCADE,
    owner       text NOT NULL,
    expires_at  bigint NOT NULL
);
