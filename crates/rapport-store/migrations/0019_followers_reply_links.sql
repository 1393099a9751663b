-- rapport schema v19: the account's follower count when a post was sent, and short links
-- in inbox replies.
--
-- `draft_targets.followers` is what the network reported (`Publisher::followers`) just
-- before the post went out; NULL when it could not be read or the network has no such
-- count. Campaign pages divide engagement by it (per 1,000 followers), never by NULL or 0.
ALTER TABLE draft_targets ADD COLUMN followers INTEGER;

-- A short link in an inbox reply belongs to the reply's idempotency key (the reply is
-- recorded after its links are made) instead of a delivery: the same key and URL position
-- always give the same link, so a retried reply sends the same text.
ALTER TABLE short_links ADD COLUMN reply_key TEXT;
CREATE UNIQUE INDEX short_links_reply ON short_links(workspace_id, reply_key, position);
