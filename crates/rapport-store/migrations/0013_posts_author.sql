-- An author's posts over time: author pages (`author_standing`, mentions filtered by author)
-- read the author's few posts instead of a workspace's whole window of mentions (1.1 to
-- 1.9 s on a million posts before, see ARCHITECTURE.md).
CREATE INDEX posts_author ON posts(author_id, created_at);
