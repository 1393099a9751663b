-- rapport schema v10: publishing. Connected accounts (their secret AEAD-sealed, never
-- plaintext), drafts with their targets (one delivery per draft and account, carrying the
-- idempotency key stored BEFORE the network call), comments, and each workspace's time zone.

CREATE TABLE workspace_settings (
    workspace_id  INTEGER PRIMARY KEY REFERENCES workspaces(id) ON DELETE CASCADE,
    time_zone     TEXT NOT NULL DEFAULT 'UTC'
);

CREATE TABLE publish_accounts (
    id            INTEGER PRIMARY KEY,
    workspace_id  INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    kind          TEXT NOT NULL,
    display_name  TEXT NOT NULL,
    settings      TEXT NOT NULL,
    secret        BLOB NOT NULL,
    created_at    INTEGER NOT NULL,
    UNIQUE (workspace_id, display_name)
);

CREATE TABLE drafts (
    id            INTEGER PRIMARY KEY,
    workspace_id  INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    author_id     INTEGER REFERENCES users(id) ON DELETE SET NULL,
    text          TEXT NOT NULL,
    poll          TEXT,
    status        TEXT NOT NULL CHECK (status IN ('draft', 'pending_approval', 'approved',
                      'scheduled', 'sending', 'sent', 'failed', 'rejected', 'cancelled')),
    scheduled_at  INTEGER,
    approved_by   INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
CREATE INDEX drafts_workspace_time ON drafts(workspace_id, scheduled_at);

-- One delivery per (draft, account). `idempotency_key` is written when the scheduler claims
-- the delivery (status 'sending'), in the same transaction, before the network is called.
CREATE TABLE draft_targets (
    id               INTEGER PRIMARY KEY,
    draft_id         INTEGER NOT NULL REFERENCES drafts(id) ON DELETE CASCADE,
    account_id       INTEGER NOT NULL REFERENCES publish_accounts(id) ON DELETE CASCADE,
    text             TEXT,
    status           TEXT NOT NULL DEFAULT 'waiting' CHECK (status IN ('waiting', 'pending',
                         'sending', 'sent', 'failed', 'cancelled')),
    idempotency_key  TEXT UNIQUE,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER,
    last_error       TEXT,
    native_id        TEXT,
    url              TEXT,
    sent_at          INTEGER,
    UNIQUE (draft_id, account_id)
);
CREATE INDEX draft_targets_due ON draft_targets(status, next_attempt_at);

CREATE TABLE draft_comments (
    id          INTEGER PRIMARY KEY,
    draft_id    INTEGER NOT NULL REFERENCES drafts(id) ON DELETE CASCADE,
    author_id   INTEGER REFERENCES users(id) ON DELETE SET NULL,
    body        TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX draft_comments_draft ON draft_comments(draft_id, id);
