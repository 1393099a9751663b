-- rapport schema v9: alert rules, the alerts they fired and their webhook deliveries.
-- `thresholds` is the rule's own JSON (its kind and thresholds, read by rapport-engine);
-- `webhook_secret` is an AEAD-sealed blob (nonce || ciphertext), never plaintext.

CREATE TABLE alert_rules (
    id                INTEGER PRIMARY KEY,
    workspace_id      INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    monitor_id        INTEGER REFERENCES monitors(id) ON DELETE CASCADE,
    kind              TEXT NOT NULL,
    thresholds        TEXT NOT NULL,
    webhook_url       TEXT NOT NULL,
    webhook_format    TEXT NOT NULL DEFAULT 'generic',
    webhook_secret    BLOB,
    cooldown_minutes  INTEGER NOT NULL DEFAULT 60,
    enabled           INTEGER NOT NULL DEFAULT 1,
    created_at        INTEGER NOT NULL
);
CREATE INDEX alert_rules_workspace ON alert_rules(workspace_id);

-- One alert per rule and hour: judging the same hour again never fires twice.
CREATE TABLE alerts (
    id          INTEGER PRIMARY KEY,
    rule_id     INTEGER NOT NULL REFERENCES alert_rules(id) ON DELETE CASCADE,
    hour        INTEGER NOT NULL,
    fired_at    INTEGER NOT NULL,
    sentence    TEXT NOT NULL,
    observed    INTEGER NOT NULL,
    expected    REAL NOT NULL,
    z           REAL NOT NULL,
    p           REAL NOT NULL,
    UNIQUE (rule_id, hour)
);

-- What became of an alert's webhook: delivered, failed (after every attempt) or
-- suppressed (inside the rule's cooldown).
CREATE TABLE alert_deliveries (
    alert_id         INTEGER PRIMARY KEY REFERENCES alerts(id) ON DELETE CASCADE,
    status           TEXT NOT NULL CHECK (status IN ('delivered', 'failed', 'suppressed')),
    attempts         INTEGER NOT NULL,
    last_error       TEXT,
    finished_at      INTEGER NOT NULL
);
