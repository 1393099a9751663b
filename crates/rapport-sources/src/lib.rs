//! Where rapport's posts come from.
//!
//! Each source of posts gets a module here that turns what it reads into
//! [`rapport_model::Post`]s:
//!
//! * one module per network, pure and without I/O: [`mastodon`], [`bluesky`], [`x`],
//!   [`reddit`], [`hackernews`], [`feed`] turn the documents each network sends (API
//!   responses, stream captures, feeds) into a [`Page`]: posts, the [`Cursor`] a poller
//!   stores (as JSON) to go on from, and the items [`Skipped`] with their reason.
//!   [`parse_document`] recognises which document of a network it was given; a document
//!   that cannot be read at all is a [`ParseError`] naming the network, the document and
//!   where (JSON path, line and column). `rapport parse` is its command line.
//! * [`file`](mod@file), which reads CSV and JSONL exports for `rapport import`.
//!
//! * [`source`]: the contract every polled connector implements ([`source::Source`]), and
//!   [`http`], the one guarded HTTP client they share (SSRF guard, bounds, rate limits).
//!
//! Storing the posts is the store's business, not this crate's.

pub mod bluesky;
pub mod connectors;
pub mod feed;
pub mod file;
pub mod hackernews;
pub mod http;
pub mod mastodon;
mod parse;
pub mod publish;
pub mod reddit;
pub mod source;
pub mod x;

pub use parse::html::html_to_text;
pub use parse::{
    parse_document, ClampedDate, Cursor, DateProblem, Document, Location, Page, ParseError, Skipped,
};
