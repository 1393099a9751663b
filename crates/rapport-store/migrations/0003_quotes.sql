-- Quote posts (Bluesky embeds, X quote tweets) keep the native id of the post they quote.
ALTER TABLE posts ADD COLUMN quote_of TEXT;
