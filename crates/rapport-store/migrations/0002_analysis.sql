-- rapport schema v2: what the pipeline understands of each post (rapport-nlp).
-- NULL for posts stored before analysis existed, or stored without it.
-- No CHECK constraints on sentiment and intent: with them, storing a post cost about 30% more
-- CPU (bench import, 300k posts: 4.5-5.7 against 3.5 CPU-seconds). The store writes these
-- values from Rust enums and reads them back through the same enums, which report any
-- unknown value as a corrupt column.

ALTER TABLE posts ADD COLUMN sentiment TEXT;
-- VADER's scores, kept beside the label whatever decided it (a learned model or VADER).
ALTER TABLE posts ADD COLUMN compound REAL;
ALTER TABLE posts ADD COLUMN pos REAL;
ALTER TABLE posts ADD COLUMN neu REAL;
ALTER TABLE posts ADD COLUMN neg REAL;
ALTER TABLE posts ADD COLUMN intent TEXT;
-- 64-bit SimHash, stored as the signed integer with the same bits.
ALTER TABLE posts ADD COLUMN fingerprint INTEGER;
