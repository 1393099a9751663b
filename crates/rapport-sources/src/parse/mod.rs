//! Reading one network document: [`parse_document`] and what it gives back.

mod error;
pub(crate) mod html;
pub(crate) mod json;
mod page;

pub use error::{Location, ParseError};
pub use page::{ClampedDate, Cursor, DateProblem, Document, Page, Skipped};

use rapport_model::{Network, Timestamp};

/// Reads one document a network sent and recognises which of its documents it is (see
/// each network's module for the documents it knows): a Mastodon status array, search
/// result, notification array or streaming capture; a Bluesky searchPosts output or
/// Jetstream lines; an X search page or stream lines; a Reddit listing; a Hacker News
/// search response; an RSS, Atom or JSON feed.
///
/// `fetched_at` is when the document was fetched: feed items with no date, an unreadable
/// one or one in the future are dated then (and listed in [`Page::dates_clamped`]).
///
/// A bad item is skipped with a reason ([`Page::skipped`]) and the others are still read;
/// only a document that cannot be read at all is a [`ParseError`]. Nothing here panics on
/// any input.
pub fn parse_document(
    network: Network,
    bytes: &[u8],
    fetched_at: Timestamp,
) -> Result<Page, ParseError> {
    match network {
        Network::Mastodon => crate::mastodon::parse(bytes),
        Network::Bluesky => crate::bluesky::parse(bytes),
        Network::X => crate::x::parse(bytes),
        Network::Reddit => crate::reddit::parse(bytes),
        Network::HackerNews => crate::hackernews::parse(bytes),
        Network::Feed => crate::feed::parse(bytes, fetched_at),
        Network::Webhook | Network::Import => Err(ParseError::new(
            network,
            Document::Unknown,
            format!("{network} has no network documents to parse; use rapport import for files"),
        )),
        Network::Facebook => Err(ParseError::new(
            network,
            Document::Unknown,
            "rapport parse reads no Facebook format: comments on a Page come from a `facebook_comments` source".to_string(),
        )),
    }
}
