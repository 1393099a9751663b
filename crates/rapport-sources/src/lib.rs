//! Where rapport's posts come from.
//!
//! Each source of posts gets a module here that turns what it reads into
//! [`rapport_model::Post`]s: one per network (Mastodon, Bluesky, X, Reddit, Hacker News,
//! feeds; to come), and [`file`](mod@file), which reads CSV and JSONL exports for
//! `rapport import`.
//! Storing the posts is the store's business, not this crate's.

pub mod file;
