//! What the simulator knows about each post it writes: the ground truth analytics are scored on.

use rapport_model::Post;
use serde::{Deserialize, Serialize};

/// Why a post was written. Unlike [`rapport_model::Intent`], ground truth knows which posts
/// are spam, so it has a `Spam` class of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Intent {
    /// Something went wrong and the author says so.
    Complaint,
    /// The author asks something (how to, is it normal, does it work with...).
    Question,
    /// The author is happy with something.
    Praise,
    /// The author considers buying ("thinking of getting...", "X or Y?").
    PurchaseIntent,
    /// Junk: giveaways, crypto, fake deals.
    Spam,
    /// Anything else: news, neutral mentions, chit-chat, off-topic noise.
    Other,
}

impl Intent {
    /// Every intent, in declaration order.
    pub const ALL: [Intent; 6] = [
        Intent::Complaint,
        Intent::Question,
        Intent::Praise,
        Intent::PurchaseIntent,
        Intent::Spam,
        Intent::Other,
    ];

    /// The stable snake_case name (as serialised).
    pub fn as_str(self) -> &'static str {
        match self {
            Intent::Complaint => "complaint",
            Intent::Question => "question",
            Intent::Praise => "praise",
            Intent::PurchaseIntent => "purchase_intent",
            Intent::Spam => "spam",
            Intent::Other => "other",
        }
    }
}

/// The author's attitude: the model's own label type, so ground truth and the pipeline's
/// analysis compare directly. (Spam is labelled neutral.)
pub use rapport_model::SentimentLabel as Sentiment;

/// The ground truth about one simulated post.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Truth {
    /// Why it was written.
    pub intent: Intent,
    /// The author's attitude.
    pub sentiment: Sentiment,
    /// What it is about: the name of the brand, of one of its products or of a competitor,
    /// equal to the matching [`crate::SuggestedMonitor::name`]; `None` for off-topic posts
    /// and for chit-chat replies.
    pub subject: Option<String>,
    /// Part of a scheduled [`crate::Incident`]: written by the incident, or a repost, copy
    /// or reply within an incident's conversation.
    pub incident: bool,
    /// Junk (also true for copies and reposts of junk).
    pub spam: bool,
    /// For copypasta: the native id (same network) of the post it copies with small changes.
    pub near_duplicate_of: Option<String>,
    /// For reposts (retweets, boosts): the native id (same network) of the post it repeats.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repost_of: Option<String>,
    /// The language it is written in (ISO 639-1). Only Mastodon, Bluesky and X declare a
    /// post's language in [`Post::language`](rapport_model::Post); the others leave it to
    /// detection, as the real networks do.
    #[serde(default)]
    pub lang: String,
}

/// One simulated post with its ground truth; serialises as `{"post": {...}, "truth": {...}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimPost {
    /// The post, as a source would deliver it.
    pub post: Post,
    /// What the simulator meant it to be.
    pub truth: Truth,
}
