-- rapport schema v2: what the pipeline understands of each post (rapport-nlp).
-- NULL for posts stored before analysis existed, or stored without it.

ALTER TABLE posts ADD COLUMN sentiment TEXT
    CHECK (sentiment IN ('positive', 'neutral', 'negative'));
-- VADER's scores, kept beside the label whatever decided it (a learned model or VADER).
ALTER TABLE posts ADD COLUMN compound REAL;
ALTER TABLE posts ADD COLUMN pos REAL;
ALTER TABLE posts ADD COLUMN neu REAL;
ALTER TABLE posts ADD COLUMN neg REAL;
ALTER TABLE posts ADD COLUMN intent TEXT
    CHECK (intent IN ('complaint', 'question', 'praise', 'purchase_intent', 'other'));
-- 64-bit SimHash, stored as the signed integer with the same bits.
ALTER TABLE posts ADD COLUMN fingerprint INTEGER;
