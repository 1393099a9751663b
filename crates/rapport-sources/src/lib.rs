//! Where rapport's posts come from.
//!
//! Each source of posts gets a module here that turns what it reads into
//! [`rapport_model::Post`]s: one per network (Mastodon, Bluesky, X, Reddit, Hacker News,
//! feeds; to come), and [`file`](mod@file), which reads CSV and JSONL exports for
//! `rapport import`. [`source`] is the contract every polled connector implements
//! ([`source::Source`]) and [`http`] the one guarded HTTP client they share.
//! Storing the posts is the store's business, not this crate's.

pub mod file;
pub mod http;
pub mod source;
