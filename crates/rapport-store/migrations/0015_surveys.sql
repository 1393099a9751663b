-- rapport schema: survey pages. A workspace's surveys (questions as JSON), each with a
-- random public code and its own key for signing visitors' cookies; one row per answer,
-- unique per survey and visitor (the SHA-256 of the visitor's cookie token), so a second
-- answer from the same visitor is refused by the database itself.

CREATE TABLE surveys (
    id            INTEGER PRIMARY KEY,
    workspace_id  INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    code          TEXT NOT NULL UNIQUE,
    title         TEXT NOT NULL,
    questions     TEXT NOT NULL,
    open          INTEGER NOT NULL DEFAULT 1,
    signing_key   BLOB NOT NULL,
    created_by    INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at    INTEGER NOT NULL
);
CREATE INDEX surveys_workspace ON surveys(workspace_id, id);

CREATE TABLE survey_responses (
    id            INTEGER PRIMARY KEY,
    survey_id     INTEGER NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
    voter_hash    BLOB NOT NULL,
    answers       TEXT NOT NULL,
    submitted_at  INTEGER NOT NULL,
    UNIQUE (survey_id, voter_hash)
);
