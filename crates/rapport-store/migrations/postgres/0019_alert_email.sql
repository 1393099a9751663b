-- PostgreSQL: alerts by e-mail, digests, and the weekly report by e-mail.
-- (SQLite 0016_alert_email.sql for PostgreSQL; timestamps in Unix milliseconds.)

-- A rule's e-mail recipients (a JSON array of addresses, empty: no e-mail) and its digest
-- period (NULL: every firing is sent at once; 'hourly' or 'daily': one message per period).
ALTER TABLE alert_rules ADD COLUMN email_to text NOT NULL DEFAULT '[]';
ALTER TABLE alert_rules ADD COLUMN digest text CHECK (digest IN ('hourly', 'daily'));

-- What became of an alert's e-mail, like alert_deliveries for its webhook.
CREATE TABLE alert_email_deliveries (
    alert_id         bigint PRIMARY KEY REFERENCES alerts(id) ON DELETE CASCADE,
    status           text NOT NULL CHECK (status IN ('delivered', 'failed', 'suppressed')),
    attempts         integer NOT NULL,
    last_error       text,
    finished_at      bigint NOT NULL
);

-- One digest per rule and period: the row is the claim (the process whose insert wins
-- sends it), then it records what was sent.
CREATE TABLE alert_digests (
    rule_id          bigint NOT NULL REFERENCES alert_rules(id) ON DELETE CASCADE,
    period_start     bigint NOT NULL,
    claimed_at       bigint NOT NULL,
    alerts           integer NOT NULL DEFAULT 0,
    webhook_status   text,
    email_status     text,
    last_error       text,
    finished_at      bigint,
    PRIMARY KEY (rule_id, period_start)
);

-- The weekly report by e-mail: per workspace, who gets it and when (a weekday, 0 =
-- Monday, and an hour in the schedule's IANA time zone).
CREATE TABLE report_schedules (
    workspace_id  bigint PRIMARY KEY REFERENCES workspaces(id) ON DELETE CASCADE,
    recipients    text NOT NULL,
    weekday       integer NOT NULL CHECK (weekday BETWEEN 0 AND 6),
    hour          integer NOT NULL CHECK (hour BETWEEN 0 AND 23),
    time_zone     text NOT NULL,
    enabled       boolean NOT NULL DEFAULT true,
    updated_at    bigint NOT NULL
);

-- One weekly report per workspace and ISO week: the row is the claim, then the outcome.
CREATE TABLE report_sends (
    workspace_id  bigint NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    week          text NOT NULL,
    claimed_at    bigint NOT NULL,
    status        text,
    attempts      integer NOT NULL DEFAULT 0,
    last_error    text,
    finished_at   bigint,
    PRIMARY KEY (workspace_id, week)
);
