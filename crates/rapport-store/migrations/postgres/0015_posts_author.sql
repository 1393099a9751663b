-- An author's posts over time, for author pages (see the SQLite migration 0013).
CREATE INDEX posts_author ON posts (author_id, created_at);
