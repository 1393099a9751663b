-- rapport schema: alerts by e-mail, digests, and the weekly report by e-mail.
-- (Number 0014 is reserved by another branch.)

-- A rule's e-mail recipients (a JSON array of addresses, empty: no e-mail) and its digest
-- period (NULL: every firing is sent at once; 'hourly' or 'daily': one message per period).
ALTER TABLE alert_rules ADD COLUMN email_to TEXT NOT NULL DEFAULT '[]';
ALTER TABLE alert_rules ADD COLUMN digest TEXT CHECK (digest IN ('hourly', 'daily'));

-- What became of an alert's e-mail, like alert_deliveries for its webhook.
CREATE TABLE alert_email_deliveries (
    alert_id         INTEGER PRIMARY KEY REFERENCES alerts(id) ON DELETE CASCADE,
    status           TEXT NOT NULL CHECK (status IN ('delivered', 'failed', 'suppressed')),
    attempts         INTEGER NOT NULL,
    last_error       TEXT,
    finished_at      INTEGER NOT NULL
);

-- One digest per rule and period: the row is the claim (the process whose insert wins
-- sends it), then it records what was sent.
CREATE TABLE alert_digests (
    rule_id          INTEGER NOT NULL REFERENCES alert_rules(id) ON DELETE CASCADE,
    period_start     INTEGER NOT NULL,
    claimed_at       INTEGER NOT NULL,
    alerts           INTEGER NOT NULL DEFAULT 0,
    webhook_status   TEXT,
    email_status     TEXT,
    last_error       TEXT,
    finished_at      INTEGER,
    PRIMARY KEY (rule_id, period_start)
);

-- The weekly report by e-mail: per workspace, who gets it and when (a weekday, 0 =
-- Monday, and an hour in the schedule's IANA time zone).
CREATE TABLE report_schedules (
    workspace_id  INTEGER PRIMARY KEY REFERENCES workspaces(id) ON DELETE CASCADE,
    recipients    TEXT NOT NULL,
    weekday       INTEGER NOT NULL CHECK (weekday BETWEEN 0 AND 6),
    hour          INTEGER NOT NULL CHECK (hour BETWEEN 0 AND 23),
    time_zone     TEXT NOT NULL,
    enabled       INTEGER NOT NULL DEFAULT 1,
    updated_at    INTEGER NOT NULL
);

-- One weekly report per workspace and ISO week: the row is the claim, then the outcome.
CREATE TABLE report_sends (
    workspace_id  INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    week          TEXT NOT NULL,
    claimed_at    INTEGER NOT NULL,
    status        TEXT,
    attempts      INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT,
    finished_at   INTEGER,
    PRIMARY KEY (workspace_id, week)
);
