-- The team inbox (issue 6): posts that need an answer, per workspace, and their handling.
-- User ids (assignee, author of a note or reply) refer to the accounts tables.

-- One row per (workspace, post). `rank_key` is the priority at the Unix epoch
-- (see rapport_model::Triage): ordering by it is ordering by current priority.
CREATE TABLE inbox_items (
    id                 INTEGER PRIMARY KEY,
    workspace_id       INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    post_id            INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    reason             TEXT NOT NULL,
    base_priority      REAL NOT NULL,
    rank_key           REAL NOT NULL,
    status             TEXT NOT NULL DEFAULT 'new',
    assignee           INTEGER,
    arrived_at         INTEGER NOT NULL,
    first_response_at  INTEGER,
    first_responder    INTEGER,
    resolved_at        INTEGER,
    updated_at         INTEGER NOT NULL,
    UNIQUE (workspace_id, post_id)
);
CREATE INDEX inbox_queue ON inbox_items(workspace_id, status, rank_key DESC);
CREATE INDEX inbox_arrived ON inbox_items(workspace_id, arrived_at);

-- What happened to an item, in order: status changes, assignments, replies.
CREATE TABLE inbox_events (
    id          INTEGER PRIMARY KEY,
    item_id     INTEGER NOT NULL REFERENCES inbox_items(id) ON DELETE CASCADE,
    user_id     INTEGER,
    kind        TEXT NOT NULL,
    detail      TEXT NOT NULL,
    at          INTEGER NOT NULL
);
CREATE INDEX inbox_events_item ON inbox_events(item_id, at);

-- Internal notes: seen by the team, never sent.
CREATE TABLE inbox_notes (
    id          INTEGER PRIMARY KEY,
    item_id     INTEGER NOT NULL REFERENCES inbox_items(id) ON DELETE CASCADE,
    user_id     INTEGER,
    body        TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX inbox_notes_item ON inbox_notes(item_id, created_at);

-- Replies sent (or being sent) through a network. The idempotency key is stored before the
-- network call, so a retried send finds it and never posts twice.
CREATE TABLE inbox_replies (
    id               INTEGER PRIMARY KEY,
    item_id          INTEGER NOT NULL REFERENCES inbox_items(id) ON DELETE CASCADE,
    user_id          INTEGER,
    body             TEXT NOT NULL,
    idempotency_key  TEXT NOT NULL UNIQUE,
    state            TEXT NOT NULL DEFAULT 'pending',
    remote_id        TEXT,
    error            TEXT,
    created_at       INTEGER NOT NULL,
    finished_at      INTEGER
);
CREATE INDEX inbox_replies_item ON inbox_replies(item_id, created_at);

-- Saved replies with variables such as {{author}}.
CREATE TABLE saved_replies (
    id            INTEGER PRIMARY KEY,
    workspace_id  INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    body          TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    UNIQUE (workspace_id, name)
);

-- An agent's correction of a post's sentiment or intent: training data for the workspace's
-- model. The latest correction of a field wins.
CREATE TABLE corrections (
    id            INTEGER PRIMARY KEY,
    workspace_id  INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    post_id       INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    field         TEXT NOT NULL,
    old_value     TEXT,
    new_value     TEXT NOT NULL,
    user_id       INTEGER,
    created_at    INTEGER NOT NULL
);
CREATE INDEX corrections_workspace ON corrections(workspace_id, created_at);

-- Threads: the replies of a conversation, found from its root (only replies carry one).
CREATE INDEX posts_conversation ON posts(network, conversation_id) WHERE conversation_id IS NOT NULL;
