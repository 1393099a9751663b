//! The polled connectors against a local server answering, in order, scripted responses in
//! each network's documented shape: the documents are the parser fixtures
//! (`tests/fixtures/*`, each README cites the API documentation), or built from one of their
//! items with only ids and dates changed.

mod script;

mod errors;
mod facebook;
mod feed;
mod hackernews;
mod mastodon;
mod paged;
