-- rapport schema v17: engagement of published posts, short links with their clicks, and
-- campaigns (A/B tests).
--
-- `engagement_samples` has one row per delivered target and sampling slot (the slot is the
-- index in the sampler's decaying schedule). The row is inserted when a sampler claims the
-- slot, BEFORE the network is asked, and filled in afterwards: the primary key makes two
-- samplers on one database never both ask the network for the same slot.

CREATE TABLE engagement_samples (
    delivery_id  INTEGER NOT NULL REFERENCES draft_targets(id) ON DELETE CASCADE,
    slot         INTEGER NOT NULL,
    claimed_by   TEXT NOT NULL,
    claimed_at   INTEGER NOT NULL,
    sampled_at   INTEGER,
    likes        INTEGER,
    reposts      INTEGER,
    replies      INTEGER,
    quotes       INTEGER,
    impressions  INTEGER,
    PRIMARY KEY (delivery_id, slot)
);
CREATE INDEX engagement_samples_time ON engagement_samples(delivery_id, sampled_at);

-- A target whose post was deleted, or whose network reports no counts, is not asked again.
CREATE TABLE engagement_stops (
    delivery_id  INTEGER PRIMARY KEY REFERENCES draft_targets(id) ON DELETE CASCADE,
    reason       TEXT NOT NULL,
    stopped_at   INTEGER NOT NULL
);

CREATE TABLE link_settings (
    workspace_id  INTEGER PRIMARY KEY REFERENCES workspaces(id) ON DELETE CASCADE,
    enabled       INTEGER NOT NULL DEFAULT 0,
    base_url      TEXT NOT NULL DEFAULT '',
    utm_medium    TEXT NOT NULL DEFAULT 'social'
);

-- One short link per URL (by its position) in a delivered target's text.
CREATE TABLE short_links (
    id            INTEGER PRIMARY KEY,
    code          TEXT NOT NULL UNIQUE,
    workspace_id  INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    delivery_id   INTEGER REFERENCES draft_targets(id) ON DELETE CASCADE,
    position      INTEGER NOT NULL,
    destination   TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    UNIQUE (delivery_id, position)
);

-- Clicks per link and hour; link-preview bots counted apart. No address is stored.
CREATE TABLE link_clicks (
    link_id   INTEGER NOT NULL REFERENCES short_links(id) ON DELETE CASCADE,
    hour      INTEGER NOT NULL,
    clicks    INTEGER NOT NULL DEFAULT 0,
    previews  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (link_id, hour)
);

CREATE TABLE campaigns (
    id            INTEGER PRIMARY KEY,
    workspace_id  INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    slug          TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    UNIQUE (workspace_id, slug)
);

-- A draft belongs to at most one campaign, as one variant (A, B, ...).
CREATE TABLE campaign_drafts (
    draft_id     INTEGER PRIMARY KEY REFERENCES drafts(id) ON DELETE CASCADE,
    campaign_id  INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    variant      TEXT NOT NULL
);
CREATE INDEX campaign_drafts_campaign ON campaign_drafts(campaign_id, variant);
